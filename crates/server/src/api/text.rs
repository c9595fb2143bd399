//! Free text over REST (`docs/observables.md`): `POST /text` with `{"text": "…", "handling":
//! {…}?}`. The indicators in the text (Japanese or English, defanged or not) become STIX
//! records with the given handling (else the organisation's defaults), the text itself a note
//! that refers to them; the original bytes are kept and values on the exclusion lists are left
//! out with a warning.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use renkei_ingest::misp::Conversion;
use renkei_ingest::text::{TextError, convert_text};
use renkei_ingest::{Arrival, Container};
use renkei_model::handling::Handling;
use renkei_model::ids::SubmissionId;
use renkei_model::stix::Timestamp;
use serde::Deserialize;

use super::common::invalid;
use super::records::{json_bytes, store_submission, within_clearance, writer};
use crate::error::ApiError;
use crate::state::AppState;

pub const PATHS: &[(&str, &str)] = &[("post", "/text")];

pub fn routes() -> Router<AppState> {
    Router::new().route("/text", post(submit_text))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TextSubmission {
    text: String,
    handling: Option<Handling>,
}

async fn submit_text(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let me = writer(&state, &headers).await?;
    let bytes = json_bytes(&state, &headers, body).await?;
    let submission: TextSubmission = serde_json::from_slice(&bytes).map_err(|e| {
        invalid(
            "invalid_submission",
            "Invalid submission",
            format!("{e}: send {{\"text\": \"…\", \"handling\": {{…}}}}"),
        )
    })?;
    within_clearance(&me, submission.handling.as_ref())?;
    let received_at = state.clock.now_micros();
    let conversion = convert(submission.text, received_at).await?;
    let arrival = Arrival {
        id: SubmissionId::from_uuid(state.entropy.uuid_v4()),
        channel: "rest",
        media_type: "application/json",
        bytes,
        received_at,
    };
    store_submission(
        &state,
        &me,
        &arrival,
        converted(&conversion)?,
        submission.handling,
        conversion.warnings,
    )
    .await
}

/// The STIX objects for `text` received at `received_at` (µs), as `POST /text` makes them:
/// 413 when it is too large to scan, 400 when it holds no indicator. Shared by the REST API
/// and the web UI.
pub(crate) async fn convert(text: String, received_at: i64) -> Result<Conversion, ApiError> {
    tokio::task::spawn_blocking(move || {
        convert_text(&text, Timestamp::from_unix_micros(received_at))
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(|e| match e {
        TextError::Extract(_) => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, e.code(), "Text too large")
                .with_description(e.to_string())
        }
        TextError::Nothing => invalid(e.code(), "No indicators to store", e.to_string()),
    })
}

/// The converted objects as the container a submission stores.
pub(crate) fn converted(conversion: &Conversion) -> Result<Container, ApiError> {
    let envelope = serde_json::to_vec(&serde_json::json!({ "objects": conversion.objects }))
        .map_err(|_| ApiError::internal())?;
    Ok(Container::Converted(envelope.into()))
}
