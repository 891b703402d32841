//! Carrier tracking from every source: AfterShip and Shippo map onto the same vocabulary as
//! EasyPost, each verified its own way; replays change nothing; trouble flags the order, tells the
//! customer and alerts staff; out-for-delivery and delivery are emailed once each.

use oms_tests::{emails_to, eventually, start, tracker_event, unique};
use serde_json::{json, Value};

const AFTERSHIP: &str = include_str!("fixtures/aftership/tracking-update.json");
const SHIPPO: &str = include_str!("fixtures/shippo/track-updated.json");

fn later(minutes: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339()
}

fn aftership_event(code: &str, tag: &str, minutes: i64) -> Value {
    let mut event: Value = serde_json::from_str(AFTERSHIP).unwrap();
    event["msg"]["tracking_number"] = json!(code);
    event["msg"]["tag"] = json!(tag);
    event["msg"]["checkpoints"][1]["tag"] = json!(tag);
    event["msg"]["checkpoints"][1]["checkpoint_time"] = json!(later(minutes));
    event["msg"]["expected_delivery"] = json!(later(3 * 24 * 60));
    event
}

fn shippo_event(code: &str, status: &str, minutes: i64) -> Value {
    let mut event: Value = serde_json::from_str(SHIPPO).unwrap();
    event["data"]["tracking_number"] = json!(code);
    event["data"]["tracking_status"]["status"] = json!(status);
    event["data"]["tracking_status"]["status_date"] = json!(later(minutes));
    event["data"]["tracking_history"] = json!([]);
    event
}

async fn subjects(email: &str) -> Vec<String> {
    emails_to(email)
        .await
        .iter()
        .map(|e| e["subject"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn aftership_and_shippo_move_parcels_like_easypost() {
    let t = start().await;
    let customer = format!("{}@example.com", unique("track"));
    let order = t.shipped_order(&customer).await;
    let id = order["id"].as_str().unwrap();
    let code = order["shipments"][0]["tracking_code"].as_str().unwrap();

    let forged = t
        .http
        .post(t.url("/webhooks/carriers/aftership"))
        .header("aftership-hmac-sha256", "AAAA")
        .json(&aftership_event(code, "InTransit", 10))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);

    let out = aftership_event(code, "OutForDelivery", 60);
    assert_eq!(t.aftership(&out).await.status(), 200);
    let after = t.order(id).await;
    assert_eq!(after["shipments"][0]["tracking_status"], "out_for_delivery");
    let events = after["shipments"][0]["events"].as_array().unwrap().len();
    assert!(
        after["shipments"][0]["estimated_delivery"].is_string(),
        "the carrier's estimate is kept"
    );

    // The same update again, as Shippo and AfterShip both may send: nothing new.
    assert_eq!(t.aftership(&out).await.status(), 200);
    assert_eq!(
        t.order(id).await["shipments"][0]["events"]
            .as_array()
            .unwrap()
            .len(),
        events
    );

    let wrong = t
        .shippo(&shippo_event(code, "DELIVERED", 90), "guess")
        .await;
    assert_eq!(wrong.status(), 401);
    let token = t.secret("SHIPPO_WEBHOOK_TOKEN");
    // As Shippo's published test webhook is shaped: the carrier named at the top level as
    // "shippo", none on the parcel. Exactly one parcel of ours has the code: that is the one.
    let mut unnamed = shippo_event(code, "DELIVERED", 90);
    unnamed["carrier"] = json!("shippo");
    unnamed["data"]["carrier"] = Value::Null;
    let response = t.shippo(&unnamed, &token).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], "applied");
    let delivered = t.order(id).await;
    assert_eq!(delivered["status"], "closed");
    assert_eq!(delivered["fulfillment_status"], "delivered");

    let sent = eventually(|| async {
        let s = subjects(&customer).await;
        (s.len() >= 4).then_some(s)
    })
    .await
    .expect("four emails");
    assert!(
        sent.contains(&"Your order #2093 is out for delivery".to_string()),
        "{sent:?}"
    );
    assert!(
        sent.contains(&"Your order #2093 was delivered".to_string()),
        "{sent:?}"
    );
    assert_eq!(
        sent.len(),
        4,
        "confirmed, shipped, out for delivery, delivered: once each"
    );
}

/// Carriers (UPS, FedEx and the aggregators relaying them) stamp scans in local time marked as
/// UTC: a delivery stamped hours before our label's time is still a delivery, and a delivered
/// parcel is never reported late.
#[tokio::test]
async fn a_carrier_clock_hours_behind_ours_still_delivers_the_parcel() {
    let t = start().await;
    let customer = format!("{}@example.com", unique("skew"));
    let order = t.shipped_order(&customer).await;
    let id = order["id"].as_str().unwrap();
    let code = order["shipments"][0]["tracking_code"].as_str().unwrap();
    let carrier = order["shipments"][0]["carrier"].as_str().unwrap();

    // Expected in three seconds: the delay check comes then, and must find the parcel delivered.
    let due = (chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339();
    for (status, minutes) in [("in_transit", -5 * 60), ("delivered", -4 * 60)] {
        let mut event = tracker_event(code, carrier, status, &later(minutes));
        event["result"]["est_delivery_date"] = json!(due);
        assert_eq!(t.easypost(&event).await.status(), 200);
    }
    let delivered = t.order(id).await;
    assert_eq!(delivered["status"], "closed", "{delivered:#}");
    assert_eq!(delivered["shipments"][0]["tracking_status"], "delivered");
    assert!(delivered["attention"].is_null(), "{delivered:#}");
    eventually(|| async {
        subjects(&customer)
            .await
            .iter()
            .any(|s| s.contains("delivered"))
            .then_some(())
    })
    .await
    .expect("the customer hears it was delivered");
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert!(
        !subjects(&customer)
            .await
            .iter()
            .any(|s| s.contains("running late")),
        "a delivered parcel is not late"
    );
}

#[tokio::test]
async fn a_failed_delivery_flags_the_order_and_alerts_staff() {
    let t = start().await;
    let customer = format!("{}@example.com", unique("fail"));
    let order = t.shipped_order(&customer).await;
    let id = order["id"].as_str().unwrap();
    let code = order["shipments"][0]["tracking_code"].as_str().unwrap();
    let carrier = order["shipments"][0]["carrier"].as_str().unwrap();

    let failure = tracker_event(code, carrier, "failure", &later(30));
    assert_eq!(t.easypost(&failure).await.status(), 200);
    let flagged = t.order(id).await;
    assert!(
        flagged["attention"]["reason"]
            .as_str()
            .unwrap()
            .contains("failure"),
        "{flagged}"
    );
    assert_eq!(flagged["status"], "shipped");

    let staff = eventually(|| async {
        emails_to("ops@example.com")
            .await
            .into_iter()
            .find(|e| e["body"].as_str().is_some_and(|b| b.contains(id)))
    })
    .await
    .expect("a staff alert naming the order");
    assert!(staff["subject"]
        .as_str()
        .unwrap()
        .starts_with("[Action needed] Order #2093"));
    eventually(|| async {
        subjects(&customer)
            .await
            .contains(&"Update on your order #2093".to_string())
            .then_some(())
    })
    .await
    .expect("the customer is told");

    // Delivered after all: the flag clears.
    let delivered = tracker_event(code, carrier, "delivered", &later(120));
    t.easypost(&delivered).await;
    let closed = t.order(id).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["attention"], Value::Null);
}

#[tokio::test]
async fn a_parcel_past_its_estimate_is_reported_late_once() {
    let t = start().await;
    let customer = format!("{}@example.com", unique("late"));
    let order = t.shipped_order(&customer).await;
    let id = order["id"].as_str().unwrap();
    let shipment = &order["shipments"][0];
    assert!(
        shipment["estimated_delivery"].is_string(),
        "the service's nominal days: {shipment}"
    );
    let code = shipment["tracking_code"].as_str().unwrap();
    let carrier = shipment["carrier"].as_str().unwrap();

    // The carrier's own estimate has passed and the parcel is still moving.
    let mut late = tracker_event(code, carrier, "in_transit", &later(10));
    late["result"]["est_delivery_date"] =
        json!((chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339());
    t.easypost(&late).await;
    let again = tracker_event(code, carrier, "in_transit", &later(20));
    t.easypost(&again).await;

    let flagged = t.order(id).await;
    assert!(flagged["attention"]["reason"]
        .as_str()
        .unwrap()
        .contains("past its estimated delivery"));
    eventually(|| async {
        subjects(&customer)
            .await
            .contains(&"Your order #2093 is running late".to_string())
            .then_some(())
    })
    .await
    .expect("the customer is told");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let count = subjects(&customer)
        .await
        .iter()
        .filter(|s| s.contains("running late"))
        .count();
    assert_eq!(count, 1, "once");
}

#[tokio::test]
async fn a_parcel_that_goes_quiet_past_its_estimate_is_reported_late_without_carrier_news() {
    let t = start().await;
    let customer = format!("{}@example.com", unique("quiet"));
    let order = t.shipped_order(&customer).await;
    let id = order["id"].as_str().unwrap();
    let shipment = &order["shipments"][0];
    let code = shipment["tracking_code"].as_str().unwrap();
    let carrier = shipment["carrier"].as_str().unwrap();

    // The last word from the carrier: in transit, expected in three seconds. Then silence.
    let mut scan = tracker_event(code, carrier, "in_transit", &later(1));
    scan["result"]["est_delivery_date"] =
        json!((chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339());
    assert_eq!(t.easypost(&scan).await.status(), 200);
    assert!(t.order(id).await["attention"].is_null(), "not late yet");

    eventually(|| async {
        subjects(&customer)
            .await
            .contains(&"Your order #2093 is running late".to_string())
            .then_some(())
    })
    .await
    .expect("the customer is told without another webhook");
    let flagged = t.order(id).await;
    assert!(
        flagged["attention"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("past its estimated delivery")),
        "{flagged:#}"
    );
}

#[tokio::test]
async fn deliveries_teach_each_route_its_transit_time() {
    let t = start().await;
    let two_days = chrono::Duration::days(2);
    // Five parcels on one route, each delivered two days after the carrier's first scan; the
    // carrier stamps local time as UTC, hours behind ours, which must not matter.
    for _ in 0..5 {
        let order = t
            .shipped_order(&format!("{}@example.com", unique("route")))
            .await;
        let shipment = &order["shipments"][0];
        let (code, carrier) = (
            shipment["tracking_code"].as_str().unwrap(),
            shipment["carrier"].as_str().unwrap(),
        );
        let picked_up = chrono::Utc::now() - chrono::Duration::hours(5);
        for (status, at) in [
            ("in_transit", picked_up),
            ("delivered", picked_up + two_days),
        ] {
            let mut event = tracker_event(code, carrier, status, &at.to_rfc3339());
            // Only this scan: the fixture's own history is months old.
            let details = event["result"]["tracking_details"].as_array_mut().unwrap();
            details.drain(..details.len() - 1);
            assert_eq!(t.easypost(&event).await.status(), 200);
        }
        assert_eq!(
            t.order(order["id"].as_str().unwrap()).await["status"],
            "closed"
        );
    }
    // The sixth is promised what the route delivers (two days), not the service's nominal five.
    let order = t
        .shipped_order(&format!("{}@example.com", unique("route")))
        .await;
    let estimate = chrono::DateTime::parse_from_rfc3339(
        order["shipments"][0]["estimated_delivery"]
            .as_str()
            .unwrap(),
    )
    .unwrap()
    .with_timezone(&chrono::Utc);
    let days = (estimate - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((1.5..2.5).contains(&days), "estimate {days:.1} days out");
}
