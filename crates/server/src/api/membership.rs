//! (being written)

use axum::Router;

use crate::state::AppState;

pub const PATHS: &[(&str, &str)] = &[];

pub fn routes() -> Router<AppState> {
    Router::new()
}
