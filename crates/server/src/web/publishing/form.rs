//! The drafting form: a product's content and release as form fields, and back. The form is
//! turned into the same `ProductContent` and `Release` the REST API takes; only what a form
//! itself cannot express is refused here, the process checks the rest.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use renkei_model::handling::{
    Audience, AudienceEntry, Classification, InvalidAudience, Sector, Tlp, Use,
};
use renkei_model::product::{
    Period, ProductContent, ProductKind, Registration, SeminarDetails, Severity,
};
use renkei_model::stix::Timestamp;
use renkei_store::Product;

use super::{Problem, field, product_path};
use crate::products::Release;
use crate::web::layout::kind_name;
use crate::web::render::{html_response, layout_page};
use crate::web::session::Ctx;

pub type Form = HashMap<String, String>;

/// Words of a list field: separated by spaces, commas or 、.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c.is_whitespace() || c == ',' || c == '、')
        .filter(|w| !w.is_empty())
}

/// A `datetime-local` value (`2026-12-10T14:00`, UTC) as a STIX timestamp; anything else is
/// passed on for the content check to refuse or accept.
fn stix_time(s: &str) -> String {
    if s.len() == 16 {
        format!("{s}:00Z")
    } else {
        s.to_owned()
    }
}

/// The form as the content and release the process takes. Only what the form itself cannot
/// express is refused here (a TLP not chosen, no audience, a word that is not a sector); the
/// process checks the rest.
pub fn parse(
    cx: &Ctx,
    kind: ProductKind,
    f: &Form,
    period: Option<Period>,
) -> Result<(ProductContent, Release), Problem> {
    let bad = |text: &'static str, detail: String| Problem {
        text,
        detail: Some(detail),
    };
    let text = |name: &str| field(f, name).replace("\r\n", "\n");
    let severity = match field(f, "severity") {
        "" => None,
        s => Some(
            s.parse::<Severity>()
                .map_err(|e| bad(cx.t("publish.err.invalid_product"), e.to_string()))?,
        ),
    };
    let sectors = words(field(f, "sectors"))
        .map(Sector::new)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(cx.t("publish.err.sector"), e.to_string()))?;
    let seminar = if kind == ProductKind::Seminar {
        let capacity = field(f, "capacity")
            .parse::<u32>()
            .map_err(|_| Problem::new(cx.t("publish.err.capacity")))?;
        Some(SeminarDetails {
            starts_at: stix_time(field(f, "starts_at")),
            ends_at: stix_time(field(f, "ends_at")),
            venue: field(f, "venue").to_owned(),
            capacity,
            registration: if field(f, "registration") == "members" {
                Registration::Members
            } else {
                Registration::Public
            },
        })
    } else {
        None
    };
    let content = ProductContent {
        title: field(f, "title").to_owned(),
        summary: text("summary"),
        body: text("body"),
        severity,
        sectors,
        recommended_actions: text("actions")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        cites: words(field(f, "cites")).map(str::to_owned).collect(),
        seminar,
        period,
    };
    let tlp = match field(f, "tlp") {
        "" => return Err(Problem::new(cx.t("publish.err.tlp_missing"))),
        t => t
            .parse::<Tlp>()
            .map_err(|e| bad(cx.t("publish.err.invalid_release"), e.to_string()))?,
    };
    let mut entries = Vec::new();
    if f.contains_key("to_members") {
        entries.push(AudienceEntry::Members);
    }
    if f.contains_key("to_police") {
        entries.push(AudienceEntry::LawEnforcement);
    }
    for w in words(field(f, "to_sectors")) {
        let s = Sector::new(w).map_err(|e| bad(cx.t("publish.err.sector"), e.to_string()))?;
        entries.push(AudienceEntry::Sector(s));
    }
    for w in words(field(f, "to_others")) {
        let e = w
            .parse::<AudienceEntry>()
            .map_err(|e| bad(cx.t("publish.err.invalid_release"), e.to_string()))?;
        entries.push(e);
    }
    let audience = Audience::new(entries).map_err(|e| match e {
        InvalidAudience::Empty => Problem::new(cx.t("publish.err.audience_missing")),
        e => bad(cx.t("publish.err.invalid_release"), e.to_string()),
    })?;
    let classification = match field(f, "classification") {
        "" => Classification::UNCLASSIFIED,
        c => c
            .parse::<Classification>()
            .map_err(|e| bad(cx.t("publish.err.invalid_release"), e.to_string()))?,
    };
    let release = Release {
        tlp,
        audience,
        classification,
        public: f.contains_key("public"),
    };
    Ok((content, release))
}

/// A product's content and release as the form shows them.
pub fn fields_of(p: &Product) -> Form {
    let c = &p.content;
    let mut f = Form::new();
    let mut put = |k: &str, v: String| {
        f.insert(k.to_owned(), v);
    };
    put("title", c.title.clone());
    put("summary", c.summary.clone());
    put("body", c.body.clone());
    put(
        "severity",
        c.severity
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
    );
    let sectors: Vec<&str> = c.sectors.iter().map(Sector::as_str).collect();
    put("sectors", sectors.join(", "));
    put("actions", c.recommended_actions.join("\n"));
    put("cites", c.cites.join("\n"));
    if let Some(s) = &c.seminar {
        let local = |t: &str| Timestamp::parse(t).map_or_else(|_| t.to_owned(), |t| t.to_stix());
        put("starts_at", local(&s.starts_at).chars().take(16).collect());
        put("ends_at", local(&s.ends_at).chars().take(16).collect());
        put("venue", s.venue.clone());
        put("capacity", s.capacity.to_string());
        let members = s.registration == Registration::Members;
        put(
            "registration",
            if members { "members" } else { "public" }.into(),
        );
    }
    put("tlp", p.release.tlp.as_str().to_owned());
    let (mut sectors, mut others) = (Vec::new(), Vec::new());
    for e in p.release.audience.entries() {
        match e {
            AudienceEntry::Members => put("to_members", "1".into()),
            AudienceEntry::LawEnforcement => put("to_police", "1".into()),
            AudienceEntry::Sector(s) => sectors.push(s.to_string()),
            e => others.push(e.to_string()),
        }
    }
    put("to_sectors", sectors.join(", "));
    put("to_others", others.join(" "));
    put(
        "classification",
        p.release.classification.level().to_string(),
    );
    if p.release.uses.contains(Use::Publication) {
        put("public", "1".into());
    }
    f
}

/// The drafting form for a new product of `kind`, or for the draft `editing`.
pub fn form_page(
    cx: &Ctx,
    csrf: &str,
    kind: ProductKind,
    editing: Option<&Product>,
    f: &Form,
    problem: Option<&Problem>,
    status: StatusCode,
) -> Response {
    let title = match editing {
        Some(p) => format!("{}: {}", cx.t("publish.edit.title"), p.number),
        None => format!("{}: {}", cx.t("publish.new.title"), kind_name(cx, kind)),
    };
    let action = editing.map_or_else(
        || "/secretariat/products".to_owned(),
        |p| format!("{}/edit", product_path(p)),
    );
    let body = html! {
        p.crumbs { a href="/secretariat/products" { (cx.t("publish.desk.title")) } }
        h1 { (title) }
        @if let Some(p) = problem { (p.show()) }
        form.product method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="kind" value=(kind.as_str());
            (content_fields(cx, kind, f))
            (release_fields(cx, kind, f))
            button type="submit" { (cx.t("publish.form.save")) }
        }
    };
    html_response(cx, status, layout_page(cx, csrf, &title, body))
}

fn content_fields(cx: &Ctx, kind: ProductKind, f: &Form) -> Markup {
    let v = |k: &str| f.get(k).cloned().unwrap_or_default();
    html! {
        fieldset {
            legend { (cx.t("publish.form.content")) }
            label { (cx.t("products.name")) input name="title" required maxlength="300" value=(v("title")); }
            label { (cx.t("publish.form.summary")) textarea name="summary" rows="3" maxlength="4000" { (v("summary")) } }
            label { (cx.t("publish.form.body")) textarea name="body" rows="12" { (v("body")) } }
            @if kind == ProductKind::Alert {
                label { (cx.t("product.severity")) select name="severity" {
                    option value="" { (cx.t("publish.form.none")) }
                    @for s in Severity::ALL {
                        option value=(s.as_str()) selected[v("severity") == s.as_str()] { (s.as_str()) }
                    }
                } }
            }
            label { (cx.t("product.sectors")) input name="sectors" value=(v("sectors")) placeholder="finance, telecom"; }
            p.hint { (cx.t("publish.form.sectors_hint")) }
            label { (cx.t("product.actions")) textarea name="actions" rows="4" { (v("actions")) } }
            p.hint { (cx.t("publish.form.actions_hint")) }
            label { (cx.t("publish.form.cites")) textarea name="cites" rows="3" placeholder="indicator--…" { (v("cites")) } }
            p.hint { (cx.t("publish.form.cites_hint")) }
            @if kind == ProductKind::Seminar {
                label { (cx.t("publish.form.starts_at")) input type="datetime-local" name="starts_at" required value=(v("starts_at")); }
                label { (cx.t("publish.form.ends_at")) input type="datetime-local" name="ends_at" required value=(v("ends_at")); }
                label { (cx.t("seminars.venue")) input name="venue" required maxlength="300" value=(v("venue")); }
                label { (cx.t("publish.form.capacity")) input type="number" name="capacity" min="1" max="100000" required value=(v("capacity")); }
                label { (cx.t("publish.form.registration")) select name="registration" {
                    option value="public" selected[v("registration") != "members"] { (cx.t("publish.form.registration_public")) }
                    option value="members" selected[v("registration") == "members"] { (cx.t("publish.form.registration_members")) }
                } }
            }
        }
    }
}

fn release_fields(cx: &Ctx, kind: ProductKind, f: &Form) -> Markup {
    let v = |k: &str| f.get(k).cloned().unwrap_or_default();
    let on = |k: &str| f.contains_key(k);
    html! {
        fieldset {
            legend { (cx.t("publish.form.release")) }
            p.hint { (cx.t("publish.form.release_hint")) }
            label { (cx.t("publish.release.tlp")) select name="tlp" required {
                option value="" { (cx.t("publish.form.choose")) }
                @for t in Tlp::ALL.iter().filter(|t| **t != Tlp::Red) {
                    option value=(t.as_str()) selected[v("tlp") == t.as_str()] { (t.as_str()) }
                }
            } }
            div.checks {
                span { (cx.t("publish.release.audience")) }
                label.check { input type="checkbox" name="to_members" value="1" checked[on("to_members")]; (cx.t("publish.form.to_members")) }
                label.check { input type="checkbox" name="to_police" value="1" checked[on("to_police")]; (cx.t("publish.form.to_police")) }
            }
            label { (cx.t("publish.form.to_sectors")) input name="to_sectors" value=(v("to_sectors")) placeholder="finance"; }
            label { (cx.t("publish.form.to_others")) input name="to_others" value=(v("to_others")) placeholder="org:…"; }
            label { (cx.t("publish.release.classification")) select name="classification" {
                @for level in 0..=3u8 {
                    option value=(level) selected[v("classification") == level.to_string()] { (level) }
                }
            } }
            @if kind.may_be_public() {
                label.check { input type="checkbox" name="public" value="1" checked[on("public")]; (cx.t("publish.form.public")) }
                p.hint { (cx.t("publish.form.public_hint")) }
            }
        }
    }
}
