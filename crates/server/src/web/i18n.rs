//! Message catalogues: Japanese (the default) and English, embedded at compile time. A key
//! missing from either catalogue, or used by a page and missing from both, fails the tests
//! below; at run time a missing key shows as the key itself rather than failing the page.
//! TLP labels are never in the catalogues: they are shown as `TLP:AMBER` in every language.

use std::collections::HashMap;
use std::sync::LazyLock;

/// The UI language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

const JA: &str = include_str!("i18n/ja.json");
const EN: &str = include_str!("i18n/en.json");

fn load(text: &'static str) -> HashMap<String, String> {
    serde_json::from_str(text).unwrap_or_default()
}

static CATALOGUES: LazyLock<[HashMap<String, String>; 2]> = LazyLock::new(|| [load(JA), load(EN)]);

/// The message `key` in `lang`.
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    let catalogue = match lang {
        Lang::Ja => &CATALOGUES[0],
        Lang::En => &CATALOGUES[1],
    };
    catalogue.get(key).map_or(key, String::as_str)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]

    use std::collections::BTreeSet;

    use super::*;

    fn keys(text: &str) -> BTreeSet<String> {
        let map: HashMap<String, String> = serde_json::from_str(text).expect("valid catalogue");
        assert!(map.values().all(|v| !v.trim().is_empty()), "empty message");
        map.into_keys().collect()
    }

    /// Every `t("…")` in the web module's sources.
    fn used() -> BTreeSet<String> {
        let sources = [
            include_str!("layout.rs"),
            include_str!("members.rs"),
            include_str!("portal.rs"),
            include_str!("records.rs"),
            include_str!("render.rs"),
            include_str!("secretariat.rs"),
            include_str!("session.rs"),
        ];
        let mut out = BTreeSet::new();
        for s in sources {
            for pattern in [".t(\"", "t(self.lang, \""] {
                for part in s.split(pattern).skip(1) {
                    if let Some((key, _)) = part.split_once('"') {
                        out.insert(key.to_owned());
                    }
                }
            }
        }
        out
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let ja = keys(JA);
        let en = keys(EN);
        let only_ja: Vec<_> = ja.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&ja).collect();
        assert!(only_ja.is_empty(), "missing in en.json: {only_ja:?}");
        assert!(only_en.is_empty(), "missing in ja.json: {only_en:?}");
    }

    #[test]
    fn every_key_the_pages_use_is_translated() {
        let ja = keys(JA);
        let used = used();
        assert!(used.len() > 20, "the scan found the keys");
        let unknown: Vec<_> = used.difference(&ja).collect();
        assert!(unknown.is_empty(), "unknown keys: {unknown:?}");
    }

    #[test]
    fn no_catalogue_translates_tlp_labels() {
        for text in [JA, EN] {
            assert!(!text.contains("TLP:"), "TLP labels are never translated");
        }
    }
}
