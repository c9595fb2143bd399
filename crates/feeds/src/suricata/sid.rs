//! Signature ids: derived from the value, so a rule keeps its sid from one pull to the next
//! (suppressions and thresholds that name a sid keep working), and unique within the file.
//!
//! A rule prefers the sid `sid_base + h(value_key, slot) mod SID_SPAN`, where `slot` tells
//! apart the rules of one value (a domain has three). Rules that prefer the same sid are
//! resolved deterministically: in order of (preferred sid, position in the file), each rule
//! takes the first sid at or above its preference that no rule before it took (wrapping to
//! the start of the range at its end). With a span of 10⁹ and a few million rules, a few
//! thousand rules at most move, and a moved rule keeps its sid as long as its neighbours in
//! the range stay.
//!
//! The sids of a whole file are settled in one sort rather than rule by rule in a hash set:
//! at a million values the set's cache misses cost a quarter of the rendering time.

use crate::SID_SPAN;
use crate::error::FeedError;

/// The offset in the sid range that rule `slot` of the value with `value_key` prefers.
pub(crate) fn preferred(value_key: i64, slot: u32) -> u32 {
    (mix(value_key, slot) % u64::from(SID_SPAN)) as u32
}

/// The sids of rules given, in file order, by their [`preferred`] offsets; `base` was
/// checked by [`FeedMeta::check`](crate::FeedMeta::check).
pub(crate) fn assign(base: u32, preferred: &[u32]) -> Result<Vec<u32>, FeedError> {
    if preferred.len() > SID_SPAN as usize {
        return Err(FeedError::SidRangeExhausted);
    }
    // (preferred offset, position): sorting settles ties by position in the file.
    let mut order: Vec<u64> = preferred
        .iter()
        .zip(0u64..)
        .map(|(&offset, position)| (u64::from(offset) << 32) | position)
        .collect();
    order.sort_unstable();

    let mut offsets = vec![0u32; preferred.len()];
    let mut next_free = 0u32;
    let mut given = 0;
    for &key in &order {
        let offset = ((key >> 32) as u32).max(next_free);
        if offset >= SID_SPAN {
            break;
        }
        offsets[(key & 0xffff_ffff) as usize] = offset;
        next_free = offset + 1;
        given += 1;
    }
    // Rules pushed past the end of the range take the lowest free offsets, from 0 up.
    let (placed, wrapped) = order.split_at(given);
    let mut taken = placed
        .iter()
        .map(|&k| offsets[(k & 0xffff_ffff) as usize])
        .peekable();
    let mut candidate = 0u32;
    let mut moved = Vec::with_capacity(wrapped.len());
    for &key in wrapped {
        while taken.next_if_eq(&candidate).is_some() {
            candidate += 1;
        }
        moved.push(((key & 0xffff_ffff) as usize, candidate));
        candidate += 1;
    }
    for (position, offset) in moved {
        offsets[position] = offset;
    }
    Ok(offsets.into_iter().map(|offset| base + offset).collect())
}

/// SplitMix64's finaliser over the value key and the slot: the value key is already a hash
/// (the first bytes of a SHA-256), mixing spreads the slots of one value apart.
fn mix(value_key: i64, slot: u32) -> u64 {
    let mut z = (value_key as u64) ^ u64::from(slot).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_SID_BASE;

    #[test]
    fn sids_are_stable_and_in_range() {
        let a = preferred(42, 0);
        assert_eq!(a, preferred(42, 0));
        assert_ne!(a, preferred(42, 1));
        assert!(a < SID_SPAN);
        assert_eq!(
            assign(DEFAULT_SID_BASE, &[a, 7]).unwrap(),
            [DEFAULT_SID_BASE + a, DEFAULT_SID_BASE + 7]
        );
    }

    #[test]
    fn ties_go_to_the_earlier_rule_and_the_others_move_up() {
        let sids = assign(100, &[5, 9, 5, 6, 5]).unwrap();
        // Sorted: (5,0) (5,2) (5,4) (6,3) (9,1) take 5, 6, 7, 8, 9.
        assert_eq!(sids, [105, 109, 106, 108, 107]);
    }

    #[test]
    fn rules_past_the_end_wrap_to_the_lowest_free_sids() {
        let last = SID_SPAN - 1;
        let sids = assign(1, &[last, last, 0, last, 2]).unwrap();
        assert_eq!(sids, [1 + last, 1 + 1, 1, 1 + 3, 1 + 2]);
    }
}
