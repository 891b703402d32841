//! Signing in with the admin token, and out.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use minijinja::context;

use super::session::{cookie, set_cookie, Session, COOKIE, LIFETIME, LOGIN_COOKIE};
use super::views;
use crate::App;

/// How long the sign-in form may wait to be sent.
const FORM_LIFETIME: chrono::Duration = chrono::Duration::minutes(30);

/// The session a request carries, if valid.
pub fn session(request: &Request, app: &App) -> Option<Session> {
    let header = request.headers().get("cookie")?.to_str().ok()?;
    app.sessions.check(cookie(header, COOKIE)?, app.clock.now())
}

/// Behind API Gateway (HTTPS) cookies are `Secure`; on the local stack (plain HTTP) they cannot be.
fn secure(request: &Request) -> bool {
    oms::http::header(request.headers(), "x-forwarded-proto") == Some("https")
}

fn nonce() -> [u8; 16] {
    uuid::Uuid::new_v4().into_bytes()
}

/// The sign-in form, with its own cookie binding the form's token (a page elsewhere cannot post
/// a sign-in of its choosing).
pub fn form(request: &Request, app: &App, error: Option<&str>) -> Response<Body> {
    let login = hex::encode(nonce());
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let mut response = views::page(
        status,
        "login.html",
        context! {
            merchant => &app.merchant_name,
            login => app.sessions.login_token(&login),
            error => error,
        },
    );
    if let Ok(value) = set_cookie(LOGIN_COOKIE, &login, FORM_LIFETIME, secure(request)).parse() {
        response.headers_mut().append("set-cookie", value);
    }
    response
}

/// A right token opens a session; anything else shows the form again, saying only that it failed.
pub fn sign_in(request: &Request, app: &App) -> Response<Body> {
    let form = super::form(request).unwrap_or_default();
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let login_cookie = request
        .headers()
        .get("cookie")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| cookie(h, LOGIN_COOKIE))
        .unwrap_or_default();
    let genuine = app
        .sessions
        .login_token_matches(login_cookie, field("login"));
    if !genuine || !app.token.matches(field("token").trim()) {
        tracing::warn!(genuine_form = genuine, "admin sign-in refused");
        return form_again(request, app);
    }
    let (value, _) = app.sessions.open(&nonce(), app.clock.now());
    let mut response = views::redirect("/admin/orders");
    let secure = secure(request);
    for cookie in [
        set_cookie(COOKIE, &value, LIFETIME, secure),
        set_cookie(LOGIN_COOKIE, "", chrono::Duration::zero(), secure),
    ] {
        if let Ok(value) = cookie.parse() {
            response.headers_mut().append("set-cookie", value);
        }
    }
    response
}

fn form_again(request: &Request, app: &App) -> Response<Body> {
    form(
        request,
        app,
        Some("Sign-in failed. Check the token and try again."),
    )
}

/// Drops the session cookie (a browser removes it whatever `Secure` says).
pub fn sign_out(request: &Request) -> Response<Body> {
    let mut response = views::redirect("/admin/login");
    let expired = set_cookie(COOKIE, "", chrono::Duration::zero(), secure(request));
    if let Ok(value) = expired.parse() {
        response.headers_mut().append("set-cookie", value);
    }
    response
}
