//! What the submission forms share: reading a posted form (with repeated names, for check
//! boxes), the handling fieldset and its parsing into the same `Handling` the REST API takes,
//! and the problems shown next to the fields they name.
//!
//! TLP has no preselected value: a member who does not choose one is asked to. The
//! classification offered never goes above the member's clearance, and the server checks it
//! again with the API's own rule (`api::records::within_clearance`).

use axum::body::Body;
use axum::http::StatusCode;
use maud::{Markup, html};
use renkei_model::handling::{Attribution, Handling, Pap, Tlp, Use};
use renkei_policy::Identity;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::web::session::Ctx;

/// A posted form: every name and value in order (check boxes repeat a name).
#[derive(Debug, Default)]
pub struct Posted(Vec<(String, String)>);

impl Posted {
    /// Reads an `application/x-www-form-urlencoded` body of at most `limit` bytes (413 beyond).
    pub async fn read(body: Body, limit: usize) -> Result<Posted, ApiError> {
        let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "form_too_large",
                "The form is too large",
            )
        })?;
        Ok(Posted(
            form_urlencoded::parse(&bytes).into_owned().collect(),
        ))
    }

    /// Reads the form like [`Posted::read`] and refuses (403) one without this visitor's CSRF
    /// token.
    pub async fn checked(
        cx: &Ctx,
        state: &crate::state::AppState,
        body: Body,
        limit: usize,
    ) -> Result<Posted, ApiError> {
        let f = Posted::read(body, limit).await?;
        cx.check_csrf(state, Some(f.get("csrf")))?;
        Ok(f)
    }

    /// The last value of `name`, trimmed; empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// Every non-empty value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect()
    }
}

/// A field the member must correct: the field's name in the form and the message.
#[derive(Debug)]
pub struct Problem {
    pub field: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(field: &'static str, message: impl Into<String>) -> Problem {
        Problem {
            field,
            message: message.into(),
        }
    }
}

/// The problems, each naming its field, above the form.
pub fn problems(cx: &Ctx, list: &[Problem]) -> Markup {
    html! {
        @if !list.is_empty() {
            div.problems role="alert" {
                p.error { (cx.t("submit.fix")) }
                ul { @for p in list { li { strong { (field_label(cx, p.field)) } ": " (p.message) } } }
            }
        }
    }
}

/// The label of a handling field, or of a record type's field.
pub fn field_label(cx: &Ctx, field: &str) -> &'static str {
    match field {
        "tlp" => "TLP",
        "pap" => "PAP",
        "classification" => cx.t("handling.classification"),
        "audience" => cx.t("handling.audience"),
        "attribution" => cx.t("handling.attribution"),
        "uses" => cx.t("handling.uses"),
        "text" => cx.t("submit.text"),
        other => super::kinds::label_of(cx, other),
    }
}

fn use_label(cx: &Ctx, u: Use) -> &'static str {
    match u {
        Use::Investigation => cx.t("handling.use_investigation"),
        Use::Evidence => cx.t("handling.use_evidence"),
        Use::Publication => cx.t("handling.use_publication"),
        Use::Foreign => cx.t("handling.use_foreign"),
        Use::Research => cx.t("handling.use_research"),
        Use::DefensiveFeeds => cx.t("handling.use_defensive_feeds"),
    }
}

fn attribution_label(cx: &Ctx, a: Attribution) -> &'static str {
    match a {
        Attribution::Named => cx.t("handling.named"),
        Attribution::SectorOnly => cx.t("handling.sector_only"),
        Attribution::Hidden => cx.t("handling.hidden"),
    }
}

/// Audience entries offered as check boxes; sectors are typed.
const AUDIENCES: [(&str, &str); 4] = [
    ("members", "handling.aud_members"),
    ("law_enforcement", "handling.aud_law_enforcement"),
    ("secretariat", "handling.aud_secretariat"),
    ("provider", "handling.aud_provider"),
];

fn audience_label(cx: &Ctx, key: &str) -> &'static str {
    match key {
        "members" => cx.t("handling.aud_members"),
        "law_enforcement" => cx.t("handling.aud_law_enforcement"),
        "secretariat" => cx.t("handling.aud_secretariat"),
        _ => cx.t("handling.aud_provider"),
    }
}

/// The handling fieldset, showing what was posted (nothing chosen on a fresh form, except the
/// restrictive defaults for PAP and attribution).
pub fn fieldset(cx: &Ctx, me: &Identity, f: &Posted) -> Markup {
    let tlp = f.get("tlp");
    let pap = match f.get("pap") {
        "" => Pap::Amber.as_str(),
        p => p,
    };
    let attribution = match f.get("attribution") {
        "" => Attribution::SectorOnly.as_str(),
        a => a,
    };
    let classification = match f.get("classification") {
        "" => "0",
        c => c,
    };
    let audience = f.all("audience");
    let uses = f.all("uses");
    html! {
        fieldset.handling-form {
            legend { (cx.t("handling.title")) }
            p.hint { (cx.t("handling.explain")) }
            label { "TLP " span.req { (cx.t("submit.required")) }
                select name="tlp" required {
                    option value="" selected[tlp.is_empty()] { (cx.t("handling.choose")) }
                    @for t in Tlp::ALL { option value=(t.as_str()) selected[tlp == t.as_str()] { (t.as_str()) } }
                }
            }
            label { "PAP"
                select name="pap" {
                    @for p in Pap::ALL { option value=(p.as_str()) selected[pap == p.as_str()] { (p.as_str()) } }
                }
            }
            label { (cx.t("handling.classification"))
                select name="classification" {
                    @for level in 0..=me.clearance.level() {
                        option value=(level) selected[classification == level.to_string()] { (level) }
                    }
                }
            }
            fieldset.choices {
                legend { (cx.t("handling.audience")) " " span.req { (cx.t("submit.required")) } }
                @for (key, _) in AUDIENCES {
                    label.check { input type="checkbox" name="audience" value=(key) checked[audience.contains(&key)]; (audience_label(cx, key)) }
                }
                label { (cx.t("handling.sectors"))
                    input name="sectors" value=(f.get("sectors")) maxlength="1000" placeholder="finance, telecom";
                }
            }
            label { (cx.t("handling.attribution"))
                select name="attribution" {
                    @for a in Attribution::ALL { option value=(a.as_str()) selected[attribution == a.as_str()] { (attribution_label(cx, *a)) } }
                }
            }
            fieldset.choices {
                legend { (cx.t("handling.uses")) }
                @for u in Use::ALL {
                    label.check { input type="checkbox" name="uses" value=(u.as_str()) checked[uses.contains(&u.as_str())]; (use_label(cx, *u)) }
                }
            }
        }
    }
}

/// The posted handling fields again, hidden, for a confirmation step.
pub fn hidden(f: &Posted) -> Markup {
    html! {
        @for name in ["tlp", "pap", "classification", "attribution", "sectors"] {
            input type="hidden" name=(name) value=(f.get(name));
        }
        @for name in ["audience", "uses"] {
            @for v in f.all(name) { input type="hidden" name=(name) value=(v); }
        }
    }
}

/// The handling posted, parsed as the REST API parses it (`Handling`'s own deserialisation,
/// then the clearance rule); each problem names its field.
pub fn parse(cx: &Ctx, me: &Identity, f: &Posted) -> Result<Handling, Vec<Problem>> {
    let mut problems = Vec::new();
    if f.get("tlp").is_empty() {
        problems.push(Problem::new("tlp", cx.t("handling.tlp_missing")));
    }
    let mut audience: Vec<String> = f.all("audience").iter().map(|a| (*a).to_owned()).collect();
    audience.extend(
        f.get("sectors")
            .split([',', '、', ' '])
            .filter(|s| !s.is_empty())
            .map(|s| format!("sector:{s}")),
    );
    if audience.is_empty() {
        problems.push(Problem::new("audience", cx.t("handling.audience_missing")));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let classification: Value = f
        .get("classification")
        .parse::<u8>()
        .map_or_else(|_| json!(f.get("classification")), Value::from);
    let fields = [
        ("tlp", json!(f.get("tlp"))),
        ("pap", json!(f.get("pap"))),
        ("classification", classification),
        ("audience", json!(audience)),
        ("attribution", json!(f.get("attribution"))),
        ("uses", json!(f.all("uses"))),
    ];
    // Each field on its own first, so the message names the one that does not parse.
    for (name, value) in &fields {
        let one = match *name {
            "tlp" => serde_json::from_value::<Tlp>(value.clone()).err(),
            "pap" => serde_json::from_value::<Pap>(value.clone()).err(),
            "classification" => {
                serde_json::from_value::<renkei_model::handling::Classification>(value.clone())
                    .err()
            }
            "audience" => {
                serde_json::from_value::<renkei_model::handling::Audience>(value.clone()).err()
            }
            "attribution" => serde_json::from_value::<Attribution>(value.clone()).err(),
            _ => serde_json::from_value::<renkei_model::handling::Uses>(value.clone()).err(),
        };
        if let Some(e) = one {
            problems.push(Problem::new(name, e.to_string()));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let object: serde_json::Map<String, Value> =
        fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let handling: Handling = serde_json::from_value(Value::Object(object))
        .map_err(|e| vec![Problem::new("tlp", e.to_string())])?;
    crate::api::records::within_clearance(me, Some(&handling)).map_err(|_| {
        vec![Problem::new(
            "classification",
            cx.t("handling.above_clearance"),
        )]
    })?;
    Ok(handling)
}
