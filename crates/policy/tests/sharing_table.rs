//! The "who sees what" table of `docs/sharing.md` is what `decide` does: every ✓ and – of it
//! is checked here, so the documentation cannot drift from the code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure

use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use renkei_model::handling::{
    Attribution, Audience, AudienceEntry, Classification, Handling, Pap, Sector, Tlp, Uses,
};
use renkei_model::ids::{OrgId, UserId};
use renkei_policy::{Identity, Path, Principal, RecordMeta, decide};
use uuid::Uuid;

const SHARING: &str = include_str!("../../../docs/sharing.md");

fn org_id(n: u128) -> OrgId {
    OrgId::from_uuid(Uuid::from_u128(n))
}

fn user_id(n: u128) -> UserId {
    UserId::from_uuid(Uuid::from_u128(n))
}

const PROVIDER: u128 = 1;
const TELCO: u128 = 2;
const USER_U: u128 = 99;

fn sector(s: &str) -> Sector {
    Sector::new(s).expect("sector")
}

fn identity(org: u128, kind: OrgKind, tier: Tier, sector_name: Option<&str>) -> Identity {
    Identity {
        user: user_id(1000 + org),
        login: format!("user-of-{org}"),
        org: org_id(org),
        org_kind: kind,
        org_tier: tier,
        org_sector: sector_name.map(sector),
        org_status: OrgStatus::Active,
        role: Role::Contributor,
        clearance: Classification::new(3).expect("clearance"),
        disabled: false,
        read_only: false,
    }
}

/// The readers a row of the table stands for.
fn readers(label: &str) -> Vec<Identity> {
    let finance_bank = |org| identity(org, OrgKind::Industry, Tier::A, Some("finance"));
    match label {
        "provider's staff" => vec![finance_bank(PROVIDER)],
        "provider's staff, clearance 0" => vec![Identity {
            clearance: Classification::UNCLASSIFIED,
            ..finance_bank(PROVIDER)
        }],
        "secretariat" => vec![identity(10, OrgKind::Secretariat, Tier::None, None)],
        "police" => vec![identity(11, OrgKind::LawEnforcement, Tier::None, None)],
        "tier-A bank (finance)" => vec![finance_bank(12)],
        "tier-A telecom (`telco`)" => {
            vec![identity(TELCO, OrgKind::Industry, Tier::A, Some("telecom"))]
        }
        "tier-A university" => vec![identity(13, OrgKind::Academia, Tier::A, Some("education"))],
        "tier-B bank, non-member" => vec![
            identity(14, OrgKind::Industry, Tier::B, Some("finance")),
            identity(15, OrgKind::Industry, Tier::None, Some("finance")),
        ],
        "foreign partner" => vec![identity(16, OrgKind::Partner, Tier::None, None)],
        "user U (a tier-B bank)" => vec![Identity {
            user: user_id(USER_U),
            ..identity(17, OrgKind::Industry, Tier::B, Some("finance"))
        }],
        "any user of a suspended or expelled organisation" => {
            let mut out = Vec::new();
            for status in [
                OrgStatus::Suspended,
                OrgStatus::Expelled,
                OrgStatus::Applicant,
            ] {
                for base in [
                    finance_bank(PROVIDER),
                    finance_bank(12),
                    identity(10, OrgKind::Secretariat, Tier::None, None),
                    identity(11, OrgKind::LawEnforcement, Tier::None, None),
                ] {
                    out.push(Identity {
                        org_status: status,
                        ..base
                    });
                }
            }
            out
        }
        other => panic!("docs/sharing.md: unknown reader row `{other}`"),
    }
}

/// The handling a column of the table stands for.
fn handling(label: &str) -> Handling {
    let h = |tlp, audience: Vec<AudienceEntry>, classification| Handling {
        tlp,
        audience: Audience::new(audience).expect("audience"),
        classification: Classification::new(classification).expect("classification"),
        uses: Uses::NONE,
        attribution: Attribution::Named,
        pap: Pap::Amber,
    };
    match label {
        "AMBER, `secretariat` (default)" => h(Tlp::Amber, vec![AudienceEntry::Secretariat], 0),
        "GREEN, `members`" => h(Tlp::Green, vec![AudienceEntry::Members], 0),
        "AMBER, `sector:finance`" => h(
            Tlp::Amber,
            vec![AudienceEntry::Sector(sector("finance"))],
            0,
        ),
        "AMBER, `law_enforcement`" => h(Tlp::Amber, vec![AudienceEntry::LawEnforcement], 0),
        "AMBER, `org:telco`" => h(Tlp::Amber, vec![AudienceEntry::Org(org_id(TELCO))], 0),
        "RED, `user:U`" => h(Tlp::Red, vec![AudienceEntry::User(user_id(USER_U))], 0),
        "GREEN, `members`, classification 2" => h(Tlp::Green, vec![AudienceEntry::Members], 2),
        other => panic!("docs/sharing.md: unknown record column `{other}`"),
    }
}

fn cells(line: &str) -> Vec<&str> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(str::trim)
        .collect()
}

#[test]
fn the_who_sees_what_table_is_what_decide_does() {
    let mut lines = SHARING
        .lines()
        .skip_while(|l| !l.starts_with("| reader \\ record |"));
    let header = cells(lines.next().expect("the table in docs/sharing.md"));
    let columns: Vec<Handling> = header[1..].iter().map(|c| handling(c)).collect();
    lines.next(); // | --- | …
    let provider_sector = sector("finance");
    let mut checked = 0;
    for line in lines.take_while(|l| l.starts_with('|')) {
        let row = cells(line);
        assert_eq!(row.len(), columns.len() + 1, "{line}");
        for reader in readers(row[0]) {
            let principal = Principal::User(reader);
            for (cell, handling) in row[1..].iter().zip(&columns) {
                let record = RecordMeta {
                    provider: org_id(PROVIDER),
                    provider_kind: OrgKind::Industry,
                    provider_sector: Some(&provider_sector),
                    handling,
                };
                let allowed = decide(&principal, &record, Path::Raw).is_allowed();
                let documented = match *cell {
                    "✓" => true,
                    "–" => false,
                    other => panic!("cell `{other}` in `{line}`"),
                };
                assert_eq!(
                    allowed, documented,
                    "docs/sharing.md says `{cell}` for {} / {:?}",
                    row[0], handling
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 70, "only {checked} cells checked");
}
