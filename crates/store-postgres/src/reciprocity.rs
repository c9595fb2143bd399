//! Reciprocity (see `renkei_store::reciprocity`).

use std::collections::BTreeMap;

use deadpool_postgres::GenericClient;
use renkei_model::ids::OrgId;
use renkei_store::{OrgActivity, StoreResult, UsageCount, day_of};

use crate::{db_err, parse};

pub(crate) async fn add_usage(c: &impl GenericClient, counts: &[UsageCount]) -> StoreResult<()> {
    let orgs: Vec<String> = counts.iter().map(|c| c.org.to_string()).collect();
    let days: Vec<i64> = counts.iter().map(|c| c.day).collect();
    let kinds: Vec<&str> = counts.iter().map(|c| c.kind.as_str()).collect();
    let ns: Vec<i64> = counts
        .iter()
        .map(|c| i64::try_from(c.count).unwrap_or(i64::MAX))
        .collect();
    c.execute(
        "INSERT INTO org_usage (org_id, day, kind, count) \
         SELECT o, d, k, SUM(n) FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::int8[]) AS q(o, d, k, n) \
         GROUP BY o, d, k \
         ON CONFLICT (org_id, day, kind) DO UPDATE SET count = org_usage.count + excluded.count",
        &[&orgs, &days, &kinds, &ns],
    )
    .await
    .map_err(db_err)?;
    Ok(())
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub(crate) async fn activity(
    c: &impl GenericClient,
    from: i64,
    to: i64,
) -> StoreResult<BTreeMap<OrgId, OrgActivity>> {
    let mut out: BTreeMap<OrgId, OrgActivity> = BTreeMap::new();
    for r in c
        .query(
            "SELECT provider_org, COUNT(*) FILTER (WHERE stix_type <> 'sighting'), COUNT(*) FILTER (WHERE stix_type = 'sighting') \
             FROM records WHERE date_added >= $1 AND date_added < $2 AND deleted_at IS NULL GROUP BY provider_org",
            &[&from, &to],
        )
        .await
        .map_err(db_err)?
    {
        let a = out.entry(parse(r.get::<_, &str>(0))?).or_default();
        a.records = count(r.get(1));
        a.sightings = count(r.get(2));
    }
    for r in c
        .query(
            "SELECT r.provider_org, COUNT(DISTINCT r.id_key) FROM record_sightings s \
             JOIN records sr ON sr.id_key = s.sighting_key AND sr.stix_id = s.sighting_id AND sr.latest = 1 AND sr.deleted_at IS NULL \
             JOIN records r ON r.id_key = s.target_key AND r.stix_id = s.target_id AND r.latest = 1 AND r.deleted_at IS NULL \
             WHERE sr.date_added >= $1 AND sr.date_added < $2 AND sr.provider_org <> r.provider_org \
             GROUP BY r.provider_org",
            &[&from, &to],
        )
        .await
        .map_err(db_err)?
    {
        out.entry(parse(r.get::<_, &str>(0))?)
            .or_default()
            .sighted_by_others = count(r.get(1));
    }
    for r in c
        .query(
            "SELECT org_id, COUNT(*), SUM(entries)::int8 FROM feed_pulls WHERE at >= $1 AND at < $2 GROUP BY org_id",
            &[&from, &to],
        )
        .await
        .map_err(db_err)?
    {
        let a = out.entry(parse(r.get::<_, &str>(0))?).or_default();
        a.feed_pulls = count(r.get(1));
        a.feed_entries = count(r.get(2));
    }
    // Counted per day: the days the period touches.
    for r in c
        .query(
            "SELECT org_id, kind, SUM(count)::int8 FROM org_usage WHERE day >= $1 AND day <= $2 GROUP BY org_id, kind",
            &[&day_of(from), &day_of(to - 1)],
        )
        .await
        .map_err(db_err)?
    {
        out.entry(parse(r.get::<_, &str>(0))?)
            .or_default()
            .usage
            .insert(r.get(1), count(r.get(2)));
    }
    Ok(out)
}
