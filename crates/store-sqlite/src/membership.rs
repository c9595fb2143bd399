//! Membership: applications, recommendations, NDA acceptance, status changes with their
//! history, and updates of organisations and users.

use renkei_model::account::{Org, OrgStatus, User};
use renkei_model::handling::Sector;
use renkei_model::ids::{OrgId, UserId};
use renkei_store::{
    Application, Membership, NdaAcceptance, NewApplication, NewRecommendation, OrgUpdate,
    Recommendation, StatusChange, StoreError, StoreResult, UserUpdate,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::accounts::{self, parse, unique_violation};
use crate::db_err;

pub(crate) fn create_application(
    tx: &Transaction<'_>,
    a: &NewApplication,
) -> StoreResult<(Org, User)> {
    let org = accounts::create_org(tx, &a.org)?;
    let user = accounts::create_user(tx, &a.admin)?;
    tx.execute(
        "INSERT INTO org_applications (org_id, statement, submitted_at, submitted_by) VALUES (?1, ?2, ?3, ?4)",
        params![
            org.id.to_string(),
            a.statement,
            a.org.created_at,
            user.id.to_string()
        ],
    )
    .map_err(db_err)?;
    Ok((org, user))
}

pub(crate) fn membership(conn: &Connection, id: OrgId) -> StoreResult<Option<Membership>> {
    let Some(org) = accounts::org(conn, id).map_err(db_err)? else {
        return Ok(None);
    };
    let key = id.to_string();
    let (created_at, nda_version, nda_at, nda_by): (i64, Option<String>, Option<i64>, Option<String>) = conn
        .query_row(
            "SELECT created_at, nda_version, nda_accepted_at, nda_accepted_by FROM orgs WHERE id = ?1",
            [&key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .map_err(db_err)?;
    let nda = match (nda_version, nda_at, nda_by) {
        (Some(version), Some(accepted_at), Some(by)) => Some(NdaAcceptance {
            version,
            accepted_at,
            accepted_by: parse::<UserId>(by).map_err(db_err)?,
        }),
        _ => None,
    };
    let application = conn
        .query_row(
            "SELECT statement, submitted_at, submitted_by FROM org_applications WHERE org_id = ?1",
            [&key],
            |r| {
                Ok(Application {
                    statement: r.get(0)?,
                    submitted_at: r.get(1)?,
                    submitted_by: parse::<UserId>(r.get(2)?)?,
                })
            },
        )
        .optional()
        .map_err(db_err)?;
    let recommendations = conn
        .prepare_cached(
            "SELECT r.recommender_org, o.name, r.by_user, r.statement, r.at FROM org_recommendations r \
             JOIN orgs o ON o.id = r.recommender_org WHERE r.applicant_org = ?1 ORDER BY r.at, r.recommender_org",
        )
        .and_then(|mut s| {
            s.query_map([&key], |r| {
                Ok(Recommendation {
                    recommender: parse::<OrgId>(r.get(0)?)?,
                    recommender_name: r.get(1)?,
                    by_user: parse::<UserId>(r.get(2)?)?,
                    statement: r.get(3)?,
                    at: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(db_err)?;
    let history = conn
        .prepare_cached(
            "SELECT from_status, to_status, reason, actor, at FROM org_status_changes WHERE org_id = ?1 ORDER BY id",
        )
        .and_then(|mut s| {
            s.query_map([&key], |r| {
                Ok(StatusChange {
                    org: id,
                    from: parse::<OrgStatus>(r.get(0)?)?,
                    to: parse::<OrgStatus>(r.get(1)?)?,
                    reason: r.get(2)?,
                    actor: parse::<UserId>(r.get(3)?)?,
                    at: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(db_err)?;
    Ok(Some(Membership {
        org,
        created_at,
        application,
        recommendations,
        nda,
        history,
    }))
}

pub(crate) fn add_recommendation(conn: &Connection, r: &NewRecommendation) -> StoreResult<()> {
    let res = conn.execute(
        "INSERT INTO org_recommendations (applicant_org, recommender_org, by_user, statement, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            r.applicant.to_string(),
            r.recommender.to_string(),
            r.by_user.to_string(),
            r.statement,
            r.at
        ],
    );
    match res {
        Ok(_) => Ok(()),
        Err(e) if unique_violation(&e) => Err(StoreError::Conflict(
            "your organisation has already recommended this applicant".into(),
        )),
        Err(e) => Err(db_err(e)),
    }
}

pub(crate) fn accept_nda(conn: &Connection, org: OrgId, nda: &NdaAcceptance) -> StoreResult<()> {
    let n = conn
        .execute(
            "UPDATE orgs SET nda_version = ?2, nda_accepted_at = ?3, nda_accepted_by = ?4 WHERE id = ?1",
            params![
                org.to_string(),
                nda.version,
                nda.accepted_at,
                nda.accepted_by.to_string()
            ],
        )
        .map_err(db_err)?;
    if n == 0 {
        return Err(StoreError::NotFound(format!(
            "no organisation with id {org}"
        )));
    }
    Ok(())
}

pub(crate) fn change_status(tx: &Transaction<'_>, c: &StatusChange) -> StoreResult<Org> {
    let n = tx
        .execute(
            "UPDATE orgs SET status = ?3 WHERE id = ?1 AND status = ?2",
            params![c.org.to_string(), c.from.as_str(), c.to.as_str()],
        )
        .map_err(db_err)?;
    if n == 0 {
        return match accounts::org(tx, c.org).map_err(db_err)? {
            None => Err(StoreError::NotFound(format!(
                "no organisation with id {}",
                c.org
            ))),
            Some(o) => Err(StoreError::Conflict(format!(
                "the organisation is {}, not {}",
                o.status, c.from
            ))),
        };
    }
    tx.execute(
        "INSERT INTO org_status_changes (org_id, from_status, to_status, reason, actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            c.org.to_string(),
            c.from.as_str(),
            c.to.as_str(),
            c.reason,
            c.actor.to_string(),
            c.at
        ],
    )
    .map_err(db_err)?;
    accounts::org(tx, c.org)
        .map_err(db_err)?
        .ok_or_else(|| StoreError::NotFound(format!("no organisation with id {}", c.org)))
}

pub(crate) fn update_org(tx: &Transaction<'_>, id: OrgId, u: &OrgUpdate) -> StoreResult<Org> {
    let key = id.to_string();
    if accounts::org(tx, id).map_err(db_err)?.is_none() {
        return Err(StoreError::NotFound(format!(
            "no organisation with id {id}"
        )));
    }
    if let Some(name) = &u.name {
        match tx.execute(
            "UPDATE orgs SET name = ?2 WHERE id = ?1",
            params![key, name],
        ) {
            Ok(_) => {}
            Err(e) if unique_violation(&e) => {
                return Err(StoreError::Conflict(format!(
                    "an organisation named `{name}` already exists"
                )));
            }
            Err(e) => return Err(db_err(e)),
        }
    }
    if let Some(tier) = u.tier {
        tx.execute(
            "UPDATE orgs SET tier = ?2 WHERE id = ?1",
            params![key, tier.as_str()],
        )
        .map_err(db_err)?;
    }
    if let Some(sector) = &u.sector {
        tx.execute(
            "UPDATE orgs SET sector = ?2 WHERE id = ?1",
            params![key, sector.as_ref().map(Sector::as_str)],
        )
        .map_err(db_err)?;
    }
    accounts::org(tx, id)
        .map_err(db_err)?
        .ok_or_else(|| StoreError::NotFound(format!("no organisation with id {id}")))
}

pub(crate) fn update_user(tx: &Transaction<'_>, id: UserId, u: &UserUpdate) -> StoreResult<User> {
    let key = id.to_string();
    if accounts::user(tx, id).map_err(db_err)?.is_none() {
        return Err(StoreError::NotFound(format!("no user with id {id}")));
    }
    if let Some(name) = &u.display_name {
        tx.execute(
            "UPDATE users SET display_name = ?2 WHERE id = ?1",
            params![key, name],
        )
        .map_err(db_err)?;
    }
    if let Some(role) = u.role {
        tx.execute(
            "UPDATE users SET role = ?2 WHERE id = ?1",
            params![key, role.as_str()],
        )
        .map_err(db_err)?;
    }
    if let Some(c) = u.clearance {
        tx.execute(
            "UPDATE users SET clearance = ?2 WHERE id = ?1",
            params![key, c.level()],
        )
        .map_err(db_err)?;
    }
    if let Some(d) = u.disabled {
        tx.execute(
            "UPDATE users SET disabled = ?2 WHERE id = ?1",
            params![key, d],
        )
        .map_err(db_err)?;
    }
    if let Some(h) = &u.password_hash {
        tx.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![key, h],
        )
        .map_err(db_err)?;
    }
    accounts::user(tx, id)
        .map_err(db_err)?
        .ok_or_else(|| StoreError::NotFound(format!("no user with id {id}")))
}
