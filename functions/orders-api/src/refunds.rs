//! `POST /orders/{id}/refunds` with `Idempotency-Key`: staff give money back through the gateway,
//! for lines (with their tax and discount share), the shipping, or a plain amount; never more
//! than was charged minus what went back already (409 with the refundable amount).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use oms::channels::fields::{clean_text, price, MAX_QUANTITY};
use oms::domain::order::{RefundError, RefundLine, RefundRequest};
use oms::domain::OrderId;
use oms::http::order_view::{order_view, refund_view};
use oms::http::{idempotency_key, json, raw_body, require_json, ApiError};
use oms::workflow::refunds::RefundFailure;

use crate::App;

/// Most lines one refund names.
const MAX_LINES: usize = 100;
const MAX_REASON_CHARS: usize = 500;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RefundBody {
    #[serde(default)]
    lines: Vec<BodyLine>,
    #[serde(default)]
    shipping: bool,
    /// A decimal string, as all money in the API; a JSON number is refused.
    amount: Option<String>,
    reason: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BodyLine {
    sku: String,
    quantity: u64,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_refund", message)
}

fn refund_request(body: RefundBody) -> Result<RefundRequest, ApiError> {
    if body.lines.len() > MAX_LINES {
        return Err(invalid(format!("at most {MAX_LINES} lines per refund")));
    }
    let mut lines = Vec::with_capacity(body.lines.len());
    for (i, line) in body.lines.into_iter().enumerate() {
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            return Err(invalid(format!(
                "line {i}: quantity must be 1 to {MAX_QUANTITY}"
            )));
        }
        let sku = line.sku.trim();
        if sku.is_empty() || sku.chars().count() > 64 {
            return Err(invalid(format!("line {i}: sku must be 1-64 characters")));
        }
        lines.push(RefundLine {
            sku: sku.to_string(),
            quantity: line.quantity as u32,
        });
    }
    let amount = body
        .amount
        .as_deref()
        .map(|text| price("amount", Some(text)))
        .transpose()?;
    let reason = clean_text(&body.reason, MAX_REASON_CHARS);
    if reason.is_empty() {
        return Err(invalid("reason must say why the money goes back"));
    }
    Ok(RefundRequest {
        lines,
        shipping: body.shipping,
        amount,
        reason,
    })
}

pub async fn refund(
    request: &Request,
    id: &str,
    staff: &str,
    app: &App,
) -> Result<Response<Body>, ApiError> {
    let id = OrderId::parse(id).map_err(|_| ApiError::not_found("no such order"))?;
    let headers = request.headers();
    let key = idempotency_key(headers)?.ok_or_else(|| {
        ApiError::bad_request(
            "missing_idempotency_key",
            "a refund needs an Idempotency-Key, so a retry never refunds twice",
        )
    })?;
    require_json(headers)?;
    let body: RefundBody = serde_json::from_slice(raw_body(request)?)
        .map_err(|e| ApiError::bad_request("invalid_body", format!("not a refund: {e}")))?;
    let asked = refund_request(body)?;
    let (order, refund) = app
        .refunds
        .refund(&id, &asked, key, staff, app.clock.now())
        .await
        .map_err(refund_error)?;
    Ok(json(
        StatusCode::CREATED,
        &serde_json::json!({
            "refund": refund_view(&refund),
            "order": order_view(&order, &[]),
        }),
    ))
}

fn refund_error(e: RefundFailure) -> ApiError {
    let conflict = |code, message: String| ApiError::new(StatusCode::CONFLICT, code, message);
    match e {
        RefundFailure::NotFound => ApiError::not_found("no such order"),
        RefundFailure::Refused(e @ RefundError::Exceeds { refundable, .. }) => {
            conflict("refund_exceeds_captured", e.to_string())
                .with("refundable", serde_json::json!(refundable.to_string()))
        }
        RefundFailure::Refused(e @ (RefundError::NotCharged(_) | RefundError::NoGateway)) => {
            conflict("not_refundable", e.to_string())
        }
        RefundFailure::Refused(e @ RefundError::KeyReused) => {
            conflict("idempotency_key_reused", e.to_string())
        }
        RefundFailure::Refused(e) => invalid(e.to_string()),
        e @ RefundFailure::GatewayRefused(_) => {
            ApiError::new(StatusCode::BAD_GATEWAY, "gateway_refused", e.to_string())
        }
        e @ RefundFailure::GatewayUnavailable(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "gateway_unavailable",
            e.to_string(),
        ),
        RefundFailure::Unavailable(e) => ApiError::internal(e),
    }
}
