//! The pages ask the JSON API in-process: every page shows what `GET /orders...` answers and every
//! button sends what a client of the API would, so the web app has the API's rules, validation
//! and error messages, and nothing of its own to drift from them.

use std::collections::HashMap;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::Value;

use crate::App;

/// One request to the API, as a client would send it.
pub struct Call<'a> {
    method: Method,
    path: String,
    params: HashMap<String, String>,
    query: Vec<(String, String)>,
    body: Option<(&'static str, String)>,
    if_match: Option<u64>,
    idempotency_key: Option<String>,
    staff: &'a str,
}

/// What the API refused, in its own words.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl<'a> Call<'a> {
    /// `method path` (the route's path with its parameters filled in), by `staff`; `params` are
    /// the route's path parameters by name, as API Gateway passes them.
    pub fn new(staff: &'a str, method: Method, path: &str, params: &[(&str, &str)]) -> Self {
        Self {
            method,
            path: path.to_string(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            query: Vec::new(),
            body: None,
            if_match: None,
            idempotency_key: None,
            staff,
        }
    }

    /// Query parameters; empty values (a form's unset fields) are left out.
    pub fn query(mut self, pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        self.query
            .extend(pairs.into_iter().filter(|(_, v)| !v.trim().is_empty()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(("application/json", body.to_string()));
        self
    }

    /// A body of another media type (`text/csv`).
    pub fn text(mut self, content_type: &'static str, body: String) -> Self {
        self.body = Some((content_type, body));
        self
    }

    pub fn if_match(mut self, version: u64) -> Self {
        self.if_match = Some(version);
        self
    }

    pub fn idempotency_key(mut self, key: &str) -> Self {
        self.idempotency_key = Some(key.to_string());
        self
    }

    /// The API's response as it is (documents, CSV).
    pub async fn send(mut self, app: &App) -> Result<Response<Body>, Refusal> {
        let uri = if self.query.is_empty() {
            self.path.clone()
        } else {
            let query: Vec<String> = self
                .query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            format!("{}?{}", self.path, query.join("&"))
        };
        let mut builder = lambda_http::http::Request::builder()
            .method(self.method.clone())
            .uri(uri);
        if let Some((content_type, _)) = &self.body {
            builder = builder.header("content-type", *content_type);
        }
        if let Some(key) = &self.idempotency_key {
            builder = builder.header("idempotency-key", key);
        }
        if let Some(version) = self.if_match {
            builder = builder.header("if-match", format!("\"{version}\""));
        }
        let body = match self.body.take() {
            Some((_, text)) => Body::Text(text),
            None => Body::Empty,
        };
        let mut query: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in &self.query {
            query.entry(k.clone()).or_default().push(v.clone());
        }
        let request: Request = builder
            .body(body)
            .map_err(|e| Refusal::internal(e.to_string()))?
            .with_raw_http_path(self.path.clone())
            .with_path_parameters(self.params.clone())
            .with_query_string_parameters(query);
        let response = crate::api(request, self.staff, app)
            .await
            .unwrap_or_else(oms::http::ApiError::into_response);
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(Refusal::of(&response))
        }
    }

    /// The API's JSON answer.
    pub async fn answer(self, app: &App) -> Result<Value, Refusal> {
        let response = self.send(app).await?;
        Ok(serde_json::from_slice(response.body()).unwrap_or(Value::Null))
    }
}

impl Refusal {
    fn of(response: &Response<Body>) -> Self {
        let body: Value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
        let text = |field: &str| body["error"][field].as_str().map(str::to_string);
        Self {
            status: response.status(),
            message: text("message").unwrap_or_else(|| "the request was refused".into()),
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "admin page failed");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "something went wrong on our side; try again".into(),
        }
    }
}

/// Percent-encodes a query component.
pub fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
