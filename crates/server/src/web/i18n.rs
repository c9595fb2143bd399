//! Message catalogues: Japanese (the default) and English, embedded at compile time, one file
//! per area of the UI in `i18n/{ja,en}/`. A key missing from either catalogue, or used by a
//! page and missing from both, fails the tests below; at run time a missing key shows as the key itself rather than failing the page.
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

/// The catalogues, one file per area of the UI in each language: `i18n/ja/<area>.json` and
/// `i18n/en/<area>.json`. A new area's files are added here (a test fails on a file that is
/// not).
macro_rules! areas {
    ($($area:literal),* $(,)?) => {
        &[$(($area, include_str!(concat!("i18n/ja/", $area, ".json")),
              include_str!(concat!("i18n/en/", $area, ".json")))),*]
    };
}

/// (area, Japanese, English).
const AREAS: &[(&str, &str, &str)] = areas![
    "common",
    "portal",
    "members",
    "records",
    "secretariat",
    "charts",
    "admin",
    "publishing",
    "sharing",
];

fn load(pick: fn(&(&str, &'static str, &'static str)) -> &'static str) -> HashMap<String, String> {
    AREAS
        .iter()
        .flat_map(|area| {
            serde_json::from_str::<HashMap<String, String>>(pick(area)).unwrap_or_default()
        })
        .collect()
}

static CATALOGUES: LazyLock<[HashMap<String, String>; 2]> =
    LazyLock::new(|| [load(|a| a.1), load(|a| a.2)]);

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
    use std::path::{Path, PathBuf};

    use super::*;

    fn keys(text: &str) -> BTreeSet<String> {
        let map: HashMap<String, String> = serde_json::from_str(text).expect("valid catalogue");
        assert!(map.values().all(|v| !v.trim().is_empty()), "empty message");
        map.into_keys().collect()
    }

    fn web_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web")
    }

    /// Every Rust source under `src/web`, read at test time so a new page is scanned too.
    fn sources(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("src/web is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).expect("source is readable"));
            }
        }
    }

    /// Every `t("…")` in the web module's sources.
    fn used() -> BTreeSet<String> {
        let mut texts = Vec::new();
        sources(&web_dir(), &mut texts);
        let mut out = BTreeSet::new();
        for s in &texts {
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
        for (area, ja, en) in AREAS {
            let ja = keys(ja);
            let en = keys(en);
            let only_ja: Vec<_> = ja.difference(&en).collect();
            let only_en: Vec<_> = en.difference(&ja).collect();
            assert!(only_ja.is_empty(), "missing in en/{area}.json: {only_ja:?}");
            assert!(only_en.is_empty(), "missing in ja/{area}.json: {only_en:?}");
        }
    }

    #[test]
    fn every_catalogue_file_is_loaded_and_no_key_is_in_two() {
        for lang in ["ja", "en"] {
            let dir = web_dir().join("i18n").join(lang);
            for entry in std::fs::read_dir(&dir).expect("catalogue folder") {
                let path = entry.expect("directory entry").path();
                let area = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .expect("file name");
                assert!(
                    AREAS.iter().any(|(a, ..)| *a == area),
                    "{} is not listed in `AREAS`",
                    path.display()
                );
            }
        }
        let mut seen = BTreeSet::new();
        for (area, ja, _) in AREAS {
            for key in keys(ja) {
                assert!(
                    seen.insert(key.clone()),
                    "`{key}` is in two areas (one is {area})"
                );
            }
        }
    }

    #[test]
    fn every_key_the_pages_use_is_translated() {
        let ja: BTreeSet<String> = CATALOGUES[0].keys().cloned().collect();
        let used = used();
        assert!(used.len() > 20, "the scan found the keys");
        let unknown: Vec<_> = used.difference(&ja).collect();
        assert!(unknown.is_empty(), "unknown keys: {unknown:?}");
    }

    #[test]
    fn no_catalogue_translates_tlp_labels() {
        for (area, ja, en) in AREAS {
            for text in [ja, en] {
                assert!(
                    !text.contains("TLP:"),
                    "{area}: TLP labels are never translated"
                );
            }
        }
    }
}
