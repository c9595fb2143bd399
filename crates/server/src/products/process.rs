//! The publication process, step by step: draft → in review (providers asked for consent
//! where the release widens a cited record's reach) → published (signed off by an approver
//! other than the author, once every needed consent is given) → withdrawn. Each step is checked
//! against the state it starts from (a concurrent step gets 409) and written to the audit log.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use renkei_model::account::{OrgKind, Role};
use renkei_model::handling::{Handling, Tlp, Use};
use renkei_model::ids::{OrgId, ProductId};
use renkei_model::product::{ConsentState, ProductContent, ProductKind, ProductStatus};
use renkei_model::stix::Timestamp;
use renkei_policy::{Identity, Path, Principal, ReadScope, RecordMeta, needs_consent};
use renkei_store::{
    ConsentRequest, NewConsentRequest, NewProduct, Product, RecordQuery, VersionFilter,
};
use serde_json::json;

use super::release::{Release, in_house, super_invalid};
use crate::error::ApiError;
use crate::state::AppState;

/// Audit actions of the process (`docs/audit.md`).
pub mod action {
    pub const CREATE: &str = "product.create";
    pub const UPDATE: &str = "product.update";
    pub const SUBMIT: &str = "product.submit";
    pub const RETURN: &str = "product.return";
    pub const PUBLISH: &str = "product.publish";
    pub const WITHDRAW: &str = "product.withdraw";
    pub const CONSENT: &str = "product.consent";
}

/// Writers (and approvers) of products: analysts and administrators of the secretariat.
pub fn may_author(me: &Identity) -> bool {
    me.is_secretariat() && me.can_write() && matches!(me.role, Role::Analyst | Role::Admin)
}

fn check_author(me: &Identity) -> Result<(), ApiError> {
    if may_author(me) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "not_product_author",
            "Only the secretariat's analysts write and approve products",
        ))
    }
}

/// Longest reason for a return or withdrawal, or comment on a consent answer.
pub const NOTE_CHARS: usize = 2_000;

/// Refuses a reason or comment (`field`) longer than [`NOTE_CHARS`].
pub fn check_note(field: &str, text: &str) -> Result<(), ApiError> {
    if text.chars().count() > NOTE_CHARS {
        return Err(super_invalid(
            "invalid_body",
            "Invalid body",
            &format!("`{field}` is longer than 2,000 characters"),
        ));
    }
    Ok(())
}

fn check_content(kind: ProductKind, content: &ProductContent) -> Result<(), ApiError> {
    content
        .check(kind)
        .map_err(|e| super_invalid("invalid_product", "Invalid product", &e.to_string()))
}

pub(super) fn check_status(p: &Product, wanted: ProductStatus) -> Result<(), ApiError> {
    if p.status == wanted {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "wrong_product_status",
        format!("Product {} is {}, not {wanted}", p.number, p.status),
    ))
}

fn year_of(micros: i64) -> i32 {
    Timestamp::from_unix_micros(micros).to_stix()[..4]
        .parse()
        .unwrap_or(1970)
}

/// Saves a step taken from status `from` (409 if the product moved meanwhile) and audits it.
async fn save_step(
    state: &AppState,
    me: &Identity,
    p: &mut Product,
    from: ProductStatus,
    consents: Option<&[NewConsentRequest]>,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    p.updated_at = state.clock.now_micros();
    state
        .store
        .save_product(p, from, consents, p.updated_at)
        .await?;
    state
        .audit(Some(me), action, p.number.to_string(), detail)
        .await
}

/// Creates a draft.
pub async fn create(
    state: &AppState,
    me: &Identity,
    kind: ProductKind,
    content: ProductContent,
    release: Release,
) -> Result<Product, ApiError> {
    check_author(me)?;
    check_content(kind, &content)?;
    release.check(kind, me)?;
    let now = state.clock.now_micros();
    let release = release.handling();
    let product = state
        .store
        .create_product(&NewProduct {
            id: ProductId::from_uuid(state.entropy.uuid_v4()),
            prefix: state.config.product_prefix.clone(),
            kind,
            year: year_of(now),
            content,
            handling: in_house(&release),
            release,
            org: me.org,
            author: me.user,
            at: now,
        })
        .await?;
    state
        .audit(
            Some(me),
            action::CREATE,
            product.number.to_string(),
            json!({ "id": product.id, "kind": kind }),
        )
        .await?;
    Ok(product)
}

/// Replaces a draft's content and/or release.
pub async fn update(
    state: &AppState,
    me: &Identity,
    mut p: Product,
    content: Option<ProductContent>,
    release: Option<Release>,
) -> Result<Product, ApiError> {
    check_author(me)?;
    check_status(&p, ProductStatus::Draft)?;
    if let Some(c) = content {
        check_content(p.kind(), &c)?;
        p.content = c;
    }
    if let Some(r) = release {
        r.check(p.kind(), me)?;
        p.release = r.handling();
        p.handling = in_house(&p.release);
    }
    let detail = json!({ "id": p.id });
    save_step(
        state,
        me,
        &mut p,
        ProductStatus::Draft,
        None,
        action::UPDATE,
        detail,
    )
    .await?;
    Ok(p)
}

/// One cited record as the policy sees it.
struct Cited {
    id: String,
    provider: OrgId,
    provider_kind: OrgKind,
    provider_sector: Option<renkei_model::handling::Sector>,
    handling: Handling,
}

impl Cited {
    fn meta(&self) -> RecordMeta<'_> {
        RecordMeta {
            provider: self.provider,
            provider_kind: self.provider_kind,
            provider_sector: self.provider_sector.as_ref(),
            handling: &self.handling,
        }
    }
}

/// The cited records as `me` may read them (latest version, one per provider). A citation
/// `me` cannot read, or of a TLP:RED record (rule 3: never in products), is refused.
async fn cited(state: &AppState, me: &Identity, p: &Product) -> Result<Vec<Cited>, ApiError> {
    let ids: Vec<String> = p
        .content
        .cites
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let scope = ReadScope::of(&Principal::User(me.clone()), Path::Raw);
    let query = RecordQuery {
        ids: ids.clone(),
        versions: VersionFilter::default(),
        limit: ids.len() * 8,
        with_handling: true,
        ..RecordQuery::default()
    };
    let rows = state.store.query_records(&scope, &query).await?;
    let mut kinds: BTreeMap<OrgId, OrgKind> = BTreeMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(handling) = row.handling else {
            return Err(ApiError::internal());
        };
        if handling.tlp == Tlp::Red {
            return Err(super_invalid(
                "uncitable_record",
                "A product cannot cite a TLP:RED record",
                &row.stix_id,
            ));
        }
        let provider_kind = match kinds.get(&row.provider) {
            Some(k) => *k,
            None => {
                let org = state
                    .store
                    .org(row.provider)
                    .await?
                    .ok_or_else(ApiError::internal)?;
                kinds.insert(row.provider, org.kind);
                org.kind
            }
        };
        out.push(Cited {
            id: row.stix_id,
            provider: row.provider,
            provider_kind,
            provider_sector: row.provider_sector,
            handling,
        });
    }
    let found: BTreeSet<&str> = out.iter().map(|c| c.id.as_str()).collect();
    if let Some(missing) = ids.iter().find(|id| !found.contains(id.as_str())) {
        return Err(super_invalid(
            "uncitable_record",
            "A cited record does not exist or you may not read it",
            missing,
        ));
    }
    Ok(out)
}

/// The consent requests the release needs: one per cited record (and provider) whose reach it
/// would widen.
fn consents_needed(p: &Product, cited: &[Cited]) -> Vec<NewConsentRequest> {
    cited
        .iter()
        .filter(|c| needs_consent(&c.meta(), &p.release, p.org))
        .map(|c| NewConsentRequest {
            record: c.id.clone(),
            provider: c.provider,
        })
        .collect()
}

/// Submits a draft for sign-off and asks the providers whose consent the release needs.
pub async fn submit(
    state: &AppState,
    me: &Identity,
    mut p: Product,
) -> Result<(Product, Vec<ConsentRequest>), ApiError> {
    check_author(me)?;
    check_status(&p, ProductStatus::Draft)?;
    let cited = cited(state, me, &p).await?;
    let asks = consents_needed(&p, &cited);
    p.status = ProductStatus::InReview;
    let detail = json!({ "id": p.id, "cited": cited.len(), "consents_requested": asks.len() });
    save_step(
        state,
        me,
        &mut p,
        ProductStatus::Draft,
        Some(&asks),
        action::SUBMIT,
        detail,
    )
    .await?;
    let requests = state.store.consent_requests(p.id).await?;
    Ok((p, requests))
}

/// Sends a product in review back to its author.
pub async fn return_to_draft(
    state: &AppState,
    me: &Identity,
    mut p: Product,
    reason: &str,
) -> Result<Product, ApiError> {
    check_author(me)?;
    check_status(&p, ProductStatus::InReview)?;
    p.status = ProductStatus::Draft;
    let detail = json!({ "id": p.id, "reason": reason });
    save_step(
        state,
        me,
        &mut p,
        ProductStatus::InReview,
        None,
        action::RETURN,
        detail,
    )
    .await?;
    Ok(p)
}

/// Signs a product off and publishes it: the approver is not its author, and every cited
/// record whose reach the release widens — judged again now, on the records' current
/// handling — has its provider's consent.
pub async fn approve(state: &AppState, me: &Identity, mut p: Product) -> Result<Product, ApiError> {
    check_author(me)?;
    check_status(&p, ProductStatus::InReview)?;
    if p.author == me.user {
        return Err(ApiError::forbidden(
            "approver_is_author",
            "The author of a product cannot approve it",
        )
        .with_description("Another analyst of the secretariat signs it off."));
    }
    let cited = cited(state, me, &p).await?;
    let given: BTreeSet<(String, OrgId)> = state
        .store
        .consent_requests(p.id)
        .await?
        .into_iter()
        .filter(|c| c.state == ConsentState::Given)
        .map(|c| (c.record, c.provider))
        .collect();
    let missing: Vec<String> = consents_needed(&p, &cited)
        .into_iter()
        .filter(|c| !given.contains(&(c.record.clone(), c.provider)))
        .map(|c| c.record)
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "consent_missing",
            "Cited records' providers have not consented to this release",
        )
        .with_description(missing.join(", ")));
    }
    let now = state.clock.now_micros();
    p.status = ProductStatus::Published;
    p.approver = Some(me.user);
    p.published_at = Some(now);
    p.updated_at = now;
    p.handling = p.release.clone();
    // A public alert also goes on the public path as a STIX report (public TAXII collection,
    // Atom/RSS of alerts); a public seminar is listed at /public/seminars instead.
    if p.release.uses.contains(Use::Publication) && p.kind() == ProductKind::Alert {
        p.public_record = Some(super::export::publish_public_record(state, me, &p).await?);
    }
    state
        .store
        .save_product(&p, ProductStatus::InReview, None, now)
        .await?;
    state
        .audit(
            Some(me),
            action::PUBLISH,
            p.number.to_string(),
            json!({
                "id": p.id, "author": p.author, "tlp": p.release.tlp,
                "audience": p.release.audience, "public": p.public_record.is_some(),
                "cited": cited.len(),
            }),
        )
        .await?;
    state.notifier.product_published(p.clone());
    Ok(p)
}

/// Takes a published product back: only the secretariat sees it again, and its public record
/// leaves the public collection and feeds.
pub async fn withdraw(
    state: &AppState,
    me: &Identity,
    mut p: Product,
    reason: &str,
) -> Result<Product, ApiError> {
    check_author(me)?;
    check_status(&p, ProductStatus::Published)?;
    if let Some(record) = &p.public_record {
        super::export::withdraw_public_record(state, me, record).await?;
    }
    p.status = ProductStatus::Withdrawn;
    p.handling = in_house(&p.release);
    let detail = json!({ "id": p.id, "reason": reason });
    save_step(
        state,
        me,
        &mut p,
        ProductStatus::Published,
        None,
        action::WITHDRAW,
        detail,
    )
    .await?;
    Ok(p)
}
