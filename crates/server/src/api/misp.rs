//! MISP events over REST (`docs/misp.md`): `POST /misp/events` with an event as pymisp's
//! `to_json()` or a MISP export writes it. The event is converted to STIX, its `tlp:` and
//! `PAP:` tags become the records' handling (else the organisation's defaults), the original
//! bytes are kept, and the answer lists each object's fate and every conversion warning.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use renkei_ingest::misp::convert_event;
use renkei_ingest::{Arrival, Container};
use renkei_model::ids::SubmissionId;
use renkei_model::stix::Timestamp;

use super::records::{json_bytes, store_submission, writer};
use crate::error::ApiError;
use crate::state::AppState;

pub const PATHS: &[(&str, &str)] = &[("post", "/misp/events")];

pub fn routes() -> Router<AppState> {
    Router::new().route("/misp/events", post(submit_event))
}

async fn submit_event(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let me = writer(&state, &headers).await?;
    let bytes = json_bytes(&state, &headers, body).await?;
    let received_at = state.clock.now_micros();
    let original = bytes.clone();
    let conversion = tokio::task::spawn_blocking(move || {
        convert_event(&original, Timestamp::from_unix_micros(received_at))
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            e.code(),
            "Not a MISP event we can read",
        )
        .with_description(e.to_string())
    })?;
    let envelope = serde_json::to_vec(&serde_json::json!({ "objects": conversion.objects }))
        .map_err(|_| ApiError::internal())?;
    let arrival = Arrival {
        id: SubmissionId::from_uuid(state.entropy.uuid_v4()),
        channel: "rest",
        media_type: "application/vnd.misp.event+json",
        bytes,
        received_at,
    };
    store_submission(
        &state,
        &me,
        &arrival,
        Container::Converted(envelope.into()),
        None,
        conversion.warnings,
    )
    .await
}
