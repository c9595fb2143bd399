//! Who may do what in the membership process and in user administration.
//!
//! Roles (design §2): `reader`, `contributor`, `publisher` and `org_admin` exist in every
//! organisation; `analyst` and `admin` are secretariat roles (事務局). A secretariat `admin`
//! may do anything here. An `org_admin` manages the users of its own organisation only, may
//! grant roles up to `org_admin` and clearances up to its own, and manages only users whose
//! current role and clearance it could grant (so it cannot take over a better-cleared
//! account by resetting its password or minting it a token). An `admin` outside the
//! secretariat (which [`check_role_fits`] no longer lets anyone grant) counts as an
//! `org_admin`. Read-only tokens change nothing.
//!
//! Refusals about an organisation the caller may not know of are [`MembershipError::Hidden`]
//! (404), so they tell nothing about its existence; the caller's own organisation and the
//! secretariat get [`MembershipError::NotPermitted`] (403).

use renkei_model::account::{Org, OrgKind, OrgStatus, Role, User};
use renkei_model::handling::{Classification, Handling};
use renkei_model::ids::OrgId;
use renkei_policy::Identity;

use crate::MembershipError;

/// Anyone on the secretariat's staff, in good standing: reads everything here.
pub fn is_secretariat(actor: &Identity) -> bool {
    actor.is_secretariat() && actor.is_in_good_standing()
}

/// A secretariat administrator in good standing: may do anything here.
pub fn is_secretariat_admin(actor: &Identity) -> bool {
    is_secretariat(actor) && actor.role == Role::Admin
}

/// An administrator of the actor's own organisation.
pub fn is_org_admin(actor: &Identity) -> bool {
    matches!(actor.role, Role::OrgAdmin | Role::Admin) && !actor.disabled
}

/// The roles an organisation administrator may grant.
pub fn org_admin_may_grant(role: Role) -> bool {
    match role {
        Role::Reader | Role::Contributor | Role::Publisher | Role::OrgAdmin => true,
        Role::Analyst | Role::Admin => false,
    }
}

fn writable(actor: &Identity) -> Result<(), MembershipError> {
    if actor.read_only {
        return Err(MembershipError::ReadOnly);
    }
    if actor.disabled {
        return Err(MembershipError::NotPermitted("this account is disabled"));
    }
    Ok(())
}

/// 403 for what the caller may know of (its own organisation; anything, for the
/// secretariat), 404 for the rest.
fn refuse(actor: &Identity, org: OrgId, why: &'static str) -> MembershipError {
    if actor.org == org || is_secretariat(actor) {
        MembershipError::NotPermitted(why)
    } else {
        MembershipError::Hidden
    }
}

/// Whether the actor may see `org`: its own always (also while applying), the secretariat
/// every organisation, members the active ones.
pub fn check_read_org(actor: &Identity, org: &Org) -> Result<(), MembershipError> {
    if actor.org == org.id
        || is_secretariat(actor)
        || (actor.is_in_good_standing() && org.status == OrgStatus::Active)
    {
        Ok(())
    } else {
        Err(MembershipError::Hidden)
    }
}

/// Changing organisations (name, tier, sector, status): secretariat administrators only.
pub fn check_manage_orgs(actor: &Identity) -> Result<(), MembershipError> {
    writable(actor)?;
    if is_secretariat_admin(actor) {
        Ok(())
    } else {
        Err(MembershipError::NotPermitted(
            "only secretariat administrators change organisations",
        ))
    }
}

/// Reading an organisation's membership file: its own administrators (also while it
/// applies) and the secretariat.
pub fn check_read_membership(actor: &Identity, org: OrgId) -> Result<(), MembershipError> {
    if is_secretariat(actor) || (actor.org == org && is_org_admin(actor)) {
        Ok(())
    } else {
        Err(refuse(
            actor,
            org,
            "only the organisation's administrators and the secretariat see its membership",
        ))
    }
}

/// Accepting the NDA for `org`: its own administrators.
pub fn check_accept_nda(actor: &Identity, org: OrgId) -> Result<(), MembershipError> {
    writable(actor)?;
    if actor.org == org && is_org_admin(actor) {
        Ok(())
    } else {
        Err(refuse(
            actor,
            org,
            "only the organisation's own administrators accept the NDA",
        ))
    }
}

/// Recommending for one's organisation: its administrators, while it is in good standing
/// (which organisations may recommend is [`crate::check_recommender`]).
pub fn check_recommend(actor: &Identity) -> Result<(), MembershipError> {
    writable(actor)?;
    if actor.is_in_good_standing() && is_org_admin(actor) {
        Ok(())
    } else {
        Err(MembershipError::NotPermitted(
            "only organisation administrators recommend for their organisation",
        ))
    }
}

/// Reading an organisation's default handling: its own users and the secretariat.
pub fn check_read_handling_defaults(actor: &Identity, org: OrgId) -> Result<(), MembershipError> {
    if actor.org == org || is_secretariat(actor) {
        Ok(())
    } else {
        Err(MembershipError::Hidden)
    }
}

/// Setting (or clearing, `None`) an organisation's default handling: its own administrators
/// and secretariat administrators, never above the actor's clearance.
pub fn check_set_handling_defaults(
    actor: &Identity,
    org: OrgId,
    handling: Option<&Handling>,
) -> Result<(), MembershipError> {
    writable(actor)?;
    let own_admin = actor.org == org && actor.is_in_good_standing() && is_org_admin(actor);
    if !(own_admin || is_secretariat_admin(actor)) {
        return Err(refuse(
            actor,
            org,
            "only the organisation's administrators and the secretariat set its default handling",
        ));
    }
    match handling {
        Some(h) if h.classification > actor.clearance => {
            Err(MembershipError::ClassificationAboveClearance {
                classification: h.classification,
                own: actor.clearance,
            })
        }
        _ => Ok(()),
    }
}

/// Reading an organisation's users: its administrators and the secretariat.
pub fn check_read_users(actor: &Identity, org: OrgId) -> Result<(), MembershipError> {
    if is_secretariat(actor) || (actor.org == org && is_org_admin(actor)) {
        Ok(())
    } else {
        Err(refuse(
            actor,
            org,
            "only the organisation's administrators and the secretariat see its users",
        ))
    }
}

/// Reading one user: themselves, their organisation's administrators, the secretariat.
pub fn check_read_user(actor: &Identity, target: &User) -> Result<(), MembershipError> {
    if actor.user == target.id {
        return Ok(());
    }
    check_read_users(actor, target.org)
}

/// Whether the actor administers users of `target_org` holding `role` and `clearance`
/// (read-only tokens aside).
fn manages(
    actor: &Identity,
    target_org: OrgId,
    role: Role,
    clearance: Classification,
) -> Result<(), MembershipError> {
    if is_secretariat_admin(actor) {
        return Ok(());
    }
    if !(actor.is_in_good_standing() && is_org_admin(actor)) || actor.org != target_org {
        return Err(refuse(
            actor,
            target_org,
            "only the organisation's administrators and secretariat administrators manage its users",
        ));
    }
    if !org_admin_may_grant(role) {
        return Err(MembershipError::RoleNotGrantable(role));
    }
    if clearance > actor.clearance {
        return Err(MembershipError::ClearanceAboveOwn {
            granted: clearance,
            own: actor.clearance,
        });
    }
    Ok(())
}

/// Whether the actor may give a user of `target_org` the `role` and `clearance` (creating the
/// user or changing their rights).
pub fn check_user_grant(
    actor: &Identity,
    target_org: OrgId,
    role: Role,
    clearance: Classification,
) -> Result<(), MembershipError> {
    writable(actor)?;
    manages(actor, target_org, role, clearance)
}

/// Whether an organisation of `kind` may have users with `role`: `analyst` and `admin` are
/// secretariat roles. Applies to everyone, secretariat administrators and the CLI included.
pub fn check_role_fits(role: Role, kind: OrgKind) -> Result<(), MembershipError> {
    match (role, kind) {
        (Role::Analyst | Role::Admin, k) if k != OrgKind::Secretariat => {
            Err(MembershipError::RoleNotForOrg { role, kind })
        }
        _ => Ok(()),
    }
}

/// What a change to an existing user touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserEdit {
    /// Display name or password only: users may change their own.
    Profile,
    /// Role, clearance or the disabled flag, with the role and clearance the user ends up with.
    Rights {
        role: Role,
        clearance: Classification,
    },
}

/// Whether the actor may make `edit` to `target`. Besides what [`check_user_grant`] asks of
/// the result, an organisation administrator must be able to grant the target's current role
/// and clearance too.
pub fn check_user_edit(
    actor: &Identity,
    target: &User,
    edit: UserEdit,
) -> Result<(), MembershipError> {
    writable(actor)?;
    match edit {
        UserEdit::Profile if actor.user == target.id => Ok(()),
        UserEdit::Profile => manages(actor, target.org, target.role, target.clearance),
        UserEdit::Rights { role, clearance } => {
            manages(actor, target.org, target.role, target.clearance)?;
            manages(actor, target.org, role, clearance)
        }
    }
}

/// Seeing a user's API tokens (never their secrets): the user, and whoever manages them.
pub fn check_read_tokens(actor: &Identity, owner: &User) -> Result<(), MembershipError> {
    if actor.user == owner.id {
        return Ok(());
    }
    manages(actor, owner.org, owner.role, owner.clearance)
}

/// Creating or revoking a user's API tokens: the user, and whoever manages them.
pub fn check_manage_tokens(actor: &Identity, owner: &User) -> Result<(), MembershipError> {
    writable(actor)?;
    check_read_tokens(actor, owner)
}

#[cfg(test)]
mod tests {
    use renkei_model::account::Tier;
    use renkei_model::handling::{Audience, Handling};
    use renkei_model::ids::UserId;

    use super::*;
    use MembershipError as E;

    fn org_id(n: u128) -> OrgId {
        OrgId::from_uuid(uuid::Uuid::from_u128(n))
    }

    const SEC: u128 = 1;
    const BANK: u128 = 2;
    const OTHER: u128 = 3;

    fn c(n: u8) -> Classification {
        Classification::new(n).unwrap_or_default()
    }

    fn who(org: u128, role: Role, clearance: u8) -> Identity {
        Identity {
            user: UserId::from_uuid(uuid::Uuid::from_u128(1000 + org * 10 + role as u128)),
            login: format!("{role}@{org}"),
            org: org_id(org),
            org_kind: if org == SEC {
                OrgKind::Secretariat
            } else {
                OrgKind::Industry
            },
            org_tier: if org == SEC { Tier::None } else { Tier::A },
            org_sector: None,
            org_status: OrgStatus::Active,
            role,
            clearance: c(clearance),
            disabled: false,
            read_only: false,
        }
    }

    fn user(org: u128, role: Role, clearance: u8) -> User {
        User {
            id: UserId::from_uuid(uuid::Uuid::from_u128(5000 + org * 10 + role as u128)),
            org: org_id(org),
            login: "target".into(),
            display_name: None,
            role,
            clearance: c(clearance),
            disabled: false,
        }
    }

    fn code(r: Result<(), MembershipError>) -> Option<&'static str> {
        r.err().as_ref().map(E::code)
    }

    #[test]
    fn user_grants() {
        use Role::*;
        let sec_admin = who(SEC, Admin, 3);
        let bank_admin = who(BANK, OrgAdmin, 2);
        let mut read_only = bank_admin.clone();
        read_only.read_only = true;
        let mut applicant_admin = bank_admin.clone();
        applicant_admin.org_status = OrgStatus::Applicant;
        let cases = [
            (&sec_admin, BANK, Admin, 3, None),
            (&sec_admin, OTHER, Reader, 3, None),
            (&sec_admin, SEC, Analyst, 3, None),
            (&bank_admin, BANK, Reader, 0, None),
            (&bank_admin, BANK, Publisher, 2, None),
            (&bank_admin, BANK, OrgAdmin, 2, None),
            (&bank_admin, BANK, Analyst, 0, Some("role_not_grantable")),
            (&bank_admin, BANK, Admin, 0, Some("role_not_grantable")),
            (&bank_admin, BANK, Reader, 3, Some("clearance_above_own")),
            (&bank_admin, OTHER, Reader, 0, Some("not_found")),
            (&bank_admin, SEC, Reader, 0, Some("not_found")),
            (&read_only, BANK, Reader, 0, Some("cannot_write")),
            (&applicant_admin, BANK, Reader, 0, Some("not_permitted")),
            (
                &who(BANK, Contributor, 3),
                BANK,
                Reader,
                0,
                Some("not_permitted"),
            ),
            (
                &who(BANK, Contributor, 3),
                OTHER,
                Reader,
                0,
                Some("not_found"),
            ),
            (
                &who(SEC, Analyst, 3),
                BANK,
                Reader,
                0,
                Some("not_permitted"),
            ),
            (
                &who(SEC, OrgAdmin, 3),
                SEC,
                Analyst,
                0,
                Some("role_not_grantable"),
            ),
            (&who(SEC, OrgAdmin, 3), SEC, Reader, 3, None),
            // An `admin` outside the secretariat is an organisation administrator.
            (&who(BANK, Admin, 1), BANK, Contributor, 1, None),
            (
                &who(BANK, Admin, 1),
                BANK,
                Admin,
                1,
                Some("role_not_grantable"),
            ),
            (&who(BANK, Admin, 1), OTHER, Reader, 0, Some("not_found")),
        ];
        for (actor, org, role, clearance, want) in cases {
            assert_eq!(
                code(check_user_grant(actor, org_id(org), role, c(clearance))),
                want,
                "{} grants {role}/{clearance} in {org}",
                actor.login
            );
        }
    }

    #[test]
    fn roles_fit_organisations() {
        for kind in OrgKind::ALL {
            for role in Role::ALL {
                let secretariat_only = matches!(role, Role::Analyst | Role::Admin);
                let ok = !secretariat_only || *kind == OrgKind::Secretariat;
                assert_eq!(
                    check_role_fits(*role, *kind).is_ok(),
                    ok,
                    "{role} in {kind}"
                );
            }
        }
    }

    #[test]
    fn user_edits() {
        use Role::*;
        let bank_admin = who(BANK, OrgAdmin, 1);
        let me = User {
            id: bank_admin.user,
            ..user(BANK, OrgAdmin, 1)
        };
        let reader = who(BANK, Reader, 0);
        let reader_self = User {
            id: reader.user,
            ..user(BANK, Reader, 0)
        };
        let rights = |role, n| UserEdit::Rights {
            role,
            clearance: c(n),
        };
        let cases = [
            (&reader, &reader_self, UserEdit::Profile, None),
            (
                &reader,
                &reader_self,
                rights(Contributor, 0),
                Some("not_permitted"),
            ),
            (
                &reader,
                &user(BANK, Reader, 0),
                UserEdit::Profile,
                Some("not_permitted"),
            ),
            (&bank_admin, &user(BANK, Reader, 0), UserEdit::Profile, None),
            (
                &bank_admin,
                &user(BANK, Reader, 0),
                rights(Publisher, 1),
                None,
            ),
            (
                &bank_admin,
                &user(BANK, Reader, 0),
                rights(Publisher, 2),
                Some("clearance_above_own"),
            ),
            // A better-cleared colleague is out of reach, even to lower their clearance.
            (
                &bank_admin,
                &user(BANK, Reader, 3),
                UserEdit::Profile,
                Some("clearance_above_own"),
            ),
            (
                &bank_admin,
                &user(BANK, Reader, 3),
                rights(Reader, 0),
                Some("clearance_above_own"),
            ),
            (
                &bank_admin,
                &me,
                rights(OrgAdmin, 2),
                Some("clearance_above_own"),
            ),
            (
                &bank_admin,
                &user(OTHER, Reader, 0),
                UserEdit::Profile,
                Some("not_found"),
            ),
            (
                &who(SEC, Admin, 0),
                &user(OTHER, Admin, 3),
                rights(Reader, 3),
                None,
            ),
        ];
        for (actor, target, edit, want) in cases {
            assert_eq!(
                code(check_user_edit(actor, target, edit)),
                want,
                "{} edits {target:?}: {edit:?}",
                actor.login
            );
        }
    }

    #[test]
    fn tokens() {
        use Role::*;
        let bank_admin = who(BANK, OrgAdmin, 1);
        let reader = who(BANK, Reader, 0);
        let own = User {
            id: reader.user,
            ..user(BANK, Reader, 0)
        };
        let mut read_only = reader.clone();
        read_only.read_only = true;
        let cases = [
            (&reader, &own, None),
            (&read_only, &own, Some("cannot_write")),
            (&reader, &user(BANK, Contributor, 0), Some("not_permitted")),
            (&bank_admin, &user(BANK, Contributor, 1), None),
            (
                &bank_admin,
                &user(BANK, Contributor, 2),
                Some("clearance_above_own"),
            ),
            (&bank_admin, &user(OTHER, Contributor, 0), Some("not_found")),
            (&who(SEC, Admin, 0), &user(OTHER, Contributor, 3), None),
            (
                &who(SEC, Analyst, 3),
                &user(OTHER, Contributor, 0),
                Some("not_permitted"),
            ),
        ];
        for (actor, owner, want) in cases {
            assert_eq!(
                code(check_manage_tokens(actor, owner)),
                want,
                "{}",
                actor.login
            );
        }
        assert_eq!(code(check_read_tokens(&read_only, &own)), None);
    }

    #[test]
    fn organisation_rights() {
        use Role::*;
        let bank_admin = who(BANK, OrgAdmin, 1);
        let contributor = who(BANK, Contributor, 3);
        let analyst = who(SEC, Analyst, 3);
        let sec_admin = who(SEC, Admin, 3);
        let mut applicant = bank_admin.clone();
        applicant.org_status = OrgStatus::Applicant;
        let org = |n, status| Org {
            id: org_id(n),
            name: String::new(),
            kind: OrgKind::Industry,
            sector: None,
            tier: Tier::A,
            status,
        };
        // Reading organisations.
        let reads = [
            (&contributor, org(OTHER, OrgStatus::Active), None),
            (
                &contributor,
                org(OTHER, OrgStatus::Applicant),
                Some("not_found"),
            ),
            (
                &contributor,
                org(OTHER, OrgStatus::Suspended),
                Some("not_found"),
            ),
            (&analyst, org(OTHER, OrgStatus::Applicant), None),
            (&applicant, org(BANK, OrgStatus::Applicant), None),
            (&applicant, org(OTHER, OrgStatus::Active), Some("not_found")),
        ];
        for (actor, o, want) in reads {
            assert_eq!(
                code(check_read_org(actor, &o)),
                want,
                "{} reads {o:?}",
                actor.login
            );
        }
        // Membership files, the NDA, recommending, managing organisations.
        let bank = org_id(BANK);
        let other = org_id(OTHER);
        let cases: [(&str, Result<(), MembershipError>, Option<&str>); 13] = [
            (
                "own admin reads",
                check_read_membership(&applicant, bank),
                None,
            ),
            (
                "analyst reads",
                check_read_membership(&analyst, other),
                None,
            ),
            (
                "contributor reads own",
                check_read_membership(&contributor, bank),
                Some("not_permitted"),
            ),
            (
                "admin reads other",
                check_read_membership(&bank_admin, other),
                Some("not_found"),
            ),
            (
                "applicant accepts",
                check_accept_nda(&applicant, bank),
                None,
            ),
            (
                "contributor accepts",
                check_accept_nda(&contributor, bank),
                Some("not_permitted"),
            ),
            (
                "other accepts",
                check_accept_nda(&bank_admin, other),
                Some("not_found"),
            ),
            (
                "secretariat accepts",
                check_accept_nda(&sec_admin, other),
                Some("not_permitted"),
            ),
            ("admin recommends", check_recommend(&bank_admin), None),
            (
                "applicant recommends",
                check_recommend(&applicant),
                Some("not_permitted"),
            ),
            (
                "contributor recommends",
                check_recommend(&contributor),
                Some("not_permitted"),
            ),
            (
                "secretariat admin manages",
                check_manage_orgs(&sec_admin),
                None,
            ),
            (
                "analyst manages",
                check_manage_orgs(&analyst),
                Some("not_permitted"),
            ),
        ];
        for (what, got, want) in cases {
            assert_eq!(code(got), want, "{what}");
        }
    }

    #[test]
    fn handling_defaults() {
        use Role::*;
        let mut secret = Handling::restrictive_default();
        secret.classification = c(3);
        secret.audience = Audience::members();
        let plain = Handling::restrictive_default();
        let bank = org_id(BANK);
        let cases = [
            (who(BANK, OrgAdmin, 1), bank, Some(&plain), None),
            (who(BANK, OrgAdmin, 1), bank, None, None),
            (
                who(BANK, OrgAdmin, 1),
                bank,
                Some(&secret),
                Some("classification_above_clearance"),
            ),
            (
                who(BANK, Contributor, 3),
                bank,
                Some(&plain),
                Some("not_permitted"),
            ),
            (
                who(OTHER, OrgAdmin, 3),
                bank,
                Some(&plain),
                Some("not_found"),
            ),
            (who(SEC, Admin, 3), bank, Some(&secret), None),
            (
                who(SEC, Analyst, 3),
                bank,
                Some(&plain),
                Some("not_permitted"),
            ),
        ];
        for (actor, org, h, want) in cases {
            assert_eq!(
                code(check_set_handling_defaults(&actor, org, h)),
                want,
                "{}",
                actor.login
            );
        }
        assert!(check_read_handling_defaults(&who(BANK, Reader, 0), bank).is_ok());
        assert!(check_read_handling_defaults(&who(SEC, Reader, 0), bank).is_ok());
        assert_eq!(
            check_read_handling_defaults(&who(OTHER, OrgAdmin, 0), bank),
            Err(E::Hidden)
        );
    }

    #[test]
    fn reading_users() {
        use Role::*;
        let reader = who(BANK, Reader, 0);
        let cases = [
            (&reader, user(BANK, Reader, 0), Some("not_permitted")),
            (&who(BANK, OrgAdmin, 0), user(BANK, Admin, 3), None),
            (
                &who(OTHER, OrgAdmin, 0),
                user(BANK, Reader, 0),
                Some("not_found"),
            ),
            (&who(SEC, Reader, 0), user(BANK, Reader, 0), None),
        ];
        for (actor, target, want) in cases {
            assert_eq!(
                code(check_read_user(actor, &target)),
                want,
                "{}",
                actor.login
            );
        }
        let me = User {
            id: reader.user,
            ..user(BANK, Reader, 0)
        };
        assert!(check_read_user(&reader, &me).is_ok());
    }
}
