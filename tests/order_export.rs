//! `GET /orders/export.csv`: the orders the filters find, one row per line item, as a
//! spreadsheet reads it, with formulas from outside kept as text; big ones (or `?async=true`)
//! written to S3 by the queue, part by part, and fetched through `GET /exports/{id}`.

use oms_tests::{emails_to, shopify_order, start, start_in_memory, unique, TestOms};
use serde_json::{json, Value};

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

async fn until_done(t: &TestOms, id: &str) -> Value {
    oms_tests::eventually(|| async {
        let (status, export) = t.admin_get(&format!("/exports/{id}")).await;
        assert_eq!(status, 200, "{export}");
        (export["status"] == "done").then_some(export)
    })
    .await
    .unwrap_or_else(|| panic!("export {id} never finished"))
}

/// `?async=true`: 202 at once, the queue writes the file to S3, the status route hands out a
/// link to it, and who asked (the admin token has no email: the ops address) is told once.
#[tokio::test]
async fn an_async_export_is_written_to_s3_and_its_link_gives_the_same_csv() {
    let t = start().await;
    let email = format!("{}@example.com", unique("async"));
    for n in 0..3 {
        let mut order = shopify_order(&unique("98"), &email);
        order["financial_status"] = json!("pending");
        order["name"] = json!(format!("#810{n}"));
        t.create_shopify_order(&order).await;
    }
    let filter = format!("email={}", email.replace('@', "%40"));
    let direct = t
        .http
        .get(t.url(&format!("/orders/export.csv?{filter}")))
        .bearer_auth(t.secret("OMS_ADMIN_TOKEN"))
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), 200);
    let direct = direct.text().await.unwrap();

    let (status, started) = t
        .admin_get(&format!("/orders/export.csv?{filter}&async=true"))
        .await;
    assert_eq!(status, 202, "{started}");
    let id = started["export_id"].as_str().unwrap().to_string();
    assert_eq!(started["status_url"], format!("/exports/{id}"));
    let done = until_done(&t, &id).await;
    assert_eq!(
        (done["orders"].as_u64(), done["parts"].as_u64()),
        (Some(3), Some(1))
    );
    let file = t
        .http
        .get(done["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(
        file.text().await.unwrap(),
        direct,
        "the same CSV as the direct answer"
    );

    let ops = t.oms.env("OPS_EMAIL").unwrap().to_string();
    let told = oms_tests::eventually(|| async {
        let mails: Vec<Value> = emails_to(&ops)
            .await
            .into_iter()
            .filter(|m| m.to_string().contains(&id))
            .collect();
        (!mails.is_empty()).then_some(mails)
    })
    .await
    .expect("the export-ready email");
    assert_eq!(told.len(), 1, "told once");

    for (path, code) in [
        ("/exports/exp_nosuchexport", 404),
        ("/exports/..%2Fetc", 404),
        ("/orders/export.csv?async=maybe", 400),
    ] {
        let (status, body) = t.admin_get(path).await;
        assert_eq!(status, code, "{path}: {body}");
    }
}

/// More than one part: 120 orders of 100 lines (about 7 MB of CSV) go in two parts of at least
/// 5 MiB but the last, joined into one file with one header; the direct route hands such an
/// export to the queue by itself.
#[tokio::test]
async fn a_big_export_goes_in_parts_and_joins_into_one_file() {
    let t = start_in_memory().await;
    let email = format!("{}@example.com", unique("big"));
    let mut order = shopify_order("0", &email);
    order["financial_status"] = json!("pending");
    let line = order["line_items"][0].clone();
    order["line_items"] = (0..100)
        .map(|i| {
            let mut line = line.clone();
            line["id"] = json!(format!("{i}"));
            line["sku"] = json!(format!("SKU-{i:03}"));
            line["title"] = json!(format!(
                "A long product title, number {i}, {}",
                "x".repeat(300)
            ));
            line["quantity"] = json!(1);
            line
        })
        .collect();
    let total: u32 = 100 * 14;
    order["subtotal_price"] = json!(format!("{total}.00"));
    order["total_line_items_price"] = json!(format!("{total}.00"));
    order["total_price"] = json!(format!("{}.00", total + 10));
    order["total_tax"] = json!("0.00");
    for n in 0..120 {
        order["id"] = json!(unique("99"));
        order["name"] = json!(format!("#9{n:03}"));
        t.create_shopify_order(&order).await;
    }

    let (status, started) = t
        .admin_get(&format!(
            "/orders/export.csv?email={}",
            email.replace('@', "%40")
        ))
        .await;
    assert_eq!(status, 202, "over 5 MB: the queue writes it: {started}");
    let id = started["export_id"].as_str().unwrap().to_string();
    let done = until_done(&t, &id).await;
    assert_eq!(done["orders"], 120);
    assert_eq!(done["parts"], 2, "{done}");

    let memory = t.oms.memory.as_ref().expect("the in-memory world");
    let bucket = &t.oms.resources.refs["DocumentBucket"];
    let (kind, file) = memory
        .s3
        .file(bucket, &format!("exports/{id}.csv"))
        .expect("the joined file");
    assert_eq!(kind, "text/csv; charset=utf-8");
    assert_eq!(done["bytes"].as_u64(), Some(file.len() as u64));
    let mut reader = csv::Reader::from_reader(file.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 120 * 100, "every line once, one header");
    let names: std::collections::BTreeSet<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(names.len(), 120);
}
