//! Demo data for `renkei serve --demo`: a small partnership (secretariat, police, banks, a
//! telecom operator, security vendors, a university, a foreign partner), one user each, and
//! a few hundred records with varied handling. Seeded only into an empty store.

use renkei_model::account::{Org, OrgKind, Role, Tier};
use renkei_model::handling::{
    Attribution, Audience, AudienceEntry, Classification, Handling, Pap, Sector, Tlp, Use,
};
use renkei_model::ids::SubmissionId;
use renkei_model::stix::StixObject;
use renkei_model::stix::renkei_types::{FORUM_POST, FRAUD_ACCOUNT, RECORD_TYPES_EXTENSION_ID};
use renkei_server::{Clock, SystemClock};
use renkei_store::{NewRecord, NewSubmission, Provenance, Store};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::commands::admin::{add_org, add_user};

/// The password of every demo user. The demo is for trying Renkei out on one machine only.
pub const DEMO_PASSWORD: &str = "renkei-demo-2026";

#[derive(Debug, Serialize)]
pub struct DemoLogin {
    pub login: String,
    pub organisation: String,
    pub role: String,
    pub password: String,
}

#[derive(Debug)]
pub struct DemoLogins {
    pub users: Vec<DemoLogin>,
}

impl DemoLogins {
    pub fn table(&self) -> String {
        let mut s = String::from("\nDemo logins (password for all: ");
        s.push_str(DEMO_PASSWORD);
        s.push_str(")\n");
        for u in &self.users {
            s.push_str(&format!(
                "  {:<12} {:<12} {}\n",
                u.login, u.role, u.organisation
            ));
        }
        s
    }
}

const NS: Uuid = Uuid::from_u128(0x6f2b_1c8e_4d3a_4b5f_9e7d_2a1c_3b4d_5e6f);

fn id(ty: &str, name: &str) -> String {
    let u = Uuid::new_v5(&NS, name.as_bytes());
    // Make it a version-4-shaped UUID: SDOs should carry UUIDv4 ids.
    let mut b = *u.as_bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    format!("{ty}--{}", Uuid::from_bytes(b))
}

const T: &str = "2026-11-01T09:00:00.000Z";

fn sdo(ty: &str, key: &str, extra: Value) -> Value {
    let mut o = json!({ "type": ty, "spec_version": "2.1", "id": id(ty, key), "created": T, "modified": T });
    if let (Some(map), Value::Object(extra)) = (o.as_object_mut(), extra) {
        map.extend(extra);
    }
    o
}

/// A Renkei record type (docs/record-types.md), declared by its extension.
fn renkei_record(ty: &str, key: &str, extra: Value) -> Value {
    let mut o = sdo(ty, key, extra);
    o["extensions"] = json!({ RECORD_TYPES_EXTENSION_ID: { "extension_type": "new-sdo" } });
    o
}

fn handling(tlp: Tlp, audience: Vec<AudienceEntry>, uses: &[Use]) -> Handling {
    Handling {
        tlp,
        audience: Audience::new(audience).unwrap_or_else(|_| Audience::secretariat()),
        classification: Classification::UNCLASSIFIED,
        uses: uses.iter().copied().collect(),
        attribution: Attribution::Named,
        pap: Pap::Green,
    }
}

fn sector(s: &str) -> Option<Sector> {
    Sector::new(s).ok()
}

/// Seeds the demo unless the store already has organisations. Returns the logins it made.
pub async fn seed(store: &dyn Store) -> anyhow::Result<Option<DemoLogins>> {
    if store.stats().await?.orgs > 0 {
        return Ok(None);
    }
    // (name, login, kind, sector, tier, display name, role, clearance)
    type DemoOrg<'a> = (
        &'a str,
        &'a str,
        OrgKind,
        Option<&'a str>,
        Tier,
        &'a str,
        Role,
        u8,
    );
    let orgs: Vec<DemoOrg<'_>> = vec![
        (
            "連携事務局",
            "analyst",
            OrgKind::Secretariat,
            None,
            Tier::None,
            "分析官 佐藤",
            Role::Analyst,
            3,
        ),
        (
            "警察庁 サイバー警察局",
            "npa",
            OrgKind::LawEnforcement,
            None,
            Tier::None,
            "捜査員 田中",
            Role::Contributor,
            2,
        ),
        (
            "宮城県警察 サイバー犯罪対策課",
            "miyagi",
            OrgKind::LawEnforcement,
            None,
            Tier::None,
            "捜査員 鈴木",
            Role::Contributor,
            1,
        ),
        (
            "さくら銀行",
            "sakura",
            OrgKind::Industry,
            Some("finance"),
            Tier::A,
            "CSIRT 高橋",
            Role::Contributor,
            1,
        ),
        (
            "みなと証券",
            "minato",
            OrgKind::Industry,
            Some("finance"),
            Tier::B,
            "SOC 伊藤",
            Role::Contributor,
            0,
        ),
        (
            "ひかり通信",
            "hikari",
            OrgKind::Industry,
            Some("telecom"),
            Tier::A,
            "SOC 渡辺",
            Role::Contributor,
            1,
        ),
        (
            "シールドAV",
            "shield",
            OrgKind::Industry,
            Some("security_vendor"),
            Tier::A,
            "解析担当 山本",
            Role::Contributor,
            1,
        ),
        (
            "ウォッチタワー監視サービス",
            "watchtower",
            OrgKind::Industry,
            Some("monitoring_provider"),
            Tier::A,
            "監視担当 中村",
            Role::Contributor,
            1,
        ),
        (
            "東都大学 情報セキュリティ研究室",
            "todai",
            OrgKind::Academia,
            Some("education"),
            Tier::A,
            "准教授 小林",
            Role::Contributor,
            1,
        ),
        (
            "NCFTA (United States)",
            "ncfta",
            OrgKind::Partner,
            None,
            Tier::None,
            "Liaison Officer",
            Role::Reader,
            0,
        ),
    ];
    let mut made: Vec<(Org, renkei_model::account::User)> = Vec::new();
    let mut logins = Vec::new();
    for (name, login, kind, sec, tier, display, role, clearance) in orgs {
        let org = add_org(store, name, kind, sec.and_then(sector), tier).await?;
        let user = add_user(
            store,
            &org,
            login,
            DEMO_PASSWORD,
            role,
            Classification::new(clearance)?,
            Some(display.to_owned()),
        )
        .await?;
        logins.push(DemoLogin {
            login: login.into(),
            organisation: name.into(),
            role: role.as_str().into(),
            password: DEMO_PASSWORD.into(),
        });
        made.push((org, user));
    }
    let secretariat = made[0].0.clone();
    let admin = add_user(
        store,
        &secretariat,
        "admin",
        DEMO_PASSWORD,
        Role::Admin,
        Classification::MAX,
        Some("システム管理者".into()),
    )
    .await?;
    logins.insert(
        1,
        DemoLogin {
            login: "admin".into(),
            organisation: secretariat.name.clone(),
            role: "admin".into(),
            password: DEMO_PASSWORD.into(),
        },
    );
    let by_login = |l: &str| made.iter().find(|(_, u)| u.login == l).cloned();
    let now = SystemClock.now_micros();

    let mut batches: Vec<(&str, Vec<(Value, Handling)>)> = Vec::new();
    let tlp_green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
    let tlp_amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
    let tlp_clear = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
    let tlp_red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

    // Banks: phishing sites imitating their own login pages.
    let mut bank = Vec::new();
    for i in 0..60 {
        // Fictitious, but outside the reserved names the index never correlates.
        let domain = format!("sakura-bank-login{i:02}.xyz");
        bank.push((
            sdo(
                "indicator",
                &format!("phish-{i}"),
                json!({
                    "name": format!("フィッシングサイト {domain}"),
                    "description": "さくら銀行を装ったフィッシングサイト。SMS で誘導される。",
                    "indicator_types": ["malicious-activity"],
                    "pattern": format!("[domain-name:value = '{domain}']"),
                    "pattern_type": "stix",
                    "valid_from": T,
                    "object_marking_refs": [tlp_amber],
                }),
            ),
            handling(
                Tlp::Amber,
                vec![AudienceEntry::Members],
                &[Use::Investigation, Use::DefensiveFeeds],
            ),
        ));
    }
    batches.push(("sakura", bank));

    // Security vendor: malware families and sample hashes.
    let mut av = Vec::new();
    for (n, family) in ["Emotet", "IcedID", "AgentTesla", "Formbook", "RedLine"]
        .iter()
        .enumerate()
    {
        av.push((
            sdo("malware", family, json!({ "name": family, "is_family": true, "malware_types": ["trojan"], "object_marking_refs": [tlp_green] })),
            handling(Tlp::Green, vec![AudienceEntry::Members], &[Use::Investigation, Use::Research]),
        ));
        for k in 0..12 {
            let hash = format!(
                "{:064x}",
                (n as u128 + 1) * 0x1000_0000_0000 + k as u128 * 7919
            );
            av.push((
                sdo(
                    "indicator",
                    &format!("{family}-{k}"),
                    json!({
                        "name": format!("{family} sample {k}"),
                        "indicator_types": ["malicious-activity"],
                        "pattern": format!("[file:hashes.'SHA-256' = '{hash}']"),
                        "pattern_type": "stix",
                        "valid_from": T,
                        "object_marking_refs": [tlp_green],
                    }),
                ),
                handling(
                    Tlp::Green,
                    vec![AudienceEntry::Members],
                    &[Use::Investigation, Use::Research, Use::DefensiveFeeds],
                ),
            ));
            av.push((
                sdo(
                    "relationship",
                    &format!("{family}-{k}-rel"),
                    json!({
                        "relationship_type": "indicates",
                        "source_ref": id("indicator", &format!("{family}-{k}")),
                        "target_ref": id("malware", family),
                        "object_marking_refs": [tlp_green],
                    }),
                ),
                handling(
                    Tlp::Green,
                    vec![AudienceEntry::Members],
                    &[Use::Investigation],
                ),
            ));
        }
    }
    batches.push(("shield", av));

    // Monitoring provider: C2 servers, shared with finance and telecom.
    let mut c2 = Vec::new();
    for i in 0..50 {
        // Fictitious, but outside the documentation ranges the index never correlates.
        let ip = format!("45.95.147.{}", i + 10);
        c2.push((
            sdo(
                "indicator",
                &format!("c2-{i}"),
                json!({
                    "name": format!("C2 サーバ {ip}"),
                    "indicator_types": ["malicious-activity", "attribution"],
                    "pattern": format!("[ipv4-addr:value = '{ip}']"),
                    "pattern_type": "stix",
                    "valid_from": T,
                    "object_marking_refs": [tlp_amber],
                }),
            ),
            handling(
                Tlp::Amber,
                vec![
                    AudienceEntry::Sector(Sector::new("finance")?),
                    AudienceEntry::Sector(Sector::new("telecom")?),
                ],
                &[Use::Investigation, Use::DefensiveFeeds],
            ),
        ));
    }
    batches.push(("watchtower", c2));

    // Telecom: an SMS sender's server, shared with telecom only. Banks cannot read it, so a
    // bank submitting or looking up the address gets a hint ("1 record in sector telecom").
    batches.push((
        "hikari",
        vec![(
            sdo(
                "indicator",
                "smishing-sender",
                json!({
                    "name": "スミッシング配信サーバ",
                    "description": "宅配業者を装う SMS の配信に使われたサーバ。",
                    "indicator_types": ["malicious-activity"],
                    "pattern": "[ipv4-addr:value = '45.95.147.200']",
                    "pattern_type": "stix",
                    "valid_from": T,
                    "object_marking_refs": [tlp_amber],
                }),
            ),
            Handling {
                attribution: Attribution::SectorOnly,
                ..handling(
                    Tlp::Amber,
                    vec![AudienceEntry::Sector(Sector::new("telecom")?)],
                    &[Use::Investigation, Use::DefensiveFeeds],
                )
            },
        )],
    ));

    // Police: a threat actor for law enforcement, and one TLP:RED lead for a named analyst.
    let analyst = by_login("analyst").map(|(_, u)| u.id);
    let mut police = vec![(
        sdo(
            "threat-actor",
            "ta-banking",
            json!({
                "name": "不正送金グループ A",
                "description": "インターネットバンキング不正送金事案に関与するとみられるグループ。",
                "threat_actor_types": ["crime-syndicate"],
                "object_marking_refs": [tlp_amber],
            }),
        ),
        handling(
            Tlp::Amber,
            vec![AudienceEntry::LawEnforcement],
            &[Use::Investigation, Use::Evidence],
        ),
    )];
    if let Some(analyst) = analyst {
        police.push((
            sdo(
                "note",
                "red-lead",
                json!({
                    "content": "捜査中の案件に関する連絡先情報（TLP:RED）",
                    "object_refs": [id("threat-actor", "ta-banking")],
                    "object_marking_refs": [tlp_red],
                }),
            ),
            handling(
                Tlp::Red,
                vec![AudienceEntry::User(analyst)],
                &[Use::Investigation],
            ),
        ));
    }
    // A C2 server the monitoring provider also reports, and a phishing domain a bank reports:
    // the same values from another organisation, for law enforcement only, so members
    // looking them up get a hint and the secretariat a notice (docs/correlation.md).
    police.push((
        sdo(
            "indicator",
            "police-c2",
            json!({
                "name": "押収端末から判明した C2 サーバ",
                "indicator_types": ["malicious-activity"],
                "pattern": "[ipv4-addr:value = '45.95.147.10'] OR [domain-name:value = 'sakura-bank-login00.xyz']",
                "pattern_type": "stix",
                "valid_from": T,
                "object_marking_refs": [tlp_amber],
            }),
        ),
        handling(
            Tlp::Amber,
            vec![AudienceEntry::LawEnforcement],
            &[Use::Investigation, Use::Evidence],
        ),
    ));
    // A fraud account the police share with the banks, so they can freeze it (口座凍結).
    police.push((
        renkei_record(
            FRAUD_ACCOUNT,
            "mule-1",
            json!({
                "account_type": "bank",
                "institution_name": "さくら銀行",
                "institution_code": "0009",
                "branch_name": "渋谷支店",
                "branch_code": "123",
                "account_kind": "ordinary",
                "account_number": "7654321",
                "holder_name": "ヤマダ タロウ",
                "fraud_types": ["money-mule"],
                "category": "individual",
                "object_marking_refs": [tlp_amber],
            }),
        ),
        handling(
            Tlp::Amber,
            vec![
                AudienceEntry::Sector(Sector::new("finance")?),
                AudienceEntry::LawEnforcement,
            ],
            &[Use::Investigation, Use::Evidence],
        ),
    ));
    batches.push(("npa", police));

    // University: research results and a forum post it watches, for members.
    batches.push((
        "todai",
        vec![
            (
                renkei_record(
                    FORUM_POST,
                    "jp-logs",
                    json!({
                        "site": "example-forum",
                        "thread_title": "JP bank logs fresh",
                        "posted": "2026-11-06T03:12:00Z",
                        "author_name": "kuroneko99",
                        "content": "Selling 2,000 Japanese online-banking logins. ネットバンキング ID とパスワード。",
                        "language": "en",
                        "category": "individual",
                        "object_marking_refs": [tlp_green],
                    }),
                ),
                handling(
                    Tlp::Green,
                    vec![AudienceEntry::Members],
                    &[Use::Investigation, Use::Research],
                ),
            ),
            (
            sdo(
                "attack-pattern",
                "smishing",
                json!({
                    "name": "SMS フィッシング (スミッシング)",
                    "description": "宅配業者や金融機関を装う SMS で偽サイトへ誘導する手口の分析。",
                    "object_marking_refs": [tlp_green],
                }),
            ),
            handling(
                Tlp::Green,
                vec![AudienceEntry::Members],
                &[Use::Research, Use::Publication],
            ),
        ),
        ],
    ));

    // Secretariat: public alerts (TLP:CLEAR, consented to publication).
    let mut alerts = Vec::new();
    for (key, title) in [
        ("alert-1", "金融機関を装ったフィッシングに関する注意喚起"),
        ("alert-2", "宅配業者を装った SMS に関する注意喚起"),
        ("alert-3", "ランサムウェア被害の予防について"),
    ] {
        alerts.push((
            sdo("report", key, json!({
                "name": title,
                "description": "連携事務局が会員からの情報を分析し、一般向けに公表するものです。",
                "report_types": ["threat-report"],
                "published": T,
                "object_refs": [id("attack-pattern", "smishing")],
                "object_marking_refs": [tlp_clear],
            })),
            Handling { attribution: Attribution::Named, ..handling(Tlp::Clear, vec![AudienceEntry::Members], &[Use::Publication]) },
        ));
    }
    batches.push(("analyst", alerts));

    // Each organisation's submission, with the objects spread over the last twelve weeks (the
    // older first) so the overview's charts show weeks, not one column; ingested week by week
    // across organisations, since `date_added` only grows.
    let mut spread: Vec<(Provenance, Vec<Vec<NewRecord>>)> = Vec::new();
    for (login, batch) in batches {
        let Some((org, user)) = by_login(login) else {
            continue;
        };
        let objects: Vec<Value> = batch.iter().map(|(o, _)| o.clone()).collect();
        let bundle = json!({ "type": "bundle", "id": id("bundle", login), "objects": objects });
        let bytes = serde_json::to_vec_pretty(&bundle)?;
        let submission_id = SubmissionId::from_uuid(Uuid::new_v4());
        store
            .save_submission(&NewSubmission {
                id: submission_id,
                provider: org.id,
                user: user.id,
                received_at: now,
                channel: "demo".into(),
                media_type: "application/stix+json;version=2.1".into(),
                sha256: sha256(&bytes),
                bytes: bytes.clone().into(),
            })
            .await?;
        let mut weeks: Vec<Vec<NewRecord>> = (0..DEMO_WEEKS).map(|_| Vec::new()).collect();
        let n = batch.len().max(1);
        for (i, (object, h)) in batch.into_iter().enumerate() {
            let json = object.to_string();
            let o = StixObject::parse(&json)
                .map_err(|e| anyhow::anyhow!("demo object {}: {e}", object["id"]))?;
            let mut record = NewRecord::new(o, h);
            record.terms = renkei_ingest::index::terms_of(&json);
            weeks[i * DEMO_WEEKS / n].push(record);
        }
        let provenance = Provenance {
            submission: submission_id,
            provider: org.id,
            provider_kind: org.kind,
            provider_sector: org.sector.clone(),
        };
        spread.push((provenance, weeks));
    }
    for week in 0..DEMO_WEEKS {
        let at = now - i64::try_from(DEMO_WEEKS - 1 - week).unwrap_or(0) * WEEK_MICROS;
        for (provenance, weeks) in &spread {
            if !weeks[week].is_empty() {
                store.ingest(provenance, &weeks[week], at).await?;
            }
        }
    }
    let _ = admin;
    Ok(Some(DemoLogins { users: logins }))
}

/// Weeks the demo's records are spread over.
const DEMO_WEEKS: usize = 12;
const WEEK_MICROS: i64 = 7 * 86_400_000_000;

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// Products for the freshly seeded demo, made through the publication process itself: a public
/// alert and a public seminar (published), a finance analysis citing a bank's records (in
/// review, waiting for the bank's consent), and a bulletin draft of the last 30 days.
pub async fn seed_products(state: &renkei_server::AppState) -> anyhow::Result<()> {
    use renkei_model::product::{
        ProductContent, ProductKind, Registration, SeminarDetails, Severity,
    };
    use renkei_policy::{Path, Principal, ReadScope};
    use renkei_server::products::{self, Release, bulletin};

    let api = |e: renkei_server::error::ApiError| {
        anyhow::anyhow!("demo products: {} ({})", e.title, e.code)
    };
    let who = |login: &'static str| async move {
        let user = state
            .store
            .user_by_login(login)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no demo user {login}"))?;
        state
            .store
            .identity(user.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no identity for {login}"))
    };
    let (analyst, admin, sakura) = (
        who("analyst").await?,
        who("admin").await?,
        who("sakura").await?,
    );
    let content = |title: &str, summary: &str| ProductContent {
        title: title.into(),
        summary: summary.into(),
        body: String::new(),
        severity: None,
        sectors: Vec::new(),
        recommended_actions: Vec::new(),
        cites: Vec::new(),
        seminar: None,
        period: None,
    };
    let public = || Release {
        tlp: Tlp::Clear,
        audience: Audience::members(),
        classification: Classification::UNCLASSIFIED,
        public: true,
    };

    let mut alert = content(
        "地方銀行を装うフィッシングサイトの急増",
        "地方銀行のログインページを模倣したサイトが 11 月下旬から急増しています。SMS やメールのリンクからログインしないよう利用者に周知してください。",
    );
    alert.severity = Some(Severity::High);
    alert.sectors = sector("finance").into_iter().collect();
    alert.recommended_actions = vec![
        "利用者に公式アプリまたはブックマークからのログインを案内する".into(),
        "不審なドメインを DNS/プロキシで遮断する（/feeds/rpz を利用）".into(),
    ];
    let p = products::create(state, &analyst, ProductKind::Alert, alert, public())
        .await
        .map_err(api)?;
    let (p, _) = products::submit(state, &analyst, p).await.map_err(api)?;
    products::approve(state, &admin, p).await.map_err(api)?;

    let mut seminar = content(
        "フィッシング対策セミナー 2027",
        "金融機関・通信事業者向けに最新の手口と対策を解説します。会員以外も参加できます。",
    );
    seminar.seminar = Some(SeminarDetails {
        starts_at: "2027-01-20T05:00:00Z".into(),
        ends_at: "2027-01-20T07:00:00Z".into(),
        venue: "東京都千代田区（オンライン併用）".into(),
        capacity: 100,
        registration: Registration::Public,
    });
    let p = products::create(state, &analyst, ProductKind::Seminar, seminar, public())
        .await
        .map_err(api)?;
    let (p, _) = products::submit(state, &analyst, p).await.map_err(api)?;
    products::approve(state, &admin, p).await.map_err(api)?;

    // An analysis drawing on the bank's own records: it waits for the bank's consent.
    let scope = ReadScope::of(&Principal::User(sakura.clone()), Path::Raw);
    let query = renkei_store::RecordQuery {
        types: vec!["indicator".into()],
        limit: 1_000,
        ..Default::default()
    };
    let cites: Vec<String> = state
        .store
        .query_records(&scope, &query)
        .await?
        .into_iter()
        .filter(|r| r.provider == sakura.org)
        .map(|r| r.stix_id)
        .take(2)
        .collect();
    let mut analysis = content(
        "フィッシング基盤の共通性の分析",
        "複数の銀行を狙うフィッシングサイトが同じホスティング事業者を利用していることが分かりました。",
    );
    analysis.sectors = sector("finance").into_iter().collect();
    analysis.cites = cites;
    let release = Release {
        tlp: Tlp::Amber,
        audience: Audience::members(),
        classification: Classification::UNCLASSIFIED,
        public: false,
    };
    let p = products::create(state, &analyst, ProductKind::Analysis, analysis, release)
        .await
        .map_err(api)?;
    products::submit(state, &analyst, p).await.map_err(api)?;

    let now = state.clock.now_micros();
    bulletin::create_draft(
        state,
        &analyst,
        Some(now - 30 * 86_400_000_000),
        Some(now + 1),
    )
    .await
    .map_err(api)?;
    Ok(())
}
