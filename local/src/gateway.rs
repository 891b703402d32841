//! An HTTP server that behaves like API Gateway HTTP API (payload v2): it matches the routes from
//! template.yaml, turns each request into the v2 event JSON (raw body intact, headers lowercased,
//! path and query parameters), and lets lambda_http turn that into the handler's request, exactly as
//! in AWS.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::IntoResponse;
use base64::Engine;
use http::{HeaderMap, Method, StatusCode};
use lambda_http::Body;

use crate::functions::HttpHandler;

/// Requests larger than API Gateway's 10 MB limit are refused before reaching a function.
const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

#[derive(Clone)]
pub struct RouteTarget {
    pub method: String,
    pub path: String,
    pub handler: HttpHandler,
}

/// The template's routes, plus the developer's outbox at `/_local/outbox` (local only): the
/// in-memory world's SES when there is one, else the emulator's.
pub fn router(routes: Vec<RouteTarget>, memory: Option<crate::memory::MemorySes>) -> axum::Router {
    axum::Router::new()
        .route(
            "/_local/outbox",
            axum::routing::get(move || crate::outbox::page(memory.clone())),
        )
        .fallback(dispatch)
        .with_state(Arc::new(routes))
}

async fn dispatch(
    State(routes): State<Arc<Vec<RouteTarget>>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_REQUEST_BYTES).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "{\"message\":\"Request Entity Too Large\"}",
        )
            .into_response();
    };
    let (status, headers, bytes) = invoke(
        &routes,
        &parts.method,
        parts.uri.path(),
        parts.uri.query().unwrap_or_default(),
        &parts.headers,
        &body,
        chrono::Utc::now(),
    )
    .await;
    (status, headers, bytes).into_response()
}

/// One request through the routes, as API Gateway hands it to a function at `now`: the status,
/// headers and body the function answered (404 when no route matches).
pub async fn invoke(
    routes: &[RouteTarget],
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &Bytes,
    now: chrono::DateTime<chrono::Utc>,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let json_headers = || {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            http::HeaderValue::from_static("application/json"),
        );
        h
    };
    // As API Gateway does, the most specific route wins: `/orders/export.csv` over
    // `/orders/{id}` (fewer path parameters).
    let Some((route, path_parameters)) = routes
        .iter()
        .filter_map(|r| {
            (r.method == method.as_str() || r.method == "ANY")
                .then(|| match_path(&r.path, path))
                .flatten()
                .map(|params| (r, params))
        })
        .min_by_key(|(_, params)| params.len())
    else {
        return (
            StatusCode::NOT_FOUND,
            json_headers(),
            b"{\"message\":\"Not Found\"}".to_vec(),
        );
    };
    let route_key = format!("{} {}", route.method, route.path);
    let incoming = Incoming {
        method,
        path,
        query,
        headers,
        body,
    };
    let request = match lambda_request(&route_key, &incoming, path_parameters, now) {
        Ok(request) => request,
        Err(e) => {
            tracing::error!(error = %e, "could not build the API Gateway event");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                json_headers(),
                Vec::new(),
            );
        }
    };
    let response = (route.handler)(request).await;
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Vec::new(),
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    (parts.status, parts.headers, bytes)
}

/// `/orders/{id}` against `/orders/ord_123` -> `{"id": "ord_123"}`; a last `{name+}` (API
/// Gateway's greedy parameter) takes the rest of the path, one segment or more.
fn match_path(pattern: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let pattern: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let actual: Vec<&str> = path.trim_matches('/').split('/').collect();
    let greedy = pattern
        .last()
        .and_then(|p| p.strip_prefix('{'))
        .and_then(|p| p.strip_suffix("+}"));
    let mut params = BTreeMap::new();
    if let Some(name) = greedy {
        let fixed = pattern.len() - 1;
        if actual.len() <= fixed || actual[fixed..].iter().any(|a| a.is_empty()) {
            return None;
        }
        let rest: Vec<String> = actual[fixed..].iter().map(|a| decode(a)).collect();
        params.insert(name.to_string(), rest.join("/"));
        let head = match_path(&pattern[..fixed].join("/"), &actual[..fixed].join("/"))?;
        params.extend(head);
        return Some(params);
    }
    if pattern.len() != actual.len() {
        return None;
    }
    for (p, a) in pattern.iter().zip(&actual) {
        match p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) if !a.is_empty() => {
                params.insert(name.to_string(), decode(a));
            }
            Some(_) => return None,
            None if p == a => {}
            None => return None,
        }
    }
    Some(params)
}

/// An HTTP request as it reaches API Gateway.
pub struct Incoming<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a Bytes,
}

/// The request a function's handler gets for `incoming` on the route `route_key` ("POST
/// /webhooks/shopify"), as API Gateway hands it over at `now`: lambda_http reads the v2 event.
pub fn lambda_request(
    route_key: &str,
    incoming: &Incoming<'_>,
    path_parameters: BTreeMap<String, String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<lambda_http::Request, serde_json::Error> {
    let event = v2_event(route_key, incoming, path_parameters, now);
    lambda_http::request::from_str(&event.to_string())
}

fn v2_event(
    route_key: &str,
    incoming: &Incoming<'_>,
    path_parameters: BTreeMap<String, String>,
    now: chrono::DateTime<chrono::Utc>,
) -> serde_json::Value {
    let Incoming {
        method,
        path,
        query: raw_query,
        headers,
        body,
    } = *incoming;
    // API Gateway joins repeated headers and query parameters with commas.
    let mut header_map: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).to_string();
        header_map
            .entry(name.as_str().to_string())
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = decode(v);
        query
            .entry(decode(k))
            .and_modify(|existing| {
                existing.push(',');
                existing.push_str(&v);
            })
            .or_insert(v);
    }
    // API Gateway hands cookies over apart from the headers.
    let cookies: Vec<String> = header_map
        .remove("cookie")
        .map(|c| {
            c.split(';')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let text_body = std::str::from_utf8(body).ok().filter(|_| is_text(headers));
    let (body_value, is_base64) = match (body.is_empty(), text_body) {
        (true, _) => (serde_json::Value::Null, false),
        (false, Some(text)) => (serde_json::Value::String(text.to_string()), false),
        (false, None) => (
            serde_json::Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
            true,
        ),
    };
    serde_json::json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": header_map,
        "cookies": if cookies.is_empty() { serde_json::Value::Null } else { serde_json::json!(cookies) },
        "queryStringParameters": if query.is_empty() { serde_json::Value::Null } else { serde_json::json!(query) },
        "pathParameters": if path_parameters.is_empty() { serde_json::Value::Null } else { serde_json::json!(path_parameters) },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": header_map.get("host").cloned().unwrap_or_else(|| "127.0.0.1".into()),
            "domainPrefix": "local",
            "http": {
                "method": method.as_str(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": header_map.get("user-agent").cloned().unwrap_or_default(),
            },
            "requestId": format!("local-{}", now.timestamp_nanos_opt().unwrap_or_default()),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "body": body_value,
        "isBase64Encoded": is_base64,
    })
}

/// API Gateway passes text bodies through and base64-encodes the rest.
fn is_text(headers: &HeaderMap) -> bool {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| {
            let ct = ct.to_ascii_lowercase();
            ct.starts_with("text/")
                || ct.contains("json")
                || ct.contains("xml")
                || ct.contains("x-www-form-urlencoded")
        })
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_like_api_gateway() {
        assert_eq!(match_path("/orders", "/orders"), Some(BTreeMap::new()));
        let params = match_path("/orders/{id}", "/orders/ord_1").unwrap();
        assert_eq!(params["id"], "ord_1");
        assert_eq!(match_path("/orders/{id}", "/orders"), None);
        assert_eq!(match_path("/orders/{id}", "/orders/a/b"), None);
        assert_eq!(match_path("/webhooks/shopify", "/webhooks/other"), None);
    }

    #[test]
    fn a_greedy_parameter_takes_the_rest_of_the_path() {
        let params = match_path("/admin/{proxy+}", "/admin/orders/ord_1/status").unwrap();
        assert_eq!(params["proxy"], "orders/ord_1/status");
        assert_eq!(match_path("/admin/{proxy+}", "/admin"), None);
        assert_eq!(match_path("/admin/{proxy+}", "/other/x"), None);
    }
}
