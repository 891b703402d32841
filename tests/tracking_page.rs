//! The customer's tracking page, opened from the link in their email in a real headless browser:
//! it shows where the order and its parcel are, and a wrong link shows nothing.

use std::path::PathBuf;

use oms_tests::browser::Browser;
use oms_tests::{emails_to, eventually, start, tracker_event, unique};

#[tokio::test]
async fn the_link_in_the_shipped_email_opens_the_tracking_page() {
    let t = start().await;
    let customer = format!("{}@example.com", unique("page"));
    let order = t.shipped_order(&customer).await;
    let code = order["shipments"][0]["tracking_code"].as_str().unwrap();
    let carrier = order["shipments"][0]["carrier"].as_str().unwrap();
    let later = (chrono::Utc::now() + chrono::Duration::minutes(30)).to_rfc3339();
    t.easypost(&tracker_event(code, carrier, "in_transit", &later))
        .await;

    let shipped = eventually(|| async {
        emails_to(&customer).await.into_iter().find(|e| {
            e["subject"]
                .as_str()
                .is_some_and(|s| s.contains("has shipped"))
        })
    })
    .await
    .expect("the shipped email");
    let body = shipped["body"].as_str().unwrap();
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/track/"))
        .and_then(|w| w.split('"').find(|p| p.starts_with("http")))
        .map(|l| l.replace("&amp;", "&"))
        .unwrap_or_else(|| panic!("a tracking link in {body}"));
    assert!(link.starts_with(&t.oms.api_url), "{link}");

    // The link carries the order's token: the page gives it to nobody, and no one may frame it.
    let direct = t.http.get(&link).send().await.unwrap();
    let headers = direct.headers();
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");

    let browser = Browser::start().await;
    browser.open(&link).await;
    assert_eq!(browser.text("#status").await, "On its way");
    assert_eq!(browser.text(".parcel .status").await, "in transit");
    let parcel = browser.text(".parcel").await;
    assert!(parcel.contains(code), "{parcel}");
    assert!(
        parcel.contains("Status in_transit"),
        "the carrier's scans are listed: {parcel}"
    );
    let page = browser.text("main").await;
    assert!(page.contains("Hi Priya"), "{page}");
    assert!(
        !page.contains("Natarajan") && !page.contains(&customer),
        "no personal data beyond the first name"
    );
    let artifact =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/tracking-page.png");
    browser.screenshot(&artifact).await;
    assert!(std::fs::metadata(&artifact)
        .map(|m| m.len() > 10_000)
        .unwrap_or(false));

    let forged = link
        .rsplit_once("t=")
        .map(|(base, _)| format!("{base}t=00000000000000000000000000000000"))
        .unwrap();
    browser.open(&forged).await;
    assert_eq!(browser.text("#status").await, "Order not found");
    browser.close().await;

    let response = t.http.get(&forged).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    let (_, api) = t.admin_get("/orders").await;
    assert!(api["orders"].is_array());
    let json_answer = t.http.get(t.url("/orders")).send().await.unwrap();
    assert_eq!(json_answer.headers()["x-content-type-options"], "nosniff");
    let unknown = t
        .http
        .get(t.url("/track/ord_0000000000000000000000000a?t=00"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}
