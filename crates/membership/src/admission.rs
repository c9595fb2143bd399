//! Admission (seed 003 第3 1(1)エ, design §2): an applicant needs recommendations (推薦) from
//! distinct active member organisations, the current NDA, and the secretariat's approval (承認);
//! afterwards the secretariat may suspend (停止), reinstate or expel (除名) it, always with a
//! reason.

use std::collections::BTreeSet;

use renkei_model::account::{Org, OrgKind, OrgStatus, Tier};
use renkei_store::{Membership, Recommendation};

use crate::MembershipError;
use crate::text::{Lines, MAX_NDA_VERSION, check_reason, check_text};

/// How applicants are admitted; the server's configuration supplies the values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdmissionRules<'a> {
    /// Recommendations from distinct, still active member organisations.
    pub recommendations_required: usize,
    /// The NDA version an applicant must have accepted.
    pub nda_version: &'a str,
}

/// Which kinds of organisation may apply: everyone but the secretariat, whose organisations
/// the operator registers (an approved "secretariat" applicant would see everything).
pub fn check_application_kind(kind: OrgKind) -> Result<(), MembershipError> {
    match kind {
        OrgKind::Secretariat => Err(MembershipError::KindNotApplicable(kind)),
        OrgKind::Industry | OrgKind::Academia | OrgKind::LawEnforcement | OrgKind::Partner => {
            Ok(())
        }
    }
}

/// Tiers belong to industry and academia; other kinds draw their rights from their kind and
/// have tier `none`.
pub fn check_tier(kind: OrgKind, tier: Tier) -> Result<(), MembershipError> {
    match (kind, tier) {
        (OrgKind::Industry | OrgKind::Academia, _) | (_, Tier::None) => Ok(()),
        (kind, _) => Err(MembershipError::TierNotApplicable(kind)),
    }
}

/// Whether `org` may vouch for applicants: an active member that is industry or academia of
/// tier A or B (they pay for and take part in the partnership), law enforcement, or the
/// secretariat. Registered non-members and foreign partners may not.
pub fn check_recommender(org: &Org) -> Result<(), MembershipError> {
    if org.status != OrgStatus::Active {
        return Err(MembershipError::RecommenderNotEligible(
            "only active members recommend",
        ));
    }
    match (org.kind, org.tier) {
        (OrgKind::Industry | OrgKind::Academia, Tier::A | Tier::B) => Ok(()),
        (OrgKind::Industry | OrgKind::Academia, Tier::None) => Err(
            MembershipError::RecommenderNotEligible("only tier A and B members recommend"),
        ),
        (OrgKind::LawEnforcement | OrgKind::Secretariat, _) => Ok(()),
        (OrgKind::Partner, _) => Err(MembershipError::RecommenderNotEligible(
            "foreign partners do not recommend",
        )),
    }
}

/// Whether `recommender` may recommend `applicant`, given the recommendations it already has.
/// Checked in this order: not itself, an eligible recommender, an organisation still applying,
/// not twice.
pub fn check_recommendation(
    recommender: &Org,
    applicant: &Org,
    existing: &[Recommendation],
) -> Result<(), MembershipError> {
    if recommender.id == applicant.id {
        return Err(MembershipError::SelfRecommendation);
    }
    check_recommender(recommender)?;
    if applicant.status != OrgStatus::Applicant {
        return Err(MembershipError::NotAnApplicant(applicant.status));
    }
    if existing.iter().any(|r| r.recommender == recommender.id) {
        return Err(MembershipError::AlreadyRecommended);
    }
    Ok(())
}

/// How many of the applicant's recommendations count now: one per distinct recommending
/// organisation that is still active. `current` holds the recommenders as they are now; one
/// missing from it does not count.
pub fn counted_recommendations(membership: &Membership, current: &[Org]) -> usize {
    membership
        .recommendations
        .iter()
        .filter(|r| r.recommender != membership.org.id)
        .filter(|r| {
            current
                .iter()
                .any(|o| o.id == r.recommender && o.status == OrgStatus::Active)
        })
        .map(|r| r.recommender)
        .collect::<BTreeSet<_>>()
        .len()
}

/// Whether the applicant may be admitted: still an applicant, enough recommendations from
/// distinct organisations that are still active (`current`, see
/// [`counted_recommendations`]), and the current NDA accepted.
pub fn check_approval(
    membership: &Membership,
    current: &[Org],
    rules: &AdmissionRules<'_>,
) -> Result<(), MembershipError> {
    if membership.org.status != OrgStatus::Applicant {
        return Err(MembershipError::NotAnApplicant(membership.org.status));
    }
    let have = counted_recommendations(membership, current);
    if have < rules.recommendations_required {
        return Err(MembershipError::NotEnoughRecommendations {
            have,
            need: rules.recommendations_required,
        });
    }
    match &membership.nda {
        None => Err(MembershipError::NdaMissing {
            required: rules.nda_version.to_owned(),
        }),
        Some(nda) if nda.version != rules.nda_version => Err(MembershipError::NdaOutdated {
            accepted: nda.version.clone(),
            required: rules.nda_version.to_owned(),
        }),
        Some(_) => Ok(()),
    }
}

/// Whether an organisation may go from `from` to `to` ([`OrgStatus::can_become`]), with a
/// reason, as every change needs one.
pub fn check_status_change(
    from: OrgStatus,
    to: OrgStatus,
    reason: &str,
) -> Result<(), MembershipError> {
    if !from.can_become(to) {
        return Err(MembershipError::StatusChangeNotAllowed { from, to });
    }
    check_reason(reason)
}

/// The whole decision on a status change: the transition and its reason, and for an
/// applicant's approval ([`OrgStatus::Applicant`] → [`OrgStatus::Active`]) the admission
/// rules as well.
pub fn check_transition(
    membership: &Membership,
    to: OrgStatus,
    reason: &str,
    current: &[Org],
    rules: &AdmissionRules<'_>,
) -> Result<(), MembershipError> {
    let from = membership.org.status;
    check_status_change(from, to, reason)?;
    if (from, to) == (OrgStatus::Applicant, OrgStatus::Active) {
        check_approval(membership, current, rules)?;
    }
    Ok(())
}

/// Whether `org` may accept the NDA of `version`: it must be the current one, and the
/// organisation applying or active (members re-accept when the NDA changes).
pub fn check_nda(
    org: &Org,
    version: &str,
    rules: &AdmissionRules<'_>,
) -> Result<(), MembershipError> {
    if !matches!(org.status, OrgStatus::Applicant | OrgStatus::Active) {
        return Err(MembershipError::NdaNotApplicable(org.status));
    }
    check_text("version", version, MAX_NDA_VERSION, Lines::One)?;
    if version != rules.nda_version {
        return Err(MembershipError::NdaVersionMismatch {
            given: version.to_owned(),
            required: rules.nda_version.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use renkei_model::ids::{OrgId, UserId};
    use renkei_store::NdaAcceptance;

    use super::*;

    fn org(n: u128, kind: OrgKind, tier: Tier, status: OrgStatus) -> Org {
        Org {
            id: OrgId::from_uuid(uuid::Uuid::from_u128(n)),
            name: format!("org {n}"),
            kind,
            sector: None,
            tier,
            status,
        }
    }

    fn recommendation(from: &Org) -> Recommendation {
        Recommendation {
            recommender: from.id,
            recommender_name: from.name.clone(),
            by_user: UserId::from_uuid(uuid::Uuid::from_u128(99)),
            statement: "trustworthy".into(),
            at: 1,
        }
    }

    const RULES: AdmissionRules<'static> = AdmissionRules {
        recommendations_required: 2,
        nda_version: "2026-11",
    };

    use MembershipError as E;
    use OrgKind::*;
    use OrgStatus::*;

    #[test]
    fn who_may_recommend() {
        let applicant = org(1, Industry, Tier::None, Applicant);
        let cases = [
            (org(2, Industry, Tier::A, Active), None),
            (org(2, Academia, Tier::B, Active), None),
            (org(2, LawEnforcement, Tier::None, Active), None),
            (org(2, Secretariat, Tier::None, Active), None),
            (
                org(2, Industry, Tier::None, Active),
                Some("recommender_not_eligible"),
            ),
            (
                org(2, Partner, Tier::None, Active),
                Some("recommender_not_eligible"),
            ),
            (
                org(2, Industry, Tier::A, Suspended),
                Some("recommender_not_eligible"),
            ),
            (
                org(2, Industry, Tier::A, Applicant),
                Some("recommender_not_eligible"),
            ),
            (
                org(2, Industry, Tier::A, Expelled),
                Some("recommender_not_eligible"),
            ),
        ];
        for (recommender, want) in cases {
            let got = check_recommendation(&recommender, &applicant, &[]).err();
            assert_eq!(got.as_ref().map(E::code), want, "{recommender:?}");
        }
    }

    #[test]
    fn recommendation_rules() {
        let bank = org(2, Industry, Tier::A, Active);
        let applicant = org(1, Industry, Tier::None, Applicant);
        let member = org(1, Industry, Tier::A, Active);
        let existing = [recommendation(&bank)];
        let cases = [
            (&bank, &bank, &[][..], E::SelfRecommendation),
            (&bank, &member, &[][..], E::NotAnApplicant(Active)),
            (&bank, &applicant, &existing[..], E::AlreadyRecommended),
        ];
        for (from, to, existing, want) in cases {
            assert_eq!(check_recommendation(from, to, existing), Err(want));
        }
        let other = org(3, Academia, Tier::B, Active);
        assert_eq!(check_recommendation(&other, &applicant, &existing), Ok(()));
    }

    fn membership(recommenders: &[&Org], nda: Option<&str>) -> Membership {
        Membership {
            org: org(1, Industry, Tier::None, Applicant),
            created_at: 0,
            application: None,
            recommendations: recommenders.iter().map(|o| recommendation(o)).collect(),
            nda: nda.map(|v| NdaAcceptance {
                version: v.into(),
                accepted_at: 1,
                accepted_by: UserId::from_uuid(uuid::Uuid::from_u128(98)),
            }),
            history: Vec::new(),
        }
    }

    #[test]
    fn approval_rules() {
        let a = org(2, Industry, Tier::A, Active);
        let b = org(3, LawEnforcement, Tier::None, Active);
        let gone = org(4, Industry, Tier::A, Suspended);
        let current = [a.clone(), b.clone(), gone.clone()];
        let ok = membership(&[&a, &b], Some("2026-11"));
        assert_eq!(check_approval(&ok, &current, &RULES), Ok(()));
        let cases = [
            (
                membership(&[&a], Some("2026-11")),
                "recommendations_missing",
            ),
            (
                membership(&[&a, &a], Some("2026-11")),
                "recommendations_missing",
            ),
            (
                membership(&[&a, &gone], Some("2026-11")),
                "recommendations_missing",
            ),
            (membership(&[&a, &b], None), "nda_missing"),
            (membership(&[&a, &b], Some("2025-01")), "nda_outdated"),
        ];
        for (m, want) in cases {
            assert_eq!(
                check_approval(&m, &current, &RULES).unwrap_err().code(),
                want
            );
        }
        // A recommender that is unknown now does not count either.
        assert_eq!(
            check_approval(&ok, std::slice::from_ref(&a), &RULES),
            Err(E::NotEnoughRecommendations { have: 1, need: 2 })
        );
        let mut active = ok.clone();
        active.org.status = Active;
        assert_eq!(
            check_approval(&active, &current, &RULES),
            Err(E::NotAnApplicant(Active))
        );
        // The threshold is configurable.
        let one = AdmissionRules {
            recommendations_required: 1,
            ..RULES
        };
        assert_eq!(
            check_approval(&membership(&[&a], Some("2026-11")), &current, &one),
            Ok(())
        );
    }

    #[test]
    fn status_changes() {
        let cases = [
            (Applicant, Active, "approved", None),
            (Applicant, Expelled, "rejected", None),
            (Active, Suspended, "fees unpaid", None),
            (Suspended, Active, "fees paid", None),
            (Suspended, Expelled, "breach of NDA", None),
            (Active, Expelled, "breach of NDA", None),
            (
                Expelled,
                Active,
                "appeal",
                Some("status_change_not_allowed"),
            ),
            (Active, Active, "again", Some("status_change_not_allowed")),
            (
                Active,
                Applicant,
                "restart",
                Some("status_change_not_allowed"),
            ),
            (
                Applicant,
                Suspended,
                "odd",
                Some("status_change_not_allowed"),
            ),
            (Active, Suspended, "", Some("reason_required")),
            (Active, Suspended, "  \n", Some("reason_required")),
            (Active, Suspended, "bad\u{0}", Some("invalid_text")),
        ];
        for (from, to, reason, want) in cases {
            let got = check_status_change(from, to, reason).err();
            assert_eq!(got.as_ref().map(E::code), want, "{from} → {to} {reason:?}");
        }
    }

    #[test]
    fn approval_is_a_transition_with_admission_rules() {
        let a = org(2, Industry, Tier::A, Active);
        let m = membership(&[&a], Some("2026-11"));
        let current = [a.clone()];
        assert_eq!(
            check_transition(&m, Active, "ok", &current, &RULES)
                .unwrap_err()
                .code(),
            "recommendations_missing"
        );
        // Rejecting an applicant needs no recommendations.
        assert_eq!(
            check_transition(&m, Expelled, "no", &current, &RULES),
            Ok(())
        );
        assert_eq!(
            check_transition(&m, Active, "", &current, &RULES),
            Err(E::ReasonRequired)
        );
    }

    #[test]
    fn nda_rules() {
        let applicant = org(1, Industry, Tier::None, Applicant);
        let cases = [
            (Applicant, "2026-11", None),
            (Active, "2026-11", None),
            (Applicant, "2025-01", Some("nda_version_mismatch")),
            (Applicant, "", Some("invalid_text")),
            (Suspended, "2026-11", Some("nda_not_applicable")),
            (Expelled, "2026-11", Some("nda_not_applicable")),
        ];
        for (status, version, want) in cases {
            let o = Org {
                status,
                ..applicant.clone()
            };
            let got = check_nda(&o, version, &RULES).err();
            assert_eq!(got.as_ref().map(E::code), want, "{status} {version}");
        }
    }

    #[test]
    fn kinds_and_tiers() {
        assert!(check_application_kind(Industry).is_ok());
        assert!(check_application_kind(Partner).is_ok());
        assert_eq!(
            check_application_kind(Secretariat),
            Err(E::KindNotApplicable(Secretariat))
        );
        assert!(check_tier(Academia, Tier::A).is_ok());
        assert!(check_tier(LawEnforcement, Tier::None).is_ok());
        assert_eq!(
            check_tier(LawEnforcement, Tier::B),
            Err(E::TierNotApplicable(LawEnforcement))
        );
    }
}
