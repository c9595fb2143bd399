//! `suricata-dataset`: the files Suricata 7 datasets load, one value per line, sorted, no
//! header (the loader would read a comment as a value). For large lists these scale better
//! than one rule per value. Rules that use them (file names as [`Format::file_name`]):
//!
//! ```text
//! alert dns $HOME_NET any -> any any (msg:"RENKEI domain"; dns.query; to_lowercase; dataset:isset,renkei-domains,type string,load renkei-domains.lst; sid:…; rev:1;)
//! alert ip $HOME_NET any -> any any (msg:"RENKEI ip"; ip.dst; dataset:isset,renkei-ips,type ip,load renkei-ips.lst; sid:…; rev:1;)
//! alert http any any -> any any (msg:"RENKEI md5"; filemd5:renkei-md5.lst; sid:…; rev:1;)
//! ```
//!
//! - `domains` (`type string`): each name base64-encoded, as Suricata requires for string
//!   sets. A dataset matches whole buffers: `evil.example` but not `www.evil.example` (the
//!   `suricata` rules feed matches subdomains).
//! - `ips` (`type ip`, IPv4 and IPv6 in one set): addresses in text form, IPv4-mapped IPv6
//!   ones as IPv4; networks other than /32 and /128 are left out, datasets hold single
//!   addresses only.
//! - `md5`, `sha256`: lower-case hex, which is also the list format of `filemd5:` and
//!   `filesha256:`.
//!
//! [`Format::file_name`]: crate::Format::file_name

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use renkei_observables::ObservableType;

use crate::entry::FeedEntry;
use crate::format::DatasetKind;
use crate::net::Network;
use crate::select::carried_values;
use crate::text::push;

/// Writes the dataset file.
pub(crate) fn render(kind: DatasetKind, entries: &[FeedEntry], out: &mut Vec<u8>) {
    let mut lines: Vec<String> = carried_values(entries)
        .filter_map(|v| line_of(kind, v.entry))
        .collect();
    lines.sort_unstable();
    lines.dedup();
    for line in &lines {
        push(out, line);
        out.push(b'\n');
    }
}

/// The dataset line of an entry, when it belongs to this dataset.
fn line_of(kind: DatasetKind, entry: &FeedEntry) -> Option<String> {
    let value = entry.value.as_str();
    match (kind, entry.kind) {
        (DatasetKind::Domains, ObservableType::Domain) if !value.is_empty() => {
            Some(STANDARD.encode(value))
        }
        (DatasetKind::Ips, kind) => Network::of(kind, value)?
            .unmapped()
            .host()
            .map(|a| a.to_string()),
        (DatasetKind::Md5, ObservableType::Md5) | (DatasetKind::Sha256, ObservableType::Sha256)
            if is_lower_hex(value) =>
        {
            Some(value.to_owned())
        }
        _ => None,
    }
}

fn is_lower_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
