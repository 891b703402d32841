//! `PATCH /orders/{id}` with `If-Match: <version>`: staff change the shipping address, email,
//! phone, note and lines of an order.

use lambda_http::http::{HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use oms::channels::fields::{checked_address, clean_text, header_safe, price, MAX_QUANTITY};
use oms::domain::order::{LineChange, NewLine, OrderEdit};
use oms::domain::review::is_plausible_email;
use oms::domain::{Address, OrderId};
use oms::http::{header, json, raw_body, require_json, ApiError};
use oms::workflow::order_edit::OrderEditError;

use crate::App;

/// Most line changes in one edit.
const MAX_LINES: usize = 100;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EditBody {
    shipping_address: Option<Address>,
    email: Option<String>,
    phone: Option<String>,
    note: Option<String>,
    #[serde(default)]
    lines: Vec<EditLine>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EditLine {
    sku: String,
    quantity: u64,
    title: Option<String>,
    unit_price: Option<String>,
    grams: Option<u32>,
    requires_shipping: Option<bool>,
}

pub async fn edit_order(
    request: &Request,
    id: &str,
    staff: &str,
    app: &App,
) -> Result<Response<Body>, ApiError> {
    let id = OrderId::parse(id).map_err(|_| ApiError::not_found("no such order"))?;
    let version = if_match(request)?;
    require_json(request.headers())?;
    let body: EditBody = serde_json::from_slice(raw_body(request)?)
        .map_err(|e| ApiError::bad_request("invalid_body", format!("not an order edit: {e}")))?;
    let edit = order_edit(body)?;
    let order = app
        .edits
        .edit(&id, version, &edit, staff, app.clock.now())
        .await
        .map_err(|e| match e {
            OrderEditError::NotFound => ApiError::not_found("no such order"),
            e @ OrderEditError::Stale { .. } => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "version_mismatch",
                e.to_string(),
            ),
            OrderEditError::Refused(oms::domain::order::EditError::Blocked(why)) => {
                ApiError::new(StatusCode::CONFLICT, "not_editable", why)
            }
            OrderEditError::Refused(e) => unprocessable("invalid_edit", e.to_string()),
            OrderEditError::Unavailable(e) => ApiError::internal(e),
        })?;
    // An edit that lowered what a gateway payment took gives the difference back.
    let order = if order.balance_due.is_sign_negative() && order.payment.is_some() {
        match app.refunds.settle_balance(&id, app.clock.now()).await {
            Ok(Some((settled, _))) => settled,
            Ok(None) => order,
            Err(e) => {
                tracing::warn!(order_id = %id, error = %e, "the balance owed back is not refunded yet");
                order
            }
        }
    } else {
        order
    };
    let mut response = json(StatusCode::OK, &crate::orders::view(&order, app).await?);
    with_etag(&mut response, order.version);
    Ok(response)
}

/// The order's version as its `ETag` (`"<version>"`), which `If-Match` gives back.
pub fn with_etag(response: &mut Response<Body>, version: u64) {
    if let Ok(value) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert("etag", value);
    }
}

/// `If-Match: "<version>"` (or the bare number): required, so no edit ever lands on an order
/// the person did not see.
fn if_match(request: &Request) -> Result<u64, ApiError> {
    let value = header(request.headers(), "if-match").ok_or_else(|| {
        ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "send If-Match with the order's version (its ETag)",
        )
    })?;
    let value = value.trim();
    let value = value.strip_prefix("W/").unwrap_or(value);
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    value.parse::<u64>().map_err(|_| {
        ApiError::bad_request(
            "invalid_header",
            "If-Match is the order's version, like \"3\"",
        )
    })
}

fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

fn order_edit(body: EditBody) -> Result<OrderEdit, ApiError> {
    let refused = |e: oms::channels::PayloadError| unprocessable("invalid_edit", e.to_string());
    if body.lines.len() > MAX_LINES {
        return Err(unprocessable(
            "invalid_edit",
            format!("at most {MAX_LINES} line changes in one edit"),
        ));
    }
    let email = body
        .email
        .map(|e| header_safe("email", &e, 254).map_err(refused))
        .transpose()?;
    if email.as_deref().is_some_and(|e| !is_plausible_email(e)) {
        return Err(unprocessable(
            "invalid_email",
            "that is not an email address",
        ));
    }
    let mut lines = Vec::with_capacity(body.lines.len());
    for (i, line) in body.lines.into_iter().enumerate() {
        let sku = header_safe("sku", &line.sku, 64).map_err(refused)?;
        if sku.is_empty() {
            return Err(unprocessable(
                "invalid_edit",
                format!("line {i}: sku is empty"),
            ));
        }
        if line.quantity > MAX_QUANTITY {
            return Err(unprocessable(
                "invalid_quantity",
                format!("line {i}: quantity is 0 (remove) to {MAX_QUANTITY}"),
            ));
        }
        let new = match (line.title, line.unit_price) {
            (Some(title), Some(unit_price)) => Some(NewLine {
                title: clean_text(&title, 255),
                unit_price: price("unit_price", Some(&unit_price)).map_err(refused)?,
                grams: line.grams.unwrap_or(0),
                requires_shipping: line.requires_shipping.unwrap_or(true),
            }),
            (None, None) if line.grams.is_none() && line.requires_shipping.is_none() => None,
            _ => {
                return Err(unprocessable(
                    "invalid_edit",
                    format!("line {i}: a new line gives title and unit_price together"),
                ))
            }
        };
        lines.push(LineChange {
            sku,
            quantity: line.quantity as u32,
            new,
        });
    }
    Ok(OrderEdit {
        shipping_address: body
            .shipping_address
            .map(|a| checked_address(a).map_err(refused))
            .transpose()?,
        email,
        phone: body
            .phone
            .map(|p| header_safe("phone", &p, 32).map_err(refused))
            .transpose()?,
        note: body.note.map(|n| clean_text(&n, 1000)),
        lines,
    })
}
