//! `GET /orders/export.csv?<the filters of GET /orders>`: the orders that match, newest first, as
//! CSV (`oms::export::order_csv`), one row per line item. Answered directly up to 5 MB; a bigger
//! one, or any with `async=true`, is written to S3 by the queue (`oms::workflow::order_export`):
//! 202 with its id, `GET /exports/{id}` for its status and, once done, a download link.

use lambda_http::http::{HeaderValue, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use oms::aws::export_store::{Export, ExportStatus};
use oms::domain::order_query::OrderQuery;
use oms::domain::review::is_plausible_email;
use oms::export::order_csv::OrderCsv;
use oms::http::{json, ApiError};

use crate::App;

/// Orders read per page while exporting.
const PAGE: usize = 100;
/// The most CSV answered directly: a Lambda response holds 6 MB.
const MAX_DIRECT_BYTES: usize = 5 * 1024 * 1024;

pub async fn export_csv(
    request: &Request,
    staff: &str,
    app: &App,
) -> Result<Response<Body>, ApiError> {
    let query = crate::order_list::order_query(request, &["async"])?;
    let queued = match request.query_string_parameters().first("async") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "async must be true or false",
            ))
        }
    };
    if queued {
        return start(&query, staff, app).await;
    }
    let mut csv = OrderCsv::new(Vec::new()).map_err(ApiError::internal)?;
    let mut after: Option<String> = None;
    loop {
        let page = app
            .orders
            .search(&query, PAGE, after.as_deref())
            .await
            .map_err(ApiError::internal)?;
        for order in &page.orders {
            csv.write(order).map_err(ApiError::internal)?;
        }
        if csv.written() > MAX_DIRECT_BYTES {
            // Too big for one answer: the queue writes it instead, from the start.
            return start(&query, staff, app).await;
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

async fn start(query: &OrderQuery, staff: &str, app: &App) -> Result<Response<Body>, ApiError> {
    let notify = Some(staff.to_string()).filter(|s| is_plausible_email(s));
    let id = app
        .exports
        .start(query, staff, notify, app.clock.now())
        .await
        .map_err(ApiError::internal)?;
    Ok(json(
        StatusCode::ACCEPTED,
        &serde_json::json!({
            "export_id": id,
            "status": "running",
            "status_url": format!("/exports/{id}"),
        }),
    ))
}

/// `GET /exports/{id}`: how far the export is, and once done a link to its file (15 minutes).
pub async fn export_status(id: &str, app: &App) -> Result<Response<Body>, ApiError> {
    let export = app
        .exports
        .get(id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("no such export"))?;
    let url = match export.status {
        ExportStatus::Done => Some(
            app.exports
                .link(&export)
                .await
                .map_err(ApiError::internal)?,
        ),
        ExportStatus::Running => None,
    };
    Ok(json(StatusCode::OK, &view(&export, url)))
}

fn view(export: &Export, url: Option<String>) -> serde_json::Value {
    serde_json::json!({
        "export_id": export.id,
        "status": export.status,
        "requested_by": export.requested_by,
        "orders": export.orders,
        "bytes": export.bytes,
        "parts": export.parts.len(),
        "created_at": export.created_at,
        "finished_at": export.finished_at,
        "url": url,
    })
}
