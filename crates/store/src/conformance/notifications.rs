//! Conformance of notifications (`crate::notifications`): subscriptions and their candidates,
//! the notifier's cursor and what it reads, inboxes, e-mail addresses.

use super::*;

fn watch(values: &[(&str, &str)]) -> Vec<WatchedValue> {
    values
        .iter()
        .map(|(k, v)| WatchedValue::new(k, v))
        .collect()
}

fn subscription(user: UserId, name: &str, criteria: Criteria) -> NewSubscription {
    NewSubscription {
        user,
        name: name.to_owned(),
        criteria,
        channels: Channels {
            in_app: true,
            email: true,
        },
        created_at: T0,
    }
}

/// Subscriptions are each user's own; candidates for a batch are the subscriptions watching
/// no values plus those watching one of the batch's values, with just those values.
pub async fn subscriptions_are_kept_and_matched(store: Arc<dyn Store>) {
    let (org, _) = setup_provider(&store, "Sub Bank").await;
    let alice = new_user(org.id, "alice");
    let bob = new_user(org.id, "bob");
    store.create_user(&alice).await.expect("alice");
    store.create_user(&bob).await.expect("bob");

    assert_eq!(store.user_email(alice.id).await.expect("email"), None);
    store
        .set_user_email(alice.id, Some("alice@bank.example.jp"))
        .await
        .expect("set");
    assert_eq!(
        store.user_email(alice.id).await.expect("email").as_deref(),
        Some("alice@bank.example.jp")
    );
    store.set_user_email(alice.id, None).await.expect("clear");
    assert_eq!(store.user_email(alice.id).await.expect("email"), None);
    assert!(matches!(
        store
            .set_user_email(UserId::from_uuid(Uuid::new_v4()), Some("x@example.jp"))
            .await,
        Err(StoreError::NotFound(_))
    ));

    let by_sector = store
        .add_subscription(&subscription(
            alice.id,
            "金融",
            Criteria {
                sectors: vec![Sector::new("finance").expect("sector")],
                types: vec!["indicator".into(), "malware".into()],
                values: Vec::new(),
            },
        ))
        .await
        .expect("add");
    let watching = store
        .add_subscription(&subscription(
            alice.id,
            "watch-list",
            Criteria {
                values: watch(&[("domain", "evil.example.jp"), ("ipv4", "198.51.100.7")]),
                ..Criteria::default()
            },
        ))
        .await
        .expect("add");
    let bobs = store
        .add_subscription(&subscription(
            bob.id,
            "bob",
            Criteria {
                values: watch(&[("domain", "evil.example.jp")]),
                ..Criteria::default()
            },
        ))
        .await
        .expect("add");
    assert_eq!(watching.watched, 2);

    let mine = store.subscriptions(alice.id).await.expect("list");
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0], by_sector);
    assert_eq!(mine[1].name, "watch-list");
    let mut want = watch(&[("domain", "evil.example.jp"), ("ipv4", "198.51.100.7")]);
    want.sort();
    assert_eq!(mine[1].criteria.values, want);
    assert_eq!(mine[1].channels.names(), vec!["in_app", "email"]);

    // Candidates.
    let key = value_key("domain", "evil.example.jp");
    let got = store.matching_subscriptions(&[key]).await.expect("match");
    let ids: BTreeSet<i64> = got.iter().map(|s| s.id).collect();
    assert_eq!(ids, [by_sector.id, watching.id, bobs.id].into());
    let w = got.iter().find(|s| s.id == watching.id).expect("watching");
    assert_eq!(w.criteria.values, watch(&[("domain", "evil.example.jp")]));
    assert_eq!(w.watched, 2, "it still says how many it watches in all");
    let got = store
        .matching_subscriptions(&[value_key("domain", "other.example.jp")])
        .await
        .expect("match");
    assert_eq!(
        got.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![by_sector.id],
        "only the subscription that watches no values"
    );
    assert_eq!(got[0].criteria.sectors, by_sector.criteria.sectors);
    assert_eq!(got[0].criteria.types, by_sector.criteria.types);

    // Only one's own can be deleted.
    assert!(
        !store
            .delete_subscription(bob.id, watching.id)
            .await
            .expect("delete")
    );
    assert!(
        store
            .delete_subscription(alice.id, watching.id)
            .await
            .expect("delete")
    );
    assert!(
        !store
            .delete_subscription(alice.id, watching.id)
            .await
            .expect("again")
    );
    let got = store.matching_subscriptions(&[key]).await.expect("match");
    assert_eq!(
        got.iter().map(|s| s.id).collect::<BTreeSet<_>>(),
        [by_sector.id, bobs.id].into()
    );
    assert_eq!(store.subscriptions(alice.id).await.expect("list").len(), 1);
}

/// The cursor starts at the newest record, reads what came after it with full handling, and
/// only one caller can move it from a given place.
pub async fn notification_cursor_reads_new_records_once(store: Arc<dyn Store>) {
    let (_, prov) = setup_provider(&store, "Cursor Bank").await;
    let before = Uuid::new_v4();
    store
        .ingest(
            &prov,
            &[indicator(
                before,
                "2026-01-01T00:00:00.000Z",
                members(Tlp::Green),
            )],
            T0,
        )
        .await
        .expect("ingest");
    let c = store.notification_cursor().await.expect("cursor");
    assert!(!c.subscriptions);
    assert_eq!(c.done, c.newest, "history is not announced");
    assert!(
        store
            .records_added_after(c.done, 10)
            .await
            .expect("read")
            .is_empty()
    );
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let red = Handling {
        audience: Audience::new([AudienceEntry::User(UserId::from_uuid(Uuid::new_v4()))])
            .expect("audience"),
        ..members(Tlp::Red)
    };
    store
        .ingest(
            &prov,
            &[
                indicator(a, "2026-01-01T00:00:00.000Z", members(Tlp::Amber)),
                indicator(b, "2026-01-01T00:00:00.000Z", red.clone()),
            ],
            T0,
        )
        .await
        .expect("ingest");
    let again = store.notification_cursor().await.expect("cursor");
    assert_eq!(again.done, c.done, "the cursor stays until moved");
    assert!(again.newest > c.done);
    let added = store.records_added_after(c.done, 10).await.expect("read");
    assert_eq!(added.len(), 2);
    assert_eq!(added[0].record.stix_id, format!("indicator--{a}"));
    assert_eq!(added[0].record.handling, members(Tlp::Amber));
    assert_eq!(added[1].record.handling, red, "audience rows are read back");
    assert_eq!(added[0].record.provider, prov.provider);
    assert!(added[0].body.contains(&a.to_string()));
    assert_eq!(
        store
            .records_added_after(c.done, 1)
            .await
            .expect("read")
            .len(),
        1
    );
    let to = added[1].record.date_added;
    assert_eq!(to, again.newest);
    assert!(
        store
            .advance_notification_cursor(c.done, to)
            .await
            .expect("advance")
    );
    assert!(
        !store
            .advance_notification_cursor(c.done, to)
            .await
            .expect("stale"),
        "a second notifier cannot claim the same batch"
    );
    let moved = store.notification_cursor().await.expect("cursor");
    assert_eq!(moved.done, to);
    assert!(
        store
            .records_added_after(to, 10)
            .await
            .expect("read")
            .is_empty()
    );
}

fn refs(ids: &[&str]) -> Vec<RecordRef> {
    ids.iter()
        .map(|id| RecordRef {
            stix_id: (*id).to_owned(),
            version: Timestamp::parse("2026-01-01T00:00:00.000Z").expect("ts"),
        })
        .collect()
}

/// Inboxes: newest first, paged, unread counted; a version is told to one user once; nobody
/// reads or marks another's notifications.
pub async fn inbox_pages_counts_and_deduplicates(store: Arc<dyn Store>) {
    let (org, _) = setup_provider(&store, "Inbox Bank").await;
    let alice = new_user(org.id, "alice");
    let bob = new_user(org.id, "bob");
    store.create_user(&alice).await.expect("alice");
    store.create_user(&bob).await.expect("bob");
    let note = |user: UserId, at: i64, ids: &[&str]| NewNotification {
        user,
        created_at: at,
        kind: "record".into(),
        title: format!("{} 件", ids.len()),
        records: refs(ids),
        product: None,
    };
    let first = store
        .add_notification(&note(alice.id, T0, &["indicator--b", "indicator--a"]))
        .await
        .expect("add")
        .expect("stored");
    assert_eq!(first.records, refs(&["indicator--a", "indicator--b"]));
    assert_eq!(first.read_at, None);
    // Told already: only the new one is kept, or nothing at all.
    let second = store
        .add_notification(&note(alice.id, T0 + 1, &["indicator--a", "indicator--c"]))
        .await
        .expect("add")
        .expect("stored");
    assert_eq!(second.records, refs(&["indicator--c"]));
    assert!(
        store
            .add_notification(&note(alice.id, T0 + 2, &["indicator--c"]))
            .await
            .expect("add")
            .is_none()
    );
    // Another user may be told of the same versions.
    store
        .add_notification(&note(bob.id, T0 + 3, &["indicator--a"]))
        .await
        .expect("add")
        .expect("stored");
    let third = store
        .add_notification(&note(alice.id, T0 + 4, &["indicator--d"]))
        .await
        .expect("add")
        .expect("stored");

    let all = |unread_only, before, limit| NotificationQuery {
        before,
        unread_only,
        limit,
    };
    let page = store
        .notifications(alice.id, &all(false, None, 2))
        .await
        .expect("list");
    assert_eq!(
        page.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![third.id, second.id, first.id],
        "newest first, limit + 1"
    );
    assert_eq!(page[1], second);
    let rest = store
        .notifications(alice.id, &all(false, Some(second.id), 2))
        .await
        .expect("list");
    assert_eq!(rest, vec![first.clone()]);
    assert_eq!(store.unread_notifications(alice.id).await.expect("n"), 3);
    assert_eq!(store.unread_notifications(bob.id).await.expect("n"), 1);

    assert!(
        !store
            .mark_notification_read(bob.id, second.id, T0 + 10)
            .await
            .expect("mark"),
        "not bob's"
    );
    assert!(
        store
            .mark_notification_read(alice.id, second.id, T0 + 10)
            .await
            .expect("mark")
    );
    assert!(
        store
            .mark_notification_read(alice.id, second.id, T0 + 20)
            .await
            .expect("again")
    );
    assert_eq!(store.unread_notifications(alice.id).await.expect("n"), 2);
    let unread = store
        .notifications(alice.id, &all(true, None, 10))
        .await
        .expect("list");
    assert_eq!(
        unread.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![third.id, first.id]
    );
    let read = store
        .notifications(alice.id, &all(false, Some(third.id), 1))
        .await
        .expect("list");
    assert_eq!(read[0].read_at, Some(T0 + 10), "the first reading is kept");
    assert!(
        store
            .notifications(bob.id, &all(false, None, 10))
            .await
            .expect("list")
            .iter()
            .all(|n| n.user == bob.id)
    );
    // A product is told once per user, with no records.
    let product = ProductId::from_uuid(Uuid::new_v4());
    let told = |user: UserId| NewNotification {
        user,
        created_at: T0 + 20,
        kind: "product".into(),
        title: "RENKEI-AT-2026-0001".into(),
        records: Vec::new(),
        product: Some(product),
    };
    let stored = store
        .add_notification(&told(bob.id))
        .await
        .expect("add")
        .expect("stored");
    assert_eq!(stored.product, Some(product));
    assert_eq!(
        store.add_notification(&told(bob.id)).await.expect("again"),
        None
    );
    assert!(
        store
            .add_notification(&told(alice.id))
            .await
            .expect("alice")
            .is_some()
    );
    let listed = store
        .notifications(bob.id, &all(false, None, 10))
        .await
        .expect("list");
    assert_eq!(listed[0].product, Some(product));
    assert!(listed[0].records.is_empty());
}
