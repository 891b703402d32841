//! The HTTP edge shared by the API functions: JSON errors, bearer auth, request size limits, and the
//! order's public JSON shape.

pub mod cursor;
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
    /// More fields of the error object the caller can act on (`allowed` next statuses).
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: serde_json::Map::new(),
        }
    }

    /// Adds a field to the error object.
    pub fn with(mut self, name: &str, value: serde_json::Value) -> Self {
        self.details.insert(name.to_string(), value);
        self
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
        let mut error = self.details;
        error.insert("code".into(), self.code.into());
        error.insert("message".into(), self.message.into());
        json(self.status, &serde_json::json!({ "error": error }))
    }
}

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    let body = serde_json::to_string(value).unwrap_or_else(|_| "{}".into());
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-content-type-options", "nosniff")
        .body(Body::Text(body))
        .unwrap_or_default()
}

/// A header's value when it is visible ASCII (as every header we read is specified to be);
/// anything else reads as absent, which every caller treats as unauthenticated or unset.
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A header's value as UTF-8 text, for the headers whose value is the caller's own choice
/// (`Idempotency-Key`): `Ok(None)` when absent, an error when present but not UTF-8, so that
/// such a header is never mistaken for a missing one.
pub fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    headers
        .get(name)
        .map(|v| std::str::from_utf8(v.as_bytes()))
        .transpose()
        .map_err(|_| {
            ApiError::bad_request(
                "invalid_header",
                format!("the {name} header is not UTF-8 text"),
            )
        })
}

/// Longest `Idempotency-Key` taken.
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

/// The `Idempotency-Key` header, if sent: 1-255 printable characters. Any UTF-8 key is a key:
/// one that is not visible ASCII is never taken for no key at all.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    header_text(headers, "idempotency-key")?
        .map(|k| {
            if k.is_empty()
                || k.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS
                || k.chars().any(char::is_control)
            {
                Err(ApiError::bad_request(
                    "invalid_idempotency_key",
                    format!(
                        "Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY_CHARS} printable characters"
                    ),
                ))
            } else {
                Ok(k)
            }
        })
        .transpose()
}

/// The raw body bytes, exactly as sent (signatures are computed over them), within the size limit.
pub fn raw_body(request: &Request) -> Result<&[u8], ApiError> {
    raw_body_within(request, MAX_BODY_BYTES)
}

/// The raw body within a limit of its own (a stock file is bigger than any order).
pub fn raw_body_within(request: &Request, max_bytes: usize) -> Result<&[u8], ApiError> {
    let bytes: &[u8] = request.body().as_ref();
    if bytes.len() > max_bytes {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request bodies are limited to {max_bytes} bytes"),
        ));
    }
    Ok(bytes)
}

/// Requires a JSON content type when one is declared (webhook senders always declare it).
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    require_media_type(headers, "application/json")
}

/// Requires the declared content type, when there is one, to be exactly `expected` (parameters
/// such as `; charset=utf-8` allowed): `application/jsonx` is not JSON.
pub fn require_media_type(headers: &HeaderMap, expected: &str) -> Result<(), ApiError> {
    let Some(declared) = headers.get("content-type") else {
        return Ok(());
    };
    let essence = declared
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if essence.is_some_and(|e| e.eq_ignore_ascii_case(expected)) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("send {expected}"),
        ))
    }
}

/// A refused payload: broken syntax is 400, unacceptable content 422, in the payload's words.
impl From<crate::channels::PayloadError> for ApiError {
    fn from(e: crate::channels::PayloadError) -> Self {
        let status = if e.is_syntax() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        ApiError::new(status, e.code, e.message)
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

    /// Staff: a request API Gateway's JWT authorizer let through (deployed with `JwtIssuer`; only
    /// API Gateway can set its authorizer context), or else `Authorization: Bearer <token>` (the
    /// local scheme, and the deployed one without `JwtIssuer`). Answers who it is, for the
    /// timeline: the JWT's `email` (else its `sub`), or `admin` for the shared token.
    pub fn check_staff(&self, request: &Request) -> Result<String, ApiError> {
        use lambda_http::request::RequestContext;
        use lambda_http::RequestExt;
        if let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() {
            if let Some(jwt) = context.authorizer.as_ref().and_then(|a| a.jwt.as_ref()) {
                let name = ["email", "sub"]
                    .iter()
                    .find_map(|claim| jwt.claims.get(*claim))
                    .map(|name| crate::channels::fields::clean_text(name, 100))
                    .filter(|name| !name.is_empty());
                return Ok(name.unwrap_or_else(|| "staff".into()));
            }
        }
        self.check_bearer(request.headers())?;
        Ok("admin".into())
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
    fn a_jwt_api_gateway_verified_is_staff_and_a_bare_request_is_not() {
        use aws_lambda_events::apigw::{
            ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
            ApiGatewayV2httpRequestContext,
        };
        use lambda_http::request::RequestContext;
        use lambda_http::RequestExt;
        let token = SecretToken::new("s3cret-token");
        let bare = || {
            lambda_http::http::Request::builder()
                .header("authorization", "Bearer eyJhbGciOi.jwt.sig")
                .body(Body::Empty)
                .unwrap()
        };
        assert!(token.check_staff(&bare()).is_err());
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
        jwt.claims.insert("email".into(), "ana@shop.example".into());
        authorizer.jwt = Some(jwt);
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.authorizer = Some(authorizer);
        let verified = bare().with_request_context(RequestContext::ApiGatewayV2(context));
        assert_eq!(
            token.check_staff(&verified).as_deref(),
            Ok("ana@shop.example"),
            "the timeline names who it was"
        );
    }

    #[test]
    fn media_types_match_exactly_with_parameters_allowed() {
        let with = |ct: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert("content-type", HeaderValue::from_static(ct));
            require_json(&headers).is_ok()
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with(" application/json ;charset=utf-8"));
        assert!(!with("application/jsonx"));
        assert!(!with("application/json-patch+json"));
        assert!(!with("text/plain"));
        assert!(!with(""));
        assert!(require_json(&HeaderMap::new()).is_ok(), "none declared");
    }

    #[test]
    fn a_header_that_is_not_ascii_is_text_not_absent() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "idempotency-key",
            HeaderValue::from_bytes("clé-1".as_bytes()).unwrap(),
        );
        assert_eq!(header(&headers, "idempotency-key"), None);
        assert_eq!(header_text(&headers, "idempotency-key"), Ok(Some("clé-1")));
        headers.insert(
            "idempotency-key",
            HeaderValue::from_bytes(&[0xff, 0xfe]).unwrap(),
        );
        assert!(header_text(&headers, "idempotency-key").is_err());
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
