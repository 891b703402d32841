//! `GET /carts?state=open|converted|abandoned&limit=`: storefront checkouts by state.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use oms::aws::cart_store::CartState;
use oms::http::{json, ApiError};

use crate::App;

pub async fn list(request: &Request, app: &App) -> Result<Response<Body>, ApiError> {
    let query = request.query_string_parameters();
    let state = query
        .first("state")
        .and_then(CartState::parse)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_state",
                "state must be open, converted or abandoned",
            )
        })?;
    let limit = crate::page_limit(request)?;
    let carts = app
        .carts
        .list(state, limit)
        .await
        .map_err(ApiError::internal)?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "carts": carts })))
}
