//! Products, consent requests, seminar registrations and the period summary for bulletins (see
//! `renkei_store::products`).

use std::collections::BTreeMap;

use deadpool_postgres::GenericClient;
use renkei_model::handling::Sector;
use renkei_model::ids::{OrgId, ProductId, UserId};
use renkei_model::product::{ConsentState, ProductNumber, ProductStatus};
use renkei_store::{
    COUNTED_NOT_AUDIENCE, COUNTED_NOT_TLP, ConsentAnswer, ConsentRequest, NewConsentRequest,
    NewProduct, PeriodRecord, PeriodSummary, Product, Registered, Registration, SUMMARY_LIST,
    SUMMARY_RECORDS_PER_VALUE, StoreError, StoreResult, THREAT_TYPES, TopValue,
};
use tokio_postgres::Row;

use crate::{db_err, parse};

const COLUMNS: &str = "id, number, status, content, handling, release, org_id, author_id, \
                       approver_id, created_at, updated_at, published_at, public_record";

fn json<T: serde::de::DeserializeOwned>(s: &str) -> StoreResult<T> {
    serde_json::from_str(s)
        .map_err(|e| StoreError::Invalid(format!("stored product JSON is invalid: {e}")))
}

fn to_json(v: &impl serde::Serialize) -> StoreResult<String> {
    serde_json::to_string(v).map_err(StoreError::backend)
}

fn product_from_row(r: &Row) -> StoreResult<Product> {
    Ok(Product {
        id: parse(r.get::<_, &str>(0))?,
        number: parse::<ProductNumber>(r.get(1))?,
        status: parse(r.get::<_, &str>(2))?,
        content: json(r.get(3))?,
        handling: json(r.get(4))?,
        release: json(r.get(5))?,
        org: parse(r.get::<_, &str>(6))?,
        author: parse(r.get::<_, &str>(7))?,
        approver: r.get::<_, Option<&str>>(8).map(parse).transpose()?,
        created_at: r.get(9),
        updated_at: r.get(10),
        published_at: r.get(11),
        public_record: r.get(12),
    })
}

pub(crate) async fn create(tx: &impl GenericClient, p: &NewProduct) -> StoreResult<Product> {
    let kind = p.kind.as_str();
    let year = i64::from(p.year);
    let seq: i64 = tx
        .query_one(
            "INSERT INTO product_counters (prefix, kind, year, last) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (prefix, kind, year) DO UPDATE SET last = product_counters.last + 1 \
             RETURNING last",
            &[&p.prefix, &kind, &year],
        )
        .await
        .map_err(db_err)?
        .get(0);
    let number = ProductNumber {
        prefix: p.prefix.clone(),
        kind: p.kind,
        year: p.year,
        seq: u32::try_from(seq)
            .map_err(|_| StoreError::Invalid("product counter overflow".into()))?,
    };
    tx.execute(
        "INSERT INTO products (id, number, prefix, kind, year, seq, status, content, handling, \
         release, org_id, author_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10, $11, $12, $12)",
        &[
            &p.id.to_string(),
            &number.to_string(),
            &p.prefix,
            &kind,
            &year,
            &seq,
            &to_json(&p.content)?,
            &to_json(&p.handling)?,
            &to_json(&p.release)?,
            &p.org.to_string(),
            &p.author.to_string(),
            &p.at,
        ],
    )
    .await
    .map_err(db_err)?;
    one(tx, p.id)
        .await?
        .ok_or_else(|| StoreError::NotFound("product".into()))
}

pub(crate) async fn one(c: &impl GenericClient, id: ProductId) -> StoreResult<Option<Product>> {
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM products WHERE id = $1"),
        &[&id.to_string()],
    )
    .await
    .map_err(db_err)?
    .as_ref()
    .map(product_from_row)
    .transpose()
}

pub(crate) async fn by_number(
    c: &impl GenericClient,
    number: &str,
) -> StoreResult<Option<Product>> {
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM products WHERE number = $1"),
        &[&number],
    )
    .await
    .map_err(db_err)?
    .as_ref()
    .map(product_from_row)
    .transpose()
}

pub(crate) async fn list(c: &impl GenericClient) -> StoreResult<Vec<Product>> {
    c.query(
        &format!("SELECT {COLUMNS} FROM products ORDER BY created_at DESC, number DESC"),
        &[],
    )
    .await
    .map_err(db_err)?
    .iter()
    .map(product_from_row)
    .collect()
}

pub(crate) async fn save(
    tx: &impl GenericClient,
    p: &Product,
    expected: ProductStatus,
    consents: Option<&[NewConsentRequest]>,
    at: i64,
) -> StoreResult<()> {
    let id = p.id.to_string();
    let changed = tx
        .execute(
            "UPDATE products SET status = $2, content = $3, handling = $4, release = $5, \
             approver_id = $6, updated_at = $7, published_at = $8, public_record = $9 \
             WHERE id = $1 AND status = $10",
            &[
                &id,
                &p.status.as_str(),
                &to_json(&p.content)?,
                &to_json(&p.handling)?,
                &to_json(&p.release)?,
                &p.approver.map(|u| u.to_string()),
                &p.updated_at,
                &p.published_at,
                &p.public_record,
                &expected.as_str(),
            ],
        )
        .await
        .map_err(db_err)?;
    if changed == 0 {
        return Err(StoreError::Conflict(format!(
            "product {} is no longer {expected}",
            p.number
        )));
    }
    if let Some(consents) = consents {
        tx.execute("DELETE FROM product_consents WHERE product_id = $1", &[&id])
            .await
            .map_err(db_err)?;
        let records: Vec<&str> = consents.iter().map(|c| c.record.as_str()).collect();
        let providers: Vec<String> = consents.iter().map(|c| c.provider.to_string()).collect();
        tx.execute(
            "INSERT INTO product_consents (product_id, record_id, provider_org, state, asked_at) \
             SELECT $1, r, o, 'requested', $4 FROM UNNEST($2::text[], $3::text[]) WITH ORDINALITY AS q(r, o, n) \
             ORDER BY n",
            &[&id, &records, &providers, &at],
        )
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

const CONSENT_COLUMNS: &str = "id, product_id, record_id, provider_org, state, asked_at, \
                               answered_at, answered_by, comment";

fn consent_from_row(r: &Row) -> StoreResult<ConsentRequest> {
    Ok(ConsentRequest {
        id: r.get(0),
        product: parse(r.get::<_, &str>(1))?,
        record: r.get(2),
        provider: parse(r.get::<_, &str>(3))?,
        state: parse::<ConsentState>(r.get(4))?,
        asked_at: r.get(5),
        answered_at: r.get(6),
        answered_by: r.get::<_, Option<&str>>(7).map(parse).transpose()?,
        comment: r.get(8),
    })
}

pub(crate) async fn consents(
    c: &impl GenericClient,
    product: ProductId,
) -> StoreResult<Vec<ConsentRequest>> {
    c.query(
        &format!(
            "SELECT {CONSENT_COLUMNS} FROM product_consents WHERE product_id = $1 ORDER BY id"
        ),
        &[&product.to_string()],
    )
    .await
    .map_err(db_err)?
    .iter()
    .map(consent_from_row)
    .collect()
}

pub(crate) async fn consents_to(
    c: &impl GenericClient,
    provider: OrgId,
) -> StoreResult<Vec<ConsentRequest>> {
    c.query(
        &format!(
            "SELECT {CONSENT_COLUMNS} FROM product_consents WHERE provider_org = $1 ORDER BY id DESC"
        ),
        &[&provider.to_string()],
    )
    .await
    .map_err(db_err)?
    .iter()
    .map(consent_from_row)
    .collect()
}

pub(crate) async fn answer(
    c: &impl GenericClient,
    a: &ConsentAnswer,
) -> StoreResult<Option<ConsentRequest>> {
    c.query_opt(
        &format!(
            "UPDATE product_consents SET state = $3, answered_at = $4, answered_by = $5, comment = $6 \
             WHERE id = $1 AND provider_org = $2 RETURNING {CONSENT_COLUMNS}"
        ),
        &[
            &a.id,
            &a.provider.to_string(),
            &a.state.as_str(),
            &a.at,
            &a.by.to_string(),
            &a.comment,
        ],
    )
    .await
    .map_err(db_err)?
    .as_ref()
    .map(consent_from_row)
    .transpose()
}

const REGISTRATION_COLUMNS: &str = "tracking, product_id, name, email, organisation, user_id, at";

fn registration_from_row(r: &Row) -> StoreResult<Registration> {
    Ok(Registration {
        tracking: r.get(0),
        product: parse(r.get::<_, &str>(1))?,
        name: r.get(2),
        email: r.get(3),
        organisation: r.get(4),
        user: r
            .get::<_, Option<&str>>(5)
            .map(parse::<UserId>)
            .transpose()?,
        at: r.get(6),
    })
}

/// Counting and inserting under a lock on the product's row, so two registrations for the last
/// seat cannot both succeed.
pub(crate) async fn register(
    tx: &impl GenericClient,
    r: &Registration,
    capacity: u32,
) -> StoreResult<Registered> {
    let product = r.product.to_string();
    tx.query_opt(
        "SELECT 1 FROM products WHERE id = $1 FOR UPDATE",
        &[&product],
    )
    .await
    .map_err(db_err)?
    .ok_or_else(|| StoreError::NotFound("seminar".into()))?;
    let taken: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM seminar_registrations WHERE product_id = $1",
            &[&product],
        )
        .await
        .map_err(db_err)?
        .get(0);
    if taken >= i64::from(capacity) {
        return Ok(Registered::Full);
    }
    let inserted = tx
        .execute(
            "INSERT INTO seminar_registrations (tracking, product_id, name, email, organisation, user_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (product_id, email) DO NOTHING",
            &[
                &r.tracking,
                &product,
                &r.name,
                &r.email,
                &r.organisation,
                &r.user.map(|u| u.to_string()),
                &r.at,
            ],
        )
        .await
        .map_err(db_err)?;
    if inserted == 0 {
        return Err(StoreError::Conflict(
            "this e-mail address is already registered for the seminar".into(),
        ));
    }
    Ok(Registered::Yes(r.clone()))
}

pub(crate) async fn registrations(
    c: &impl GenericClient,
    product: ProductId,
) -> StoreResult<Vec<Registration>> {
    c.query(
        &format!(
            "SELECT {REGISTRATION_COLUMNS} FROM seminar_registrations WHERE product_id = $1 ORDER BY at, tracking"
        ),
        &[&product.to_string()],
    )
    .await
    .map_err(db_err)?
    .iter()
    .map(registration_from_row)
    .collect()
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub(crate) async fn period_summary(
    c: &impl GenericClient,
    from: i64,
    to: i64,
) -> StoreResult<PeriodSummary> {
    let mut s = PeriodSummary::default();
    let rows = c
        .query(
            "SELECT stix_type, category, provider_sector, COUNT(*) FROM records \
             WHERE date_added >= $1 AND date_added < $2 AND latest = 1 AND deleted_at IS NULL \
             AND tlp <> $3 AND (audience_mask & $4) = 0 \
             GROUP BY stix_type, category, provider_sector",
            &[
                &from,
                &to,
                &i16::from(COUNTED_NOT_TLP),
                &i32::try_from(COUNTED_NOT_AUDIENCE).unwrap_or(1),
            ],
        )
        .await
        .map_err(db_err)?;
    let mut groups = vec![];
    for r in &rows {
        let sector = r
            .get::<_, Option<&str>>(2)
            .map(parse::<Sector>)
            .transpose()?;
        groups.push((r.get(0), r.get(1), sector, count(r.get(3))));
    }
    renkei_store::fold_summary(&mut s, groups);
    let threat_types: Vec<&str> = THREAT_TYPES.to_vec();
    let limit = SUMMARY_LIST as i64;
    s.threats = named(
        c,
        "SELECT stix_id, stix_type, body, provider_org, date_added FROM records \
         WHERE date_added >= $1 AND date_added < $2 AND latest = 1 AND deleted_at IS NULL \
         AND stix_type = ANY($3) ORDER BY date_added DESC LIMIT $4",
        &[&from, &to, &threat_types, &limit],
    )
    .await?;
    s.law_enforcement = named(
        c,
        "SELECT stix_id, stix_type, body, provider_org, date_added FROM records \
         WHERE date_added >= $1 AND date_added < $2 AND latest = 1 AND deleted_at IS NULL \
         AND provider_kind = 'law_enforcement' AND stix_type <> 'sighting' \
         ORDER BY date_added DESC LIMIT $3",
        &[&from, &to, &limit],
    )
    .await?;
    let values = c
        .query(
            "SELECT value_key, kind, value, providers, objects FROM observable_values \
             WHERE shared_at IS NOT NULL AND last_at >= $1 AND last_at < $2 \
             ORDER BY providers DESC, objects DESC, value_key LIMIT $3",
            &[&from, &to, &limit],
        )
        .await
        .map_err(db_err)?;
    // Two index lookups for all values at once (a join per value lets the planner pick a
    // scan of `records` on a young table): the carriers' id_keys, then their latest rows.
    let keys: Vec<i64> = values.iter().map(|v| v.get(0)).collect();
    let carried = c
        .query(
            "SELECT value_key, id_key FROM record_observables WHERE value_key = ANY($1)",
            &[&keys],
        )
        .await
        .map_err(db_err)?;
    let id_keys: Vec<i64> = carried.iter().map(|r| r.get(1)).collect();
    let rows = c
        .query(
            "SELECT id_key, stix_id, date_added FROM records \
             WHERE id_key = ANY($1) AND latest = 1 AND deleted_at IS NULL",
            &[&id_keys],
        )
        .await
        .map_err(db_err)?;
    let mut by_key: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
    for r in &rows {
        by_key
            .entry(r.get(0))
            .or_default()
            .push((r.get(2), r.get(1)));
    }
    let mut per_value: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
    for r in &carried {
        if let Some(found) = by_key.get(&r.get::<_, i64>(1)) {
            per_value
                .entry(r.get(0))
                .or_default()
                .extend(found.iter().cloned());
        }
    }
    for v in &values {
        let key: i64 = v.get(0);
        let mut carriers = per_value.remove(&key).unwrap_or_default();
        carriers.sort_unstable_by(|a, b| b.cmp(a));
        let mut records: Vec<String> = Vec::new();
        for (_, id) in carriers {
            if !records.contains(&id) {
                records.push(id);
            }
            if records.len() == SUMMARY_RECORDS_PER_VALUE {
                break;
            }
        }
        s.top_values.push(TopValue {
            kind: v.get(1),
            value: v.get(2),
            providers: count(v.get(3)),
            objects: count(v.get(4)),
            records,
        });
    }
    Ok(s)
}

async fn named(
    c: &impl GenericClient,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> StoreResult<Vec<PeriodRecord>> {
    c.query(sql, params)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| {
            Ok(PeriodRecord {
                stix_id: r.get(0),
                stix_type: r.get(1),
                name: renkei_store::name_of(r.get(2)),
                provider: parse::<OrgId>(r.get(3))?,
                date_added: r.get(4),
            })
        })
        .collect()
}
