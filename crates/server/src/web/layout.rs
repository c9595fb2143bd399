//! The shared layout (navigation, language switch, logout) and small pieces every page uses:
//! TLP badges in FIRST's colours with untranslated labels, times, product kinds.

use maud::{DOCTYPE, Markup, html};
use renkei_model::product::{ProductKind, ProductStatus};
use renkei_model::stix::Timestamp;

use super::i18n::Lang;
use super::session::Ctx;

pub fn layout(cx: &Ctx, csrf: &str, title: &str, body: Markup) -> Markup {
    let other = match cx.lang {
        Lang::Ja => (Lang::En, "English"),
        Lang::En => (Lang::Ja, "日本語"),
    };
    html! {
        (DOCTYPE)
        html lang=(cx.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Renkei 連携" }
                link rel="stylesheet" href="/static/renkei.css";
                link rel="alternate" type="application/atom+xml" href="/public/alerts.atom" title=(cx.t("alerts.atom"));
            }
            body {
                header.site {
                    a.brand href="/" { "Renkei 連携" }
                    nav {
                        a href="/alerts" { (cx.t("nav.alerts")) }
                        a href="/seminars" { (cx.t("nav.seminars")) }
                        a href="/report" { (cx.t("nav.report")) }
                        @if let Some(me) = &cx.me {
                            a href="/dashboard" { (cx.t("nav.dashboard")) }
                            a href="/products" { (cx.t("nav.products")) }
                            a href="/records" { (cx.t("nav.records")) }
                            a href="/overview" { (cx.t("nav.overview")) }
                            a href="/lookup" { (cx.t("nav.lookup")) }
                            @if me.can_write() { a href="/submit" { (cx.t("nav.submit")) } }
                        }
                    }
                    div.account {
                        a.lang href={ (cx.path) "?lang=" (other.0.code()) } lang=(other.0.code()) { (other.1) }
                        @if let Some(me) = &cx.me {
                            span.who { (me.login) }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(csrf);
                                button type="submit" { (cx.t("nav.logout")) }
                            }
                        } @else {
                            a href="/login" { (cx.t("nav.login")) }
                        }
                    }
                }
                (subnav(cx))
                main { (body) }
                footer.site { p { (cx.t("footer.text")) } }
            }
        }
    }
}

/// The second line: the member's own pages, then the secretariat's desk.
fn subnav(cx: &Ctx) -> Markup {
    html! {
        @if let Some(me) = &cx.me {
            nav.sub aria-label=(cx.t("admin.subnav")) {
                a href="/notifications" { (cx.t("admin.nav_notifications")) }
                a href="/settings/notifications" { (cx.t("admin.nav_settings")) }
                a href="/tokens" { (cx.t("admin.nav_tokens")) }
                @if !me.is_secretariat() {
                    a href="/consents" { (cx.t("publish.nav.consents")) }
                    @if renkei_membership::is_org_admin(me) {
                        a href={ "/membership/" (me.org) } { (cx.t("admin.nav_own_membership")) }
                    }
                }
                @if me.is_secretariat() {
                    span.sep { "|" }
                    a href="/secretariat/reports" { (cx.t("nav.public_reports")) }
                    a href="/secretariat/hints" { (cx.t("publish.nav.hints")) }
                    @if crate::products::may_author(me) {
                        a href="/secretariat/products" { (cx.t("publish.nav.desk")) }
                        a href="/secretariat/review" { (cx.t("publish.nav.review")) }
                    }
                    a href="/membership" { (cx.t("admin.nav_membership")) }
                    a href="/secretariat/reciprocity" { (cx.t("admin.nav_reciprocity")) }
                    a href="/secretariat/audit" { (cx.t("admin.nav_audit")) }
                }
            }
        }
    }
}

/// A TLP 2.0 label in FIRST's colours; never translated.
pub fn tlp_badge(label: &str) -> Markup {
    let class = match label {
        "TLP:CLEAR" => "tlp tlp-clear",
        "TLP:GREEN" => "tlp tlp-green",
        "TLP:AMBER" => "tlp tlp-amber",
        "TLP:AMBER+STRICT" => "tlp tlp-amber-strict",
        "TLP:RED" => "tlp tlp-red",
        _ => "tlp",
    };
    html! { span class=(class) { (label) } }
}

/// A plain badge (PAP, classification, status…).
pub fn badge(text: &str) -> Markup {
    html! { span.badge { (text) } }
}

/// A time in UTC, to the minute.
pub fn when(micros: i64) -> String {
    let s = Timestamp::from_unix_micros(micros).to_stix();
    let s = s.get(..16).unwrap_or(&s).replace('T', " ");
    format!("{s} UTC")
}

/// A STIX timestamp string shown like [`when`].
pub fn when_stix(s: &str) -> String {
    Timestamp::parse(s).map_or_else(|_| s.to_owned(), |t| when(t.unix_micros()))
}

pub fn kind_name(cx: &Ctx, k: ProductKind) -> &'static str {
    match k {
        ProductKind::Alert => cx.t("kind.alert"),
        ProductKind::Analysis => cx.t("kind.analysis"),
        ProductKind::Bulletin => cx.t("kind.bulletin"),
        ProductKind::Report => cx.t("kind.report"),
        ProductKind::Seminar => cx.t("kind.seminar"),
    }
}

pub fn status_name(cx: &Ctx, s: ProductStatus) -> &'static str {
    match s {
        ProductStatus::Draft => cx.t("status.draft"),
        ProductStatus::InReview => cx.t("status.in_review"),
        ProductStatus::Published => cx.t("status.published"),
        ProductStatus::Withdrawn => cx.t("status.withdrawn"),
    }
}
