//! Reciprocity (see `renkei_store::reciprocity`).

use std::collections::BTreeMap;

use renkei_model::ids::OrgId;
use renkei_store::{OrgActivity, UsageCount, day_of};
use rusqlite::{Connection, params};

use crate::records::conv;

pub(crate) fn add_usage(conn: &Connection, counts: &[UsageCount]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO org_usage (org_id, day, kind, count) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (org_id, day, kind) DO UPDATE SET count = count + excluded.count",
    )?;
    for c in counts {
        stmt.execute(params![
            c.org.to_string(),
            c.day,
            c.kind,
            i64::try_from(c.count).unwrap_or(i64::MAX)
        ])?;
    }
    Ok(())
}

pub(crate) fn activity(
    conn: &Connection,
    from: i64,
    to: i64,
) -> rusqlite::Result<BTreeMap<OrgId, OrgActivity>> {
    let mut out: BTreeMap<OrgId, OrgActivity> = BTreeMap::new();
    let org = |s: String| s.parse::<OrgId>().map_err(conv);
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let mut stmt = conn.prepare_cached(
        "SELECT provider_org, SUM(stix_type != 'sighting'), SUM(stix_type = 'sighting') FROM records \
         WHERE date_added >= ?1 AND date_added < ?2 AND deleted_at IS NULL GROUP BY provider_org",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (o, records, sightings) = row?;
        let a = out.entry(org(o)?).or_default();
        a.records = count(records);
        a.sightings = count(sightings);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT r.provider_org, COUNT(DISTINCT r.id_key) FROM record_sightings s \
         JOIN records sr ON sr.id_key = s.sighting_key AND sr.stix_id = s.sighting_id AND sr.latest = 1 AND sr.deleted_at IS NULL \
         JOIN records r ON r.id_key = s.target_key AND r.stix_id = s.target_id AND r.latest = 1 AND r.deleted_at IS NULL \
         WHERE sr.date_added >= ?1 AND sr.date_added < ?2 AND sr.provider_org != r.provider_org \
         GROUP BY r.provider_org",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (o, n) = row?;
        out.entry(org(o)?).or_default().sighted_by_others = count(n);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT org_id, COUNT(*), SUM(entries) FROM feed_pulls WHERE at >= ?1 AND at < ?2 GROUP BY org_id",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (o, pulls, entries) = row?;
        let a = out.entry(org(o)?).or_default();
        a.feed_pulls = count(pulls);
        a.feed_entries = count(entries);
    }
    // Counted per day: the days the period touches.
    let mut stmt = conn.prepare_cached(
        "SELECT org_id, kind, SUM(count) FROM org_usage WHERE day >= ?1 AND day <= ?2 GROUP BY org_id, kind",
    )?;
    let rows = stmt.query_map(params![day_of(from), day_of(to - 1)], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (o, kind, n) = row?;
        out.entry(org(o)?).or_default().usage.insert(kind, count(n));
    }
    Ok(out)
}
