//! Signature ids: derived from the value, so a rule keeps its sid from one pull to the next
//! (suppressions and thresholds that name a sid keep working), and unique within the file.
//!
//! A rule's sid is `sid_base + h(value_key, slot) mod SID_SPAN`, where `slot` tells apart the
//! rules of one value (a domain has three). Two rules that land on one sid are resolved in
//! file order by taking the next free sid: the rule later in the sorted feed moves. With a
//! span of 10⁹ and a few million rules that happens to a few thousand rules at most, and a
//! moved rule keeps its sid for as long as the rules before it stay.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use crate::SID_SPAN;
use crate::error::FeedError;

/// The sids handed out in one file.
#[derive(Debug)]
pub(crate) struct Sids {
    base: u32,
    used: HashSet<u32, BuildHasherDefault<SidHasher>>,
}

impl Sids {
    /// An empty allocator for a file of about `rules` rules; `base` was checked by
    /// [`FeedMeta::check`](crate::FeedMeta::check).
    pub(crate) fn new(base: u32, rules: usize) -> Self {
        let mut used = HashSet::default();
        used.reserve(rules);
        Sids { base, used }
    }

    /// The sid of rule `slot` of the value with `value_key`.
    pub(crate) fn assign(&mut self, value_key: i64, slot: u32) -> Result<u32, FeedError> {
        if self.used.len() >= SID_SPAN as usize {
            return Err(FeedError::SidRangeExhausted);
        }
        let mut offset = (mix(value_key, slot) % u64::from(SID_SPAN)) as u32;
        while !self.used.insert(offset) {
            offset = (offset + 1) % SID_SPAN;
        }
        Ok(self.base + offset)
    }
}

/// SplitMix64's finaliser over the value key and the slot: the value key is already a hash
/// (the first bytes of a SHA-256), mixing spreads the slots of one value apart.
fn mix(value_key: i64, slot: u32) -> u64 {
    let mut z = (value_key as u64) ^ u64::from(slot).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The offsets are already well spread: a multiplicative hash is enough, and several times
/// faster than SipHash for a set of millions.
#[derive(Debug, Default)]
pub(crate) struct SidHasher(u64);

impl Hasher for SidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_SID_BASE;

    #[test]
    fn sids_are_stable_and_in_range() {
        let mut a = Sids::new(DEFAULT_SID_BASE, 4);
        let mut b = Sids::new(DEFAULT_SID_BASE, 4);
        let x = a.assign(42, 0).unwrap();
        assert_eq!(b.assign(42, 0).unwrap(), x);
        assert_ne!(a.assign(42, 1).unwrap(), x);
        assert!((DEFAULT_SID_BASE..DEFAULT_SID_BASE + SID_SPAN).contains(&x));
    }

    #[test]
    fn collisions_take_the_next_free_sid() {
        let mut sids = Sids::new(DEFAULT_SID_BASE, 3);
        let first = sids.assign(7, 0).unwrap();
        let second = sids.assign(7, 0).unwrap();
        let third = sids.assign(7, 0).unwrap();
        let next = |s: u32| DEFAULT_SID_BASE + (s - DEFAULT_SID_BASE + 1) % SID_SPAN;
        assert_eq!(second, next(first));
        assert_eq!(third, next(second));
    }
}
