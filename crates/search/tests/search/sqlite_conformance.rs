//! The tokens agree with SQLite FTS5's `unicode61 remove_diacritics 0` tokenizer (the bundled
//! SQLite the store uses): joined by spaces and indexed, they come back as exactly themselves,
//! and quoting one as an FTS5 string finds it even with `detail = none`, which rejects a
//! quoted string that `unicode61` would cut into several tokens.

use renkei_search::{query_tokens, tokens};
use rusqlite::Connection;
use std::collections::BTreeSet;

/// The table as `crates/store-sqlite` declares it, plus a vocabulary view of it.
fn table() -> Connection {
    let conn = Connection::open_in_memory().expect("open");
    conn.execute_batch(
        "CREATE VIRTUAL TABLE search USING fts5(
             tokens, content = '', contentless_delete = 1, detail = none,
             tokenize = 'unicode61 remove_diacritics 0');
         CREATE VIRTUAL TABLE vocab USING fts5vocab(search, 'row');",
    )
    .expect("create");
    conn
}

fn index(conn: &Connection, rowid: i64, tokens: &[String]) {
    conn.execute(
        "INSERT INTO search (rowid, tokens) VALUES (?1, ?2)",
        rusqlite::params![rowid, tokens.join(" ")],
    )
    .expect("insert");
}

/// The FTS5 expression the store builds: each token an FTS5 string, all required.
fn search(conn: &Connection, query: &str) -> Vec<i64> {
    let expr: Vec<String> = query_tokens(query)
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    let mut stmt = conn
        .prepare("SELECT rowid FROM search WHERE search MATCH ?1 ORDER BY rowid")
        .expect("prepare");
    stmt.query_map([expr.join(" AND ")], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Every character, tokenised alone, gives tokens that `unicode61` neither splits, drops
/// nor folds. Single characters also cover multi-character tokens NFKC makes (`㍻`, `ﷺ`).
#[test]
fn every_character_round_trips() {
    let ours: BTreeSet<String> = (0..=0x10FFFF_u32)
        .filter_map(char::from_u32)
        .flat_map(|c| tokens(c.encode_utf8(&mut [0; 4])))
        .collect();
    assert!(ours.len() > 100_000, "{}", ours.len());
    let conn = table();
    let all: Vec<String> = ours.iter().cloned().collect();
    index(&conn, 1, &all);
    let theirs: BTreeSet<String> = conn
        .prepare("SELECT term FROM vocab")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let missing: Vec<_> = ours.difference(&theirs).take(20).collect();
    let extra: Vec<_> = theirs.difference(&ours).take(20).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
}

#[test]
fn searches_like_the_token_subset_rule() {
    let docs = [
        "特殊詐欺の被害が増加",
        "ネットバンキングの不正送金",
        "Phishing campaign against ＢＡＮＫＳ",
        "ｶﾀｶﾅのフィッシングサイト",
        "Café 葛\u{E0100}飾 ΟΔΟΣ",
    ];
    let conn = table();
    for (i, d) in docs.iter().enumerate() {
        index(&conn, i as i64 + 1, &tokens(d));
    }
    for query in [
        "詐欺",
        "不正",
        "不正送金",
        "phishing",
        "banks",
        "カタカナ",
        "フィッシング サイト",
        "café",
        "cafe",
        "葛飾",
        "οδος",
        "被害 送金",
        "AND",
        "\"quoted\"",
        "NEAR",
    ] {
        let expected: Vec<i64> = (1..)
            .zip(docs)
            .filter(|(_, d)| crate::matches(d, query))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(search(&conn, query), expected, "{query}");
    }
}
