//! Conformance of the web UI's tables (`crate::web`): sessions expire and end, reports are
//! kept newest first with unique tracking numbers.

use super::*;

fn session(user: UserId, id: &str, expires_at: i64) -> WebSession {
    WebSession {
        id_hash: id.to_owned(),
        user,
        csrf: format!("csrf-{id}"),
        created_at: T0,
        expires_at,
    }
}

/// A session is found until it expires, once per id, and is gone after logout or pruning.
pub async fn web_sessions_expire_and_end(store: Arc<dyn Store>) {
    let (org, _) = setup_provider(&store, "Web Bank").await;
    let alice = new_user(org.id, "web-alice");
    store.create_user(&alice).await.expect("alice");

    let a = session(alice.id, "aaaa", T0 + 1_000);
    store.create_web_session(&a).await.expect("create");
    assert!(matches!(
        store.create_web_session(&a).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.web_session("aaaa", T0).await.expect("read"), Some(a));
    assert_eq!(
        store.web_session("aaaa", T0 + 1_000).await.expect("read"),
        None
    );
    assert_eq!(store.web_session("nope", T0).await.expect("read"), None);

    store
        .create_web_session(&session(alice.id, "bbbb", T0 + 5_000))
        .await
        .expect("create");
    assert!(store.delete_web_session("bbbb").await.expect("delete"));
    assert!(!store.delete_web_session("bbbb").await.expect("delete"));
    assert_eq!(store.web_session("bbbb", T0).await.expect("read"), None);

    store
        .create_web_session(&session(alice.id, "cccc", T0 + 9_000))
        .await
        .expect("create");
    assert_eq!(
        store.prune_web_sessions(T0 + 2_000).await.expect("prune"),
        1
    );
    assert!(store.web_session("cccc", T0).await.expect("read").is_some());
}

/// Reports keep every field (Japanese and markup alike), newest first, tracking unique.
pub async fn public_reports_are_kept(store: Arc<dyn Store>) {
    let report = |tracking: &str, at: i64, contact: Option<&str>| PublicReport {
        tracking: tracking.to_owned(),
        category: "phishing".into(),
        text: "<script>alert(1)</script> 詐欺メールが届きました".into(),
        contact: contact.map(str::to_owned),
        created_at: at,
    };
    let first = report("R-1", T0, Some("taro@example.jp"));
    let second = report("R-2", T0 + 1, None);
    store.add_public_report(&first).await.expect("first");
    store.add_public_report(&second).await.expect("second");
    assert!(matches!(
        store.add_public_report(&first).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.public_reports(10).await.expect("list"),
        vec![second.clone(), first]
    );
    assert_eq!(store.public_reports(1).await.expect("list"), vec![second]);
}
