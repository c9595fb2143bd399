//! One-line cases of `select`: the policy first, then the criteria; sectors only where the
//! reader may learn them; never one's own organisation's records.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use renkei_model::handling::{
    Attribution, Audience, AudienceEntry, Classification, Handling, Pap, Sector, Tlp, Uses,
};
use renkei_model::ids::{OrgId, UserId};
use renkei_model::stix::Timestamp;
use renkei_policy::Identity;
use renkei_store::{AddedRecord, Channels, Criteria, IndexedRecord, Subscription, WatchedValue};
use uuid::Uuid;

use super::{Candidate, select};

fn reader(sector: &str) -> Identity {
    Identity {
        user: UserId::from_uuid(Uuid::from_u128(1)),
        login: "reader".into(),
        org: OrgId::from_uuid(Uuid::from_u128(10)),
        org_kind: OrgKind::Industry,
        org_tier: Tier::A,
        org_sector: Some(Sector::new(sector).unwrap()),
        org_status: OrgStatus::Active,
        role: Role::Reader,
        clearance: Classification::UNCLASSIFIED,
        disabled: false,
        read_only: false,
    }
}

fn handling(tlp: Tlp, audience: Audience, attribution: Attribution, c: u8) -> Handling {
    Handling {
        tlp,
        audience,
        classification: Classification::new(c).unwrap(),
        uses: Uses::NONE,
        attribution,
        pap: Pap::Green,
    }
}

fn candidate(provider: u128, h: Handling, domain: &str) -> Candidate {
    let values: BTreeSet<(String, String)> = [("domain".to_owned(), domain.to_owned())].into();
    Candidate {
        keys: values
            .iter()
            .map(|(k, v)| renkei_store::value_key(k, v))
            .collect(),
        values,
        added: AddedRecord {
            record: IndexedRecord {
                stix_id: format!("indicator--{}", Uuid::new_v4()),
                stix_type: "indicator".into(),
                version: Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
                date_added: 1,
                provider: OrgId::from_uuid(Uuid::from_u128(provider)),
                provider_kind: OrgKind::Industry,
                provider_sector: Some(Sector::new("telecom").unwrap()),
                handling: h,
                category: None,
            },
            body: "{}".into(),
        },
    }
}

fn sub(criteria: Criteria) -> Subscription {
    Subscription {
        id: 1,
        user: UserId::from_uuid(Uuid::from_u128(1)),
        name: "s".into(),
        watched: criteria.values.len() as u64,
        criteria,
        channels: Channels {
            in_app: true,
            email: false,
        },
        created_at: 0,
    }
}

fn by_sector() -> Subscription {
    sub(Criteria {
        sectors: vec![Sector::new("telecom").unwrap()],
        ..Criteria::default()
    })
}

fn by_value(domain: &str) -> Subscription {
    sub(Criteria {
        values: vec![WatchedValue::new("domain", domain)],
        ..Criteria::default()
    })
}

fn members(tlp: Tlp, attribution: Attribution) -> Handling {
    handling(tlp, Audience::members(), attribution, 0)
}

fn count(me: &Identity, s: &Subscription, c: Candidate) -> usize {
    select(me, &[s], std::slice::from_ref(&c)).len()
}

#[test]
fn cases() {
    let me = reader("finance");
    let named = || members(Tlp::Amber, Attribution::Named);
    // Allowed and matched.
    assert_eq!(
        count(&me, &by_value("a.jp"), candidate(20, named(), "a.jp")),
        1
    );
    assert_eq!(count(&me, &by_sector(), candidate(20, named(), "a.jp")), 1);
    // Not matched.
    assert_eq!(
        count(&me, &by_value("b.jp"), candidate(20, named(), "a.jp")),
        0
    );
    // Own organisation's records.
    assert_eq!(
        count(&me, &by_value("a.jp"), candidate(10, named(), "a.jp")),
        0
    );
    // Denied by the policy although watched: RED not naming them, another sector's
    // audience, a classification above their clearance, provider only.
    let red = members(Tlp::Red, Attribution::Named);
    assert_eq!(count(&me, &by_value("a.jp"), candidate(20, red, "a.jp")), 0);
    let telecom = Audience::new([AudienceEntry::Sector(Sector::new("telecom").unwrap())]).unwrap();
    let other_sector = handling(Tlp::Green, telecom, Attribution::Named, 0);
    assert_eq!(
        count(&me, &by_value("a.jp"), candidate(20, other_sector, "a.jp")),
        0
    );
    let secret = handling(Tlp::Green, Audience::members(), Attribution::Named, 2);
    assert_eq!(
        count(&me, &by_value("a.jp"), candidate(20, secret, "a.jp")),
        0
    );
    let own = handling(Tlp::Green, Audience::provider_only(), Attribution::Named, 0);
    assert_eq!(count(&me, &by_value("a.jp"), candidate(20, own, "a.jp")), 0);
    // RED naming them reaches them.
    let named_red = handling(
        Tlp::Red,
        Audience::new([AudienceEntry::User(me.user)]).unwrap(),
        Attribution::Named,
        0,
    );
    assert_eq!(
        count(&me, &by_value("a.jp"), candidate(20, named_red, "a.jp")),
        1
    );
    // A sector is matched only where the reader may learn it.
    let sector_only = members(Tlp::Green, Attribution::SectorOnly);
    assert_eq!(
        count(&me, &by_sector(), candidate(20, sector_only, "a.jp")),
        1
    );
    let hidden = members(Tlp::Green, Attribution::Hidden);
    assert_eq!(
        count(&me, &by_sector(), candidate(20, hidden.clone(), "a.jp")),
        0
    );
    assert_eq!(
        count(&me, &by_value("a.jp"), candidate(20, hidden, "a.jp")),
        1
    );
    // Every kind of criterion given must hold.
    let both = sub(Criteria {
        types: vec!["malware".into()],
        values: vec![WatchedValue::new("domain", "a.jp")],
        ..Criteria::default()
    });
    assert_eq!(count(&me, &both, candidate(20, named(), "a.jp")), 0);
    // Another user's subscription never selects for this reader.
    let mut theirs = by_value("a.jp");
    theirs.user = UserId::from_uuid(Uuid::from_u128(2));
    assert_eq!(count(&me, &theirs, candidate(20, named(), "a.jp")), 0);
}
