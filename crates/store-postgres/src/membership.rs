//! Membership: applications, recommendations, NDA acceptance, status changes with their
//! history, and updates of organisations and users.

use deadpool_postgres::GenericClient;
use renkei_model::account::{Org, OrgStatus, User};
use renkei_model::handling::Sector;
use renkei_model::ids::{OrgId, UserId};
use renkei_store::{
    Application, Membership, NdaAcceptance, NewApplication, NewRecommendation, OrgUpdate,
    Recommendation, StatusChange, StoreError, StoreResult, UserUpdate,
};

use crate::accounts;
use crate::{db_err, parse, unique_violation};

pub(crate) async fn create_application(
    tx: &impl GenericClient,
    a: &NewApplication,
) -> StoreResult<(Org, User)> {
    let org = accounts::create_org(tx, &a.org).await?;
    let user = accounts::create_user(tx, &a.admin).await?;
    tx.execute(
        "INSERT INTO org_applications (org_id, statement, submitted_at, submitted_by) VALUES ($1, $2, $3, $4)",
        &[&org.id.to_string(), &a.statement, &a.org.created_at, &user.id.to_string()],
    )
    .await
    .map_err(db_err)?;
    Ok((org, user))
}

pub(crate) async fn membership(
    c: &impl GenericClient,
    id: OrgId,
) -> StoreResult<Option<Membership>> {
    let Some(org) = accounts::org(c, id).await? else {
        return Ok(None);
    };
    let key = id.to_string();
    let row = c
        .query_one(
            "SELECT created_at, nda_version, nda_accepted_at, nda_accepted_by FROM orgs WHERE id = $1",
            &[&key],
        )
        .await
        .map_err(db_err)?;
    let nda = match (
        row.get::<_, Option<String>>(1),
        row.get::<_, Option<i64>>(2),
        row.get::<_, Option<&str>>(3),
    ) {
        (Some(version), Some(accepted_at), Some(by)) => Some(NdaAcceptance {
            version,
            accepted_at,
            accepted_by: parse::<UserId>(by)?,
        }),
        _ => None,
    };
    let application = c
        .query_opt(
            "SELECT statement, submitted_at, submitted_by FROM org_applications WHERE org_id = $1",
            &[&key],
        )
        .await
        .map_err(db_err)?
        .map(|r| -> StoreResult<Application> {
            Ok(Application {
                statement: r.get(0),
                submitted_at: r.get(1),
                submitted_by: parse(r.get::<_, &str>(2))?,
            })
        })
        .transpose()?;
    let recommendations = c
        .query(
            "SELECT r.recommender_org, o.name, r.by_user, r.statement, r.at FROM org_recommendations r \
             JOIN orgs o ON o.id = r.recommender_org WHERE r.applicant_org = $1 ORDER BY r.at, r.recommender_org",
            &[&key],
        )
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| -> StoreResult<Recommendation> {
            Ok(Recommendation {
                recommender: parse(r.get::<_, &str>(0))?,
                recommender_name: r.get(1),
                by_user: parse(r.get::<_, &str>(2))?,
                statement: r.get(3),
                at: r.get(4),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let history = c
        .query(
            "SELECT from_status, to_status, reason, actor, at FROM org_status_changes WHERE org_id = $1 ORDER BY id",
            &[&key],
        )
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| -> StoreResult<StatusChange> {
            Ok(StatusChange {
                org: id,
                from: parse::<OrgStatus>(r.get::<_, &str>(0))?,
                to: parse::<OrgStatus>(r.get::<_, &str>(1))?,
                reason: r.get(2),
                actor: parse(r.get::<_, &str>(3))?,
                at: r.get(4),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(Membership {
        org,
        created_at: row.get(0),
        application,
        recommendations,
        nda,
        history,
    }))
}

pub(crate) async fn add_recommendation(
    c: &impl GenericClient,
    r: &NewRecommendation,
) -> StoreResult<()> {
    let res = c
        .execute(
            "INSERT INTO org_recommendations (applicant_org, recommender_org, by_user, statement, at) VALUES ($1, $2, $3, $4, $5)",
            &[
                &r.applicant.to_string(),
                &r.recommender.to_string(),
                &r.by_user.to_string(),
                &r.statement,
                &r.at,
            ],
        )
        .await;
    match res {
        Ok(_) => Ok(()),
        Err(e) if unique_violation(&e) => Err(StoreError::Conflict(
            "your organisation has already recommended this applicant".into(),
        )),
        Err(e) => Err(db_err(e)),
    }
}

pub(crate) async fn accept_nda(
    c: &impl GenericClient,
    org: OrgId,
    nda: &NdaAcceptance,
) -> StoreResult<()> {
    let n = c
        .execute(
            "UPDATE orgs SET nda_version = $2, nda_accepted_at = $3, nda_accepted_by = $4 WHERE id = $1",
            &[
                &org.to_string(),
                &nda.version,
                &nda.accepted_at,
                &nda.accepted_by.to_string(),
            ],
        )
        .await
        .map_err(db_err)?;
    if n == 0 {
        return Err(StoreError::NotFound(format!(
            "no organisation with id {org}"
        )));
    }
    Ok(())
}

pub(crate) async fn change_status(tx: &impl GenericClient, c: &StatusChange) -> StoreResult<Org> {
    let n = tx
        .execute(
            "UPDATE orgs SET status = $3 WHERE id = $1 AND status = $2",
            &[&c.org.to_string(), &c.from.as_str(), &c.to.as_str()],
        )
        .await
        .map_err(db_err)?;
    if n == 0 {
        return match accounts::org(tx, c.org).await? {
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
        "INSERT INTO org_status_changes (org_id, from_status, to_status, reason, actor, at) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &c.org.to_string(),
            &c.from.as_str(),
            &c.to.as_str(),
            &c.reason,
            &c.actor.to_string(),
            &c.at,
        ],
    )
    .await
    .map_err(db_err)?;
    accounts::org(tx, c.org)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no organisation with id {}", c.org)))
}

pub(crate) async fn update_org(
    tx: &impl GenericClient,
    id: OrgId,
    u: &OrgUpdate,
) -> StoreResult<Org> {
    let key = id.to_string();
    if accounts::org(tx, id).await?.is_none() {
        return Err(StoreError::NotFound(format!(
            "no organisation with id {id}"
        )));
    }
    if let Some(name) = &u.name {
        match tx
            .execute("UPDATE orgs SET name = $2 WHERE id = $1", &[&key, name])
            .await
        {
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
            "UPDATE orgs SET tier = $2 WHERE id = $1",
            &[&key, &tier.as_str()],
        )
        .await
        .map_err(db_err)?;
    }
    if let Some(sector) = &u.sector {
        tx.execute(
            "UPDATE orgs SET sector = $2 WHERE id = $1",
            &[&key, &sector.as_ref().map(Sector::as_str)],
        )
        .await
        .map_err(db_err)?;
    }
    accounts::org(tx, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no organisation with id {id}")))
}

pub(crate) async fn update_user(
    tx: &impl GenericClient,
    id: UserId,
    u: &UserUpdate,
) -> StoreResult<User> {
    let key = id.to_string();
    if accounts::user(tx, id).await?.is_none() {
        return Err(StoreError::NotFound(format!("no user with id {id}")));
    }
    if let Some(name) = &u.display_name {
        tx.execute(
            "UPDATE users SET display_name = $2 WHERE id = $1",
            &[&key, name],
        )
        .await
        .map_err(db_err)?;
    }
    if let Some(role) = u.role {
        tx.execute(
            "UPDATE users SET role = $2 WHERE id = $1",
            &[&key, &role.as_str()],
        )
        .await
        .map_err(db_err)?;
    }
    if let Some(c) = u.clearance {
        tx.execute(
            "UPDATE users SET clearance = $2 WHERE id = $1",
            &[&key, &i16::from(c.level())],
        )
        .await
        .map_err(db_err)?;
    }
    if let Some(d) = u.disabled {
        tx.execute("UPDATE users SET disabled = $2 WHERE id = $1", &[&key, &d])
            .await
            .map_err(db_err)?;
    }
    if let Some(h) = &u.password_hash {
        tx.execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            &[&key, h],
        )
        .await
        .map_err(db_err)?;
    }
    accounts::user(tx, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no user with id {id}")))
}
