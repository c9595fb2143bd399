//! What goes into and comes out of a store. These are rows and queries, not wire types: the
//! server maps them to TAXII and REST resources.

use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use renkei_model::handling::{Attribution, Classification, Handling, Sector, Tlp};
use renkei_model::ids::{OrgId, SubmissionId, TokenId, UserId};
use renkei_model::stix::{ObjectClass, Timestamp};

/// A new organisation.
#[derive(Clone, Debug)]
pub struct NewOrg {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    pub sector: Option<Sector>,
    pub tier: Tier,
    pub status: OrgStatus,
    pub created_at: i64,
}

/// A new user; the password arrives already hashed (argon2id PHC string).
#[derive(Clone)]
pub struct NewUser {
    pub id: UserId,
    pub org: OrgId,
    pub login: String,
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    pub role: Role,
    pub clearance: Classification,
    pub created_at: i64,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("id", &self.id)
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

/// A new API token: only the SHA-256 of the secret is stored.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub id: TokenId,
    pub user: UserId,
    /// The first characters of the secret, so people can tell their tokens apart.
    pub prefix: String,
    pub secret_sha256: [u8; 32],
    pub read_only: bool,
    pub scope: TokenScope,
    pub label: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

/// What a token may be used for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenScope {
    /// Everything its user may do (read-only tokens excepted).
    #[default]
    Api,
    /// Only pulling `/feeds`: for sensor and resolver configurations, where a token is
    /// stored in plain text and often in a URL.
    Feeds,
}

impl TokenScope {
    pub fn as_str(&self) -> &'static str {
        match self {
            TokenScope::Api => "api",
            TokenScope::Feeds => "feeds",
        }
    }

    /// Reads a stored scope; an unknown one is read as the narrowest.
    pub fn from_stored(s: &str) -> Self {
        match s {
            "api" => TokenScope::Api,
            _ => TokenScope::Feeds,
        }
    }
}

/// A token as the authentication layer needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: TokenId,
    pub user: UserId,
    pub prefix: String,
    pub read_only: bool,
    pub scope: TokenScope,
    pub label: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked: bool,
}

/// The original bytes of one submission, kept for evidence.
#[derive(Clone)]
pub struct NewSubmission {
    pub id: SubmissionId,
    pub provider: OrgId,
    pub user: UserId,
    pub received_at: i64,
    /// How it arrived: `taxii`, `import`, `rest`.
    pub channel: String,
    pub media_type: String,
    pub sha256: [u8; 32],
    /// Shared, because a large import parses these bytes while the store writes them.
    pub bytes: bytes::Bytes,
}

impl std::fmt::Debug for NewSubmission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSubmission")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// A stored submission.
#[derive(Clone, Debug)]
pub struct StoredSubmission {
    pub id: SubmissionId,
    pub provider: OrgId,
    pub user: UserId,
    pub received_at: i64,
    pub channel: String,
    pub media_type: String,
    pub sha256: [u8; 32],
    pub bytes: Vec<u8>,
}

/// Who submits a batch of records, denormalised onto each record for the policy filter.
#[derive(Clone, Debug)]
pub struct Provenance {
    pub submission: SubmissionId,
    pub provider: OrgId,
    pub provider_kind: OrgKind,
    pub provider_sector: Option<Sector>,
}

/// One validated STIX object to store as a record. Built with [`NewRecord::new`], which also
/// computes the hashes the store needs, so that work happens on the validating threads rather
/// than on the single writer.
#[derive(Clone, Debug)]
pub struct NewRecord {
    pub stix_id: String,
    /// [`id_key`] of `stix_id`.
    pub id_key: i64,
    pub stix_type: String,
    pub class: ObjectClass,
    /// `modified`, else `created`; `None` for objects that are not versioned (the server's
    /// `date_added` stands in, as TAXII asks).
    pub version: Option<Timestamp>,
    /// Compact JSON of the object.
    pub body: String,
    /// SHA-256 of the object as submitted (before the server added its effective markings):
    /// tells a resubmitted duplicate from a conflicting version.
    pub body_sha256: [u8; 32],
    pub handling: Handling,
    /// What the record contributes to the observable and search indexes (empty unless the
    /// caller computed them: `renkei_ingest::index::terms_of`).
    pub terms: crate::IndexTerms,
}

impl NewRecord {
    /// Replaces the body to store (the object with its effective markings added); the hash
    /// stays that of the object as submitted.
    pub fn set_body(&mut self, body: String) {
        self.body = body;
    }

    pub fn new(object: renkei_model::stix::StixObject, handling: Handling) -> NewRecord {
        use sha2::{Digest, Sha256};
        let stix_id = object.id().to_string();
        let body = object.json();
        NewRecord {
            id_key: id_key(&stix_id),
            stix_type: object.object_type().to_owned(),
            class: object.class(),
            version: object.version(),
            body_sha256: Sha256::digest(body.as_bytes()).into(),
            body: object.into_json(),
            handling,
            terms: crate::IndexTerms::default(),
            stix_id,
        }
    }
}

/// One message of a streamed ingest ([`crate::Store::ingest_stream`]).
#[derive(Debug)]
pub enum StreamItem {
    /// Records to store, in order.
    Records(RecordBatch),
    /// Everything arrived and is valid: commit.
    Commit,
    /// Store nothing of this submission.
    Abort,
}

/// Records of a streamed ingest. Dropping a batch hands its records back to the sender when
/// it asked for them ([`RecordBatch::returned_to`]): memory is freed much faster by the thread
/// that allocated it, and the store's writer (the bottleneck of a bulk import) then spends no
/// time freeing what the validating thread allocated.
#[derive(Debug, Default)]
pub struct RecordBatch {
    records: Vec<NewRecord>,
    spent: Option<std::sync::mpsc::Sender<Vec<NewRecord>>>,
}

impl RecordBatch {
    /// A batch whose records are sent to `spent` when it is dropped (or dropped there, if the
    /// receiver is gone).
    pub fn returned_to(
        records: Vec<NewRecord>,
        spent: std::sync::mpsc::Sender<Vec<NewRecord>>,
    ) -> Self {
        RecordBatch {
            records,
            spent: Some(spent),
        }
    }
}

impl From<Vec<NewRecord>> for RecordBatch {
    fn from(records: Vec<NewRecord>) -> Self {
        RecordBatch {
            records,
            spent: None,
        }
    }
}

impl std::ops::Deref for RecordBatch {
    type Target = [NewRecord];

    fn deref(&self) -> &[NewRecord] {
        &self.records
    }
}

impl Drop for RecordBatch {
    fn drop(&mut self) {
        if let Some(spent) = self.spent.take() {
            // A receiver that is gone hands the records back: they are dropped here.
            let _ = spent.send(std::mem::take(&mut self.records));
        }
    }
}

/// What became of one record of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IngestOutcome {
    Added {
        version: Timestamp,
        date_added: i64,
    },
    /// This provider already holds exactly this version with the same content.
    Duplicate {
        version: Timestamp,
        date_added: i64,
    },
    /// This provider holds this version with different content: a new version needs a new
    /// `modified` timestamp.
    Conflict {
        version: Timestamp,
    },
}

/// Which versions of each object a query returns (TAXII `match[version]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionFilter {
    pub all: bool,
    pub first: bool,
    pub last: bool,
    pub exact: Vec<Timestamp>,
}

impl Default for VersionFilter {
    /// TAXII's default: the latest version only.
    fn default() -> Self {
        VersionFilter {
            all: false,
            first: false,
            last: true,
            exact: Vec::new(),
        }
    }
}

impl VersionFilter {
    pub fn all() -> Self {
        VersionFilter {
            all: true,
            first: false,
            last: false,
            exact: Vec::new(),
        }
    }
}

/// A page of records. Rows come in ascending `date_added` order, which is unique per record.
#[derive(Clone, Debug, Default)]
pub struct RecordQuery {
    /// Exact STIX ids (empty: any).
    pub ids: Vec<String>,
    /// STIX types (empty: any).
    pub types: Vec<String>,
    pub versions: VersionFilter,
    /// `None`: the latest spec version of each object (all stored records are STIX 2.1).
    pub spec_versions: Option<Vec<String>>,
    /// Only records added strictly after this instant (µs since the epoch).
    pub added_after: Option<i64>,
    /// At most this many rows (the store returns up to `limit + 1` so the caller knows
    /// whether there are more).
    pub limit: usize,
    /// Whether to load the objects themselves (manifests and version lists do not need them).
    pub with_body: bool,
    /// Whether to load each record's full handling (its audience needs a second query).
    pub with_handling: bool,
}

/// A record as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordRow {
    pub stix_id: String,
    pub stix_type: String,
    pub version: Timestamp,
    pub date_added: i64,
    pub body: Option<String>,
    pub provider: OrgId,
    pub provider_sector: Option<Sector>,
    pub attribution: Attribution,
    pub tlp: Tlp,
    pub classification: Classification,
    /// With [`RecordQuery::with_handling`].
    pub handling: Option<Handling>,
}

impl RecordRow {
    /// Whether reading this record is written to the audit log: above TLP:GREEN or classified.
    pub fn is_sensitive(&self) -> bool {
        self.tlp.rank() > Tlp::Green.rank() || self.classification > Classification::UNCLASSIFIED
    }
}

/// A provider's change of the handling of its own record: every stored version of the object
/// it provided gets the new handling and is re-added (a new `date_added`), so that recipients
/// who may now see it find it when they poll for what is new.
#[derive(Clone, Debug)]
pub struct HandlingChange {
    pub provider: OrgId,
    pub stix_id: String,
    pub handling: Handling,
    /// The earliest `date_added` the re-added versions may get.
    pub now: i64,
}

/// Who asks to delete, and whether they may delete records of other providers.
#[derive(Clone, Debug)]
pub struct Deleter {
    pub org: OrgId,
    pub may_delete_any: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeleteOutcome {
    /// Nothing the caller may see matched.
    NotFound,
    /// The caller may see what matched but none of it is theirs to delete.
    Forbidden,
    Deleted(usize),
}

/// Counts for status pages and the demo seeding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreStats {
    pub orgs: u64,
    pub users: u64,
    pub records: u64,
    pub submissions: u64,
}

/// The name of the backend, for logs and benchmarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The key under which both backends index a STIX id: the first 8 bytes of its SHA-256. A
/// small integer index is several times cheaper to maintain than one on 40–80-byte strings;
/// queries always compare the id itself too, so a collision costs a row read, never a wrong
/// answer.
pub fn id_key(stix_id: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(stix_id.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    i64::from_be_bytes(b)
}

/// Stored handling columns: the numeric codes both backends write.
pub mod codes {
    use renkei_model::handling::{Attribution, Pap, Tlp};
    use renkei_policy::bits;

    pub fn tlp(t: Tlp) -> i16 {
        i16::from(t.rank())
    }
    pub fn pap(p: Pap) -> i16 {
        i16::from(p.rank())
    }
    pub fn attribution(a: Attribution) -> i16 {
        i16::from(a.rank())
    }
    /// Rebuilds a stored handling from its columns and audience rows. Codes that do not
    /// decode are read as the most restrictive value.
    pub fn handling_from(
        tlp: i64,
        audience_mask: i64,
        audience_rows: &[(i16, String)],
        classification: i64,
        uses: i64,
        attribution: i64,
        pap: i64,
    ) -> renkei_model::handling::Handling {
        use renkei_model::handling::{Audience, Classification, Handling, Uses};
        Handling {
            tlp: tlp_from(tlp),
            audience: audience_from(audience_mask, audience_rows)
                .unwrap_or_else(Audience::provider_only),
            classification: u8::try_from(classification)
                .ok()
                .and_then(|c| Classification::new(c).ok())
                .unwrap_or(Classification::MAX),
            uses: u8::try_from(uses)
                .ok()
                .and_then(Uses::from_bits)
                .unwrap_or(Uses::NONE),
            attribution: attribution_from(attribution),
            pap: u8::try_from(pap)
                .ok()
                .and_then(Pap::from_rank)
                .unwrap_or(Pap::Red),
        }
    }

    pub fn classification_from(code: i64) -> renkei_model::handling::Classification {
        use renkei_model::handling::Classification;
        u8::try_from(code)
            .ok()
            .and_then(|c| Classification::new(c).ok())
            .unwrap_or(Classification::MAX)
    }

    pub fn tlp_from(code: i64) -> Tlp {
        u8::try_from(code)
            .ok()
            .and_then(Tlp::from_rank)
            .unwrap_or(Tlp::Red)
    }
    pub fn attribution_from(code: i64) -> Attribution {
        u8::try_from(code)
            .ok()
            .and_then(Attribution::from_rank)
            .unwrap_or(Attribution::Hidden)
    }
    /// Audience entry kinds in the side table.
    pub const AUDIENCE_ORG: i16 = 1;
    pub const AUDIENCE_SECTOR: i16 = 2;
    pub const AUDIENCE_USER: i16 = 3;

    /// Rebuilds an audience from its mask and its side-table rows. Unknown or malformed rows
    /// are dropped, which can only narrow the audience.
    pub fn audience_from(
        mask: i64,
        rows: &[(i16, String)],
    ) -> Option<renkei_model::handling::Audience> {
        use renkei_model::handling::{Audience, AudienceEntry, Sector};
        let mut entries = Vec::new();
        for (bit, entry) in [
            (bits::PROVIDER, AudienceEntry::Provider),
            (bits::SECRETARIAT, AudienceEntry::Secretariat),
            (bits::LAW_ENFORCEMENT, AudienceEntry::LawEnforcement),
            (bits::MEMBERS, AudienceEntry::Members),
        ] {
            if mask & bit != 0 {
                entries.push(entry);
            }
        }
        for (kind, r) in rows {
            let entry = match *kind {
                AUDIENCE_ORG => r.parse().ok().map(AudienceEntry::Org),
                AUDIENCE_SECTOR => Sector::new(r).ok().map(AudienceEntry::Sector),
                AUDIENCE_USER => r.parse().ok().map(AudienceEntry::User),
                _ => None,
            };
            entries.extend(entry);
        }
        Audience::new(entries).ok()
    }

    /// The named entries of an audience, as (kind, ref) rows of the side table.
    pub fn audience_entries(a: &renkei_model::handling::Audience) -> Vec<(i16, String)> {
        use renkei_model::handling::AudienceEntry;
        a.entries()
            .filter_map(|e| match e {
                AudienceEntry::Org(o) => Some((AUDIENCE_ORG, o.to_string())),
                AudienceEntry::Sector(s) => Some((AUDIENCE_SECTOR, s.as_str().to_owned())),
                AudienceEntry::User(u) => Some((AUDIENCE_USER, u.to_string())),
                _ => None,
            })
            .collect()
    }
}
