//! Handling: organisation defaults, and a provider's change of its own record's handling.

use renkei_model::handling::Handling;
use renkei_model::ids::OrgId;
use renkei_model::stix::markings::with_effective_markings;
use renkei_policy::audience_mask;
use renkei_store::{HandlingChange, StoreError, StoreResult, codes, id_key};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::db_err;

pub(crate) fn org_default(conn: &Connection, org: OrgId) -> StoreResult<Option<Handling>> {
    let json: Option<Option<String>> = conn
        .prepare_cached("SELECT default_handling FROM orgs WHERE id = ?1")
        .and_then(|mut s| s.query_row([org.to_string()], |r| r.get(0)).optional())
        .map_err(db_err)?;
    json.flatten()
        .map(|j| serde_json::from_str(&j).map_err(StoreError::backend))
        .transpose()
}

pub(crate) fn set_org_default(
    conn: &Connection,
    org: OrgId,
    handling: Option<&Handling>,
    at: i64,
) -> StoreResult<()> {
    let json = handling
        .map(serde_json::to_string)
        .transpose()
        .map_err(StoreError::backend)?;
    let n = conn
        .execute(
            "UPDATE orgs SET default_handling = ?2, default_handling_at = ?3 WHERE id = ?1",
            params![org.to_string(), json, at],
        )
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
/// the collection.
pub(crate) fn change(tx: &Transaction<'_>, c: &HandlingChange) -> StoreResult<usize> {
    let key = id_key(&c.stix_id);
    let provider = c.provider.to_string();
    let rows: Vec<(i64, String, String, String)> = tx
        .prepare_cached(
            "SELECT date_added, stix_type, version, body FROM records \
             WHERE id_key = ?1 AND stix_id = ?2 AND provider_org = ?3 AND deleted_at IS NULL ORDER BY date_added",
        )
        .and_then(|mut s| {
            s.query_map(params![key, c.stix_id, provider], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect()
        })
        .map_err(db_err)?;
    if rows.is_empty() {
        return Ok(0);
    }
    let max_added: Option<i64> = tx
        .query_row("SELECT MAX(date_added) FROM records", [], |r| r.get(0))
        .map_err(db_err)?;
    let first = c.now.max(max_added.map_or(i64::MIN, |m| m + 1));
    let h = &c.handling;
    for (next, (old, stix_type, version, body)) in (first..).zip(&rows) {
        let body = if stix_type == "marking-definition" {
            body.clone()
        } else {
            with_effective_markings(body, h.tlp, h.pap)
                .map_err(|e| StoreError::Invalid(format!("stored object is not JSON: {e}")))?
                .into_owned()
        };
        let twin: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM records WHERE id_key = ?1 AND stix_id = ?2 AND version = ?3 \
                 AND date_added != ?4 AND deleted_at IS NULL)",
                params![key, c.stix_id, version, old],
                |r| r.get(0),
            )
            .map_err(db_err)?;
        // As handled until now, for the readers its feed row reached (read before the audience
        // rows go).
        let withdrawn = crate::feeds::record_as_handled(tx, *old).map_err(db_err)?;
        tx.execute("DELETE FROM record_audience WHERE record_added = ?1", [old])
            .map_err(db_err)?;
        tx.execute(
            "UPDATE records SET date_added = ?2, tlp = ?3, audience_mask = ?4, classification = ?5, uses = ?6, \
             attribution = ?7, pap = ?8, body = ?9, twin = ?10 WHERE date_added = ?1",
            params![
                old,
                next,
                codes::tlp(h.tlp),
                audience_mask(&h.audience),
                h.classification.level(),
                h.uses.bits(),
                codes::attribution(h.attribution),
                codes::pap(h.pap),
                body,
                twin
            ],
        )
        .map_err(db_err)?;
        crate::feeds::rehandle(tx, *old, next, &withdrawn).map_err(db_err)?;
        // The row's search document, if it has one, keeps its id: map it to the object.
        tx.execute(
            "INSERT OR IGNORE INTO search_moved (doc, id_key) VALUES (?1, ?2)",
            params![old, key],
        )
        .map_err(db_err)?;
        for (kind, value) in codes::audience_entries(&h.audience) {
            tx.execute(
                "INSERT INTO record_audience (record_added, kind, ref) VALUES (?1, ?2, ?3)",
                params![next, kind, value],
            )
            .map_err(db_err)?;
        }
    }
    Ok(rows.len())
}
