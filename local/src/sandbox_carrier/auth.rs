//! The API's credentials check.

use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// Any Basic credentials will do; what matters is that the client sends them, as it must for EasyPost.
pub(super) async fn require_api_key(request: Request, next: Next) -> Response {
    if has_basic_credentials(request.headers()) {
        next.run(request).await
    } else {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "The request could not be authorized: send your API key with HTTP Basic auth.",
        )
        .into_response()
    }
}

fn has_basic_credentials(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().split_once(' '))
        .is_some_and(|(scheme, credentials)| {
            scheme.eq_ignore_ascii_case("basic") && !credentials.trim().is_empty()
        })
}

#[cfg(test)]
mod tests {
    use crate::sandbox_carrier::test_client::{request, shipment_body};
    use crate::sandbox_carrier::SandboxCarrier;

    #[tokio::test]
    async fn requests_without_credentials_are_unauthorized() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let body = shipment_body("12 Analytical Way", 12.0);
        let reply = request(&carrier, "POST", "/v2/shipments", None, Some(&body)).await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.json()["error"]["code"], "UNAUTHORIZED");

        let bearer = request(
            &carrier,
            "GET",
            "/v2/shipments/shp_x",
            Some("Bearer x"),
            None,
        )
        .await;
        assert_eq!(bearer.status, 401);
    }
}
