//! The web UI's sessions and the public's reports on PostgreSQL, with the same semantics as
//! the SQLite store (see `renkei_store::web`).

use deadpool_postgres::GenericClient;
use renkei_store::{PublicReport, StoreError, StoreResult, WebSession};

use crate::index::prepared;
use crate::{db_err, parse, unique_violation};

pub(crate) async fn create_session(c: &impl GenericClient, s: &WebSession) -> StoreResult<()> {
    let stmt = prepared(
        c,
        "INSERT INTO web_sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .await?;
    match c
        .execute(
            &stmt,
            &[
                &s.id_hash,
                &s.user.to_string(),
                &s.csrf,
                &s.created_at,
                &s.expires_at,
            ],
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if unique_violation(&e) => {
            Err(StoreError::Conflict("the session id is taken".into()))
        }
        Err(e) => Err(db_err(e)),
    }
}

pub(crate) async fn session(
    c: &impl GenericClient,
    id_hash: &str,
    now: i64,
) -> StoreResult<Option<WebSession>> {
    let stmt = prepared(
        c,
        "SELECT id_hash, user_id, csrf, created_at, expires_at FROM web_sessions \
         WHERE id_hash = $1 AND expires_at > $2",
    )
    .await?;
    let Some(r) = c
        .query_opt(&stmt, &[&id_hash, &now])
        .await
        .map_err(db_err)?
    else {
        return Ok(None);
    };
    Ok(Some(WebSession {
        id_hash: r.get(0),
        user: parse(r.get::<_, &str>(1))?,
        csrf: r.get(2),
        created_at: r.get(3),
        expires_at: r.get(4),
    }))
}

pub(crate) async fn delete_session(c: &impl GenericClient, id_hash: &str) -> StoreResult<bool> {
    let stmt = prepared(c, "DELETE FROM web_sessions WHERE id_hash = $1").await?;
    Ok(c.execute(&stmt, &[&id_hash]).await.map_err(db_err)? > 0)
}

pub(crate) async fn prune_sessions(c: &impl GenericClient, now: i64) -> StoreResult<u64> {
    let stmt = prepared(c, "DELETE FROM web_sessions WHERE expires_at <= $1").await?;
    c.execute(&stmt, &[&now]).await.map_err(db_err)
}

pub(crate) async fn add_report(c: &impl GenericClient, r: &PublicReport) -> StoreResult<()> {
    let stmt = prepared(
        c,
        "INSERT INTO public_reports (tracking, category, text, contact, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .await?;
    match c
        .execute(
            &stmt,
            &[&r.tracking, &r.category, &r.text, &r.contact, &r.created_at],
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if unique_violation(&e) => Err(StoreError::Conflict(format!(
            "tracking number `{}` is taken",
            r.tracking
        ))),
        Err(e) => Err(db_err(e)),
    }
}

pub(crate) async fn reports(
    c: &impl GenericClient,
    limit: usize,
) -> StoreResult<Vec<PublicReport>> {
    let stmt = prepared(
        c,
        "SELECT tracking, category, text, contact, created_at FROM public_reports \
         ORDER BY created_at DESC, tracking DESC LIMIT $1",
    )
    .await?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    Ok(c.query(&stmt, &[&limit])
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| PublicReport {
            tracking: r.get(0),
            category: r.get(1),
            text: r.get(2),
            contact: r.get(3),
            created_at: r.get(4),
        })
        .collect())
}
