//! `plain`: one value per line, nothing else, for tools that read a blocklist raw.
//!
//! Only values still carried are listed: an incremental plain feed lists the additions since
//! `since` and says nothing of removals (use `csv` or `stix` to learn those, or refetch the
//! full feed). Values are as normalised: domains and URL hosts in IDNA ASCII form, URLs in
//! WHATWG serialisation, IPs and networks canonical, hashes lower-case hex.

use crate::entry::FeedEntry;
use crate::select::carried_values;
use crate::text::{fits_on_a_line, push};

/// Writes the feed.
pub(crate) fn render(entries: &[FeedEntry], out: &mut Vec<u8>) {
    for value in carried_values(entries) {
        if fits_on_a_line(&value.entry.value) {
            push(out, &value.entry.value);
            out.push(b'\n');
        }
    }
}
