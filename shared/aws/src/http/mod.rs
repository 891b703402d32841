//! The HTTP edge shared by the API functions: JSON errors, bearer auth, request size limits, and the
//! order's public JSON shape.

pub mod order_view;

use lambda_http::http::{HeaderMap, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// API Gateway's payload limit is larger; no order payload we accept comes close.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// An error the caller can act on: `{"error":{"code":..,"message":..}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// Our fault, not the caller's. The detail goes to the log, not to the caller.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "something went wrong on our side; retry later",
        )
    }

    pub fn into_response(self) -> Response<Body> {
        json(
            self.status,
            &serde_json::json!({"error": {"code": self.code, "message": self.message}}),
        )
    }
}

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    let body = serde_json::to_string(value).unwrap_or_else(|_| "{}".into());
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(body))
        .unwrap_or_default()
}

pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The raw body bytes, exactly as sent (signatures are computed over them), within the size limit.
pub fn raw_body(request: &Request) -> Result<&[u8], ApiError> {
    let bytes: &[u8] = request.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
        ));
    }
    Ok(bytes)
}

/// Requires a JSON content type when one is declared (webhook senders always declare it).
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    match header(headers, "content-type") {
        Some(ct)
            if !ct
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json") =>
        {
            Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send application/json",
            ))
        }
        _ => Ok(()),
    }
}

/// A shared secret a caller presents (the admin bearer token, Shippo's callback token), compared
/// in constant time, as digests so that the length leaks nothing either.
#[derive(Clone)]
pub struct SecretToken([u8; 32]);

impl SecretToken {
    pub fn new(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    pub fn matches(&self, presented: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let difference = digest
            .iter()
            .zip(self.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        difference == 0
    }

    /// `Authorization: Bearer <token>`.
    pub fn check_bearer(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let presented = header(headers, "authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <token>"))?;
        if self.matches(presented.trim()) {
            Ok(())
        } else {
            Err(ApiError::unauthorized("the bearer token is not valid"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::HeaderValue;

    #[test]
    fn bearer_tokens_are_checked() {
        let token = SecretToken::new("s3cret-token");
        let mut headers = HeaderMap::new();
        assert!(token.check_bearer(&headers).is_err());
        headers.insert("authorization", HeaderValue::from_static("Bearer wrong"));
        assert!(token.check_bearer(&headers).is_err());
        headers.insert(
            "authorization",
            HeaderValue::from_static("Basic s3cret-token"),
        );
        assert!(token.check_bearer(&headers).is_err());
        headers.insert(
            "authorization",
            HeaderValue::from_static("Bearer s3cret-token"),
        );
        assert!(token.check_bearer(&headers).is_ok());
    }

    #[test]
    fn errors_have_the_contract_shape() {
        let response = ApiError::unauthorized("nope").into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: serde_json::Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        assert_eq!(body["error"]["message"], "nope");
    }
}
