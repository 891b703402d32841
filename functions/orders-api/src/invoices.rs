//! `POST /orders/{id}/invoices` (`?split=none|delivery_method`) issues what the order needs billed
//! now; `GET /orders/{id}/invoices` lists its invoices and credit notes, each with a short-lived
//! link to its PDF.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use oms::domain::OrderId;
use oms::http::{json, ApiError};
use oms::invoicing::{DocumentKind, Split};
use oms::workflow::invoicing::{InvoicingError, Listed};
use serde::Serialize;

use crate::App;

#[derive(Serialize)]
struct Listing<'a> {
    invoices: Vec<DocumentView<'a>>,
}

#[derive(Serialize)]
struct DocumentView<'a> {
    number: &'a str,
    kind: DocumentKind,
    issued_at: String,
    /// `order`, `parcel:<shipment id>` or `unshipped`.
    part: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery: Option<&'a str>,
    currency: &'a str,
    total: String,
    tax: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reverses: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credited_by: Option<&'a str>,
    url: &'a str,
}

fn listing(documents: &[Listed]) -> Listing<'_> {
    Listing {
        invoices: documents
            .iter()
            .map(|listed| {
                let d = &listed.stored.document;
                DocumentView {
                    number: &d.number,
                    kind: d.kind,
                    issued_at: d.issued_at.to_rfc3339(),
                    part: &d.billed.part,
                    delivery: d.billed.delivery.as_deref(),
                    currency: d.currency.as_str(),
                    total: d.billed.total.to_string(),
                    tax: d.billed.tax().to_string(),
                    reverses: d.reverses.as_deref(),
                    credited_by: listed.stored.credited_by.as_deref(),
                    url: &listed.url,
                }
            })
            .collect(),
    }
}

fn order_id(id: &str) -> Result<OrderId, ApiError> {
    OrderId::parse(id).map_err(|_| ApiError::not_found("no such order"))
}

fn refused(error: InvoicingError) -> ApiError {
    match error {
        InvoicingError::NotFound => ApiError::not_found("no such order"),
        e @ InvoicingError::SellerNotConfigured => {
            ApiError::new(StatusCode::CONFLICT, "seller_not_configured", e.to_string())
        }
        e @ InvoicingError::NothingToBill => {
            ApiError::new(StatusCode::CONFLICT, "nothing_to_bill", e.to_string())
        }
        e @ InvoicingError::Busy => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", e.to_string())
        }
        InvoicingError::Unavailable(e) => ApiError::internal(e),
    }
}

pub async fn issue(request: &Request, id: &str, app: &App) -> Result<Response<Body>, ApiError> {
    let id = order_id(id)?;
    let split = match request.query_string_parameters().first("split") {
        None => None,
        Some(text) => Some(Split::parse(text).ok_or_else(|| {
            ApiError::bad_request("invalid_split", "split must be none or delivery_method")
        })?),
    };
    let issued = app.invoicing.issue(&id, split).await.map_err(refused)?;
    let status = if issued.issued {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, &listing(&issued.documents)))
}

pub async fn list(id: &str, app: &App) -> Result<Response<Body>, ApiError> {
    let documents = app.invoicing.list(&order_id(id)?).await.map_err(refused)?;
    Ok(json(StatusCode::OK, &listing(&documents)))
}
