//! `GET /orders/export.csv?<the filters of GET /orders>`: the orders that match, newest first, as
//! CSV (`oms::export::order_csv`), one row per line item.

use lambda_http::http::{HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use oms::export::order_csv::OrderCsv;
use oms::http::ApiError;

use crate::App;

/// Orders read per page while exporting.
const PAGE: usize = 100;
/// The most CSV answered directly: a Lambda response holds 6 MB.
const MAX_DIRECT_BYTES: usize = 5 * 1024 * 1024;

pub async fn export_csv(request: &Request, app: &App) -> Result<Response<Body>, ApiError> {
    let query = crate::order_list::order_query(request, &[])?;
    let mut csv = OrderCsv::new(Vec::new()).map_err(ApiError::internal)?;
    let mut after: Option<String> = None;
    let mut orders = 0;
    loop {
        let page = app
            .orders
            .search(&query, PAGE, after.as_deref())
            .await
            .map_err(ApiError::internal)?;
        for order in &page.orders {
            csv.write(order).map_err(ApiError::internal)?;
        }
        orders += page.orders.len();
        let written = csv.written();
        if written > MAX_DIRECT_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "export_too_large",
                format!(
                    "more than {} MB of orders match (over {orders} orders): narrow the filters, \
                     by created_from and created_to say",
                    MAX_DIRECT_BYTES / (1024 * 1024)
                ),
            ));
        }
        match page.after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let text =
        String::from_utf8(csv.finish().map_err(ApiError::internal)?).map_err(ApiError::internal)?;
    let mut response = Response::new(Body::Text(text));
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        "content-disposition",
        HeaderValue::from_static("attachment; filename=\"orders.csv\""),
    );
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}
