//! Renkei's own record types (seed 003 第3 1(1)ア–ウ): what members report that STIX has no
//! object for. Each is a STIX 2.1 domain object defined by the Renkei record-types extension
//! (`extension_type: new-sdo`), versioned like every SDO, and carries a category — individual
//! (個別), overall (全体) or technical (技術) information:
//!
//! | type | what |
//! | --- | --- |
//! | `x-renkei-malware-report` | malware seen by a member: period in use, infection vector, victims' sectors, behaviour |
//! | `x-renkei-forum-post` | a post on a hacker forum or marketplace: site, time, author, content, language |
//! | `x-renkei-fraud-account` | a bank account or crypto address used for fraud |
//! | `x-renkei-incident-report` | an incident shared under a joint-response agreement |
//!
//! The JSON schemas are `docs/schemas/x-renkei-*.json`; `docs/record-types.md` explains them
//! with examples. Objects of these types without the extension (STIX 2.0-style custom objects)
//! are accepted and checked the same way.

use serde_json::Value;

use super::json::Props;
use super::object::{At, Check, Invalid, as_str};
use super::rules::{Kind, Kind::*, ObjectClass, Rule};

/// Every Renkei record type starts with this.
pub const PREFIX: &str = "x-renkei-";

/// The extension definition that declares the record types (`new-sdo`).
pub const RECORD_TYPES_EXTENSION_ID: &str =
    "extension-definition--3c9a6a0e-51a4-4f5b-9d52-7e2f8c1b4a90";

pub const MALWARE_REPORT: &str = "x-renkei-malware-report";
pub const FORUM_POST: &str = "x-renkei-forum-post";
pub const FRAUD_ACCOUNT: &str = "x-renkei-fraud-account";
pub const INCIDENT_REPORT: &str = "x-renkei-incident-report";

/// The record types, in the order of the seed's list.
pub const TYPES: [&str; 4] = [MALWARE_REPORT, FORUM_POST, FRAUD_ACCOUNT, INCIDENT_REPORT];

/// 個別情報・全体情報・技術情報.
pub const CATEGORIES: &[&str] = &["individual", "overall", "technical"];

const CATEGORY: (&str, Kind) = ("category", Enum(CATEGORIES));

pub(super) static RULES: &[Rule] = &[
    Rule {
        ty: MALWARE_REPORT,
        class: ObjectClass::Domain,
        required: &["name", "category"],
        props: &[
            ("name", Str),
            ("description", Str),
            CATEGORY,
            ("malware_refs", Refs(&["malware"])),
            ("sample_refs", Refs(&["file", "artifact"])),
            // The period the malware was in use.
            ("first_seen", Time),
            ("last_seen", Time),
            // Open vocabulary: email-attachment, email-link, sms-link, drive-by, usb, …
            ("infection_vectors", Strs),
            ("victim_sectors", Strs),
            ("behaviour", Str),
        ],
    },
    Rule {
        ty: FORUM_POST,
        class: ObjectClass::Domain,
        required: &["site", "posted", "content", "category"],
        props: &[
            ("site", Str),
            ("site_url", Str),
            ("thread_title", Str),
            ("post_url", Str),
            ("posted", Time),
            ("author_name", Str),
            ("content", Str),
            // BCP 47, e.g. `ja`, `en`, `ru`.
            ("language", Str),
            CATEGORY,
        ],
    },
    Rule {
        ty: FRAUD_ACCOUNT,
        class: ObjectClass::Domain,
        required: &["account_type", "category"],
        props: &[
            ("account_type", Enum(&["bank", "crypto"])),
            // Bank accounts (Japanese form: 4-digit bank code, 3-digit branch code, 7 digits).
            ("institution_name", Str),
            ("institution_code", Str),
            ("branch_name", Str),
            ("branch_code", Str),
            ("account_kind", Enum(&["ordinary", "current", "savings"])),
            ("account_number", Str),
            ("holder_name", Str),
            // Crypto-asset addresses.
            ("chain", Str),
            ("address", Str),
            // Open vocabulary: phishing, investment-fraud, romance-scam, money-mule, …
            ("fraud_types", Strs),
            ("first_seen", Time),
            ("last_seen", Time),
            ("description", Str),
            CATEGORY,
        ],
    },
    Rule {
        ty: INCIDENT_REPORT,
        class: ObjectClass::Domain,
        required: &["name", "agreement_id", "category"],
        props: &[
            ("name", Str),
            ("description", Str),
            // The joint-response agreement (共同対処協定) the report is shared under.
            ("agreement_id", Str),
            ("occurred", Time),
            ("detected", Time),
            ("affected_sectors", Strs),
            ("impact", Str),
            ("status", Enum(&["open", "contained", "closed"])),
            ("object_refs", Refs(&[])),
            CATEGORY,
        ],
    },
];

/// Rules that relate several properties of one record type.
pub(super) fn specific(
    ty: &str,
    props: &Props,
    ordered: &dyn Fn(&str, &str, bool) -> Check<()>,
) -> Check<()> {
    let text = |name: &str| {
        props
            .get(name)
            .map(|v| as_str(&At::Name(name), v))
            .transpose()
    };
    match ty {
        MALWARE_REPORT => ordered("first_seen", "last_seen", false)?,
        INCIDENT_REPORT => ordered("occurred", "detected", false)?,
        FRAUD_ACCOUNT => {
            ordered("first_seen", "last_seen", false)?;
            let bank_only = [
                "institution_name",
                "institution_code",
                "branch_name",
                "branch_code",
                "account_kind",
                "account_number",
                "holder_name",
            ];
            let crypto_only = ["chain", "address"];
            let (required, forbidden): (&[&str], &[&str]) = match text("account_type")?.as_deref() {
                Some("bank") => (&["institution_name", "account_number"], &crypto_only),
                _ => (&["chain", "address"], &bank_only),
            };
            for name in required {
                if props.get(name).is_none() {
                    return Err(Invalid::new(
                        *name,
                        "is required for this account_type".to_owned(),
                    ));
                }
            }
            for name in forbidden {
                if props.get(name).is_some() {
                    return Err(Invalid::new(
                        *name,
                        "does not belong to this account_type".to_owned(),
                    ));
                }
            }
            for (name, digits) in [
                ("institution_code", 4),
                ("branch_code", 3),
                ("account_number", 7),
            ] {
                if let Some(v) = text(name)?
                    && (v.len() != digits || !v.bytes().all(|b| b.is_ascii_digit()))
                {
                    return Err(Invalid::new(name, format!("must be {digits} ASCII digits")));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The extension-definition object of the record types (what `docs/record-types.md`
/// publishes).
pub fn extension_definition() -> Value {
    serde_json::json!({
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": RECORD_TYPES_EXTENSION_ID,
        "created_by_ref": "identity--6a8c4c3e-5d2f-4f1a-9b7e-2c1d0e3f4a5b",
        "created": "2026-11-22T00:00:00.000Z",
        "modified": "2026-11-22T00:00:00.000Z",
        "name": "Renkei record types",
        "description": "Malware reports, forum posts, fraud accounts and incident reports shared through Renkei, each with a category (individual, overall, technical).",
        "schema": "https://renkei.example.jp/docs/record-types.md",
        "version": "1.0.0",
        "extension_types": ["new-sdo"]
    })
}

#[cfg(test)]
mod tests {
    use crate::stix::StixObject;

    fn parse(json: &str) -> Result<(), String> {
        StixObject::parse(json).map(drop).map_err(|e| e.to_string())
    }

    const EXT: &str = r#""extensions":{"extension-definition--3c9a6a0e-51a4-4f5b-9d52-7e2f8c1b4a90":{"extension_type":"new-sdo"}}"#;

    fn object(ty: &str, body: &str) -> String {
        format!(
            r#"{{"type":"{ty}","spec_version":"2.1","id":"{ty}--6f3c1c55-8a43-4c5d-9a6b-1e2f3a4b5c6d","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z",{EXT},{body}}}"#
        )
    }

    #[test]
    fn valid_records_of_every_type() {
        for (ty, body) in [
            (
                "x-renkei-malware-report",
                r#""name":"Emotet 再流行","category":"technical","first_seen":"2026-10-01T00:00:00Z","last_seen":"2026-11-01T00:00:00Z","infection_vectors":["email-attachment"],"victim_sectors":["finance"],"behaviour":"マクロ付き文書から感染""#,
            ),
            (
                "x-renkei-forum-post",
                r#""site":"XSS","posted":"2026-11-02T03:04:05Z","content":"selling JP bank logs","author_name":"kuro","language":"en","category":"individual""#,
            ),
            (
                "x-renkei-fraud-account",
                r#""account_type":"bank","institution_name":"さくら銀行","institution_code":"0001","branch_name":"渋谷支店","branch_code":"123","account_kind":"ordinary","account_number":"1234567","category":"individual""#,
            ),
            (
                "x-renkei-fraud-account",
                r#""account_type":"crypto","chain":"btc","address":"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq","category":"individual""#,
            ),
            (
                "x-renkei-incident-report",
                r#""name":"ランサムウェア被害","agreement_id":"JR-2026-014","occurred":"2026-11-01T00:00:00Z","detected":"2026-11-03T00:00:00Z","status":"contained","category":"overall""#,
            ),
        ] {
            assert_eq!(parse(&object(ty, body)), Ok(()), "{ty}");
        }
    }

    #[test]
    fn invalid_records_name_the_property() {
        for (ty, body, path) in [
            ("x-renkei-malware-report", r#""name":"x""#, "category"),
            (
                "x-renkei-malware-report",
                r#""name":"x","category":"secret""#,
                "category",
            ),
            (
                "x-renkei-malware-report",
                r#""name":"x","category":"technical","first_seen":"2026-11-01T00:00:00Z","last_seen":"2026-10-01T00:00:00Z""#,
                "last_seen",
            ),
            (
                "x-renkei-forum-post",
                r#""site":"x","content":"y","category":"individual""#,
                "posted",
            ),
            (
                "x-renkei-fraud-account",
                r#""account_type":"bank","institution_name":"さくら銀行","account_number":"123456","category":"individual""#,
                "account_number",
            ),
            (
                "x-renkei-fraud-account",
                r#""account_type":"bank","institution_name":"さくら銀行","account_number":"１２３４５６７","category":"individual""#,
                "account_number",
            ),
            (
                "x-renkei-fraud-account",
                r#""account_type":"crypto","chain":"eth","category":"individual""#,
                "address",
            ),
            (
                "x-renkei-fraud-account",
                r#""account_type":"crypto","chain":"eth","address":"0x0","account_number":"1234567","category":"individual""#,
                "account_number",
            ),
            (
                "x-renkei-incident-report",
                r#""name":"x","category":"overall""#,
                "agreement_id",
            ),
        ] {
            let err = parse(&object(ty, body)).expect_err(body);
            assert!(err.contains(path), "{ty} {body}: {err}");
        }
    }
}
