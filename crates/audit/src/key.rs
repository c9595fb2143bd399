//! The checkpoint signing key: an ed25519 key whose 32-byte seed lives in a file only the
//! server's user can read, and whose public half is registered in the store, so that
//! `renkei verify audit` can check checkpoints without the secret.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use renkei_model::audit::{AuditCheckpoint, checkpoint_message};
use renkei_store::Store;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::AuditError;

/// The store setting holding the registered public key, as lowercase hex.
pub const PUBLIC_KEY_SETTING: &str = "audit_public_key";

/// The short name of a public key: the first 16 hex characters of the SHA-256 of its bytes.
pub fn key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut id = hex::encode(digest);
    id.truncate(16);
    id
}

/// Parses a public key written as 64 hex characters.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, AuditError> {
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AuditError::InvalidKey("a public key is 64 hex characters".into()))?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|e| AuditError::InvalidKey(format!("not an ed25519 public key: {e}")))
}

/// Signs checkpoints. `Debug` shows the key id only, never the secret.
#[derive(Clone)]
pub struct CheckpointSigner {
    key: SigningKey,
    key_id: String,
}

impl std::fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointSigner")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl CheckpointSigner {
    /// The signer whose ed25519 secret key is `seed`.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let seed = Zeroizing::new(seed);
        let key = SigningKey::from_bytes(&seed);
        let key_id = key_id(&key.verifying_key());
        CheckpointSigner { key, key_id }
    }

    /// Loads the key from `path` (its seed as 64 hex characters), or creates the file with a
    /// fresh random seed from the operating system, readable by its owner only (mode 0600).
    ///
    /// Two processes creating the same file at once end up with the same key: the file appears
    /// whole or not at all (written aside, then hard-linked into place), and the loser loads
    /// the winner's key.
    pub fn load_or_create(path: &Path) -> Result<Self, AuditError> {
        match std::fs::read_to_string(path) {
            Ok(text) => return Self::from_file_text(path, &Zeroizing::new(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(AuditError::key_file(path, e)),
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        rand::TryRng::try_fill_bytes(&mut rand::rngs::SysRng, seed.as_mut())
            .map_err(|e| AuditError::Random(e.to_string()))?;
        if create_exclusive(path, &Zeroizing::new(hex::encode(*seed) + "\n"))? {
            Ok(Self::from_seed(*seed))
        } else {
            // Another process created it first.
            let text = std::fs::read_to_string(path).map_err(|e| AuditError::key_file(path, e))?;
            Self::from_file_text(path, &Zeroizing::new(text))
        }
    }

    fn from_file_text(path: &Path, text: &str) -> Result<Self, AuditError> {
        warn_if_readable_by_others(path);
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), seed.as_mut()).map_err(|_| {
            AuditError::InvalidKey(format!(
                "{} must hold 64 hex characters (an ed25519 seed)",
                path.display()
            ))
        })?;
        Ok(Self::from_seed(*seed))
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The public key as 64 lowercase hex characters (what the store registers).
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().as_bytes())
    }

    /// See [`key_id`].
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// A checkpoint saying the chain's entry `seq` has `hash`, signed at `at` (µs since the
    /// epoch).
    pub fn sign(&self, seq: i64, hash: [u8; 32], at: i64) -> AuditCheckpoint {
        let signature = self.key.sign(&checkpoint_message(seq, &hash, at));
        AuditCheckpoint {
            seq,
            hash,
            at,
            key_id: self.key_id.clone(),
            signature: signature.to_bytes().to_vec(),
        }
    }
}

/// Registers the signer's public key in the store (setting [`PUBLIC_KEY_SETTING`]) if none is
/// there yet. A store that already holds another key is [`AuditError::KeyMismatch`]: its
/// checkpoints would stop verifying.
pub async fn register_key(store: &dyn Store, signer: &CheckpointSigner) -> Result<(), AuditError> {
    let ours = signer.public_key_hex();
    let stored = store
        .init_setting(PUBLIC_KEY_SETTING, ours.as_bytes())
        .await?;
    if stored == ours.as_bytes() {
        return Ok(());
    }
    let registered = match std::str::from_utf8(&stored).map(parse_public_key) {
        Ok(Ok(key)) => key_id(&key),
        _ => format!("{:?}", String::from_utf8_lossy(&stored)),
    };
    Err(AuditError::KeyMismatch {
        registered,
        ours: signer.key_id().to_owned(),
    })
}

/// The public key registered in the store, if any.
pub async fn registered_key(store: &dyn Store) -> Result<Option<VerifyingKey>, AuditError> {
    match store.setting(PUBLIC_KEY_SETTING).await? {
        None => Ok(None),
        Some(bytes) => {
            let text = std::str::from_utf8(&bytes).map_err(|_| {
                AuditError::InvalidKey(format!("setting {PUBLIC_KEY_SETTING} is not text"))
            })?;
            parse_public_key(text).map(Some)
        }
    }
}

/// Writes `contents` to a new file at `path`, mode 0600, unless the file exists (then
/// `Ok(false)`). Readers never see a partly written file.
fn create_exclusive(path: &Path, contents: &str) -> Result<bool, AuditError> {
    let err = |e| AuditError::key_file(path, e);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let aside = dir.join(format!(
        ".{}.{}.tmp",
        name.as_deref().unwrap_or("audit-key"),
        std::process::id()
    ));
    let written = write_private(&aside, contents).and_then(|()| std::fs::hard_link(&aside, path));
    // The aside name is ours alone; a failure to remove it leaves a harmless private file.
    let _ = std::fs::remove_file(&aside);
    match written {
        Ok(()) => {
            // Make the new name durable; the key must survive a crash once used to sign.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(err(e)),
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                "the audit signing key file is readable by other users; run chmod 600 on it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn signs_verifiable_checkpoints() {
        let signer = CheckpointSigner::from_seed([3; 32]);
        let cp = signer.sign(10, [9; 32], 1_780_000_000_000_000);
        assert_eq!(cp.key_id, signer.key_id());
        assert_eq!(cp.key_id.len(), 16);
        let sig = ed25519_dalek::Signature::from_slice(&cp.signature).unwrap();
        let key = parse_public_key(&signer.public_key_hex()).unwrap();
        assert!(
            key.verify_strict(&checkpoint_message(10, &[9; 32], cp.at), &sig)
                .is_ok()
        );
        assert!(
            key.verify_strict(&checkpoint_message(11, &[9; 32], cp.at), &sig)
                .is_err()
        );
        assert!(!format!("{signer:?}").contains(&hex::encode([3u8; 32])));
    }

    #[test]
    fn key_file_is_created_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("audit-signing.key");
        let first = CheckpointSigner::load_or_create(&path).unwrap();
        let again = CheckpointSigner::load_or_create(&path).unwrap();
        assert_eq!(first.public_key_hex(), again.public_key_hex());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
        std::fs::write(&path, "not hex\n").unwrap();
        assert!(matches!(
            CheckpointSigner::load_or_create(&path),
            Err(AuditError::InvalidKey(_))
        ));
    }

    #[test]
    fn public_keys_parse_strictly() {
        assert!(parse_public_key("abcd").is_err());
        assert!(parse_public_key(&"zz".repeat(32)).is_err());
        let hex = CheckpointSigner::from_seed([1; 32]).public_key_hex();
        assert!(parse_public_key(&format!(" {hex}\n")).is_ok());
    }
}
