use crate::fixtures::*;
use renkei_feeds::{DatasetKind, Format};
#[test]
fn print_all() {
    let mut inc = small();
    inc[1].change = renkei_feeds::Change::Removed;
    for f in [
        Format::Plain,
        Format::Csv,
        Format::Suricata,
        Format::Rpz,
        Format::Stix,
        Format::Samples,
        Format::SuricataDataset(DatasetKind::Domains),
        Format::SuricataDataset(DatasetKind::Ips),
        Format::SuricataDataset(DatasetKind::Md5),
        Format::SuricataDataset(DatasetKind::Sha256),
    ] {
        println!("==== {f}\n{}", render(f, &small(), &full_meta()));
        println!("==== inc {f}\n{}", render(f, &inc, &incremental_meta()));
        println!("==== empty {f}\n{}", render(f, &[], &full_meta()));
    }
}
