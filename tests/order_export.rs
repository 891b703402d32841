//! `GET /orders/export.csv`: the orders the filters find, one row per line item, as a
//! spreadsheet reads it, with formulas from outside kept as text.

use oms_tests::{shopify_order, start, unique};
use serde_json::json;

#[tokio::test]
async fn the_export_holds_the_filtered_orders_line_by_line_and_no_formula() {
    let t = start().await;
    let email = format!("{}@example.com", unique("csv"));
    let mut first = shopify_order(&unique("95"), &email);
    first["financial_status"] = json!("pending");
    first["name"] = json!("#7001");
    first["note"] = json!("=HYPERLINK(\"http://evil.example\",\"click\")");
    let first = t.create_shopify_order(&first).await;
    let mut second = shopify_order(&unique("96"), &email);
    second["financial_status"] = json!("pending");
    second["name"] = json!("#7002");
    let second = t.create_shopify_order(&second).await;
    let mut other = shopify_order(&unique("97"), &format!("{}@example.com", unique("no")));
    other["financial_status"] = json!("pending");
    t.create_shopify_order(&other).await;

    let response = t
        .http
        .get(t.url(&format!(
            "/orders/export.csv?email={}",
            email.replace('@', "%40")
        )))
        .bearer_auth(t.secret("OMS_ADMIN_TOKEN"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let text = response.text().await.unwrap();
    assert!(text.contains("\r\n"), "CRLF line ends");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    for column in [
        "Name",
        "Email",
        "Financial Status",
        "Fulfillment Status",
        "Currency",
        "Subtotal",
        "Shipping",
        "Taxes",
        "Total",
        "Discount Amount",
        "Shipping Method",
        "Created at",
        "Lineitem quantity",
        "Lineitem name",
        "Lineitem price",
        "Lineitem sku",
        "Shipping Name",
        "Shipping Address1",
        "Shipping City",
        "Shipping Zip",
        "Shipping Province",
        "Shipping Country",
        "Shipping Phone",
        "Notes",
        "Cancelled at",
        "Id",
        "Tracking codes",
    ] {
        assert!(header.iter().any(|h| h == column), "column {column}");
    }
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let ids: Vec<&str> = rows.iter().map(|r| &r[at("Id")]).collect();
    assert_eq!(
        ids,
        [
            second.as_str(),
            second.as_str(),
            first.as_str(),
            first.as_str()
        ],
        "newest first, a row per line, only the customer's orders"
    );
    assert_eq!(&rows[0][at("Name")], "#7002");
    assert_eq!(&rows[1][at("Total")], "74.38", "order fields on every row");
    assert_eq!(
        &rows[2][at("Notes")],
        "'=HYPERLINK(\"http://evil.example\",\"click\")"
    );
    assert_eq!(&rows[2][at("Shipping City")], "Montréal");
    assert_eq!(&rows[3][at("Lineitem quantity")], "1");

    let (status, body) = t.admin_get("/orders/export.csv?status=lost").await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = t.admin_get("/orders/export.csv?limit=5").await;
    assert_eq!(status, 400, "the export takes the filters only");
}
