//! Configuration, layered: built-in defaults, then a TOML file (`--config` or
//! `RENKEI_CONFIG`), then `RENKEI_*` environment variables, then command-line flags. Validated
//! once at start and passed in; nothing reads it globally.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use renkei_accounts::Secret;
use renkei_server::ServerConfig;
use renkei_server::notify::{SmtpConfig, TlsMode};
use serde::Deserialize;

/// The settings file. Every field is optional; see `docs/configuration.md`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<SocketAddr>,
    #[serde(default)]
    pub taxii: TaxiiFile,
    #[serde(default)]
    pub membership: MembershipFile,
    #[serde(default)]
    pub audit: AuditFile,
    #[serde(default)]
    pub products: ProductsFile,
    /// Notification e-mail; absent: notifications are in-app only.
    pub smtp: Option<SmtpFile>,
    #[serde(default)]
    pub web: WebFile,
}

/// `[web]`: the web UI.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebFile {
    /// The server is reached over plain http (a local demo): cookies without `Secure`.
    pub plain_http: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductsFile {
    /// The prefix of product numbers (`RENKEI` in `RENKEI-AT-2026-0001`).
    pub prefix: Option<String>,
}

/// `[smtp]`: where notification e-mail goes (see `docs/notifications.md`).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpFile {
    pub host: String,
    pub port: Option<u16>,
    pub from: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `none`, `starttls` (the default) or `tls`.
    pub tls: Option<String>,
}

impl std::fmt::Debug for SmtpFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpFile")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("tls", &self.tls)
            .finish()
    }
}

impl SmtpFile {
    /// The validated settings: a known TLS mode, a sender address, a password only with a
    /// user name. The port defaults by mode (25, 587, 465).
    fn settings(self) -> anyhow::Result<SmtpConfig> {
        let tls: TlsMode = match self.tls.as_deref() {
            Some(t) => t.parse().map_err(anyhow::Error::msg)?,
            None => TlsMode::default(),
        };
        if self.host.trim().is_empty() {
            bail!("smtp.host must not be empty");
        }
        if self.password.is_some() && self.username.is_none() {
            bail!("smtp.password needs smtp.username");
        }
        let from =
            SmtpConfig::parse_from(&self.from).map_err(|e| anyhow::anyhow!("smtp.from: {e}"))?;
        let port = self.port.unwrap_or(match tls {
            TlsMode::None => 25,
            TlsMode::StartTls => 587,
            TlsMode::Tls => 465,
        });
        Ok(SmtpConfig {
            host: self.host,
            port,
            from,
            username: self.username,
            password: self.password.map(Secret::new),
            tls,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditFile {
    pub key_file: Option<PathBuf>,
    pub checkpoint_every: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipFile {
    pub recommendations_required: Option<usize>,
    pub nda_version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxiiFile {
    pub title: Option<String>,
    pub description: Option<String>,
    pub contact: Option<String>,
    pub max_content_length: Option<usize>,
    pub max_page_size: Option<usize>,
    pub default_page_size: Option<usize>,
    pub max_objects_per_post: Option<usize>,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub listen: SocketAddr,
    pub server: ServerConfig,
    pub audit: AuditSettings,
}

/// The audit log's settings (`[audit]`, see `docs/audit.md`).
#[derive(Debug, Clone)]
pub struct AuditSettings {
    /// The checkpoint signing key's seed; created (mode 0600) on first use.
    pub key_file: PathBuf,
    /// A signed checkpoint every this many entries.
    pub checkpoint_every: u64,
}

pub const DEFAULT_CHECKPOINT_EVERY: u64 = 1000;

/// What flags and the environment said (clap reads both).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<SocketAddr>,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

impl Config {
    pub fn load(o: &Overrides) -> anyhow::Result<Config> {
        let file = match &o.config_file {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let data_dir = o
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("renkei-data"));
        let database_url = o
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("renkei.db").display()));
        let listen = match o.listen.or(file.listen) {
            Some(l) => l,
            None => DEFAULT_LISTEN.parse().context("default listen address")?,
        };
        let mut server = ServerConfig::default();
        let t = file.taxii;
        if let Some(v) = t.title {
            server.title = v;
        }
        if let Some(v) = t.description {
            server.description = v;
        }
        server.contact = t.contact;
        if let Some(v) = t.max_content_length {
            server.max_content_length = v;
        }
        if let Some(v) = t.max_page_size {
            server.max_page_size = v;
        }
        if let Some(v) = t.default_page_size {
            server.default_page_size = v;
        }
        if let Some(v) = t.max_objects_per_post {
            server.max_objects_per_post = v;
        }
        if let Some(v) = file.products.prefix {
            server.product_prefix = v;
        }
        let m = file.membership;
        if let Some(v) = m.recommendations_required {
            server.membership.recommendations_required = v;
        }
        if let Some(v) = m.nda_version {
            server.membership.nda_version = v;
        }
        if let Some(v) = file.web.plain_http {
            server.web_plain_http = v;
        }
        if let Some(smtp) = file.smtp {
            server.smtp = Some(smtp.settings()?);
        }
        let audit = AuditSettings {
            key_file: file
                .audit
                .key_file
                .unwrap_or_else(|| data_dir.join("audit-signing.key")),
            checkpoint_every: file
                .audit
                .checkpoint_every
                .unwrap_or(DEFAULT_CHECKPOINT_EVERY),
        };
        let config = Config {
            data_dir,
            database_url,
            listen,
            server,
            audit,
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let s = &self.server;
        if s.max_content_length < 1024 {
            bail!("taxii.max_content_length must be at least 1024 bytes");
        }
        if s.max_page_size == 0 || s.default_page_size == 0 || s.default_page_size > s.max_page_size
        {
            bail!("taxii.default_page_size must be between 1 and taxii.max_page_size");
        }
        if !renkei_model::product::valid_prefix(&s.product_prefix) {
            bail!(
                "products.prefix must be 2 to 16 upper-case letters or digits, starting with a letter"
            );
        }
        if s.max_objects_per_post == 0 {
            bail!("taxii.max_objects_per_post must be positive");
        }
        if s.membership.recommendations_required > 20 {
            bail!("membership.recommendations_required must be at most 20");
        }
        let nda = &s.membership.nda_version;
        if nda.is_empty() || nda.len() > 64 || nda.chars().any(char::is_control) {
            bail!("membership.nda_version must be 1 to 64 printable characters");
        }
        if !(1..=1_000_000).contains(&self.audit.checkpoint_every) {
            bail!("audit.checkpoint_every must be between 1 and 1000000");
        }
        if self.audit.key_file.as_os_str().is_empty() {
            bail!("audit.key_file must not be empty");
        }
        if !(self.database_url.starts_with("sqlite:")
            || renkei_store_postgres::PostgresStore::is_postgres_url(&self.database_url))
        {
            bail!(
                "database URL must start with sqlite:// or postgres:// (got `{}`)",
                redact(&self.database_url)
            );
        }
        Ok(())
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("in {}", path.display()))
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layering() {
        let c = Config::load(&Overrides::default()).unwrap();
        assert_eq!(c.database_url, "sqlite://renkei-data/renkei.db");
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(
            c.audit.key_file,
            PathBuf::from("renkei-data/audit-signing.key")
        );
        assert_eq!(c.audit.checkpoint_every, DEFAULT_CHECKPOINT_EVERY);
        let dir = std::env::temp_dir().join(format!("renkei-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("renkei.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\n[taxii]\nmax_page_size = 50\ndefault_page_size = 10\n",
        )
        .unwrap();
        let c = Config::load(&Overrides {
            config_file: Some(file.clone()),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.server.max_page_size, 50);
        let c = Config::load(&Overrides {
            config_file: Some(file.clone()),
            listen: Some("127.0.0.1:9001".parse().unwrap()),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(c.listen.port(), 9001, "flags win over the file");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        assert!(
            Config::load(&Overrides {
                config_file: Some(file),
                ..Overrides::default()
            })
            .is_err(),
            "typos are errors"
        );
    }

    #[test]
    fn audit_table() {
        let dir = std::env::temp_dir().join(format!("renkei-config-audit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("renkei.toml");
        std::fs::write(
            &file,
            "[audit]\nkey_file = \"/etc/renkei/audit.key\"\ncheckpoint_every = 50\n",
        )
        .unwrap();
        let load = || {
            Config::load(&Overrides {
                config_file: Some(file.clone()),
                ..Overrides::default()
            })
        };
        let c = load().unwrap();
        assert_eq!(c.audit.key_file, PathBuf::from("/etc/renkei/audit.key"));
        assert_eq!(c.audit.checkpoint_every, 50);
        std::fs::write(&file, "[audit]\ncheckpoint_every = 0\n").unwrap();
        assert!(load().is_err(), "a checkpoint every 0 entries");
        std::fs::write(&file, "[audit]\nkey = \"x\"\n").unwrap();
        assert!(load().is_err(), "typos are errors");
    }

    #[test]
    fn smtp_table() {
        let dir = std::env::temp_dir().join(format!("renkei-config-smtp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("renkei.toml");
        let load = || {
            Config::load(&Overrides {
                config_file: Some(file.clone()),
                ..Overrides::default()
            })
        };
        std::fs::write(&file, "").unwrap();
        assert!(
            load().unwrap().server.smtp.is_none(),
            "in-app only by default"
        );
        std::fs::write(
            &file,
            "[smtp]\nhost = \"mail.example.jp\"\nfrom = \"Renkei <noreply@example.jp>\"\nusername = \"renkei\"\npassword = \"hunter22\"\n",
        )
        .unwrap();
        let smtp = load().unwrap().server.smtp.unwrap();
        assert_eq!(smtp.port, 587);
        assert_eq!(smtp.tls, TlsMode::StartTls);
        assert!(
            !format!("{smtp:?}").contains("hunter22"),
            "the password never shows"
        );
        std::fs::write(
            &file,
            "[smtp]\nhost = \"127.0.0.1\"\nport = 2525\nfrom = \"noreply@example.jp\"\ntls = \"none\"\n",
        )
        .unwrap();
        let smtp = load().unwrap().server.smtp.unwrap();
        assert_eq!((smtp.port, smtp.tls), (2525, TlsMode::None));
        for bad in [
            "[smtp]\nhost = \"h\"\nfrom = \"not an address\"\n",
            "[smtp]\nhost = \"h\"\nfrom = \"a@example.jp\"\ntls = \"ssl\"\n",
            "[smtp]\nhost = \"h\"\nfrom = \"a@example.jp\"\npassword = \"x\"\n",
            "[smtp]\nhost = \"h\"\nfrom = \"a@example.jp\"\nuser = \"x\"\n",
        ] {
            std::fs::write(&file, bad).unwrap();
            assert!(load().is_err(), "{bad}");
        }
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://renkei:s3cret@db:5432/renkei"),
            "postgres://renkei:***@db:5432/renkei"
        );
        assert_eq!(
            redact("sqlite://renkei-data/renkei.db"),
            "sqlite://renkei-data/renkei.db"
        );
    }
}
