//! Observables: what members submit, normalised so that correlation and lookups can index it
//! by (type, value) (issue 4, design §5; `docs/observables.md`).
//!
//! Owns the canonical form of each kind of observable (IP addresses and networks, domains,
//! URLs, e-mail addresses, file hashes, CVE ids, Japanese bank accounts, cryptocurrency
//! addresses), refanging and Japanese text folding, extraction of indicators from free text
//! in English and Japanese, and the exclusion lists that keep correlation from exploding on
//! private ranges and popular domains.
//!
//! Must not do I/O, read the clock, or be async: everything here is a pure function of its
//! input and of data compiled into the crate (the TLD list, the shipped exclusion lists).
//! Untrusted text is bounded ([`MAX_INPUT`], [`MAX_VALUE_LEN`]) and scanned in linear time.
//!
//! ```
//! use renkei_observables::{ObservableType, extract, normalise};
//!
//! let o = normalise(ObservableType::Url, "hxxp://EXAMPLE[.]com:80/a/../b").unwrap();
//! assert_eq!(o.value(), "http://example.com/b");
//!
//! let found = extract("不審なURL hxxps://phish[.]example[.]jp/login を確認").unwrap();
//! assert_eq!(found[0].value(), "https://phish.example.jp/login");
//! ```

#![warn(missing_docs)]

mod error;
mod exclusions;
mod extract;
mod kind;
mod normalise;
mod observable;
mod prepare;
mod tld;

pub use error::{ExclusionListError, ExtractError, NormaliseError, UnknownType};
pub use exclusions::{Category, DEFAULT_DOMAINS, DEFAULT_RANGES, Exclusions, Reason};
pub use extract::{Extracted, Extractor, MAX_INPUT, extract};
pub use kind::{Chain, ObservableType};
pub use normalise::{MAX_VALUE_LEN, normalise};
pub use observable::Observable;
pub use prepare::PreparedText;
pub use tld::{TLD_LIST, is_file_extension_tld, is_known_tld};

/// Folds (NFKC per character) and refangs `text`, keeping the way back to its byte offsets:
/// what [`extract`] scans. At most [`MAX_INPUT`] bytes.
pub fn prepare(text: &str) -> Result<PreparedText<'_>, ExtractError> {
    if text.len() > MAX_INPUT {
        return Err(ExtractError::TooLarge {
            len: text.len(),
            max: MAX_INPUT,
        });
    }
    PreparedText::new(text).map_err(|o| ExtractError::ExpandsTooMuch { max: o.max })
}
