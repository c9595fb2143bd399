//! Products, consent requests, seminar registrations and the period summary for bulletins (see
//! `renkei_store::products`).

use renkei_model::handling::Sector;
use renkei_model::ids::{OrgId, ProductId, UserId};
use renkei_model::product::{ConsentState, ProductNumber, ProductStatus};
use renkei_store::{
    COUNTED_NOT_AUDIENCE, COUNTED_NOT_TLP, ConsentAnswer, ConsentRequest, NewConsentRequest,
    NewProduct, PeriodRecord, PeriodSummary, Product, Registered, Registration, SUMMARY_LIST,
    SUMMARY_RECORDS_PER_VALUE, StoreError, StoreResult, THREAT_TYPES, TopValue,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::accounts::parse;
use crate::db_err;
use crate::records::conv;

const COLUMNS: &str = "id, number, status, content, handling, release, org_id, author_id, \
                       approver_id, created_at, updated_at, published_at, public_record";

fn json<T: serde::de::DeserializeOwned>(s: String) -> rusqlite::Result<T> {
    serde_json::from_str(&s).map_err(conv)
}

fn to_json(v: &impl serde::Serialize) -> StoreResult<String> {
    serde_json::to_string(v).map_err(StoreError::backend)
}

fn product_from_row(r: &Row<'_>) -> rusqlite::Result<Product> {
    Ok(Product {
        id: parse::<ProductId>(r.get(0)?)?,
        number: parse::<ProductNumber>(r.get(1)?)?,
        status: parse::<ProductStatus>(r.get(2)?)?,
        content: json(r.get(3)?)?,
        handling: json(r.get(4)?)?,
        release: json(r.get(5)?)?,
        org: parse::<OrgId>(r.get(6)?)?,
        author: parse::<UserId>(r.get(7)?)?,
        approver: r.get::<_, Option<String>>(8)?.map(parse).transpose()?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        published_at: r.get(11)?,
        public_record: r.get(12)?,
    })
}

pub(crate) fn create(tx: &Transaction<'_>, p: &NewProduct) -> StoreResult<Product> {
    let kind = p.kind.as_str();
    let seq: i64 = tx
        .query_row(
            "INSERT INTO product_counters (prefix, kind, year, last) VALUES (?1, ?2, ?3, 1) \
             ON CONFLICT (prefix, kind, year) DO UPDATE SET last = last + 1 RETURNING last",
            params![p.prefix, kind, p.year],
            |r| r.get(0),
        )
        .map_err(db_err)?;
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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'draft', ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
        params![
            p.id.to_string(),
            number.to_string(),
            p.prefix,
            kind,
            p.year,
            seq,
            to_json(&p.content)?,
            to_json(&p.handling)?,
            to_json(&p.release)?,
            p.org.to_string(),
            p.author.to_string(),
            p.at,
        ],
    )
    .map_err(db_err)?;
    one(tx, p.id)?.ok_or_else(|| StoreError::NotFound("product".into()))
}

pub(crate) fn one(conn: &Connection, id: ProductId) -> StoreResult<Option<Product>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM products WHERE id = ?1"),
        [id.to_string()],
        product_from_row,
    )
    .optional()
    .map_err(db_err)
}

pub(crate) fn by_number(conn: &Connection, number: &str) -> rusqlite::Result<Option<Product>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM products WHERE number = ?1"),
        [number],
        product_from_row,
    )
    .optional()
}

pub(crate) fn list(conn: &Connection) -> rusqlite::Result<Vec<Product>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM products ORDER BY created_at DESC, number DESC"
    ))?;
    stmt.query_map([], product_from_row)?.collect()
}

pub(crate) fn save(
    tx: &Transaction<'_>,
    p: &Product,
    expected: ProductStatus,
    consents: Option<&[NewConsentRequest]>,
    at: i64,
) -> StoreResult<()> {
    let changed = tx
        .execute(
            "UPDATE products SET status = ?2, content = ?3, handling = ?4, release = ?5, \
             approver_id = ?6, updated_at = ?7, published_at = ?8, public_record = ?9 \
             WHERE id = ?1 AND status = ?10",
            params![
                p.id.to_string(),
                p.status.as_str(),
                to_json(&p.content)?,
                to_json(&p.handling)?,
                to_json(&p.release)?,
                p.approver.map(|u| u.to_string()),
                p.updated_at,
                p.published_at,
                p.public_record,
                expected.as_str(),
            ],
        )
        .map_err(db_err)?;
    if changed == 0 {
        return Err(StoreError::Conflict(format!(
            "product {} is no longer {expected}",
            p.number
        )));
    }
    if let Some(consents) = consents {
        tx.execute(
            "DELETE FROM product_consents WHERE product_id = ?1",
            [p.id.to_string()],
        )
        .map_err(db_err)?;
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO product_consents (product_id, record_id, provider_org, state, asked_at) \
                 VALUES (?1, ?2, ?3, 'requested', ?4)",
            )
            .map_err(db_err)?;
        for c in consents {
            stmt.execute(params![
                p.id.to_string(),
                c.record,
                c.provider.to_string(),
                at
            ])
            .map_err(db_err)?;
        }
    }
    Ok(())
}

const CONSENT_COLUMNS: &str = "id, product_id, record_id, provider_org, state, asked_at, \
                               answered_at, answered_by, comment";

fn consent_from_row(r: &Row<'_>) -> rusqlite::Result<ConsentRequest> {
    Ok(ConsentRequest {
        id: r.get(0)?,
        product: parse::<ProductId>(r.get(1)?)?,
        record: r.get(2)?,
        provider: parse::<OrgId>(r.get(3)?)?,
        state: parse::<ConsentState>(r.get(4)?)?,
        asked_at: r.get(5)?,
        answered_at: r.get(6)?,
        answered_by: r.get::<_, Option<String>>(7)?.map(parse).transpose()?,
        comment: r.get(8)?,
    })
}

pub(crate) fn consents(
    conn: &Connection,
    product: ProductId,
) -> rusqlite::Result<Vec<ConsentRequest>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CONSENT_COLUMNS} FROM product_consents WHERE product_id = ?1 ORDER BY id"
    ))?;
    stmt.query_map([product.to_string()], consent_from_row)?
        .collect()
}

pub(crate) fn consents_to(
    conn: &Connection,
    provider: OrgId,
) -> rusqlite::Result<Vec<ConsentRequest>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CONSENT_COLUMNS} FROM product_consents WHERE provider_org = ?1 ORDER BY id DESC"
    ))?;
    stmt.query_map([provider.to_string()], consent_from_row)?
        .collect()
}

pub(crate) fn answer(
    tx: &Transaction<'_>,
    a: &ConsentAnswer,
) -> StoreResult<Option<ConsentRequest>> {
    tx.query_row(
        &format!(
            "UPDATE product_consents SET state = ?3, answered_at = ?4, answered_by = ?5, comment = ?6 \
             WHERE id = ?1 AND provider_org = ?2 RETURNING {CONSENT_COLUMNS}"
        ),
        params![
            a.id,
            a.provider.to_string(),
            a.state.as_str(),
            a.at,
            a.by.to_string(),
            a.comment
        ],
        consent_from_row,
    )
    .optional()
    .map_err(db_err)
}

const REGISTRATION_COLUMNS: &str = "tracking, product_id, name, email, organisation, user_id, at";

fn registration_from_row(r: &Row<'_>) -> rusqlite::Result<Registration> {
    Ok(Registration {
        tracking: r.get(0)?,
        product: parse::<ProductId>(r.get(1)?)?,
        name: r.get(2)?,
        email: r.get(3)?,
        organisation: r.get(4)?,
        user: r.get::<_, Option<String>>(5)?.map(parse).transpose()?,
        at: r.get(6)?,
    })
}

pub(crate) fn register(
    tx: &Transaction<'_>,
    r: &Registration,
    capacity: u32,
) -> StoreResult<Registered> {
    let taken: i64 = tx
        .query_row(
            "SELECT COUNT(*) FROM seminar_registrations WHERE product_id = ?1",
            [r.product.to_string()],
            |row| row.get(0),
        )
        .map_err(db_err)?;
    if taken >= i64::from(capacity) {
        return Ok(Registered::Full);
    }
    let inserted = tx
        .execute(
            "INSERT INTO seminar_registrations (tracking, product_id, name, email, organisation, user_id, at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (product_id, email) DO NOTHING",
            params![
                r.tracking,
                r.product.to_string(),
                r.name,
                r.email,
                r.organisation,
                r.user.map(|u| u.to_string()),
                r.at
            ],
        )
        .map_err(db_err)?;
    if inserted == 0 {
        return Err(StoreError::Conflict(
            "this e-mail address is already registered for the seminar".into(),
        ));
    }
    Ok(Registered::Yes(r.clone()))
}

pub(crate) fn registrations(
    conn: &Connection,
    product: ProductId,
) -> rusqlite::Result<Vec<Registration>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {REGISTRATION_COLUMNS} FROM seminar_registrations WHERE product_id = ?1 ORDER BY at, tracking"
    ))?;
    stmt.query_map([product.to_string()], registration_from_row)?
        .collect()
}

/// Counts in one pass over the period's rows (`date_added` is the primary key, so the range
/// is a contiguous slice of the table), then the named lists.
pub(crate) fn period_summary(
    conn: &Connection,
    from: i64,
    to: i64,
) -> rusqlite::Result<PeriodSummary> {
    let mut s = PeriodSummary::default();
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let mut stmt = conn.prepare_cached(
        "SELECT stix_type, category, provider_sector, COUNT(*) FROM records \
         WHERE date_added >= ?1 AND date_added < ?2 AND latest = 1 AND deleted_at IS NULL \
         AND tlp <> ?3 AND (audience_mask & ?4) = 0 \
         GROUP BY stix_type, category, provider_sector",
    )?;
    let rows = stmt.query_map(
        params![from, to, COUNTED_NOT_TLP, COUNTED_NOT_AUDIENCE],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, i64>(3)?,
            ))
        },
    )?;
    let mut groups = vec![];
    for row in rows {
        let (ty, category, sector, n) = row?;
        let sector = sector.map(parse::<Sector>).transpose()?;
        groups.push((ty, category, sector, count(n)));
    }
    renkei_store::fold_summary(&mut s, groups);
    let placeholders = THREAT_TYPES
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(",");
    s.threats = named(
        conn,
        &format!(
            "SELECT stix_id, stix_type, body, provider_org, date_added FROM records \
             WHERE date_added >= ?1 AND date_added < ?2 AND latest = 1 AND deleted_at IS NULL \
             AND stix_type IN ({placeholders}) ORDER BY date_added DESC LIMIT {SUMMARY_LIST}"
        ),
        from,
        to,
    )?;
    s.law_enforcement = named(
        conn,
        &format!(
            "SELECT stix_id, stix_type, body, provider_org, date_added FROM records \
             WHERE date_added >= ?1 AND date_added < ?2 AND latest = 1 AND deleted_at IS NULL \
             AND provider_kind = 'law_enforcement' AND stix_type != 'sighting' \
             ORDER BY date_added DESC LIMIT {SUMMARY_LIST}"
        ),
        from,
        to,
    )?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT value_key, kind, value, providers, objects FROM observable_values \
         WHERE shared_at IS NOT NULL AND last_at >= ?1 AND last_at < ?2 \
         ORDER BY providers DESC, objects DESC, value_key LIMIT {SUMMARY_LIST}"
    ))?;
    let values = stmt
        .query_map(params![from, to], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                TopValue {
                    kind: r.get(1)?,
                    value: r.get(2)?,
                    providers: count(r.get(3)?),
                    objects: count(r.get(4)?),
                    records: vec![],
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut carriers = conn.prepare_cached(&format!(
        "SELECT r.stix_id FROM record_observables o \
         JOIN records r ON r.id_key = o.id_key AND r.latest = 1 AND r.deleted_at IS NULL \
         WHERE o.value_key = ?1 GROUP BY r.stix_id ORDER BY MAX(r.date_added) DESC \
         LIMIT {SUMMARY_RECORDS_PER_VALUE}"
    ))?;
    for (key, mut value) in values {
        value.records = carriers
            .query_map([key], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        s.top_values.push(value);
    }
    Ok(s)
}

fn named(conn: &Connection, sql: &str, from: i64, to: i64) -> rusqlite::Result<Vec<PeriodRecord>> {
    let mut stmt = conn.prepare_cached(sql)?;
    stmt.query_map(params![from, to], |r| {
        Ok(PeriodRecord {
            stix_id: r.get(0)?,
            stix_type: r.get(1)?,
            name: renkei_store::name_of(&r.get::<_, String>(2)?),
            provider: parse::<OrgId>(r.get(3)?)?,
            date_added: r.get(4)?,
        })
    })?
    .collect()
}
