//! HQ's HTTP face (axum). Stateless: everything lives in the database, so several instances
//! can run behind a load balancer. Every refusal is a status plus an [`ErrorBody`].

use super::{HqDb, HqError, LaneAuth};
use crate::sync::protocol::{ErrorBody, MAX_PULL_CHANGES, PushBatch, redact_long_digit_runs};
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header::AUTHORIZATION};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde::Deserialize;
use std::future::Future;

/// Largest request body accepted (a full batch of small events fits many times over).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

fn status_of(error: &HqError) -> StatusCode {
    match error {
        HqError::Malformed(_) | HqError::BadUrl(_) => StatusCode::BAD_REQUEST,
        HqError::Unauthorized | HqError::Revoked(_) | HqError::NoSuchLane(_) => {
            StatusCode::UNAUTHORIZED
        }
        HqError::ForeignEvent(_) => StatusCode::FORBIDDEN,
        HqError::Conflict(_) | HqError::LaneExists(_) => StatusCode::CONFLICT,
        HqError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        HqError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        HqError::Event { error, .. } => status_of(error),
    }
}

impl IntoResponse for HqError {
    fn into_response(self) -> Response {
        let status = status_of(&self);
        let body = ErrorBody {
            code: self.code(),
            message: self.to_string(),
            event_id: self.event_id(),
        };
        if status.is_server_error() {
            tracing::error!(error = %body.message, "HQ request failed");
        } else {
            tracing::warn!(error = %body.message, "HQ refused a request");
        }
        (status, Json(body)).into_response()
    }
}

/// The HQ routes over `db`.
pub fn router(db: HqDb) -> Router {
    Router::new()
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull))
        .route("/v1/health", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(db)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    db: HqDb,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(db))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn authenticate(db: &HqDb, headers: &HeaderMap) -> Result<LaneAuth, HqError> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(HqError::Unauthorized)?;
    db.authenticate(token.trim()).await
}

async fn push(State(db): State<HqDb>, headers: HeaderMap, body: Bytes) -> Response {
    match push_inner(&db, &headers, &body).await {
        Ok(ack) => Json(ack).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn push_inner(
    db: &HqDb,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<crate::sync::protocol::PushAck, HqError> {
    let lane = authenticate(db, headers).await?;
    let batch: PushBatch = serde_json::from_slice(body).map_err(|e| {
        HqError::Malformed(format!(
            "not a push batch: {}",
            redact_long_digit_runs(&e.to_string())
        ))
    })?;
    batch.validate_events().map_err(|(event, e)| match event {
        Some(event_id) => HqError::Malformed(e.0).about(event_id),
        None => HqError::Malformed(e.0),
    })?;
    if batch.lane_id != lane.lane_id {
        return Err(HqError::ForeignEvent(format!(
            "batch is from lane {} but the token belongs to lane {}",
            batch.lane_id, lane.lane_id
        )));
    }
    db.apply_push(&lane.lane_id, &batch).await
}

#[derive(Debug, Deserialize)]
struct PullQuery {
    since: i64,
    limit: Option<usize>,
}

async fn pull(
    State(db): State<HqDb>,
    headers: HeaderMap,
    query: Result<Query<PullQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let result = async {
        authenticate(&db, &headers).await?;
        let Query(query) = query.map_err(|e| HqError::Malformed(e.body_text()))?;
        if query.since < 0 {
            return Err(HqError::Malformed("since must not be negative".into()));
        }
        let limit = query
            .limit
            .unwrap_or(MAX_PULL_CHANGES)
            .clamp(1, MAX_PULL_CHANGES);
        db.pull(query.since, limit).await
    }
    .await;
    match result {
        Ok(pull) => Json(pull).into_response(),
        Err(e) => e.into_response(),
    }
}
