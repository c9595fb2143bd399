//! Indicators from free text (English and Japanese mixed): the text is prepared (NFKC per
//! character, refanged), every recogniser proposes candidates that normalise, overlaps are
//! resolved (the candidate starting first wins, then the longest), and the survivors are
//! deduplicated in order of first appearance and flagged against the exclusion lists.
//!
//! Every recogniser is a hand-written scan that looks at each byte a bounded number of
//! times, so extraction is linear in the size of the text.

mod scan;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, RandomState};
use std::ops::Range;

use serde::Serialize;

use crate::error::ExtractError;
use crate::exclusions::{Exclusions, Reason};
use crate::kind::ObservableType;
use crate::observable::Observable;
use crate::prepare::PreparedText;

/// The largest text [`extract`] scans at once, in bytes.
pub const MAX_INPUT: usize = 10 * 1024 * 1024;

/// An observable found in a text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Extracted {
    /// What was found, normalised.
    #[serde(flatten)]
    pub observable: Observable,
    /// Byte range of the first appearance in the original text (for highlighting).
    pub span: Range<usize>,
    /// Byte ranges of later appearances of the same observable.
    pub repeats: Vec<Range<usize>>,
    /// Whether it was written defanged (`hxxp`, `[.]`…) at least once.
    pub defanged: bool,
    /// Why correlation should skip it, if it should.
    pub excluded: Option<Reason>,
}

impl Extracted {
    /// What kind of observable it is.
    pub fn kind(&self) -> ObservableType {
        self.observable.kind()
    }

    /// The canonical value.
    pub fn value(&self) -> &str {
        self.observable.value()
    }

    /// The form to show people.
    pub fn display(&self) -> &str {
        self.observable.display()
    }
}

/// A candidate found by a recogniser, as a range of the prepared text.
#[derive(Debug)]
struct Candidate {
    range: Range<usize>,
    observable: Observable,
}

/// Extraction with given exclusion lists and input limit.
#[derive(Clone, Copy, Debug)]
pub struct Extractor<'e> {
    exclusions: &'e Exclusions,
    max_input: usize,
}

impl<'e> Extractor<'e> {
    /// An extractor flagging against `exclusions`, with the [`MAX_INPUT`] limit.
    pub fn new(exclusions: &'e Exclusions) -> Self {
        Extractor {
            exclusions,
            max_input: MAX_INPUT,
        }
    }

    /// Sets the largest text accepted, in bytes.
    pub fn max_input(mut self, bytes: usize) -> Self {
        self.max_input = bytes;
        self
    }

    /// The observables in `text`, deduplicated by (type, value), in order of first appearance.
    pub fn extract(&self, text: &str) -> Result<Vec<Extracted>, ExtractError> {
        if text.len() > self.max_input {
            return Err(ExtractError::TooLarge {
                len: text.len(),
                max: self.max_input,
            });
        }
        let prepared =
            PreparedText::new(text).map_err(|o| ExtractError::ExpandsTooMuch { max: o.max })?;
        let mut candidates = scan::candidates(&prepared);
        candidates.sort_by_key(|c| (c.range.start, std::cmp::Reverse(c.range.end)));

        let mut found: Vec<Extracted> = Vec::new();
        let mut seen = Seen::default();
        let mut taken_to = 0;
        for c in candidates {
            if c.range.start < taken_to {
                continue;
            }
            taken_to = c.range.end;
            let span = prepared.original_span(c.range.clone());
            let defanged = prepared.refanged_within(&c.range);
            if let Some(i) = seen.index_of(&c.observable, &found) {
                found[i].repeats.push(span);
                found[i].defanged |= defanged;
            } else {
                seen.insert(&c.observable, found.len());
                found.push(Extracted {
                    observable: c.observable,
                    span,
                    repeats: Vec::new(),
                    defanged,
                    excluded: None,
                });
            }
        }
        for e in &mut found {
            e.excluded = self.exclusions.is_excluded(&e.observable);
        }
        Ok(found)
    }
}

/// The observables already found, by (type, value), without copying each value: keyed by a
/// randomly seeded SipHash of it (so a text cannot be built to collide), checked against the
/// observable found; a genuine 64-bit collision goes to an exact map.
#[derive(Default)]
struct Seen {
    state: RandomState,
    by_hash: HashMap<u64, usize>,
    collided: HashMap<(ObservableType, String), usize>,
}

impl Seen {
    fn index_of(&self, o: &Observable, found: &[Extracted]) -> Option<usize> {
        let h = self.state.hash_one((o.kind(), o.value()));
        match self.by_hash.get(&h) {
            Some(&i) if found[i].observable.kind() == o.kind() && found[i].value() == o.value() => {
                Some(i)
            }
            Some(_) => self
                .collided
                .get(&(o.kind(), o.value().to_owned()))
                .copied(),
            None => None,
        }
    }

    fn insert(&mut self, o: &Observable, index: usize) {
        let h = self.state.hash_one((o.kind(), o.value()));
        match self.by_hash.entry(h) {
            Entry::Occupied(_) => {
                self.collided
                    .insert((o.kind(), o.value().to_owned()), index);
            }
            Entry::Vacant(v) => {
                v.insert(index);
            }
        }
    }
}

/// The observables in `text`, flagged against the shipped exclusion lists
/// ([`Exclusions::shipped`]); at most [`MAX_INPUT`] bytes.
pub fn extract(text: &str) -> Result<Vec<Extracted>, ExtractError> {
    Extractor::new(Exclusions::shipped()).extract(text)
}
