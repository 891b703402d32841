//! The reports page: the summary of `GET /reports/summary` as figures and charts.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use minijinja::context;
use oms::domain::Channel;
use serde_json::Value;

use super::api::Call;
use super::charts::{columns, rows, Chart};
use super::order_pages::refused;
use super::{views, Signed, STAFF};
use crate::App;

pub async fn show(request: &Request, signed: &Signed, app: &App) -> Response<Body> {
    let query = request.query_string_parameters();
    let pairs = ["from", "to", "channel"].iter().filter_map(|name| {
        query
            .first(name)
            .map(|value| (name.to_string(), value.to_string()))
    });
    let summary = match Call::new(STAFF, Method::GET, "/reports/summary", &[])
        .query(pairs)
        .answer(app)
        .await
    {
        Ok(summary) => summary,
        Err(refusal) => return refused(app, signed, &refusal),
    };
    views::page(
        StatusCode::OK,
        "reports.html",
        signed.context(
            app,
            "reports",
            context! {
                day_charts => views::v(&day_charts(&summary)),
                times => views::v(&times(&summary)),
                skus => views::v(&skus(&summary)),
                summary => views::v(&summary),
                channels => views::v(&Channel::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
            },
        ),
    )
}

fn decimal(value: &Value) -> f64 {
    value
        .as_str()
        .and_then(|text| text.parse::<f64>().ok())
        .or_else(|| value.as_f64())
        .unwrap_or(0.0)
}

/// Orders per day, and revenue per day in each currency.
fn day_charts(summary: &Value) -> Vec<Chart> {
    let days = summary["days"].as_array().cloned().unwrap_or_default();
    let label = |day: &Value| {
        day["date"]
            .as_str()
            .and_then(|d| d.get(5..))
            .unwrap_or_default()
            .to_string()
    };
    let orders: Vec<_> = days
        .iter()
        .map(|d| {
            let n = d["orders"].as_u64().unwrap_or(0);
            (label(d), n as f64, n.to_string())
        })
        .collect();
    let mut charts = vec![columns("Orders per day", &orders)];
    let currencies = summary["revenue"]
        .as_object()
        .map(|m| m.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    for currency in currencies {
        let points: Vec<_> = days
            .iter()
            .map(|d| {
                let amount = &d["revenue"][&currency];
                let shown = amount.as_str().unwrap_or("0").to_string();
                (label(d), decimal(amount), format!("{shown} {currency}"))
            })
            .collect();
        charts.push(columns(&format!("Revenue per day ({currency})"), &points));
    }
    charts
}

/// Fulfilment times: order to label and to delivery, p50 and p90, in hours.
fn times(summary: &Value) -> Chart {
    let mut points = Vec::new();
    for (key, name) in [
        ("order_to_label", "to label"),
        ("order_to_delivery", "to delivery"),
    ] {
        for p in ["p50", "p90"] {
            let value = &summary[key][format!("{p}_hours")];
            points.push((format!("{p} {name}"), decimal(value), hours(value.as_str())));
        }
    }
    rows("Fulfilment times (hours)", &points)
}

fn skus(summary: &Value) -> Chart {
    let points: Vec<_> = summary["top_skus"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let units = s["units"].as_u64().unwrap_or(0);
            (
                s["sku"].as_str().unwrap_or_default().to_string(),
                units as f64,
                format!("{units} units"),
            )
        })
        .collect();
    rows("Top SKUs (units)", &points)
}

/// A latency bound in hours as people say it: `15 min`, `18 h`, `3 d`; `—` without one.
pub fn hours(value: Option<&str>) -> String {
    let Some(h) = value.and_then(|v| v.parse::<f64>().ok()) else {
        return "—".into();
    };
    if h < 1.0 {
        format!("{} min", (h * 60.0).round())
    } else if h < 48.0 {
        format!("{h} h")
    } else {
        format!("{} d", (h / 24.0 * 10.0).round() / 10.0)
    }
}

/// A rate (`0.25`) as a percentage (`25.0%`).
pub fn percent(value: Option<&str>) -> String {
    value
        .and_then(|v| v.parse::<f64>().ok())
        .map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_people_say_them() {
        assert_eq!(hours(Some("0.25")), "15 min");
        assert_eq!(hours(Some("18")), "18 h");
        assert_eq!(hours(Some("72")), "3 d");
        assert_eq!(hours(None), "—");
        assert_eq!(percent(Some("0.2")), "20.0%");
    }
}
