//! The OpenAPI 3.1 document of the REST API, served at `/api/v1/openapi.json`. It is written by
//! hand, one part per API module (`api/openapi/*.json`), and merged here; a test checks that
//! every route is documented and every documented operation is routed.

use std::sync::OnceLock;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::Value;

use crate::state::AppState;

pub const PATHS: &[(&str, &str)] = &[("get", "/openapi.json")];

/// The parts: the base document first, then one per module.
const PARTS: &[(&str, &str)] = &[
    ("base", include_str!("openapi/base.json")),
    ("records", include_str!("openapi/records.json")),
    ("membership", include_str!("openapi/membership.json")),
    ("users", include_str!("openapi/users.json")),
    ("misp", include_str!("openapi/misp.json")),
    ("lookup", include_str!("openapi/lookup.json")),
    ("reciprocity", include_str!("openapi/reciprocity.json")),
    ("products", include_str!("openapi/products.json")),
    ("notifications", include_str!("openapi/notifications.json")),
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/openapi.json", get(serve))
}

async fn serve() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document().to_string(),
    )
}

/// The merged document: `paths` and `components.schemas` of every part in one.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        // The parts are compiled in; a test parses each of them.
        let mut parts = PARTS.iter().map(|(name, text)| {
            serde_json::from_str::<Value>(text).unwrap_or_else(|e| {
                tracing::error!(part = name, error = %e, "OpenAPI part is not JSON");
                Value::Null
            })
        });
        let mut doc = parts.next().unwrap_or_default();
        for part in parts {
            for section in ["paths", "components/schemas"] {
                let Some(Value::Object(from)) = part.pointer(&format!("/{section}")).cloned()
                else {
                    continue;
                };
                if let Some(Value::Object(into)) = doc.pointer_mut(&format!("/{section}")) {
                    for (k, v) in from {
                        match (into.get_mut(&k), v) {
                            (Some(Value::Object(have)), Value::Object(more)) => have.extend(more),
                            (_, v) => {
                                into.insert(k, v);
                            }
                        }
                    }
                }
            }
        }
        doc
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_is_json_with_paths() {
        for (name, text) in PARTS {
            let v: Value = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("api/openapi/{name}.json: {e}"));
            assert!(v["paths"].is_object(), "{name} has paths");
        }
    }
}
