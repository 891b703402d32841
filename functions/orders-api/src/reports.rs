//! `GET /reports/summary?from=&to=&channel=`: the summary of the orders received from `from` to
//! `to` (UTC days, both included; the last 30 days when absent), of one channel or all.

use chrono::NaiveDate;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use oms::domain::Channel;
use oms::http::{json, ApiError};
use oms::reporting::SummaryRange;

use crate::App;

/// The range when the request names none: today and the 29 days before.
const DEFAULT_DAYS: i64 = 30;

pub async fn summary(request: &Request, app: &App) -> Result<Response<Body>, ApiError> {
    let parameters = request.query_string_parameters();
    if let Some((name, _)) = parameters
        .iter()
        .find(|(name, _)| !["from", "to", "channel"].contains(name))
    {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("unknown parameter {name:?}: the summary takes from, to and channel"),
        ));
    }
    let day = |name: &str| {
        parameters
            .first(name)
            .map(|text| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                    ApiError::bad_request(
                        "invalid_date",
                        format!("{name} must be a date like 2026-12-01"),
                    )
                })
            })
            .transpose()
    };
    let to = day("to")?.unwrap_or_else(|| app.clock.now().date_naive());
    let from = match day("from")? {
        Some(from) => from,
        None => to - chrono::Duration::days(DEFAULT_DAYS - 1),
    };
    let range = SummaryRange::new(from, to)
        .map_err(|e| ApiError::bad_request("invalid_range", e.to_string()))?;
    let channels = match parameters.first("channel") {
        None => Channel::ALL.to_vec(),
        Some(text) => vec![Channel::parse(text).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_channel",
                "channel must be shopify, woocommerce, marketplace or manual",
            )
        })?],
    };
    let summary = app
        .reports
        .summary(&channels, range)
        .await
        .map_err(ApiError::internal)?;
    let mut body = serde_json::to_value(&summary).map_err(ApiError::internal)?;
    body["channel"] = parameters.first("channel").into();
    Ok(json(StatusCode::OK, &body))
}
