//! Rewriting an allowed record for its reader according to the provider's attribution wish:
//! the reader sees the provider, "a member in sector X", or nobody.

use std::borrow::Cow;

use renkei_model::handling::{Attribution, Sector};
use uuid::Uuid;

use crate::decide::View;

/// Namespace of the identities Renkei writes in place of a provider it may not name.
const ATTRIBUTION_NAMESPACE: Uuid = Uuid::from_u128(0x5f1e_7c2a_9b3d_4e8f_a1c6_2d4b_8e9f_0a17);

/// The STIX identity id standing for "a member in sector X".
pub fn sector_identity_id(sector: Option<&Sector>) -> String {
    let name = format!("renkei:sector:{}", sector.map_or("unknown", |s| s.as_str()));
    format!(
        "identity--{}",
        Uuid::new_v5(&ATTRIBUTION_NAMESPACE, name.as_bytes())
    )
}

/// The object as this reader may see it.
pub fn apply<'a>(json: &'a str, view: View, provider_sector: Option<&Sector>) -> Cow<'a, str> {
    if view.attribution == Attribution::Named || !json.contains("\"created_by_ref\"") {
        return Cow::Borrowed(json);
    }
    let Ok(serde_json::Value::Object(mut obj)) = serde_json::from_str::<serde_json::Value>(json)
    else {
        // Stored objects are valid JSON objects; if one were not, show nothing of its author.
        return Cow::Borrowed("{}");
    };
    match view.attribution {
        Attribution::Hidden => {
            obj.remove("created_by_ref");
        }
        _ => {
            obj.insert(
                "created_by_ref".into(),
                sector_identity_id(provider_sector).into(),
            );
        }
    }
    Cow::Owned(serde_json::Value::Object(obj).to_string())
}
