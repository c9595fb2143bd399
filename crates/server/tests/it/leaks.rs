//! The leak test across paths (issue 3 §4): organisations of every kind and tier, users of
//! every clearance, records of every handling combination; every read endpoint asked as every
//! user, each answer checked against what `renkei_policy::decide` says that user may see.
//! Zero leaks, zero missing; a hidden provider never appears; a record one may not see looks
//! exactly like a record that does not exist; a suspended organisation is cut off at once.

use std::collections::{BTreeSet, HashMap};

use axum::http::{Method, StatusCode};
use futures::StreamExt;
use renkei_model::account::{OrgKind, OrgStatus, Role, Tier};
use renkei_model::handling::{
    Attribution, Audience, AudienceEntry, Classification, Handling, Pap, Sector, Tlp, Use, Uses,
};
use renkei_model::ids::OrgId;
use renkei_policy::{Path, Principal, RecordMeta, decide, view_of};
use renkei_store::StatusChange;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::*;

const API: &str = "/api/v1";

struct Provider {
    org: OrgId,
    kind: OrgKind,
    sector: Option<Sector>,
    user: User,
}

struct Rec {
    id: String,
    /// A `created_by_ref` used by this record only: it may appear only where the reader may
    /// learn who provided the record.
    author: String,
    provider: usize,
    handling: Handling,
}

struct Reader {
    user: User,
    principal: Principal,
}

/// The population: 9 organisations (industry A/B in two sectors, academia A/B, police, the
/// secretariat, a foreign partner), two users of different clearance in each.
async fn population(app: &TestApp) -> (Vec<Reader>, Vec<Provider>, HashMap<&'static str, User>) {
    let orgs: [(&str, OrgKind, Tier, Option<&str>); 9] = [
        ("bank-a", OrgKind::Industry, Tier::A, Some("finance")),
        ("telco-a", OrgKind::Industry, Tier::A, Some("telecom")),
        ("bank-b", OrgKind::Industry, Tier::B, Some("finance")),
        ("shop-none", OrgKind::Industry, Tier::None, Some("retail")),
        ("uni-a", OrgKind::Academia, Tier::A, Some("education")),
        ("uni-b", OrgKind::Academia, Tier::B, None),
        ("police", OrgKind::LawEnforcement, Tier::None, None),
        ("secretariat", OrgKind::Secretariat, Tier::None, None),
        ("partner", OrgKind::Partner, Tier::None, None),
    ];
    let mut readers = Vec::new();
    let mut by_login = HashMap::new();
    let mut providers = Vec::new();
    for (name, kind, tier, sector) in orgs {
        let org = app.org(name, kind, tier, sector, OrgStatus::Active).await;
        let role = if kind == OrgKind::Secretariat {
            Role::Analyst
        } else {
            Role::Contributor
        };
        for clearance in [0u8, 3] {
            let login = format!("{name}-c{clearance}");
            let user = app.user(org, &login, role, clearance, false).await;
            let identity = app
                .store
                .identity(user.id)
                .await
                .expect("identity")
                .expect("exists");
            readers.push(Reader {
                user: user.clone(),
                principal: Principal::User(identity),
            });
            if clearance == 3 && matches!(name, "bank-a" | "police" | "secretariat") {
                providers.push(Provider {
                    org,
                    kind,
                    sector: sector.map(|s| Sector::new(s).expect("sector")),
                    user: user.clone(),
                });
            }
            by_login.insert(leak_login(&login), user);
        }
    }
    (readers, providers, by_login)
}

/// Interns a login as a static key (the population is small and fixed).
fn leak_login(login: &str) -> &'static str {
    Box::leak(login.to_owned().into_boxed_str())
}

/// Every audience shape, every TLP, classification 0 and 2, every attribution; uses and PAP
/// vary with the index so the public path has something to publish.
fn handlings(telco: OrgId, named_user: &User) -> Vec<Handling> {
    let audiences = [
        Audience::provider_only(),
        Audience::secretariat(),
        Audience::new([AudienceEntry::LawEnforcement]).expect("audience"),
        Audience::members(),
        Audience::new([AudienceEntry::Sector(Sector::new("finance").expect("s"))]).expect("a"),
        Audience::new([AudienceEntry::Org(telco)]).expect("audience"),
        Audience::new([AudienceEntry::User(named_user.id)]).expect("audience"),
    ];
    let mut out = Vec::new();
    let mut i = 0usize;
    for tlp in Tlp::ALL {
        for audience in &audiences {
            for classification in [0u8, 2] {
                for attribution in [
                    Attribution::Named,
                    Attribution::SectorOnly,
                    Attribution::Hidden,
                ] {
                    i += 1;
                    let uses = if i.is_multiple_of(2) {
                        Uses::NONE.with(Use::Publication)
                    } else {
                        Uses::NONE.with(Use::DefensiveFeeds)
                    };
                    out.push(Handling {
                        tlp: *tlp,
                        audience: audience.clone(),
                        classification: Classification::new(classification).expect("c"),
                        uses,
                        attribution,
                        pap: [Pap::Clear, Pap::Green, Pap::Amber, Pap::Red][i % 4],
                    });
                }
            }
        }
    }
    out
}

fn meta<'a>(providers: &'a [Provider], r: &'a Rec) -> RecordMeta<'a> {
    let p = &providers[r.provider];
    RecordMeta {
        provider: p.org,
        provider_kind: p.kind,
        provider_sector: p.sector.as_ref(),
        handling: &r.handling,
    }
}

fn expected(
    principal: &Principal,
    providers: &[Provider],
    recs: &[Rec],
    path: Path,
) -> BTreeSet<String> {
    recs.iter()
        .filter(|r| decide(principal, &meta(providers, r), path).is_allowed())
        .map(|r| r.id.clone())
        .collect()
}

/// Follows TAXII paging to the end; returns every body and the ids of `objects`.
async fn taxii_walk(
    app: &TestApp,
    base: &str,
    auth: Option<&User>,
) -> (Vec<String>, BTreeSet<String>) {
    let mut bodies = Vec::new();
    let mut ids = BTreeSet::new();
    let mut next: Option<String> = None;
    loop {
        let url = match &next {
            Some(n) => format!("{base}?limit=97&next={n}"),
            None => format!("{base}?limit=97"),
        };
        let r = app.get(&url, auth).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.text());
        let v = r.json();
        for o in v["objects"].as_array().into_iter().flatten() {
            assert!(
                ids.insert(o["id"].as_str().unwrap_or("").to_owned()),
                "an object twice"
            );
        }
        bodies.push(r.text());
        match v["next"].as_str() {
            Some(n) => next = Some(urlencode(n)),
            None => break,
        }
    }
    (bodies, ids)
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn rest_walk(app: &TestApp, auth: &User) -> (Vec<String>, Vec<Value>) {
    let mut bodies = Vec::new();
    let mut records = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let url = match &after {
            Some(a) => format!("{API}/records?limit=97&added_after={}", urlencode(a)),
            None => format!("{API}/records?limit=97"),
        };
        let r = app.get(&url, Some(auth)).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.text());
        let v = r.json();
        records.extend(v["records"].as_array().into_iter().flatten().cloned());
        bodies.push(r.text());
        match v["next_added_after"].as_str() {
            Some(a) => after = Some(a.to_owned()),
            None => break,
        }
    }
    (bodies, records)
}

/// What an error answer says, without its random `error_id`.
fn error_shape(r: &Reply) -> (StatusCode, Value, Value, Value) {
    let v = r.json();
    (
        r.status,
        v["error_code"].clone(),
        v["title"].clone(),
        v["description"].clone(),
    )
}

/// The author ids that must not appear in anything `reader` receives: those of records whose
/// provider the reader may not learn by name.
fn unnamed_authors<'a>(
    reader: &Principal,
    providers: &[Provider],
    recs: &'a [Rec],
) -> Vec<&'a str> {
    recs.iter()
        .filter(|r| {
            let m = meta(providers, r);
            view_of(reader, Path::Raw, m.provider, r.handling.attribution).attribution
                != Attribution::Named
        })
        .map(|r| r.author.as_str())
        .collect()
}

fn assert_no_author(bodies: &[String], authors: &[&str], who: &str, endpoint: &str) {
    for body in bodies {
        for a in authors {
            assert!(
                !body.contains(a),
                "{who} learns the provider {a} through {endpoint}"
            );
        }
    }
}

/// The value every record of the leak test carries.
const SHARED_VALUE: &str = "shared.leak-test.jp";

/// The value only this record carries.
fn own_value(id: &str) -> String {
    format!("u{}.leak-test.jp", id.trim_start_matches("indicator--"))
}

/// The sectors a hint about `recs` may name to `reader`: those of providers whose
/// attribution allows at least the sector on the hint path.
fn hint_sectors(reader: &Principal, providers: &[Provider], recs: &[&Rec]) -> BTreeSet<String> {
    recs.iter()
        .filter_map(|r| match decide(reader, &meta(providers, r), Path::Hint) {
            renkei_policy::Decision::Allow(v) if v.attribution == Attribution::SectorOnly => {
                providers[r.provider]
                    .sector
                    .as_ref()
                    .map(|s| s.as_str().to_owned())
            }
            _ => None,
        })
        .collect()
}

fn ids_of(records: &Value) -> Vec<String> {
    records
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["id"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Lookups (bulk, of every record's own value, and of the shared value), their hints and
/// sightings, and search (all of it, and by sector) as one reader. Returns the number of
/// answers checked.
async fn lookups_and_search(
    app: &TestApp,
    reader: &Reader,
    providers: &[Provider],
    recs: &[Rec],
    raw: &BTreeSet<String>,
    authors: &[&str],
) -> usize {
    let who = &reader.user.login;
    let me = reader.principal.identity().expect("user");
    let invisible: Vec<&str> = recs
        .iter()
        .filter(|r| !raw.contains(&r.id))
        .map(|r| r.id.as_str())
        .collect();
    let values: Vec<String> = recs.iter().map(|r| own_value(&r.id)).collect();
    let r = app
        .send(
            Method::POST,
            &format!("{API}/lookup"),
            Some(&reader.user),
            &[("content-type", "application/json")],
            serde_json::to_vec(&json!({ "values": values, "type": "domain" })).expect("json"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{who}: bulk lookup {}", r.text());
    let body = r.text();
    assert_no_author(std::slice::from_ref(&body), authors, who, "bulk lookup");
    assert_no_author(
        std::slice::from_ref(&body),
        &invisible,
        who,
        "bulk lookup ids",
    );
    let results = r.json()["results"].clone();
    let mut checked = 0;
    for (rec, res) in recs.iter().zip(results.as_array().expect("results")) {
        let o = &res["observables"][0];
        assert_eq!(o["value"], own_value(&rec.id).as_str());
        let shown = ids_of(&o["records"]);
        let visible = raw.contains(&rec.id);
        assert_eq!(
            shown,
            if visible {
                vec![rec.id.clone()]
            } else {
                vec![]
            },
            "{who}: lookup of {}",
            rec.id
        );
        let hinted = decide(&reader.principal, &meta(providers, rec), Path::Hint).is_allowed();
        assert_eq!(
            o.get("hint").is_some(),
            hinted,
            "{who}: hint about {} ({:?})",
            rec.id,
            rec.handling
        );
        if hinted {
            assert_eq!(o["hint"]["records"], 1);
            let sectors: BTreeSet<String> = o["hint"]["sectors"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| s.as_str().unwrap_or("").to_owned())
                .collect();
            assert_eq!(
                sectors,
                hint_sectors(&reader.principal, providers, &[rec]),
                "{who}"
            );
        }
        assert_eq!(
            o.get("index").is_some(),
            me.is_secretariat(),
            "{who}: index counters"
        );
        checked += 1;
    }

    // The value all records share: at most 100 shown, all visible; one hint for the rest.
    let r = app
        .get(
            &format!("{API}/lookup?value={SHARED_VALUE}"),
            Some(&reader.user),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{who}: lookup {}", r.text());
    let body = r.text();
    assert_no_author(std::slice::from_ref(&body), authors, who, "lookup");
    assert_no_author(std::slice::from_ref(&body), &invisible, who, "lookup ids");
    let v = r.json();
    let o = v["observables"]
        .as_array()
        .and_then(|a| a.iter().find(|o| o["type"] == "domain"))
        .expect("read as a domain")
        .clone();
    let shown: BTreeSet<String> = ids_of(&o["records"]).into_iter().collect();
    assert_eq!(shown.len(), raw.len().min(100), "{who}: shared value");
    assert!(
        shown.is_subset(raw),
        "{who}: shared value shows only visible records"
    );
    assert_eq!(o["more_records"], raw.len() > 100, "{who}");
    let hinted: Vec<&Rec> = recs
        .iter()
        .filter(|r| decide(&reader.principal, &meta(providers, r), Path::Hint).is_allowed())
        .collect();
    if hinted.is_empty() {
        assert!(
            o.get("hint").is_none(),
            "{who}: no hint without hidden records"
        );
    } else {
        assert_eq!(o["hint"]["records"], hinted.len(), "{who}: hint count");
        let sectors: BTreeSet<String> = o["hint"]["sectors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| s.as_str().unwrap_or("").to_owned())
            .collect();
        assert_eq!(
            sectors,
            hint_sectors(&reader.principal, providers, &hinted),
            "{who}"
        );
    }
    checked += 1;

    // Search: every page of "leak test", then by sector.
    for sector in [None, Some("finance")] {
        let mut got = BTreeSet::new();
        let mut before: Option<String> = None;
        loop {
            let mut url = format!("{API}/search?q=leak%20test&limit=97");
            if let Some(s) = sector {
                url.push_str(&format!("&sector={s}"));
            }
            if let Some(b) = &before {
                url.push_str(&format!("&before={}", urlencode(b)));
            }
            let r = app.get(&url, Some(&reader.user)).await;
            assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.text());
            assert_no_author(&[r.text()], authors, who, "search");
            let v = r.json();
            for id in ids_of(&v["records"]) {
                assert!(got.insert(id), "{who}: a record twice in search");
            }
            checked += 1;
            match v["next_before"].as_str() {
                Some(b) => before = Some(b.to_owned()),
                None => break,
            }
        }
        let want: BTreeSet<String> = match sector {
            None => raw.clone(),
            Some(s) => recs
                .iter()
                .filter(|r| raw.contains(&r.id))
                .filter(|r| {
                    let p = &providers[r.provider];
                    p.sector.as_ref().map(|x| x.as_str()) == Some(s)
                        && view_of(&reader.principal, Path::Raw, p.org, r.handling.attribution)
                            .attribution
                            != Attribution::Hidden
                })
                .map(|r| r.id.clone())
                .collect(),
        };
        assert_eq!(got, want, "{who}: search, sector {sector:?}");
    }

    // The secretariat's queue is the secretariat's.
    let r = app
        .get(&format!("{API}/correlations/hints"), Some(&reader.user))
        .await;
    let want = if me.is_secretariat() {
        StatusCode::OK
    } else {
        StatusCode::FORBIDDEN
    };
    assert_eq!(r.status, want, "{who}: correlation queue");
    checked + 1
}

async fn every_endpoint_as_every_user(app: TestApp) {
    let (readers, providers, by_login) = population(&app).await;
    let telco = readers
        .iter()
        .find(|r| r.user.login == "telco-a-c0")
        .map(|r| r.user.org)
        .expect("telco");
    let named = by_login["bank-b-c3"].clone();
    let mut recs = Vec::new();
    for (p, provider) in providers.iter().enumerate() {
        for handling in handlings(telco, &named) {
            let id = format!("indicator--{}", Uuid::new_v4());
            let author = format!("identity--{}", Uuid::new_v4());
            let mut object = indicator_with_id(&id, "2026-01-01T00:00:00.000Z", "leak test", &[]);
            object["created_by_ref"] = author.clone().into();
            object["pattern"] = format!(
                "[domain-name:value = '{}'] OR [domain-name:value = '{SHARED_VALUE}']",
                own_value(&id)
            )
            .into();
            let body = serde_json::to_vec(&json!({ "handling": handling, "objects": [object] }))
                .expect("json");
            let r = app
                .send(
                    Method::POST,
                    &format!("{API}/records"),
                    Some(&provider.user),
                    &[("content-type", "application/json")],
                    body,
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            recs.push(Rec {
                id,
                author,
                provider: p,
                handling,
            });
        }
    }
    let total = recs.len();
    assert_eq!(total, providers.len() * 5 * 7 * 2 * 3);

    let missing_id = format!("indicator--{}", Uuid::new_v4());
    let mut checked = 0usize;
    for (n, reader) in readers.iter().enumerate() {
        let who = &reader.user.login;
        let raw = expected(&reader.principal, &providers, &recs, Path::Raw);
        let public = expected(&reader.principal, &providers, &recs, Path::Public);
        let authors = unnamed_authors(&reader.principal, &providers, &recs);

        // TAXII objects and manifest of the records collection.
        let (bodies, got) =
            taxii_walk(&app, &format!("{RECORDS}/objects/"), Some(&reader.user)).await;
        assert_eq!(got, raw, "{who}: TAXII objects");
        assert_no_author(&bodies, &authors, who, "TAXII objects");
        let (bodies, got) =
            taxii_walk(&app, &format!("{RECORDS}/manifest/"), Some(&reader.user)).await;
        assert_eq!(got, raw, "{who}: TAXII manifest");
        assert_no_author(&bodies, &authors, who, "TAXII manifest");
        // The public collection, with credentials.
        let (bodies, got) =
            taxii_walk(&app, &format!("{PUBLIC}/objects/"), Some(&reader.user)).await;
        assert_eq!(got, public, "{who}: public collection");
        assert_no_author(&bodies, &authors, who, "public objects");
        // REST list: the same set, the provider only as far as attribution allows, the
        // audience only for the provider and the secretariat.
        let (bodies, records) = rest_walk(&app, &reader.user).await;
        let got: BTreeSet<String> = records
            .iter()
            .map(|r| r["id"].as_str().unwrap_or("").to_owned())
            .collect();
        assert_eq!(got, raw, "{who}: REST /records");
        assert_no_author(&bodies, &authors, who, "REST /records");
        let me = reader.principal.identity().expect("user");
        for r in &records {
            let rec = recs.iter().find(|x| x.id == r["id"]).expect("known");
            let p = &providers[rec.provider];
            let own_or_secretariat = me.org == p.org || me.is_secretariat();
            assert_eq!(
                r["handling"].get("audience").is_some(),
                own_or_secretariat,
                "{who}: audience shown to whom it may be shown only"
            );
            let shows_org = r["provider"].get("org").is_some();
            let may_name = view_of(
                &reader.principal,
                Path::Raw,
                p.org,
                rec.handling.attribution,
            )
            .attribution
                == Attribution::Named;
            assert_eq!(shows_org, may_name, "{who}: provider shown per attribution");
        }

        // Lookups, hints and search.
        checked += lookups_and_search(&app, reader, &providers, &recs, &raw, &authors).await;

        // Feeds: exactly the values of the records allowed on the defensive-feed path, in
        // every format, and never a provider.
        let feedable = expected(&reader.principal, &providers, &recs, Path::DefensiveFeed);
        let mut want: BTreeSet<String> = feedable.iter().map(|id| own_value(id)).collect();
        if !feedable.is_empty() {
            want.insert(SHARED_VALUE.to_owned());
        }
        let r = app.get("/feeds/plain", Some(&reader.user)).await;
        assert_eq!(r.status, StatusCode::OK, "{who}: feed {}", r.text());
        let got: BTreeSet<String> = r.text().lines().map(str::to_owned).collect();
        assert_eq!(got, want, "{who}: plain feed");
        for format in ["csv", "stix", "rpz", "suricata"] {
            let r = app
                .get(&format!("/feeds/{format}"), Some(&reader.user))
                .await;
            assert_eq!(
                r.status,
                StatusCode::OK,
                "{who}: {format} feed {}",
                r.text()
            );
            let text = r.text();
            for id in recs
                .iter()
                .map(|x| &x.id)
                .filter(|id| !feedable.contains(*id))
            {
                assert!(
                    !text.contains(&own_value(id)),
                    "{who}: {format} feed leaks {id}"
                );
            }
            assert_no_author(
                &[text],
                &recs.iter().map(|x| x.author.as_str()).collect::<Vec<_>>(),
                who,
                format,
            );
        }

        // One by one: visible records answer 200, the others exactly like a missing record.
        let missing_taxii = error_shape(
            &app.get(
                &format!("{RECORDS}/objects/{missing_id}/"),
                Some(&reader.user),
            )
            .await,
        );
        let missing_versions = error_shape(
            &app.get(
                &format!("{RECORDS}/objects/{missing_id}/versions/"),
                Some(&reader.user),
            )
            .await,
        );
        let missing_rest = error_shape(
            &app.get(&format!("{API}/records/{missing_id}"), Some(&reader.user))
                .await,
        );
        // Every record through TAXII; versions and REST detail for a third of them, a
        // different third for each reader, so every record is asked on every path.
        let asks = recs.iter().enumerate().map(|(i, rec)| {
            let (app, reader, raw, authors) = (&app, &reader, &raw, &authors);
            let (missing_taxii, missing_versions, missing_rest) =
                (&missing_taxii, &missing_versions, &missing_rest);
            let all_paths = (i + n) % 3 == 0;
            async move {
                let visible = raw.contains(&rec.id);
                let one = app
                    .get(
                        &format!("{RECORDS}/objects/{}/", rec.id),
                        Some(&reader.user),
                    )
                    .await;
                let mut answers = vec![(one, missing_taxii, "TAXII object")];
                if all_paths {
                    let versions = app
                        .get(
                            &format!("{RECORDS}/objects/{}/versions/", rec.id),
                            Some(&reader.user),
                        )
                        .await;
                    let detail = app
                        .get(&format!("{API}/records/{}", rec.id), Some(&reader.user))
                        .await;
                    answers.push((versions, missing_versions, "TAXII versions"));
                    answers.push((detail, missing_rest, "REST record"));
                }
                for (answer, missing, endpoint) in &answers {
                    if visible {
                        assert_eq!(
                            answer.status,
                            StatusCode::OK,
                            "{who}: {} by {endpoint}",
                            rec.id
                        );
                        assert_no_author(&[answer.text()], authors, who, endpoint);
                    } else {
                        assert_eq!(
                            &error_shape(answer),
                            *missing,
                            "{who}: {} leaks by {endpoint}",
                            rec.id
                        );
                    }
                }
                answers.len()
            }
        });
        let counts: Vec<usize> = futures::stream::iter(asks)
            .buffer_unordered(8)
            .collect()
            .await;
        checked += counts.iter().sum::<usize>();
    }

    // Anonymous callers: the public collection only, the records collection not at all.
    let public = expected(&Principal::Anonymous, &providers, &recs, Path::Public);
    assert!(!public.is_empty(), "the secretariat published something");
    let (bodies, got) = taxii_walk(&app, &format!("{PUBLIC}/objects/"), None).await;
    assert_eq!(got, public, "anonymous: public collection");
    let hidden_public: Vec<&str> = recs
        .iter()
        .filter(|r| public.contains(&r.id) && r.handling.attribution != Attribution::Named)
        .map(|r| r.author.as_str())
        .collect();
    assert_no_author(&bodies, &hidden_public, "anonymous", "public objects");
    assert_eq!(
        app.get(&format!("{RECORDS}/objects/"), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get(&format!("{API}/records"), None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Writing to a record one may not see is 404 like a missing one; to one seen but not
    // provided, 403.
    let bank_b = &by_login["bank-b-c0"];
    let secret = recs
        .iter()
        .find(|r| r.handling.tlp == Tlp::Red && r.handling.audience.is_provider_only())
        .expect("a provider-only record");
    let handling = json!(Handling::for_tlp(Tlp::Green));
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("{API}/records/{}/handling", secret.id),
            serde_json::to_vec(&handling).expect("json"),
        ),
        (
            Method::DELETE,
            format!("{RECORDS}/objects/{}/", secret.id),
            Vec::new(),
        ),
    ] {
        let r = app
            .send(
                method.clone(),
                &path,
                Some(bank_b),
                &[("content-type", "application/json")],
                body,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            r.text()
        );
    }
    eprintln!(
        "leak test: {} readers x {total} records, {checked} single-record answers checked",
        readers.len()
    );
}

async fn suspension_cuts_every_path_at_once(app: TestApp) {
    let org = app
        .org(
            "suspended-bank",
            OrgKind::Industry,
            Tier::A,
            Some("finance"),
            OrgStatus::Active,
        )
        .await;
    let user = app
        .user(org, "soon-suspended", Role::Contributor, 1, false)
        .await;
    let sec_org = app
        .org(
            "secretariat",
            OrgKind::Secretariat,
            Tier::None,
            None,
            OrgStatus::Active,
        )
        .await;
    let admin = app.user(sec_org, "sec-admin", Role::Admin, 3, false).await;
    let o = marked("before suspension");
    let id = o["id"].as_str().unwrap_or("").to_owned();
    let s = app
        .post_envelope(&format!("{RECORDS}/objects/"), Some(&user), &[o])
        .await;
    assert_eq!(s.status, StatusCode::ACCEPTED);
    let reads = [
        format!("{RECORDS}/objects/"),
        format!("{RECORDS}/manifest/"),
        format!("{RECORDS}/objects/{id}/"),
        format!("{RECORDS}/objects/{id}/versions/"),
        format!("{API}/records"),
        format!("{API}/records/{id}"),
        format!("{API}/me"),
        "/taxii2/".into(),
        "/taxii2/api/collections/".into(),
    ];
    for path in &reads {
        assert_eq!(
            app.get(path, Some(&user)).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    let now = renkei_server::Clock::now_micros(&renkei_server::SystemClock);
    app.store
        .change_org_status(&StatusChange {
            org,
            from: OrgStatus::Active,
            to: OrgStatus::Suspended,
            reason: "leak test".into(),
            actor: admin.id,
            at: now,
        })
        .await
        .expect("suspend");
    for path in &reads {
        let r = app.get(path, Some(&user)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} after suspension");
        assert_eq!(r.json()["error_code"], "membership_inactive");
    }
    // The password is cut off as well as the token, and writes too.
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("soon-suspended:{PASSWORD}")
        )
    );
    let r = app
        .send(
            Method::GET,
            &format!("{RECORDS}/objects/"),
            None,
            &[("authorization", &basic)],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_envelope(
            &format!("{RECORDS}/objects/"),
            Some(&user),
            &[marked("after")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// Posting a copy of a record one may not see is answered exactly like posting a new object:
/// no "already present", no conflict — the copy is the poster's own record.
async fn reposting_a_hidden_record_reveals_nothing(app: TestApp) {
    let alice = app.member("alice").await;
    let bob = app.member("bob").await;
    let secret = indicator("alice's secret", &[TLP_RED]);
    let r = app
        .post_envelope(
            &format!("{RECORDS}/objects/"),
            Some(&alice),
            std::slice::from_ref(&secret),
        )
        .await;
    assert_eq!(r.json()["success_count"], 1);
    let fresh = indicator("bob's own", &[TLP_RED]);
    let copy = app
        .post_envelope(
            &format!("{RECORDS}/objects/"),
            Some(&bob),
            std::slice::from_ref(&secret),
        )
        .await
        .json();
    let new = app
        .post_envelope(&format!("{RECORDS}/objects/"), Some(&bob), &[fresh])
        .await
        .json();
    for key in [
        "success_count",
        "failure_count",
        "total_count",
        "pending_count",
    ] {
        assert_eq!(copy[key], new[key], "{key}: {copy} vs {new}");
    }
    assert!(copy["successes"][0].get("message").is_none(), "{copy}");
    // Another version with the same timestamp is refused only against the poster's own copy.
    let mut altered = secret.clone();
    altered["name"] = "bob's guess".into();
    let r = app
        .post_envelope(&format!("{RECORDS}/objects/"), Some(&bob), &[altered])
        .await
        .json();
    assert_eq!(r["failure_count"], 1, "a conflict with bob's own copy: {r}");
    let carol = app.member("carol").await;
    let mut guess = secret.clone();
    guess["name"] = "carol's guess".into();
    let r = app
        .post_envelope(&format!("{RECORDS}/objects/"), Some(&carol), &[guess])
        .await
        .json();
    assert_eq!(
        r["success_count"], 1,
        "alice's version is invisible to carol: {r}"
    );
}

/// Products as every user (issue 5 "the leak test covers products"): products of every
/// release, published or still drafts, citing records of every unclassified handling. Each
/// reader lists exactly the products the policy gives them, and sees a cited record — in the
/// JSON, the STIX export and the printable page — only if it may read that record itself.
async fn products_as_every_user(app: TestApp) {
    let (readers, providers, by_login) = population(&app).await;
    let telco = by_login["telco-a-c0"].org;
    let named = by_login["bank-b-c3"].clone();
    let bank = providers
        .iter()
        .position(|p| p.kind == OrgKind::Industry)
        .expect("bank");
    let mut recs = Vec::new();
    for handling in handlings(telco, &named) {
        if handling.classification != Classification::UNCLASSIFIED || handling.tlp == Tlp::Red {
            continue;
        }
        let id = format!("indicator--{}", Uuid::new_v4());
        let object = indicator_with_id(&id, "2026-01-01T00:00:00.000Z", "cited", &[]);
        app.post_records(&providers[bank].user, json!(handling), vec![object])
            .await;
        recs.push(Rec {
            id,
            author: String::new(),
            provider: bank,
            handling,
        });
    }
    let author = &by_login["secretariat-c3"];
    let approver = &app
        .user(author.org, "secretariat-approver", Role::Analyst, 3, false)
        .await;
    // Only what the secretariat may read can be cited (provider-only records cannot).
    let analyst = &readers
        .iter()
        .find(|r| r.user.login == "secretariat-c0")
        .expect("analyst")
        .principal;
    let citable = expected(analyst, &providers, &recs, Path::Raw);
    assert!(citable.len() < recs.len(), "some records are provider-only");
    let releases = [
        json!({ "tlp": "TLP:GREEN", "audience": ["members"] }),
        json!({ "tlp": "TLP:AMBER", "audience": ["sector:finance"] }),
        json!({ "tlp": "TLP:AMBER+STRICT", "audience": [format!("org:{telco}")] }),
        json!({ "tlp": "TLP:AMBER", "audience": ["law_enforcement"] }),
        json!({ "tlp": "TLP:CLEAR", "audience": ["members"], "public": true }),
        json!({ "tlp": "TLP:GREEN", "audience": ["members"], "classification": 2 }),
    ];
    // (number, release handling when published, published?)
    let mut products: Vec<(String, Handling, bool)> = Vec::new();
    for (i, release) in releases.iter().enumerate() {
        for publish in [true, false] {
            let cites: Vec<&str> = recs
                .iter()
                .filter(|r| citable.contains(&r.id))
                .skip(i)
                .step_by(3)
                .map(|r| r.id.as_str())
                .collect();
            let body = json!({ "kind": "alert", "content": { "title": format!("leak {i}"), "cites": cites },
                "release": release });
            let post = |path: String, who: &User, body: Value| {
                let app = &app;
                let who = who.clone();
                async move {
                    app.send(
                        Method::POST,
                        &path,
                        Some(&who),
                        &[("content-type", "application/json")],
                        serde_json::to_vec(&body).expect("json"),
                    )
                    .await
                }
            };
            let r = post(format!("{API}/products"), author, body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            let number = r.json()["number"].as_str().expect("number").to_owned();
            let release: Handling = {
                let mut h =
                    Handling::for_tlp(release["tlp"].as_str().expect("tlp").parse().expect("tlp"));
                h.audience = serde_json::from_value(release["audience"].clone()).expect("audience");
                h.classification =
                    Classification::new(release["classification"].as_u64().unwrap_or(0) as u8)
                        .expect("c");
                h.uses = if release["public"] == true {
                    Uses::NONE.with(Use::Publication)
                } else {
                    Uses::NONE
                };
                h
            };
            if publish {
                let r = post(format!("{API}/products/{number}/submit"), author, json!({})).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text());
                for ask in r.json()["consent_requests"].as_array().expect("asks") {
                    let r = post(
                        format!("{API}/consents/{}", ask["id"]),
                        &providers[bank].user,
                        json!({ "answer": "given" }),
                    )
                    .await;
                    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
                }
                let r = post(
                    format!("{API}/products/{number}/approve"),
                    approver,
                    json!({}),
                )
                .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            }
            products.push((number, release, publish));
        }
    }
    let secretariat = providers
        .iter()
        .find(|p| p.kind == OrgKind::Secretariat)
        .expect("sec")
        .org;
    let reaches = |principal: &Principal, h: &Handling, published: bool| {
        let in_house = Handling {
            audience: Audience::secretariat(),
            uses: Uses::NONE,
            ..h.clone()
        };
        let h = if published { h } else { &in_house };
        let meta = RecordMeta {
            provider: secretariat,
            provider_kind: OrgKind::Secretariat,
            provider_sector: None,
            handling: h,
        };
        decide(principal, &meta, Path::Product).is_allowed()
            || decide(principal, &meta, Path::Public).is_allowed()
    };
    let mut checked = 0;
    for reader in &readers {
        let who = &reader.user.login;
        let raw = expected(&reader.principal, &providers, &recs, Path::Raw);
        let hidden: Vec<&str> = recs
            .iter()
            .map(|r| r.id.as_str())
            .filter(|id| !raw.contains(*id))
            .collect();
        let want: BTreeSet<String> = products
            .iter()
            .filter(|(_, h, published)| reaches(&reader.principal, h, *published))
            .map(|(n, ..)| n.clone())
            .collect();
        let listed = app
            .get(&format!("{API}/products"), Some(&reader.user))
            .await;
        assert_eq!(listed.status, StatusCode::OK, "{who}: {}", listed.text());
        let got: BTreeSet<String> = listed.json()["products"]
            .as_array()
            .expect("list")
            .iter()
            .map(|p| p["number"].as_str().unwrap_or("").to_owned())
            .collect();
        assert_eq!(got, want, "{who}: GET /products");
        assert!(
            hidden.iter().all(|id| !listed.text().contains(id)),
            "{who}: the list names a hidden record"
        );
        for (number, ..) in &products {
            let detail = app
                .get(&format!("{API}/products/{number}"), Some(&reader.user))
                .await;
            if !want.contains(number) {
                assert_eq!(detail.status, StatusCode::NOT_FOUND, "{who} reads {number}");
                for suffix in ["stix", "print", "consents", "registrations"] {
                    let r = app
                        .get(
                            &format!("{API}/products/{number}/{suffix}"),
                            Some(&reader.user),
                        )
                        .await;
                    assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}: {number}/{suffix}");
                }
                continue;
            }
            checked += 1;
            let cites: BTreeSet<String> = detail.json()["cites"]
                .as_array()
                .expect("cites")
                .iter()
                .map(|c| c.as_str().unwrap_or("").to_owned())
                .collect();
            assert!(
                cites.is_subset(&raw),
                "{who}: {number} cites a record they may not read"
            );
            for suffix in ["stix", "print"] {
                let r = app
                    .get(
                        &format!("{API}/products/{number}/{suffix}"),
                        Some(&reader.user),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{who}: {number}/{suffix}");
                assert!(
                    hidden.iter().all(|id| !r.text().contains(id)),
                    "{who}: {number}/{suffix} names a hidden record"
                );
            }
            let is_secretariat = reader
                .principal
                .identity()
                .is_some_and(|i| i.is_secretariat());
            assert_eq!(
                detail.json().get("release").is_some(),
                is_secretariat,
                "{who}: release plan"
            );
        }
    }
    // The public: the public alert only, through every public door.
    let public: Vec<&String> = products
        .iter()
        .filter(|(_, h, p)| *p && h.uses.contains(Use::Publication))
        .map(|(n, ..)| n)
        .collect();
    assert_eq!(public.len(), 1);
    let atom = app.get("/public/alerts.atom", None).await.text();
    for (number, ..) in &products {
        assert_eq!(
            atom.contains(number.as_str()),
            public.contains(&number),
            "Atom and {number}"
        );
    }
    assert!(
        recs.iter().all(|r| !atom.contains(&r.id)),
        "Atom names a cited record"
    );
    assert_eq!(
        app.get(&format!("{API}/products"), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    eprintln!(
        "product leak test: {} readers x {} products, {checked} readable answers checked",
        readers.len(),
        products.len()
    );
}

on_both_stores!(
    every_endpoint_as_every_user,
    suspension_cuts_every_path_at_once,
    reposting_a_hidden_record_reveals_nothing,
    products_as_every_user,
    notifications_hold_only_what_decide_allows,
);

/// Notifications (issue 5 §4): every reader watches the value all records carry; once every
/// record of every handling has arrived, each reader's notifications hold exactly the records
/// `decide` lets them see raw (their own organisation's excepted, by design) — as stored and
/// as the inbox shows them — and name a provider only where the reader may know it.
async fn notifications_hold_only_what_decide_allows(app: TestApp) {
    let (readers, providers, by_login) = population(&app).await;
    for reader in &readers {
        let r = crate::notifications::subscribe(
            &app,
            &reader.user,
            json!({ "name": "leak test", "values": [SHARED_VALUE], "value_type": "domain" }),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let telco = by_login["telco-a-c0"].org;
    let named = by_login["bank-b-c3"].clone();
    let mut recs = Vec::new();
    for (p, provider) in providers.iter().enumerate() {
        for handling in handlings(telco, &named) {
            let id = format!("indicator--{}", Uuid::new_v4());
            let author = format!("identity--{}", Uuid::new_v4());
            let mut object = indicator_with_id(&id, "2026-01-01T00:00:00.000Z", "leak test", &[]);
            object["created_by_ref"] = author.clone().into();
            object["pattern"] = format!("[domain-name:value = '{SHARED_VALUE}']").into();
            app.post_records(&provider.user, json!(handling), vec![object])
                .await;
            recs.push(Rec {
                id,
                author,
                provider: p,
                handling,
            });
        }
    }
    crate::notifications::flush(&app).await;
    let mut told = 0;
    for reader in &readers {
        let who = &reader.user.login;
        let me = reader.principal.identity().expect("user");
        let want: BTreeSet<String> = expected(&reader.principal, &providers, &recs, Path::Raw)
            .into_iter()
            .filter(|id| {
                let rec = recs.iter().find(|r| &r.id == id).expect("known");
                providers[rec.provider].org != me.org
            })
            .collect();
        // As stored.
        let stored: BTreeSet<String> = app
            .store
            .notifications(
                reader.user.id,
                &renkei_store::NotificationQuery {
                    limit: 100_000,
                    ..Default::default()
                },
            )
            .await
            .expect("notifications")
            .iter()
            .flat_map(|n| n.records.iter().map(|r| r.stix_id.clone()))
            .collect();
        assert_eq!(stored, want, "{who}: notifications stored");
        // As the inbox shows them, page by page.
        let mut shown = BTreeSet::new();
        let mut before: Option<i64> = None;
        loop {
            let url = match before {
                Some(b) => format!("{API}/notifications?limit=7&before={b}"),
                None => format!("{API}/notifications?limit=7"),
            };
            let r = app.get(&url, Some(&reader.user)).await;
            assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.text());
            let all_authors: Vec<&str> = recs.iter().map(|x| x.author.as_str()).collect();
            assert_no_author(&[r.text()], &all_authors, who, "notifications");
            let v = r.json();
            for n in v["notifications"].as_array().into_iter().flatten() {
                for rec in n["records"].as_array().into_iter().flatten() {
                    let id = rec["id"].as_str().unwrap_or("").to_owned();
                    let known = recs.iter().find(|x| x.id == id).expect("known");
                    let p = &providers[known.provider];
                    let may_name = view_of(
                        &reader.principal,
                        Path::Raw,
                        p.org,
                        known.handling.attribution,
                    )
                    .attribution
                        == Attribution::Named;
                    assert_eq!(
                        rec["provider"].get("org").is_some(),
                        may_name,
                        "{who}: provider of {id} per attribution"
                    );
                    assert!(shown.insert(id), "{who}: a record twice");
                }
            }
            match v["next_before"].as_i64() {
                Some(b) => before = Some(b),
                None => break,
            }
        }
        assert_eq!(shown, want, "{who}: notifications shown");
        told += want.len();
    }
    assert!(told > 0, "somebody was told something");
    eprintln!(
        "notification leak test: {} readers x {} records, {told} records told",
        readers.len(),
        recs.len()
    );
}
