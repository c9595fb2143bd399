//! TAXII 2.1 at `/taxii2/` (OASIS Standard, June 2021).
//!
//! One API root, `/taxii2/api/`, with two collections: `records` (what the caller may read
//! of the partnership's records; what the caller submits, as its organisation's records) and
//! `public` (readable without credentials). Every response carries the TAXII media type; every
//! error, including routing errors, is a TAXII error message resource.

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use renkei_policy::{Path, Principal};
use uuid::Uuid;

use crate::error::{ApiError, error_body};
use crate::state::AppState;

pub mod cursor;
pub mod media;
mod objects;
pub mod params;
mod resources;

pub use media::TAXII_MEDIA_TYPE;

/// Path of the single API root.
pub const API_ROOT: &str = "/taxii2/api/";

/// A collection: a view of the records through one read path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collection {
    pub id: Uuid,
    pub title: &'static str,
    pub description: &'static str,
    pub path: Path,
}

pub const RECORDS: Collection = Collection {
    id: Uuid::from_u128(0xa7d0_c7d2_3a4b_4c5e_9f10_6b2e_8d1c_4f01),
    title: "records",
    description: "Records of the partnership you may read; what you POST is stored as your organisation's records.",
    path: Path::Raw,
};

pub const PUBLIC: Collection = Collection {
    id: Uuid::from_u128(0x3e5f_2b1a_8c7d_4e6f_a1b2_c3d4_e5f6_0718),
    title: "public",
    description: "Published alerts and records cleared for the public (TLP:CLEAR). No credentials needed.",
    path: Path::Public,
};

pub const COLLECTIONS: [Collection; 2] = [RECORDS, PUBLIC];

impl Collection {
    /// Looks a collection up by its id in a URL. Unknown ids are 404 for everyone.
    pub fn find(id: &str) -> Result<Collection, ApiError> {
        COLLECTIONS
            .iter()
            .find(|c| c.id.to_string() == id)
            .copied()
            .ok_or_else(|| ApiError::not_found("Collection not found"))
    }

    pub fn can_read(&self, p: &Principal) -> bool {
        match self.path {
            Path::Public => true,
            _ => matches!(p, Principal::User(_)),
        }
    }

    pub fn can_write(&self, p: &Principal) -> bool {
        match (self.path, p) {
            (Path::Raw, Principal::User(me)) => me.can_write(),
            _ => false,
        }
    }

    /// Whether the principal may see that the collection exists.
    pub fn is_listed_for(&self, p: &Principal) -> bool {
        self.can_read(p) || self.can_write(p)
    }

    /// 401 for anonymous callers of a collection that needs credentials, 403 otherwise.
    pub fn require_read(&self, p: &Principal) -> Result<(), ApiError> {
        if self.can_read(p) {
            Ok(())
        } else if matches!(p, Principal::Anonymous) {
            Err(ApiError::unauthorized())
        } else {
            Err(ApiError::forbidden(
                "cannot_read",
                "You may not read this collection",
            ))
        }
    }

    pub fn require_write(&self, p: &Principal) -> Result<(), ApiError> {
        if self.can_write(p) {
            Ok(())
        } else if matches!(p, Principal::Anonymous) && self.path == Path::Raw {
            Err(ApiError::unauthorized())
        } else {
            Err(ApiError::forbidden("cannot_write", "You may not add objects to this collection")
                .with_description("The public collection is read-only; a reader role or a read-only token cannot submit."))
        }
    }
}

/// The TAXII routes, nested under `/taxii2` (paths without trailing slashes; see
/// [`crate::normalise_path`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(resources::discovery))
        .route("/api", get(resources::api_root))
        .route("/api/status/{status_id}", get(resources::status))
        .route("/api/collections", get(resources::collections))
        .route("/api/collections/{collection}", get(resources::collection))
        .route(
            "/api/collections/{collection}/manifest",
            get(objects::manifest),
        )
        .route(
            "/api/collections/{collection}/objects",
            get(objects::get_objects).post(objects::add_objects),
        )
        .route(
            "/api/collections/{collection}/objects/{object_id}",
            get(objects::get_object).delete(objects::delete_object),
        )
        .route(
            "/api/collections/{collection}/objects/{object_id}/versions",
            get(objects::versions),
        )
        .fallback(|| async { ApiError::not_found("No such TAXII endpoint") })
        .layer(middleware::from_fn(taxii_envelope))
}

/// Every TAXII request: 406 unless the client accepts TAXII 2.1; every TAXII response: the
/// TAXII media type, and errors in the TAXII error format.
async fn taxii_envelope(req: Request, next: Next) -> Response {
    let is_manifest = req
        .uri()
        .path()
        .trim_end_matches('/')
        .ends_with("/manifest");
    if !media::accepts_taxii(req.headers(), is_manifest) {
        return to_taxii(
            ApiError::new(
                StatusCode::NOT_ACCEPTABLE,
                "not_acceptable",
                "Not acceptable",
            )
            .with_description(format!(
                "This endpoint serves `{TAXII_MEDIA_TYPE}`; send it in the Accept header."
            ))
            .into_response(),
        );
    }
    to_taxii(crate::catch_panics(req, next).await)
}

fn to_taxii(mut res: Response) -> Response {
    let status = res.status();
    if status.is_client_error() || status.is_server_error() {
        let body = match res.extensions().get::<ApiError>() {
            Some(e) => error_body(status, e.code, &e.title, e.description.as_deref()),
            None => error_body(
                status,
                generic_code(status),
                status.canonical_reason().unwrap_or("Error"),
                None,
            ),
        };
        *res.body_mut() = Body::from(body);
        res.headers_mut().remove(header::CONTENT_LENGTH);
    }
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(TAXII_MEDIA_TYPE),
    );
    res
}

fn generic_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => "internal_error",
        _ => "bad_request",
    }
}
