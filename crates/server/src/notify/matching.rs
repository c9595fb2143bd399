//! Which new records one recipient hears about: pure, decided for that recipient alone.
//!
//! A record reaches a subscriber when `renkei_policy::decide` allows it to them on the raw
//! path *and* one of their subscriptions matches it. A sector criterion matches only when the
//! reader may learn the provider's sector (attribution not hidden to them): otherwise the
//! match itself would tell them where the record came from. Records of the reader's own
//! organisation are left out: they have them already.

use std::collections::BTreeSet;

use renkei_model::handling::Attribution;
use renkei_policy::{Decision, Identity, Path, Principal, RecordMeta, View, decide};
use renkei_store::{AddedRecord, Subscription};

/// A new record with the observable keys it carries (as ingest normalises them).
#[derive(Debug)]
pub struct Candidate {
    pub added: AddedRecord,
    pub keys: BTreeSet<i64>,
    /// (kind, value) of each observable, to tell a key collision from a match.
    pub values: BTreeSet<(String, String)>,
}

/// A record one recipient may be told of.
#[derive(Debug)]
pub struct Selected<'a> {
    pub candidate: &'a Candidate,
    pub view: View,
    /// Names of the recipient's subscriptions that matched it.
    pub subscriptions: Vec<&'a str>,
    /// Whether a matching subscription asked for in-app / e-mail delivery.
    pub in_app: bool,
    pub email: bool,
}

/// The records of `batch` that `me` may see and that one of `subscriptions` (theirs) matches.
pub fn select<'a>(
    me: &Identity,
    subscriptions: &[&'a Subscription],
    batch: &'a [Candidate],
) -> Vec<Selected<'a>> {
    let principal = Principal::User(me.clone());
    let mut out = Vec::new();
    for c in batch {
        let r = &c.added.record;
        if r.provider == me.org {
            continue;
        }
        let meta = RecordMeta {
            provider: r.provider,
            provider_kind: r.provider_kind,
            provider_sector: r.provider_sector.as_ref(),
            handling: &r.handling,
        };
        let Decision::Allow(view) = decide(&principal, &meta, Path::Raw) else {
            continue;
        };
        let matched: Vec<&&Subscription> = subscriptions
            .iter()
            .filter(|s| s.user == me.user && matches(s, c, view))
            .collect();
        if matched.is_empty() {
            continue;
        }
        out.push(Selected {
            candidate: c,
            view,
            subscriptions: matched.iter().map(|s| s.name.as_str()).collect(),
            in_app: matched.iter().any(|s| s.channels.in_app),
            email: matched.iter().any(|s| s.channels.email),
        });
    }
    out
}

/// Every kind of criterion the subscription gives is met.
fn matches(s: &Subscription, c: &Candidate, view: View) -> bool {
    let r = &c.added.record;
    let criteria = &s.criteria;
    let sector_ok = criteria.sectors.is_empty()
        || (view.attribution != Attribution::Hidden
            && r.provider_sector
                .as_ref()
                .is_some_and(|sector| criteria.sectors.contains(sector)));
    let type_ok = criteria.types.is_empty() || criteria.types.contains(&r.stix_type);
    // `s.watched` counts every value it watches; `criteria.values` holds those among the
    // batch's keys (see `Store::matching_subscriptions`).
    let values_ok = s.watched == 0
        || criteria.values.iter().any(|v| {
            c.keys.contains(&v.key) && c.values.contains(&(v.kind.clone(), v.value.clone()))
        });
    sector_ok && type_ok && values_ok
}

#[cfg(test)]
mod tests;
