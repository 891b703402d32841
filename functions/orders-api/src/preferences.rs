//! `POST /customers/{email}/preferences`: what a customer agreed to receive.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use oms::domain::review::is_plausible_email;
use oms::http::{json, raw_body, require_json, ApiError};

use crate::App;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Preferences {
    non_essential_emails: bool,
}

pub async fn set_preferences(
    request: &Request,
    email: &str,
    app: &App,
) -> Result<Response<Body>, ApiError> {
    if !is_plausible_email(email) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_email",
            "not an email address",
        ));
    }
    let body = raw_body(request)?;
    require_json(request.headers())?;
    let preferences: Preferences = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "invalid_body",
            format!("expected {{\"non_essential_emails\": true|false}}: {e}"),
        )
    })?;
    app.preferences
        .set_non_essential(email, preferences.non_essential_emails, app.clock.now())
        .await
        .map_err(ApiError::internal)?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({"email": email.trim().to_lowercase(), "non_essential_emails": preferences.non_essential_emails}),
    ))
}
