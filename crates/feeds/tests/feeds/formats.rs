//! Each format on a small fixed feed: exact output, escaping, IDN, IPv6, networks,
//! incremental feeds with removals, empty feeds, and refused metadata.

use std::collections::HashSet;

use renkei_feeds::{
    Change, DEFAULT_SID_BASE, DatasetKind, FeedEntry, FeedMeta, Format, SID_SPAN, indicator_id,
};
use renkei_model::handling::Tlp;
use renkei_model::stix::{Bundle, StixObject};
use renkei_observables::ObservableType as T;

use crate::fixtures::*;

/// The small feed with its IPv6 address removed, as an incremental feed sends it.
fn with_removal() -> Vec<FeedEntry> {
    let mut entries = small();
    let ipv6 = entries.iter_mut().find(|e| e.kind == T::Ipv6).unwrap();
    ipv6.change = Change::Removed;
    entries
}

// --- plain ---------------------------------------------------------------------------------

#[test]
fn plain_lists_each_carried_value_once() {
    let mut entries = small();
    let mut again = entry(T::Domain, "evil.example");
    again.record = record(7);
    entries.push(again);
    let entries = sorted(entries);
    assert_eq!(
        render(Format::Plain, &entries, &full_meta()),
        "192.0.2.1\n\
         2001:db8::1\n\
         198.51.100.0/24\n\
         evil.example\n\
         xn--r8jz45g.xn--zckzah\n\
         http://evil.example/login?next=/a;b\n\
         phish@evil.example\n\
         d41d8cd98f00b204e9800998ecf8427e\n\
         e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
         CVE-2021-44228\n"
    );
}

#[test]
fn incremental_plain_lists_additions_only() {
    let text = render(Format::Plain, &with_removal(), &incremental_meta());
    assert!(!text.contains("2001:db8::1"));
    assert!(text.starts_with("192.0.2.1\n198.51.100.0/24\n"));
    // A removal in a full feed is ignored rather than trusted.
    assert!(!render(Format::Plain, &with_removal(), &full_meta()).contains("2001:db8::1"));
}

#[test]
fn plain_skips_values_that_would_break_lines() {
    let entries = vec![entry(T::Email, "\"a\nb\"@evil.example")];
    assert_eq!(render(Format::Plain, &entries, &full_meta()), "");
}

// --- csv -----------------------------------------------------------------------------------

const CSV_HEAD: &str = "change,type,value,tlp,category,record,label,first_seen,valid_until\r\n";

#[test]
fn csv_exact() {
    let entries = sorted(vec![
        small()[0].clone(),
        small()
            .into_iter()
            .find(|e| e.value == "evil.example")
            .unwrap(),
    ]);
    assert_eq!(
        render(Format::Csv, &entries, &full_meta()),
        format!(
            "{CSV_HEAD}\
             added,ipv4,192.0.2.1,TLP:AMBER,technical,indicator--00000000-0000-4000-8000-000000000001,Emotet C2,2026-01-01T00:00:00.000Z,2026-01-31T00:00:00.000Z\r\n\
             added,domain,evil.example,TLP:GREEN,technical,indicator--00000000-0000-4000-8000-000000000002,\"Bad\"\"; sid:1; \\ | \r\n<script>alert(1)</script> 詐欺\",2026-01-01T00:00:00.000Z,\r\n"
        )
    );
}

#[test]
fn csv_keeps_removals_of_incremental_feeds_and_one_row_per_record() {
    let mut entries = with_removal();
    let mut again = entry(T::Domain, "evil.example");
    again.record = record(7);
    entries.push(again.clone());
    entries.push(again);
    let entries = sorted(entries);
    let text = render(Format::Csv, &entries, &incremental_meta());
    assert!(text.contains("\r\nremoved,ipv6,2001:db8::1,TLP:GREEN,"));
    assert_eq!(text.matches(",evil.example,").count(), 2);
    assert!(!render(Format::Csv, &entries, &full_meta()).contains("removed"));
}

#[test]
fn empty_csv_is_the_header() {
    assert_eq!(render(Format::Csv, &[], &full_meta()), CSV_HEAD);
    assert_eq!(
        render(Format::Samples, &[], &full_meta()),
        "record,md5,sha1,sha256,sha512,label,tlp,first_seen\r\n"
    );
}

// --- samples -------------------------------------------------------------------------------

#[test]
fn samples_merge_the_hashes_of_a_record() {
    assert_eq!(
        render(Format::Samples, &small(), &full_meta()),
        "record,md5,sha1,sha256,sha512,label,tlp,first_seen\r\n\
         indicator--00000000-0000-4000-8000-000000000003,d41d8cd98f00b204e9800998ecf8427e,,\
         e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,,dropper.exe,TLP:GREEN,\
         2026-01-01T00:00:00.000Z\r\n"
    );
}

#[test]
fn samples_do_not_pair_hashes_of_different_files() {
    let mut a = entry(T::Md5, &"a".repeat(32));
    let mut b = entry(T::Md5, &"b".repeat(32));
    let mut c = entry(T::Sha1, &"c".repeat(40));
    for e in [&mut a, &mut b, &mut c] {
        e.record = record(5);
    }
    let text = render(Format::Samples, &sorted(vec![a, b, c]), &full_meta());
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert!(rows.iter().all(|r| r.matches(",,").count() >= 2));
}

// --- suricata ------------------------------------------------------------------------------

/// The sids of a rules file, in order.
fn sids(rules: &str) -> Vec<u32> {
    rules
        .lines()
        .filter(|l| l.starts_with("alert "))
        .map(|l| {
            let at = l.find("; sid:").unwrap() + 6;
            let end = at + l[at..].find(';').unwrap();
            l[at..end].parse().unwrap()
        })
        .collect()
}

#[test]
fn suricata_exact() {
    let mut ip = small()[0].clone();
    ip.value_key = 0x0123_4567_89ab_cdef;
    let mut idn = entry(T::Domain, "xn--r8jz45g.xn--zckzah");
    idn.value_key = 1;
    let text = render(Format::Suricata, &[ip, idn], &full_meta());
    let expected = "\
# Renkei defensive feed: Suricata 7 rules
# Generated 2026-01-02T00:00:00.000Z. Full feed.
# TLP: each rule's msg carries its TLP (strictest here: TLP:AMBER). TLP:CLEAR: no limit; TLP:GREEN: your community;
# TLP:AMBER: your organisation and its clients only. Do not republish this file.
alert ip $HOME_NET any <> 192.0.2.1 any (msg:\"RENKEI TLP:AMBER ipv4 192.0.2.1 - Emotet C2\"; metadata:renkei_record indicator--00000000-0000-4000-8000-000000000001, renkei_type ipv4, tlp amber; classtype:bad-unknown; sid:SID0; rev:1;)
alert dns $HOME_NET any -> any any (msg:\"RENKEI TLP:GREEN domain xn--r8jz45g.xn--zckzah dns.query\"; dns.query; dotprefix; content:\".xn--r8jz45g.xn--zckzah\"; nocase; endswith; metadata:renkei_record indicator--00000000-0000-4000-8000-000000000001, renkei_type domain, tlp green; classtype:bad-unknown; sid:SID1; rev:1;)
alert tls $HOME_NET any -> any any (msg:\"RENKEI TLP:GREEN domain xn--r8jz45g.xn--zckzah tls.sni\"; tls.sni; dotprefix; content:\".xn--r8jz45g.xn--zckzah\"; nocase; endswith; metadata:renkei_record indicator--00000000-0000-4000-8000-000000000001, renkei_type domain, tlp green; classtype:bad-unknown; sid:SID2; rev:1;)
alert http $HOME_NET any -> any any (msg:\"RENKEI TLP:GREEN domain xn--r8jz45g.xn--zckzah http.host\"; http.host; dotprefix; content:\".xn--r8jz45g.xn--zckzah\"; endswith; metadata:renkei_record indicator--00000000-0000-4000-8000-000000000001, renkei_type domain, tlp green; classtype:bad-unknown; sid:SID3; rev:1;)
# end: 4 rules
";
    let found = sids(&text);
    let mut expected = expected.to_owned();
    for (i, sid) in found.iter().enumerate() {
        expected = expected.replace(&format!("SID{i}"), &sid.to_string());
    }
    assert_eq!(text, expected);
    assert_eq!(found.len(), 4);
}

#[test]
fn suricata_sids_are_unique_in_range_and_stable_across_pulls() {
    let entries = crate::validators::varied();
    let all = render(Format::Suricata, &entries, &full_meta());
    let all_sids = sids(&all);
    assert_eq!(
        all_sids.iter().collect::<HashSet<_>>().len(),
        all_sids.len()
    );
    assert!(
        all_sids
            .iter()
            .all(|s| (DEFAULT_SID_BASE..=DEFAULT_SID_BASE + (SID_SPAN - 1)).contains(s))
    );
    // A later pull with fewer values keeps the sids of the values that stay.
    let fewer: Vec<FeedEntry> = entries.iter().skip(3).cloned().collect();
    let some = render(Format::Suricata, &fewer, &full_meta());
    let rule_of = |text: &str, sid: u32| {
        text.lines()
            .find(|l| l.contains(&format!("; sid:{sid};")))
            .map(|l| l.to_owned())
    };
    for sid in sids(&some) {
        assert_eq!(rule_of(&some, sid), rule_of(&all, sid));
    }
}

#[test]
fn suricata_colliding_values_get_distinct_sids() {
    let mut a = entry(T::Ipv4, "192.0.2.1");
    let mut b = entry(T::Ipv4, "192.0.2.2");
    a.value_key = 5;
    b.value_key = 5;
    let found = sids(&render(Format::Suricata, &[a, b], &full_meta()));
    assert_eq!(found.len(), 2);
    assert_eq!(found[1], found[0] + 1);
}

#[test]
fn suricata_labels_cannot_inject_rule_options() {
    let mut entries = crate::validators::varied();
    for e in &mut entries {
        e.label = Some(NASTY_LABEL.to_owned());
    }
    let text = render(Format::Suricata, &entries, &full_meta());
    for line in text.lines().filter(|l| l.starts_with("alert ")) {
        let msg_start = line.find("(msg:\"").unwrap() + 6;
        let msg_len = line[msg_start..].find('"').unwrap();
        let msg = &line[msg_start..msg_start + msg_len];
        assert!(!msg.contains(';') && !msg.contains('\\'), "{line}");
        assert!(msg.contains("<script>alert(1)</script> 詐欺"), "{msg}");
        // After the msg, the only options are the ones the renderer writes.
        let rest = &line[msg_start + msg_len..];
        assert!(rest.starts_with("\"; "), "{line}");
        assert_eq!(rest.matches("; sid:").count(), 1, "{line}");
        assert!(line.ends_with("; rev:1;)"), "{line}");
    }
    assert_eq!(
        text.lines().filter(|l| !l.starts_with(['#', 'a'])).count(),
        0
    );
}

#[test]
fn suricata_rules_for_ipv6_networks_urls_and_subdomains() {
    let text = render(Format::Suricata, &crate::validators::varied(), &full_meta());
    for expected in [
        "alert ip $HOME_NET any <> 2001:db8::1 any (",
        "alert ip $HOME_NET any <> 2001:db8:abcd::/48 any (",
        "alert ip $HOME_NET any <> 198.51.100.0/24 any (",
        // A /32 network is an address; a mapped IPv6 address is the IPv4 one.
        "alert ip $HOME_NET any <> 203.0.113.9 any (",
        "alert ip $HOME_NET any <> 192.0.2.77 any (",
        "dns.query; dotprefix; content:\".evil.example\"; nocase; endswith;",
        "tls.sni; dotprefix; content:\".evil.example\"; nocase; endswith;",
        "http.host; dotprefix; content:\".evil.example\"; endswith;",
        "http.host; content:\"evil.example\"; startswith; endswith; http.uri.raw; content:\"/login?next=/a|3b|b\";",
        "http.host; content:\"198.51.100.7\"; startswith; endswith; http.uri.raw; content:\"/gate.php\";",
        // A URL on the root of its host is a host rule.
        "http.host; content:\"phish.example.jp\"; startswith; endswith; metadata:",
    ] {
        assert!(text.contains(expected), "missing {expected}\n{text}");
    }
    for absent in [
        "2001:db8::5",
        "ftp:",
        "files.evil.example",
        "gone.example",
        "CVE-",
        "@",
    ] {
        assert!(!text.contains(absent), "{absent} should have no rule");
    }
    // Two records carry evil.example: one set of rules, with the stricter TLP.
    assert_eq!(text.matches("content:\".evil.example\"").count(), 3);
    assert!(text.contains("RENKEI TLP:AMBER domain evil.example dns.query"));
}

#[test]
fn incremental_suricata_says_so_and_has_no_rules_for_removals() {
    let text = render(Format::Suricata, &with_removal(), &incremental_meta());
    assert!(text.contains("INCREMENTAL: rules for values added since 2026-01-01T00:00:00.000Z"));
    assert!(!text.contains("2001:db8::1"));
}

#[test]
fn empty_suricata_is_a_header() {
    let text = render(Format::Suricata, &[], &full_meta());
    assert!(text.lines().all(|l| l.starts_with('#')));
    assert!(text.ends_with("# end: 0 rules\n"));
}

// --- suricata-dataset ----------------------------------------------------------------------

#[test]
fn datasets_exact() {
    let entries = crate::validators::varied();
    let dataset = |kind| render(Format::SuricataDataset(kind), &entries, &full_meta());
    assert_eq!(
        dataset(DatasetKind::Domains),
        "X2RtYXJjLm1haWwuZXZpbC5leGFtcGxl\n\
         YS1iLmMwLmV2aWwuZXhhbXBsZQ==\n\
         ZXZpbC5leGFtcGxl\n\
         eG4tLXI4ano0NWcueG4tLXpja3phaA==\n"
    );
    assert_eq!(
        dataset(DatasetKind::Ips),
        "192.0.2.1\n192.0.2.77\n2001:db8::1\n2001:db8::1:0:0:1\n203.0.113.9\n"
    );
    assert_eq!(
        dataset(DatasetKind::Md5),
        "d41d8cd98f00b204e9800998ecf8427e\n"
    );
    assert_eq!(
        dataset(DatasetKind::Sha256),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
    );
    assert_eq!(
        render(Format::SuricataDataset(DatasetKind::Ips), &[], &full_meta()),
        ""
    );
}

// --- rpz -----------------------------------------------------------------------------------

const RPZ_HEAD: &str = "\
; Renkei defensive feed: DNS response policy zone (RPZ)
; origin rpz.renkei.example.; generated 2026-01-02T00:00:00.000Z
; TLP: TLP:CLEAR and TLP:GREEN entries may be shared within your community, TLP:AMBER
; entries only within your organisation and its clients; do not republish this zone.
$TTL 300
@ SOA localhost. hostmaster.localhost. 1767312000 3600 600 604800 300
@ NS localhost.
";

#[test]
fn rpz_exact() {
    assert_eq!(
        render(Format::Rpz, &small(), &full_meta()),
        format!(
            "{RPZ_HEAD}\
             evil.example CNAME .\n\
             *.evil.example CNAME .\n\
             xn--r8jz45g.xn--zckzah CNAME .\n\
             *.xn--r8jz45g.xn--zckzah CNAME .\n\
             32.1.2.0.192.rpz-ip CNAME .\n\
             24.0.100.51.198.rpz-ip CNAME .\n\
             128.1.zz.db8.2001.rpz-ip CNAME .\n\
             ; end: 7 policy records\n"
        )
    );
    assert_eq!(
        render(Format::Rpz, &[], &full_meta()),
        format!("{RPZ_HEAD}; end: 0 policy records\n")
    );
}

#[test]
fn rpz_names_each_owner_once() {
    let text = render(Format::Rpz, &crate::validators::varied(), &full_meta());
    let owners: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with([';', '$', '@']))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(owners.iter().collect::<HashSet<_>>().len(), owners.len());
    // A URL does not take its host off the resolver; a domain takes its subdomains too.
    assert!(!owners.contains(&"files.evil.example") && !owners.contains(&"*.files.evil.example"));
    assert!(!owners.contains(&"phish.example.jp") && !owners.contains(&"*.phish.example.jp"));
    assert!(owners.contains(&"32.9.113.0.203.rpz-ip"));
    assert!(owners.contains(&"32.77.2.0.192.rpz-ip"));
    assert!(owners.contains(&"48.zz.abcd.db8.2001.rpz-ip"));
    assert!(!text.contains("gone.example") && !text.contains("2001:db8::5"));
}

#[test]
fn rpz_leaves_out_names_too_long_for_the_origin() {
    let label = "a".repeat(63);
    // 240 characters: fits under `rpz.` but not, with `*.`, under `rpz.renkei.example.`.
    let long = format!("{label}.{label}.{label}.{}.example", "b".repeat(40));
    let entries = vec![entry(T::Domain, &long)];
    let meta = FeedMeta {
        zone: "rpz.renkei.example.".into(),
        ..full_meta()
    };
    assert!(!render(Format::Rpz, &entries, &meta).contains(&long));
    let short = FeedMeta {
        zone: "rpz.".into(),
        ..full_meta()
    };
    assert!(render(Format::Rpz, &entries, &short).contains(&long));
}

#[test]
fn incremental_rpz_says_so() {
    let text = render(Format::Rpz, &with_removal(), &incremental_meta());
    assert!(text.contains("; INCREMENTAL: additions since 2026-01-01T00:00:00.000Z only"));
    assert!(!text.contains("db8"));
}

// --- stix ----------------------------------------------------------------------------------

/// The bundle's objects, each validated by the model as the server would on ingest.
fn stix_objects(text: &str) -> Vec<serde_json::Value> {
    let bundle = Bundle::parse(text.as_bytes(), 100_000).unwrap();
    bundle
        .objects
        .iter()
        .map(|raw| {
            StixObject::from_raw(raw).unwrap_or_else(|e| panic!("{e:?}: {}", raw.get()));
            serde_json::from_str(raw.get()).unwrap()
        })
        .collect()
}

#[test]
fn stix_exact_for_one_indicator() {
    let text = render(Format::Stix, &small()[..1], &full_meta());
    assert_eq!(
        text,
        "{\"type\":\"bundle\",\"id\":\"bundle--BUNDLE\",\"objects\":[\n\
         {\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--07ca5a27-6a20-5f4c-86b0-b81847ad3f18\",\
         \"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\",\"name\":\"Emotet C2\",\
         \"indicator_types\":[\"malicious-activity\"],\"pattern\":\"[ipv4-addr:value = '192.0.2.1']\",\
         \"pattern_type\":\"stix\",\"pattern_version\":\"2.1\",\"valid_from\":\"2026-01-01T00:00:00.000Z\",\
         \"valid_until\":\"2026-01-31T00:00:00.000Z\",\
         \"external_references\":[{\"source_name\":\"renkei\",\"external_id\":\"indicator--00000000-0000-4000-8000-000000000001\"}],\
         \"object_marking_refs\":[\"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421\"]}\n\
         ]}\n"
            .replace("BUNDLE", &text[31..67])
    );
    assert_eq!(
        indicator_id(T::Ipv4, "192.0.2.1"),
        "indicator--07ca5a27-6a20-5f4c-86b0-b81847ad3f18"
    );
}

#[test]
fn stix_bundle_passes_the_model_validator() {
    let objects = stix_objects(&render(
        Format::Stix,
        &crate::validators::varied(),
        &full_meta(),
    ));
    let patterns: Vec<&str> = objects
        .iter()
        .map(|o| o["pattern"].as_str().unwrap())
        .collect();
    for expected in [
        "[ipv6-addr:value = '2001:db8:abcd::/48']",
        "[ipv4-addr:value = '198.51.100.0/24']",
        "[domain-name:value = 'xn--r8jz45g.xn--zckzah']",
        "[email-addr:value = 'phish@evil.example']",
        "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
        "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
        "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
    ] {
        assert!(patterns.contains(&expected), "{expected} in {patterns:#?}");
    }
    assert!(
        !patterns
            .iter()
            .any(|p| p.contains("CVE-") || p.contains("futsu"))
    );
    // One indicator per value, with every record that carries it and the strictest TLP.
    let evil: Vec<_> = objects
        .iter()
        .filter(|o| o["pattern"] == "[domain-name:value = 'evil.example']")
        .collect();
    assert_eq!(evil.len(), 1);
    assert_eq!(evil[0]["external_references"].as_array().unwrap().len(), 2);
    assert_eq!(
        evil[0]["object_marking_refs"][0],
        renkei_model::stix::markings::tlp_marking_id(Tlp::Amber)
    );
    assert_eq!(evil[0]["name"], NASTY_LABEL);
}

#[test]
fn stix_revokes_removed_values_under_the_same_id() {
    let objects = stix_objects(&render(Format::Stix, &with_removal(), &incremental_meta()));
    let revoked: Vec<_> = objects.iter().filter(|o| o["revoked"] == true).collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0]["id"], indicator_id(T::Ipv6, "2001:db8::1"));
    assert_eq!(revoked[0]["created"], "2026-01-01T00:00:00.000Z");
    assert_eq!(revoked[0]["modified"], "2026-01-02T00:00:00.000Z");

    // Still carried by another record: not revoked.
    let mut entries = with_removal();
    let mut other = entry(T::Ipv6, "2001:db8::1");
    other.record = record(8);
    entries.push(other);
    let objects = stix_objects(&render(Format::Stix, &sorted(entries), &incremental_meta()));
    assert!(objects.iter().all(|o| o.get("revoked").is_none()));
}

#[test]
fn stix_drops_a_valid_until_not_after_valid_from() {
    let mut e = entry(T::Domain, "evil.example");
    e.valid_until = Some(e.first_seen + 999);
    let objects = stix_objects(&render(Format::Stix, &[e], &full_meta()));
    assert!(objects[0].get("valid_until").is_none());
}

#[test]
fn empty_stix_bundle_has_no_objects() {
    let text = render(Format::Stix, &[], &full_meta());
    assert!(stix_objects(&text).is_empty());
    assert!(!text.contains("objects"));
    // The bundle id follows the content.
    assert_ne!(text, render(Format::Stix, &[], &incremental_meta()));
    assert_eq!(text, render(Format::Stix, &[], &full_meta()));
}

// --- metadata ------------------------------------------------------------------------------

#[test]
fn bad_metadata_is_refused_and_leaves_the_output_alone() {
    let entries = small();
    let cases = [
        (
            Format::Rpz,
            FeedMeta {
                zone: "not a zone".into(),
                ..full_meta()
            },
            "invalid_zone",
        ),
        (
            Format::Suricata,
            FeedMeta {
                sid_base: u32::MAX - 10,
                ..full_meta()
            },
            "invalid_sid_base",
        ),
        (
            Format::Suricata,
            FeedMeta {
                sid_base: 0,
                ..full_meta()
            },
            "invalid_sid_base",
        ),
        (
            Format::Plain,
            FeedMeta {
                since: Some(JAN_1 + 2 * DAY),
                ..full_meta()
            },
            "since_after_generation",
        ),
    ];
    for (format, meta, code) in cases {
        let mut out = b"kept".to_vec();
        let err = renkei_feeds::render(format, &entries, &meta, &mut out).unwrap_err();
        assert_eq!(err.code(), code);
        assert_eq!(out, b"kept");
    }
    // The last sid base that fits.
    let meta = FeedMeta {
        sid_base: u32::MAX - (SID_SPAN - 1),
        ..full_meta()
    };
    assert!(renkei_feeds::render(Format::Suricata, &entries, &meta, &mut Vec::new()).is_ok());
}
