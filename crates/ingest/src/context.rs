//! Building the [`Context`] handling is derived in: the submitter's clearance and
//! organisation defaults, and the marking definitions it may reference.

use std::collections::{BTreeSet, HashMap, HashSet};

use renkei_model::stix::renkei_handling::from_marking_definition;
use renkei_policy::{Identity, Path, Principal, ReadScope};
use renkei_store::{RecordQuery, Store, StoreResult};

use crate::handling::Context;

/// The context of a submission by `submitter`, before the submission's own markings are added.
pub async fn context_for(store: &dyn Store, submitter: &Identity) -> StoreResult<Context> {
    Ok(Context {
        clearance: submitter.clearance,
        org_default: store.org_default_handling(submitter.org).await?,
        markings: HashMap::new(),
        redefined: HashSet::new(),
    })
}

/// Adds the stored marking definitions among `ids` that the submitter may see. Those it may
/// not see stay unknown: referencing a marking one cannot read is refused, and tells nothing
/// about whether it exists.
pub async fn look_up_markings(
    store: &dyn Store,
    submitter: &Identity,
    ids: &BTreeSet<String>,
    ctx: &mut Context,
) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let scope = ReadScope::of(&Principal::User(submitter.clone()), Path::Raw);
    let query = RecordQuery {
        ids: ids.iter().cloned().collect(),
        types: vec!["marking-definition".into()],
        limit: ids.len(),
        with_body: true,
        ..RecordQuery::default()
    };
    for row in store.query_records(&scope, &query).await? {
        let extension = row
            .body
            .as_deref()
            .and_then(|b| from_marking_definition(b).ok())
            .flatten();
        ctx.markings.insert(row.stix_id, extension);
    }
    Ok(())
}
