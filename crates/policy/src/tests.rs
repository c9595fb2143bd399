//! Table tests for `decide`, one line per rule, and the differential test that the stored-form
//! filter (`ReadScope::admits`) agrees with it.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use renkei_model::handling::{
    Attribution, Audience, AudienceEntry, Classification, Handling, Pap, Sector, Tlp, Use, Uses,
};
use renkei_model::ids::{OrgId, UserId};
use uuid::Uuid;

use crate::*;

fn org(n: u128) -> OrgId {
    OrgId::from_uuid(Uuid::from_u128(n))
}
fn user(n: u128) -> UserId {
    UserId::from_uuid(Uuid::from_u128(0x1000 + n))
}
fn sector(s: &str) -> Sector {
    Sector::new(s).unwrap()
}

const PROVIDER: u128 = 1;

fn me(kind: OrgKind, tier: Tier, sector_name: Option<&str>) -> Identity {
    Identity {
        user: user(7),
        login: "someone".into(),
        org: org(2),
        org_kind: kind,
        org_tier: tier,
        org_sector: sector_name.map(sector),
        org_status: OrgStatus::Active,
        role: Role::Reader,
        clearance: Classification::new(1).unwrap(),
        disabled: false,
        read_only: false,
    }
}

fn handling(tlp: Tlp, audience: &[AudienceEntry]) -> Handling {
    Handling {
        tlp,
        audience: Audience::new(audience.iter().cloned()).unwrap(),
        classification: Classification::UNCLASSIFIED,
        uses: Uses::NONE,
        attribution: Attribution::SectorOnly,
        pap: Pap::Amber,
    }
}

fn sees(who: &Identity, h: &Handling) -> bool {
    let meta = RecordMeta {
        provider: org(PROVIDER),
        provider_kind: Industry,
        provider_sector: None,
        handling: h,
    };
    decide(&Principal::User(who.clone()), &meta, Path::Raw).is_allowed()
}

use AudienceEntry as A;
use OrgKind::*;

#[test]
fn rule_1_secretariat_sees_everything_but_provider_only() {
    let sec = me(Secretariat, Tier::None, None);
    assert!(sees(&sec, &handling(Tlp::Amber, &[A::Secretariat])));
    assert!(sees(&sec, &handling(Tlp::Amber, &[A::Members])));
    assert!(!sees(&sec, &handling(Tlp::Amber, &[A::Provider])));
}

#[test]
fn rule_1_members_means_tier_a_and_police() {
    let h = handling(Tlp::Green, &[A::Members]);
    assert!(sees(&me(Industry, Tier::A, Some("finance")), &h));
    assert!(sees(&me(Academia, Tier::A, None), &h));
    assert!(sees(&me(LawEnforcement, Tier::None, None), &h));
    assert!(
        !sees(&me(Industry, Tier::B, Some("finance")), &h),
        "B members get products, not raw records"
    );
    assert!(!sees(&me(Industry, Tier::None, None), &h));
    assert!(
        !sees(&me(Partner, Tier::None, None), &h),
        "partners only through named orgs or sync"
    );
}

#[test]
fn rule_1_sectors_means_tier_a_of_the_sector_and_police() {
    let h = handling(Tlp::Amber, &[A::Sector(sector("finance"))]);
    assert!(sees(&me(Industry, Tier::A, Some("finance")), &h));
    assert!(!sees(&me(Industry, Tier::A, Some("telecom")), &h));
    assert!(!sees(&me(Industry, Tier::B, Some("finance")), &h));
    assert!(sees(&me(LawEnforcement, Tier::None, None), &h));
}

#[test]
fn rule_1_law_enforcement_means_police_only() {
    let h = handling(Tlp::Amber, &[A::LawEnforcement]);
    assert!(sees(&me(LawEnforcement, Tier::None, None), &h));
    assert!(!sees(&me(Industry, Tier::A, Some("finance")), &h));
}

#[test]
fn rule_1_named_orgs_receive_whatever_their_tier() {
    let h = handling(Tlp::Amber, &[A::Org(org(2))]);
    assert!(sees(&me(Industry, Tier::None, None), &h));
    assert!(sees(&me(Partner, Tier::None, None), &h));
    let other = handling(Tlp::Amber, &[A::Org(org(3))]);
    assert!(!sees(&me(Industry, Tier::A, None), &other));
}

#[test]
fn rule_2_clearance_and_standing() {
    let mut h = handling(Tlp::Green, &[A::Members]);
    h.classification = Classification::new(2).unwrap();
    let mut who = me(Industry, Tier::A, None);
    assert!(!sees(&who, &h), "clearance 1 < classification 2");
    who.clearance = Classification::new(2).unwrap();
    assert!(sees(&who, &h));
    who.org_status = OrgStatus::Suspended;
    assert!(!sees(&who, &h));
    who.org_status = OrgStatus::Active;
    who.disabled = true;
    assert!(!sees(&who, &h));
}

#[test]
fn rule_2_applies_to_the_provider_too() {
    let mut h = handling(Tlp::Green, &[A::Members]);
    h.classification = Classification::new(3).unwrap();
    let mut own = me(Industry, Tier::A, None);
    own.org = org(PROVIDER);
    assert!(!sees(&own, &h));
}

#[test]
fn rule_3_red_reaches_named_users_and_provider_only() {
    let h = handling(Tlp::Red, &[A::User(user(7)), A::Members]);
    assert!(sees(&me(Industry, Tier::A, None), &h));
    let h = handling(Tlp::Red, &[A::Members, A::Org(org(2))]);
    assert!(
        !sees(&me(Industry, Tier::A, None), &h),
        "RED ignores org and members entries"
    );
    assert!(
        !sees(&me(Secretariat, Tier::None, None), &h),
        "not even the secretariat"
    );
    let mut own = me(Industry, Tier::A, None);
    own.org = org(PROVIDER);
    assert!(sees(&own, &h));
}

#[test]
fn provider_always_sees_its_own() {
    let mut own = me(Industry, Tier::None, None);
    own.org = org(PROVIDER);
    assert!(sees(&own, &handling(Tlp::Red, &[A::Provider])));
}

#[test]
fn anonymous_sees_nothing_raw() {
    let h = handling(Tlp::Clear, &[A::Members]);
    let meta = RecordMeta {
        provider: org(1),
        provider_kind: Industry,
        provider_sector: None,
        handling: &h,
    };
    assert_eq!(
        decide(&Principal::Anonymous, &meta, Path::Raw),
        Decision::Deny
    );
}

#[test]
fn public_path_needs_secretariat_clear_unclassified_and_consent() {
    let mut h = handling(Tlp::Clear, &[A::Members]);
    h.uses = Uses::NONE.with(Use::Publication);
    let meta = |kind, h: &Handling| {
        decide(
            &Principal::Anonymous,
            &RecordMeta {
                provider: org(1),
                provider_kind: kind,
                provider_sector: None,
                handling: h,
            },
            Path::Public,
        )
        .is_allowed()
    };
    assert!(meta(Secretariat, &h));
    assert!(!meta(Industry, &h));
    let mut green = h.clone();
    green.tlp = Tlp::Green;
    assert!(!meta(Secretariat, &green));
    let mut no_consent = h.clone();
    no_consent.uses = Uses::NONE;
    assert!(!meta(Secretariat, &no_consent));
}

#[test]
fn attribution_is_full_for_provider_and_secretariat() {
    let h = handling(Tlp::Amber, &[A::Members]);
    let meta = RecordMeta {
        provider: org(1),
        provider_kind: Industry,
        provider_sector: None,
        handling: &h,
    };
    let sec = Principal::User(me(Secretariat, Tier::None, None));
    assert_eq!(
        decide(&sec, &meta, Path::Raw),
        Decision::Allow(View {
            attribution: Attribution::Named
        })
    );
    let member = Principal::User(me(Industry, Tier::A, None));
    assert_eq!(
        decide(&member, &meta, Path::Raw),
        Decision::Allow(View {
            attribution: Attribution::SectorOnly
        })
    );
}

/// Random populations: the stored-form filter must equal `decide` on every case.
#[test]
fn scope_filter_equals_decide_on_random_cases() {
    let mut rng = StdRng::seed_from_u64(0x5e1_4e1);
    let sectors = ["finance", "telecom", "energy"];
    for _ in 0..200_000 {
        let h = random_handling(&mut rng, &sectors);
        let provider_kind = *pick(&mut rng, OrgKind::ALL);
        let provider = org(rng.random_range(1..=4));
        let who = random_identity(&mut rng, &sectors);
        let principal = if rng.random_bool(0.05) {
            Principal::Anonymous
        } else {
            Principal::User(who)
        };
        for path in [Path::Raw, Path::Public] {
            let meta = RecordMeta {
                provider,
                provider_kind,
                provider_sector: None,
                handling: &h,
            };
            let expected = decide(&principal, &meta, path).is_allowed();
            let stored = StoredAccess {
                provider,
                provider_is_secretariat: provider_kind == Secretariat,
                tlp: h.tlp,
                classification: h.classification,
                uses_bits: h.uses.bits(),
                audience_mask: audience_mask(&h.audience),
                audience: &h.audience,
            };
            let got = ReadScope::of(&principal, path).admits(&stored);
            assert_eq!(got, expected, "{principal:?} {h:?} {path:?}");
        }
    }
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

pub(crate) fn random_handling(rng: &mut StdRng, sectors: &[&str]) -> Handling {
    let audience = if rng.random_bool(0.1) {
        Audience::provider_only()
    } else {
        let mut entries = vec![];
        for _ in 0..rng.random_range(1..=3) {
            entries.push(match rng.random_range(0..6) {
                0 => A::Secretariat,
                1 => A::LawEnforcement,
                2 => A::Members,
                3 => A::Org(org(rng.random_range(1..=4))),
                4 => A::Sector(sector(pick::<&str>(rng, sectors))),
                _ => A::User(user(rng.random_range(5..=8))),
            });
        }
        Audience::new(entries).unwrap()
    };
    Handling {
        tlp: *pick(rng, Tlp::ALL),
        audience,
        classification: Classification::new(rng.random_range(0..=3)).unwrap(),
        uses: Uses::from_bits(rng.random_range(0..64)).unwrap(),
        attribution: *pick(rng, Attribution::ALL),
        pap: *pick(rng, Pap::ALL),
    }
}

pub(crate) fn random_identity(rng: &mut StdRng, sectors: &[&str]) -> Identity {
    Identity {
        user: user(rng.random_range(5..=8)),
        login: "random".into(),
        org: org(rng.random_range(1..=4)),
        org_kind: *pick(rng, OrgKind::ALL),
        org_tier: *pick(rng, Tier::ALL),
        org_sector: if rng.random_bool(0.8) {
            Some(sector(pick::<&str>(rng, sectors)))
        } else {
            None
        },
        org_status: if rng.random_bool(0.9) {
            OrgStatus::Active
        } else {
            *pick(rng, OrgStatus::ALL)
        },
        role: *pick(rng, Role::ALL),
        clearance: Classification::new(rng.random_range(0..=3)).unwrap(),
        disabled: rng.random_bool(0.05),
        read_only: rng.random_bool(0.2),
    }
}

fn decide_for(who: &Identity, h: &Handling, path: Path) -> Decision {
    let meta = RecordMeta {
        provider: org(PROVIDER),
        provider_kind: Industry,
        provider_sector: None,
        handling: h,
    };
    decide(&Principal::User(who.clone()), &meta, path)
}

fn allowed(who: &Identity, h: &Handling, path: Path) -> bool {
    decide_for(who, h, path).is_allowed()
}

fn feedable(tlp: Tlp) -> Handling {
    let mut h = handling(tlp, &[A::Members]);
    h.uses = Uses::NONE.with(Use::DefensiveFeeds);
    h.pap = Pap::Green;
    h
}

#[test]
fn rule_4_defensive_feeds_need_consent_pap_and_tlp() {
    let monitor = me(Industry, Tier::A, Some("monitoring_provider"));
    assert!(allowed(
        &monitor,
        &feedable(Tlp::Green),
        Path::DefensiveFeed
    ));
    assert!(allowed(
        &monitor,
        &feedable(Tlp::Amber),
        Path::DefensiveFeed
    ));
    assert!(
        !allowed(&monitor, &feedable(Tlp::AmberStrict), Path::DefensiveFeed),
        "AMBER+STRICT never reaches clients"
    );
    let mut no_consent = feedable(Tlp::Green);
    no_consent.uses = Uses::NONE;
    assert!(!allowed(&monitor, &no_consent, Path::DefensiveFeed));
    let mut pap_amber = feedable(Tlp::Green);
    pap_amber.pap = Pap::Amber;
    assert!(
        !allowed(&monitor, &pap_amber, Path::DefensiveFeed),
        "PAP:AMBER forbids blocking"
    );
    let mut classified = feedable(Tlp::Green);
    classified.classification = Classification::new(1).unwrap();
    assert!(!allowed(&monitor, &classified, Path::DefensiveFeed));
    let mut secretariat_only = feedable(Tlp::Green);
    secretariat_only.audience = Audience::secretariat();
    assert!(
        !allowed(&monitor, &secretariat_only, Path::DefensiveFeed),
        "outbound paths only narrow the raw decision"
    );
    assert_eq!(
        decide_for(&monitor, &feedable(Tlp::Green), Path::DefensiveFeed),
        Decision::Allow(View {
            attribution: Attribution::Hidden
        })
    );
}

#[test]
fn rule_3_red_never_in_feeds_sync_research_or_hints() {
    let named = me(Industry, Tier::A, None);
    let mut red = handling(Tlp::Red, &[A::User(user(7))]);
    red.uses = [Use::DefensiveFeeds, Use::Foreign, Use::Research]
        .into_iter()
        .collect();
    red.pap = Pap::Clear;
    assert!(allowed(&named, &red, Path::Raw));
    assert!(!allowed(&named, &red, Path::DefensiveFeed));
    assert!(!allowed(&named, &red, Path::Hint));
    let mut partner = me(Partner, Tier::None, None);
    partner.user = user(7);
    assert!(!allowed(&partner, &red, Path::ForeignSync));
    let mut researcher = me(Academia, Tier::A, None);
    researcher.user = user(7);
    assert!(!allowed(&researcher, &red, Path::Research));
}

#[test]
fn rule_4_foreign_sync_needs_consent_tlp_amber_and_unclassified() {
    let partner = me(Partner, Tier::None, None);
    let mut h = handling(Tlp::Amber, &[A::Org(org(2))]);
    h.uses = Uses::NONE.with(Use::Foreign);
    assert!(allowed(&partner, &h, Path::ForeignSync));
    assert_eq!(
        decide_for(&partner, &h, Path::ForeignSync),
        Decision::Allow(View {
            attribution: Attribution::SectorOnly
        })
    );
    let mut strict = h.clone();
    strict.tlp = Tlp::AmberStrict;
    assert!(!allowed(&partner, &strict, Path::ForeignSync));
    let mut classified = h.clone();
    classified.classification = Classification::new(1).unwrap();
    assert!(!allowed(&partner, &classified, Path::ForeignSync));
    let mut no_consent = h.clone();
    no_consent.uses = Uses::NONE;
    assert!(!allowed(&partner, &no_consent, Path::ForeignSync));
    let domestic = me(Industry, Tier::A, None);
    assert!(
        !allowed(&domestic, &h, Path::ForeignSync),
        "foreign sync is for partners"
    );
}

#[test]
fn rule_4_research_sets_need_consent_and_are_anonymised() {
    let researcher = me(Academia, Tier::A, None);
    let mut h = handling(Tlp::Green, &[A::Members]);
    h.attribution = Attribution::Named;
    h.uses = Uses::NONE.with(Use::Research);
    assert_eq!(
        decide_for(&researcher, &h, Path::Research),
        Decision::Allow(View {
            attribution: Attribution::Hidden
        })
    );
    let mut no_consent = h.clone();
    no_consent.uses = Uses::NONE;
    assert!(!allowed(&researcher, &no_consent, Path::Research));
    assert!(
        !allowed(&me(Industry, Tier::A, None), &h, Path::Research),
        "research sets are for academia"
    );
}

#[test]
fn rule_6_hints_only_about_what_one_cannot_see() {
    let bank = me(Industry, Tier::A, Some("finance"));
    let visible = handling(Tlp::Green, &[A::Members]);
    assert!(
        !allowed(&bank, &visible, Path::Hint),
        "no hint about records one can read"
    );
    let secretariat_only = handling(Tlp::Amber, &[A::Secretariat]);
    assert!(allowed(&bank, &secretariat_only, Path::Hint));
    assert!(
        !allowed(&bank, &handling(Tlp::Amber, &[A::Provider]), Path::Hint),
        "never for provider-only"
    );
    assert!(
        !allowed(&bank, &handling(Tlp::Red, &[A::Secretariat]), Path::Hint),
        "never for TLP:RED"
    );
    let mut classified = secretariat_only.clone();
    classified.classification = Classification::new(3).unwrap();
    assert!(
        !allowed(&bank, &classified, Path::Hint),
        "never above the reader's clearance"
    );
    let mut named = secretariat_only.clone();
    named.attribution = Attribution::Named;
    assert_eq!(
        decide_for(&bank, &named, Path::Hint),
        Decision::Allow(View {
            attribution: Attribution::SectorOnly
        }),
        "a hint names at most the sector"
    );
    let mut suspended = bank.clone();
    suspended.org_status = OrgStatus::Suspended;
    assert!(!allowed(&suspended, &secretariat_only, Path::Hint));
}

#[test]
fn rule_5_attribution_on_the_raw_path() {
    for (attribution, for_member) in [
        (Attribution::Named, Attribution::Named),
        (Attribution::SectorOnly, Attribution::SectorOnly),
        (Attribution::Hidden, Attribution::Hidden),
    ] {
        let mut h = handling(Tlp::Green, &[A::Members]);
        h.attribution = attribution;
        assert_eq!(
            decide_for(&me(Industry, Tier::A, None), &h, Path::Raw),
            Decision::Allow(View {
                attribution: for_member
            })
        );
        assert_eq!(
            decide_for(&me(Secretariat, Tier::None, None), &h, Path::Raw),
            Decision::Allow(View {
                attribution: Attribution::Named
            })
        );
        let mut own = me(Industry, Tier::A, None);
        own.org = org(PROVIDER);
        assert_eq!(
            decide_for(&own, &h, Path::Raw),
            Decision::Allow(View {
                attribution: Attribution::Named
            })
        );
    }
}

#[test]
fn anonymous_gets_only_the_public_path() {
    let mut h = feedable(Tlp::Clear);
    h.uses = Uses::from_bits(63).unwrap();
    let meta = RecordMeta {
        provider: org(1),
        provider_kind: Secretariat,
        provider_sector: None,
        handling: &h,
    };
    for path in Path::ALL {
        let got = decide(&Principal::Anonymous, &meta, path).is_allowed();
        assert_eq!(got, path == Path::Public, "{path:?}");
    }
}

const SECRETARIAT_ORG: u128 = 99;

/// The decision on a product of the secretariat with handling `h`.
fn reads_product(who: &Identity, h: &Handling) -> bool {
    let meta = RecordMeta {
        provider: org(SECRETARIAT_ORG),
        provider_kind: Secretariat,
        provider_sector: None,
        handling: h,
    };
    decide(&Principal::User(who.clone()), &meta, Path::Product).is_allowed()
}

#[test]
fn products_reach_tier_a_and_b_members_police_and_secretariat() {
    let h = handling(Tlp::Green, &[A::Members]);
    assert!(reads_product(&me(Industry, Tier::A, Some("finance")), &h));
    assert!(reads_product(&me(Industry, Tier::B, Some("finance")), &h));
    assert!(reads_product(&me(Academia, Tier::B, None), &h));
    assert!(reads_product(&me(LawEnforcement, Tier::None, None), &h));
    assert!(reads_product(&me(Secretariat, Tier::None, None), &h));
    assert!(!reads_product(
        &me(Industry, Tier::None, Some("finance")),
        &h
    ));
    assert!(!reads_product(&me(Partner, Tier::None, None), &h));
    // B members get the product where they never get the raw record.
    assert!(!sees(&me(Industry, Tier::B, Some("finance")), &h));
}

#[test]
fn products_for_a_sector_reach_its_a_and_b_members_and_police() {
    let h = handling(Tlp::Amber, &[A::Sector(sector("finance"))]);
    assert!(reads_product(&me(Industry, Tier::B, Some("finance")), &h));
    assert!(!reads_product(&me(Industry, Tier::B, Some("telecom")), &h));
    assert!(!reads_product(&me(Industry, Tier::A, None), &h));
    assert!(reads_product(&me(LawEnforcement, Tier::None, None), &h));
}

#[test]
fn drafts_stay_with_the_secretariat() {
    let h = handling(Tlp::Amber, &[A::Secretariat]);
    assert!(reads_product(&me(Secretariat, Tier::None, None), &h));
    assert!(!reads_product(&me(LawEnforcement, Tier::None, None), &h));
    assert!(!reads_product(&me(Industry, Tier::A, Some("finance")), &h));
}

#[test]
fn products_are_never_red_and_respect_standing_and_clearance() {
    let red = handling(Tlp::Red, &[A::User(user(7))]);
    assert!(!reads_product(&me(Secretariat, Tier::None, None), &red));
    assert!(!reads_product(&me(Industry, Tier::A, None), &red));
    let mut secret = handling(Tlp::Green, &[A::Members]);
    secret.classification = Classification::new(2).unwrap();
    assert!(!reads_product(
        &me(LawEnforcement, Tier::None, None),
        &secret
    ));
    let mut suspended = me(Industry, Tier::B, None);
    suspended.org_status = OrgStatus::Suspended;
    assert!(!reads_product(
        &suspended,
        &handling(Tlp::Clear, &[A::Members])
    ));
    let mut disabled = me(Industry, Tier::A, None);
    disabled.disabled = true;
    assert!(!reads_product(
        &disabled,
        &handling(Tlp::Clear, &[A::Members])
    ));
}

fn record_meta(h: &Handling) -> RecordMeta<'_> {
    RecordMeta {
        provider: org(PROVIDER),
        provider_kind: Industry,
        provider_sector: None,
        handling: h,
    }
}

fn consent_needed(record: &Handling, release: &Handling) -> bool {
    needs_consent(&record_meta(record), release, org(SECRETARIAT_ORG))
}

#[test]
fn release_to_b_members_widens_a_members_record() {
    let record = handling(Tlp::Amber, &[A::Members]);
    assert!(consent_needed(
        &record,
        &handling(Tlp::Amber, &[A::Members])
    ));
    // Only police, who read the record anyway: no wider.
    assert!(!consent_needed(
        &record,
        &handling(Tlp::Amber, &[A::LawEnforcement])
    ));
}

#[test]
fn release_widens_by_sector_org_tlp_classification_and_publicity() {
    let record = handling(Tlp::Amber, &[A::Sector(sector("finance"))]);
    let telecom = handling(Tlp::Amber, &[A::Sector(sector("telecom"))]);
    assert!(consent_needed(&record, &telecom));
    let named = handling(Tlp::Amber, &[A::Org(org(5))]);
    assert!(consent_needed(&record, &named));
    let police = handling(Tlp::Green, &[A::LawEnforcement]);
    assert!(consent_needed(&record, &police), "a lower TLP is wider");
    let mut classified = handling(Tlp::Amber, &[A::LawEnforcement]);
    classified.classification = Classification::new(1).unwrap();
    let mut record_classified = record.clone();
    record_classified.classification = Classification::new(2).unwrap();
    assert!(consent_needed(&record_classified, &classified));
    let mut public = handling(Tlp::Clear, &[A::Members]);
    public.uses = Uses::NONE.with(Use::Publication);
    let record_clear = handling(Tlp::Clear, &[A::Members]);
    assert!(consent_needed(&record_clear, &public));
}

#[test]
fn publication_consent_given_in_advance_needs_no_request() {
    let mut record = handling(Tlp::Amber, &[A::Secretariat]);
    record.uses = Uses::NONE.with(Use::Publication);
    assert!(!consent_needed(
        &record,
        &handling(Tlp::Clear, &[A::Members])
    ));
}

#[test]
fn the_secretariats_own_records_need_no_consent() {
    let record = handling(Tlp::Amber, &[A::Secretariat]);
    let meta = RecordMeta {
        provider: org(SECRETARIAT_ORG),
        provider_kind: Secretariat,
        provider_sector: None,
        handling: &record,
    };
    let release = handling(Tlp::Green, &[A::Members]);
    assert!(!needs_consent(&meta, &release, org(SECRETARIAT_ORG)));
}
