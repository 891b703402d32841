//! The shipments API: create one (with a rate for every service), show it, buy a rate's label,
//! refund (void) the label.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::error::ApiError;
use super::ledger::Carrier;
use super::objects::{Address, Parcel, PostageLabel, Rate, Shipment, Tracker};
use super::rates::{format_cents, price_cents, CARRIER, RATE_CARD};
use super::requests::{parcel_weight, parse_body, verified_address, BuyBody, CreateShipmentBody};

pub(super) async fn create_shipment(
    State(carrier): State<Arc<Carrier>>,
    body: Bytes,
) -> Result<(StatusCode, Json<Shipment>), ApiError> {
    let body: CreateShipmentBody = parse_body(&body)?;
    let input = body.shipment.ok_or_else(|| {
        ApiError::unprocessable("PARAMETER.REQUIRED", "Missing required parameter: shipment")
    })?;
    let to_address = verified_address("to_address", input.to_address)?;
    let from_address = verified_address("from_address", input.from_address)?;
    let weight = parcel_weight(input.parcel)?;

    let now = timestamp();
    let mut ledger = carrier.ledger();
    let id = ledger.next_id("shp");
    let rates = RATE_CARD
        .iter()
        .map(|service| Rate {
            id: ledger.next_id("rate"),
            object: "Rate",
            shipment_id: id.clone(),
            carrier: CARRIER,
            service: service.name,
            rate: format_cents(price_cents(service.base_cents, weight)),
            currency: "USD",
            delivery_days: service.delivery_days,
        })
        .collect();
    let shipment = Shipment {
        id: id.clone(),
        object: "Shipment",
        mode: "test",
        reference: input.reference,
        created_at: now.clone(),
        updated_at: now,
        to_address: Address {
            id: ledger.next_id("adr"),
            ..to_address
        },
        from_address: Address {
            id: ledger.next_id("adr"),
            ..from_address
        },
        parcel: Parcel {
            id: ledger.next_id("prcl"),
            object: "Parcel",
            weight,
        },
        options: input.options.unwrap_or_else(|| serde_json::json!({})),
        rates,
        selected_rate: None,
        tracking_code: None,
        postage_label: None,
        tracker: None,
        refund_status: None,
    };
    ledger.shipments.insert(id.clone(), shipment.clone());
    drop(ledger);
    tracing::info!(shipment_id = %id, weight_oz = weight, "sandbox carrier: shipment created");
    Ok((StatusCode::CREATED, Json(shipment)))
}

pub(super) async fn show_shipment(
    State(carrier): State<Arc<Carrier>>,
    Path(id): Path<String>,
) -> Result<Json<Shipment>, ApiError> {
    carrier
        .ledger()
        .shipments
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found(&id))
}

pub(super) async fn buy_shipment(
    State(carrier): State<Arc<Carrier>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Shipment>, ApiError> {
    let body: BuyBody = parse_body(&body)?;
    let rate_id = body.rate.and_then(|rate| rate.id).ok_or_else(|| {
        ApiError::unprocessable("PARAMETER.REQUIRED", "Missing required parameter: rate.id")
    })?;

    // One lock for check-and-buy, so two concurrent buys can't both succeed.
    let mut ledger = carrier.ledger();
    let shipment = ledger
        .shipments
        .get(&id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    if shipment.selected_rate.is_some() {
        return Err(ApiError::unprocessable(
            "SHIPMENT.POSTAGE.EXISTS",
            "The shipment has already been purchased",
        ));
    }
    let rate = shipment
        .rates
        .iter()
        .find(|rate| rate.id == rate_id)
        .cloned()
        .ok_or_else(|| {
            ApiError::unprocessable(
                "SHIPMENT.RATE.INVALID",
                format!("Rate {rate_id} is not one of this shipment's rates"),
            )
        })?;

    let tracking_code = ledger.next_tracking_code();
    let tracker_id = ledger.next_id("trk");
    let label_url = format!("{}/labels/{id}.pdf", carrier.base_url);
    let now = timestamp();
    let shipment = ledger
        .shipments
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    shipment.tracking_code = Some(tracking_code.clone());
    shipment.postage_label = Some(PostageLabel {
        object: "PostageLabel",
        label_url,
        label_file_type: "application/pdf",
        label_size: "4x6",
        label_date: now.clone(),
    });
    shipment.tracker = Some(Tracker {
        id: tracker_id,
        object: "Tracker",
        tracking_code: tracking_code.clone(),
        status: "pre_transit",
        carrier: CARRIER,
        shipment_id: id.clone(),
    });
    shipment.selected_rate = Some(rate);
    shipment.updated_at = now;
    let bought = shipment.clone();
    drop(ledger);
    tracing::info!(shipment_id = %id, %tracking_code, "sandbox carrier: label bought");
    Ok(Json(bought))
}

/// Voids a bought label. The sandbox never scans parcels itself (tests post tracking webhooks),
/// so every bought label can be refunded; asking again answers the same.
pub(super) async fn refund_shipment(
    State(carrier): State<Arc<Carrier>>,
    Path(id): Path<String>,
) -> Result<Json<Shipment>, ApiError> {
    let mut ledger = carrier.ledger();
    let shipment = ledger
        .shipments
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    if shipment.selected_rate.is_none() {
        return Err(ApiError::unprocessable(
            "SHIPMENT.REFUND.UNAVAILABLE",
            "The shipment has no postage to refund",
        ));
    }
    shipment.refund_status = Some("submitted");
    shipment.updated_at = timestamp();
    let refunded = shipment.clone();
    drop(ledger);
    tracing::info!(shipment_id = %id, "sandbox carrier: label refund submitted");
    Ok(Json(refunded))
}

fn timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::sandbox_carrier::test_client::{buy, create, request, AUTH};
    use crate::sandbox_carrier::SandboxCarrier;

    #[tokio::test]
    async fn creating_a_shipment_returns_three_rates() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let shipment = create(&carrier, 12.5).await;

        let id = shipment["id"].as_str().unwrap();
        assert!(id.starts_with("shp_") && id.len() == 36, "{id}");
        assert_eq!(shipment["object"], "Shipment");
        assert_eq!(shipment["reference"], "ord_123");
        assert!(shipment["tracking_code"].is_null());
        assert!(shipment["postage_label"].is_null());
        assert!(shipment["selected_rate"].is_null());
        let rates = shipment["rates"].as_array().unwrap();
        let summary: Vec<(&str, &str, u64)> = rates
            .iter()
            .map(|r| {
                assert!(r["id"].as_str().unwrap().starts_with("rate_"));
                assert_eq!(r["object"], "Rate");
                assert_eq!(r["shipment_id"], id);
                assert_eq!(r["carrier"], "USPS");
                assert_eq!(r["currency"], "USD");
                (
                    r["service"].as_str().unwrap(),
                    r["rate"].as_str().unwrap(),
                    r["delivery_days"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("GroundAdvantage", "5.10", 5),
                ("Priority", "7.95", 2),
                ("Express", "26.35", 1)
            ]
        );
    }

    #[tokio::test]
    async fn buying_sets_tracking_and_label_and_a_second_buy_is_refused() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let shipment = create(&carrier, 12.5).await;
        let id = shipment["id"].as_str().unwrap();
        let rate_id = shipment["rates"][1]["id"].as_str().unwrap();

        let reply = buy(&carrier, id, rate_id).await;
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let bought = reply.json();
        assert_eq!(bought["tracking_code"], "EZ100000000000000001");
        assert_eq!(bought["selected_rate"]["id"], rate_id);
        assert_eq!(bought["selected_rate"]["service"], "Priority");
        let label = &bought["postage_label"];
        assert_eq!(label["object"], "PostageLabel");
        assert_eq!(label["label_file_type"], "application/pdf");
        assert_eq!(
            label["label_url"],
            format!("{}/labels/{id}.pdf", carrier.base_url)
        );
        assert!(bought["tracker"]["id"]
            .as_str()
            .unwrap()
            .starts_with("trk_"));
        assert_eq!(bought["tracker"]["tracking_code"], "EZ100000000000000001");
        assert_eq!(bought["tracker"]["status"], "pre_transit");

        let again = buy(&carrier, id, rate_id).await;
        assert_eq!(again.status, 422);
        let error = again.json();
        assert_eq!(error["error"]["code"], "SHIPMENT.POSTAGE.EXISTS");
        assert!(error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already been purchased"));

        let shown = request(
            &carrier,
            "GET",
            &format!("/v2/shipments/{id}"),
            Some(AUTH),
            None,
        )
        .await;
        assert_eq!(shown.status, 200);
        let shown = shown.json();
        assert_eq!(shown["tracking_code"], "EZ100000000000000001");
        assert_eq!(shown["selected_rate"]["id"], rate_id);
        assert_eq!(shown["postage_label"], bought["postage_label"]);

        // A second shipment gets the next tracking code.
        let other = create(&carrier, 3.0).await;
        let other_rate = other["rates"][0]["id"].as_str().unwrap();
        let reply = buy(&carrier, other["id"].as_str().unwrap(), other_rate).await;
        assert_eq!(reply.json()["tracking_code"], "EZ100000000000000002");
    }

    #[tokio::test]
    async fn bought_labels_can_be_voided_once_or_again_but_unbought_ones_cannot() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let shipment = create(&carrier, 8.0).await;
        let id = shipment["id"].as_str().unwrap();
        let path = format!("/v2/shipments/{id}/refund");
        let early = request(&carrier, "POST", &path, Some(AUTH), None).await;
        assert_eq!(early.status, 422);
        assert_eq!(early.json()["error"]["code"], "SHIPMENT.REFUND.UNAVAILABLE");

        let rate_id = shipment["rates"][0]["id"].as_str().unwrap();
        assert_eq!(buy(&carrier, id, rate_id).await.status, 200);
        for _ in 0..2 {
            let refund = request(&carrier, "POST", &path, Some(AUTH), None).await;
            assert_eq!(refund.status, 200);
            assert_eq!(refund.json()["refund_status"], "submitted");
        }
        let unknown = request(
            &carrier,
            "POST",
            "/v2/shipments/shp_nope/refund",
            Some(AUTH),
            None,
        )
        .await;
        assert_eq!(unknown.status, 404);
    }

    #[tokio::test]
    async fn buying_needs_a_known_shipment_and_one_of_its_rates() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let unknown = buy(&carrier, "shp_nope", "rate_nope").await;
        assert_eq!(unknown.status, 404);
        assert_eq!(unknown.json()["error"]["code"], "NOT_FOUND");

        let first = create(&carrier, 8.0).await;
        let second = create(&carrier, 8.0).await;
        let foreign_rate = second["rates"][0]["id"].as_str().unwrap();
        let reply = buy(&carrier, first["id"].as_str().unwrap(), foreign_rate).await;
        assert_eq!(reply.status, 422);
        assert_eq!(reply.json()["error"]["code"], "SHIPMENT.RATE.INVALID");

        let path = format!("/v2/shipments/{}/buy", first["id"].as_str().unwrap());
        let reply = request(&carrier, "POST", &path, Some(AUTH), Some(&json!({}))).await;
        assert_eq!(reply.status, 422);
        assert_eq!(reply.json()["error"]["code"], "PARAMETER.REQUIRED");
    }

    #[tokio::test]
    async fn unknown_shipments_are_404() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let reply = request(
            &carrier,
            "GET",
            "/v2/shipments/shp_missing",
            Some(AUTH),
            None,
        )
        .await;
        assert_eq!(reply.status, 404);
        assert_eq!(reply.json()["error"]["code"], "NOT_FOUND");
    }
}
