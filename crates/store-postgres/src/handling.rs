//! Handling: organisation defaults, and a provider's change of its own record's handling.

use deadpool_postgres::GenericClient;
use renkei_model::handling::Handling;
use renkei_model::ids::OrgId;
use renkei_model::stix::markings::with_effective_markings;
use renkei_policy::audience_mask;
use renkei_store::{HandlingChange, StoreError, StoreResult, codes, id_key};

use crate::{INGEST_LOCK, db_err};

pub(crate) async fn org_default(
    c: &impl GenericClient,
    org: OrgId,
) -> StoreResult<Option<Handling>> {
    let row = c
        .query_opt(
            "SELECT default_handling FROM orgs WHERE id = $1",
            &[&org.to_string()],
        )
        .await
        .map_err(db_err)?;
    row.and_then(|r| r.get::<_, Option<String>>(0))
        .map(|j| serde_json::from_str(&j).map_err(StoreError::backend))
        .transpose()
}

pub(crate) async fn set_org_default(
    c: &impl GenericClient,
    org: OrgId,
    handling: Option<&Handling>,
    at: i64,
) -> StoreResult<()> {
    let json = handling
        .map(serde_json::to_string)
        .transpose()
        .map_err(StoreError::backend)?;
    let n = c
        .execute(
            "UPDATE orgs SET default_handling = $2, default_handling_at = $3 WHERE id = $1",
            &[&org.to_string(), &json, &at],
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

/// Rewrites every stored version the provider holds of the object: handling columns,
/// audience rows, the TLP and PAP markings in the body, and a new `date_added` at the end of
/// the collection (under the ingest lock, which hands out `date_added` values).
pub(crate) async fn change(
    tx: &deadpool_postgres::Transaction<'_>,
    c: &HandlingChange,
) -> StoreResult<usize> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INGEST_LOCK])
        .await
        .map_err(db_err)?;
    let key = id_key(&c.stix_id);
    let rows = tx
        .query(
            "SELECT date_added, stix_type, version, body FROM records \
             WHERE id_key = $1 AND stix_id = $2 AND provider_org = $3 AND deleted_at IS NULL ORDER BY date_added",
            &[&key, &c.stix_id, &c.provider.to_string()],
        )
        .await
        .map_err(db_err)?;
    if rows.is_empty() {
        return Ok(0);
    }
    let max: Option<i64> = tx
        .query_one("SELECT MAX(date_added) FROM records", &[])
        .await
        .map_err(db_err)?
        .get(0);
    let first = c.now.max(max.map_or(i64::MIN, |m| m + 1));
    let h = &c.handling;
    let mask = i32::try_from(audience_mask(&h.audience)).unwrap_or(i32::MAX);
    for (next, r) in (first..).zip(&rows) {
        let old: i64 = r.get(0);
        let stix_type: &str = r.get(1);
        let version: &str = r.get(2);
        let body: &str = r.get(3);
        let body = if stix_type == "marking-definition" {
            body.to_owned()
        } else {
            with_effective_markings(body, h.tlp, h.pap)
                .map_err(|e| StoreError::Invalid(format!("stored object is not JSON: {e}")))?
                .into_owned()
        };
        let twin: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM records WHERE id_key = $1 AND stix_id = $2 AND version = $3 \
                 AND date_added != $4 AND deleted_at IS NULL)",
                &[&key, &c.stix_id, &version, &old],
            )
            .await
            .map_err(db_err)?
            .get(0);
        // As handled until now, for the readers its feed row reached (read before the audience
        // rows go).
        let withdrawn = crate::feeds::record_as_handled(tx, old).await?;
        tx.execute(
            "DELETE FROM record_audience WHERE record_added = $1",
            &[&old],
        )
        .await
        .map_err(db_err)?;
        tx.execute(
            "UPDATE records SET date_added = $2, tlp = $3, audience_mask = $4, classification = $5, uses = $6, \
             attribution = $7, pap = $8, body = $9, twin = $10 WHERE date_added = $1",
            &[
                &old,
                &next,
                &codes::tlp(h.tlp),
                &mask,
                &i16::from(h.classification.level()),
                &i16::from(h.uses.bits()),
                &codes::attribution(h.attribution),
                &codes::pap(h.pap),
                &body,
                &i16::from(twin),
            ],
        )
        .await
        .map_err(db_err)?;
        crate::feeds::rehandle(tx, old, next, &withdrawn).await?;
        for (kind, value) in codes::audience_entries(&h.audience) {
            tx.execute(
                "INSERT INTO record_audience (record_added, kind, ref) VALUES ($1, $2, $3)",
                &[&next, &kind, &value],
            )
            .await
            .map_err(db_err)?;
        }
    }
    Ok(rows.len())
}
