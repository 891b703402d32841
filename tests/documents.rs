//! Invoices, credit notes and packing slips (`POST|GET /orders/{id}/invoices`,
//! `GET /orders/{id}/packing-slip.pdf`, `GET /orders/{id}/shipments/{sid}/packing-slip.pdf`):
//! numbered gap-free under concurrent issuing, never changed once issued, split by delivery with
//! the parts adding up to the order, and read back as text with poppler's pdftotext.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use oms_tests::{order_of, shopify_order, start, start_with, unique, TestOms};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const SELLER: [(&str, &str); 3] = [
    ("SellerName", "Müller & Söhne GmbH"),
    ("SellerAddress", "Hauptstraße 1|10115 Berlin|Germany"),
    ("SellerVatId", "DE123456789"),
];

async fn start_selling(extra: &[(&str, &str)]) -> TestOms {
    let mut parameters = SELLER.to_vec();
    parameters.extend_from_slice(extra);
    start_with(&parameters).await
}

async fn issue(t: &TestOms, id: &str, query: &str) -> (u16, Value) {
    t.admin_post(&format!("/orders/{id}/invoices{query}"), &json!({}))
        .await
}

async fn download(t: &TestOms, url: &str) -> Vec<u8> {
    let response = t
        .http
        .get(url)
        .send()
        .await
        .expect("the file store answers");
    assert_eq!(response.status(), 200, "{url}");
    response.bytes().await.expect("the PDF").to_vec()
}

async fn admin_pdf(t: &TestOms, path: &str) -> (u16, String, Vec<u8>) {
    let response = t
        .http
        .get(t.url(path))
        .bearer_auth(t.secret("OMS_ADMIN_TOKEN"))
        .send()
        .await
        .expect("gateway answers");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/documents");
    std::fs::create_dir_all(&dir).expect("artifacts folder");
    dir
}

/// The PDF's text as pdftotext reads it (layout kept), after keeping the file and a PNG of its
/// first page (pdftoppm) under target/artifacts/documents/.
fn pdf_text(pdf: &[u8], name: &str) -> String {
    let path = artifacts().join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let text = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(text.status.success(), "pdftotext reads {name}.pdf");
    let png = Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&path)
        .arg(artifacts().join(name))
        .status()
        .expect("pdftoppm (poppler-utils) is installed");
    assert!(png.success(), "pdftoppm renders {name}.pdf");
    String::from_utf8(text.stdout).expect("UTF-8 text")
}

fn numbers(listing: &Value) -> Vec<String> {
    listing["invoices"]
        .as_array()
        .expect("a list of documents")
        .iter()
        .map(|d| d["number"].as_str().unwrap().to_string())
        .collect()
}

fn d(value: &Value) -> Decimal {
    value.as_str().expect("a decimal string").parse().unwrap()
}

/// A Shopify order from a customer whose names are Cyrillic and Greek.
fn foreign_order() -> Value {
    let mut order = shopify_order(&unique("61"), &format!("{}@example.com", unique("inv")));
    order["customer"]["first_name"] = json!("Дмитрий");
    order["customer"]["last_name"] = json!("Иванов");
    order["shipping_address"]["name"] = json!("Ελένη Παπαδοπούλου");
    order["shipping_address"]["address1"] = json!("Οδός Ερμού 12");
    order["shipping_address"]["city"] = json!("Αθήνα");
    order["shipping_address"]["country_code"] = json!("GR");
    order["shipping_address"]["zip"] = json!("105 63");
    order
}

#[tokio::test]
async fn an_invoice_is_issued_once_and_every_download_is_the_same_file() {
    let t = start_selling(&[]).await;
    let id = t.create_shopify_order(&foreign_order()).await;

    let (status, issued) = issue(&t, &id, "").await;
    assert_eq!(status, 201, "{issued}");
    assert_eq!(numbers(&issued), vec!["INV-000001"]);
    let invoice = &issued["invoices"][0];
    assert_eq!(
        (invoice["kind"].as_str(), invoice["part"].as_str()),
        (Some("invoice"), Some("order"))
    );
    assert_eq!(
        (invoice["total"].as_str(), invoice["tax"].as_str()),
        (Some("74.38"), Some("8.38"))
    );

    let (status, again) = issue(&t, &id, "").await;
    assert_eq!(status, 200, "nothing changed, nothing issued: {again}");
    assert_eq!(numbers(&again), vec!["INV-000001"]);
    let (status, listed) = t.admin_get(&format!("/orders/{id}/invoices")).await;
    assert_eq!(status, 200);
    assert_eq!(numbers(&listed), vec!["INV-000001"]);

    let first = download(&t, issued["invoices"][0]["url"].as_str().unwrap()).await;
    let second = download(&t, listed["invoices"][0]["url"].as_str().unwrap()).await;
    assert!(first.starts_with(b"%PDF-"));
    assert_eq!(
        hex::encode(Sha256::digest(&first)),
        hex::encode(Sha256::digest(&second)),
        "the same bytes on every download"
    );

    let text = pdf_text(&first, "invoice");
    for expected in [
        "Invoice",
        "INV-000001",
        "Müller & Söhne GmbH",
        "Hauptstraße 1",
        "VAT ID DE123456789",
        "Ελένη Παπαδοπούλου",
        "Οδός Ερμού 12",
        "105 63 Αθήνα",
        "#2093",
        "TOWEL-LINEN-SAGE",
        "Linen Tea Towel",
        "Shipping",
        "Tax 12.697 % on 66.00",
        "8.38",
        "Total (CAD)",
        "74.38",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    // Unit price excluding tax and the line's amount, on the towel's row.
    let towel = text
        .lines()
        .find(|l| l.contains("TOWEL-LINEN-SAGE"))
        .unwrap();
    let columns: Vec<&str> = towel.split_whitespace().collect();
    assert_eq!(
        columns[columns.len() - 3..],
        ["2", "14.00", "28.00"],
        "{towel}"
    );
}

#[tokio::test]
async fn invoices_need_the_seller_configured() {
    let t = start().await;
    let id = t
        .create_shopify_order(&shopify_order(&unique("62"), "seller@example.com"))
        .await;
    let (status, body) = issue(&t, &id, "").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "seller_not_configured");
    let (status, body) = issue(&t, &id, "?split=by_colour").await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = issue(&t, "ord_nosuchorder", "").await;
    assert_eq!(status, 404);
}

/// Ten orders, each issued twice at the same moment: ten invoices, one per order, numbered
/// 1 to 10 without a gap or a repeat.
#[tokio::test]
async fn concurrent_issues_take_every_number_once_and_leave_no_gap() {
    let t = start_selling(&[]).await;
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(
            t.create_shopify_order(&shopify_order(&unique("63"), "many@example.com"))
                .await,
        );
    }
    let attempts = ids.iter().chain(ids.iter()).map(|id| issue(&t, id, ""));
    let answers = futures::future::join_all(attempts).await;
    let created = answers.iter().filter(|(status, _)| *status == 201).count();
    assert!(
        answers
            .iter()
            .all(|(status, _)| *status == 200 || *status == 201),
        "{answers:?}"
    );
    assert_eq!(created, 10, "one issue per order: {answers:?}");

    let mut all = BTreeSet::new();
    for id in &ids {
        let (_, listed) = t.admin_get(&format!("/orders/{id}/invoices")).await;
        let numbers = numbers(&listed);
        assert_eq!(numbers.len(), 1, "exactly one invoice for {id}: {listed}");
        all.extend(numbers);
    }
    let expected: BTreeSet<String> = (1..=10).map(|n| format!("INV-{n:06}")).collect();
    assert_eq!(all, expected);
}

/// An issued invoice is never edited: after the order changes, a credit note reverses it and a
/// new invoice bills the order as it is.
#[tokio::test]
async fn an_edit_after_issue_is_billed_by_a_credit_note_and_a_new_invoice() {
    let t = start_selling(&[]).await;
    let mut order = shopify_order(&unique("64"), "edit@example.com");
    order["financial_status"] = json!("pending");
    let id = t.create_shopify_order(&order).await;
    let (status, issued) = issue(&t, &id, "").await;
    assert_eq!(status, 201, "{issued}");

    let current = t.order(&id).await;
    let response = t
        .http
        .patch(t.url(&format!("/orders/{id}")))
        .bearer_auth(t.secret("OMS_ADMIN_TOKEN"))
        .header("if-match", current["version"].to_string())
        .json(&json!({"lines": [{"sku": "BOWL-STONE-L", "quantity": 2}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    let (status, reissued) = issue(&t, &id, "").await;
    assert_eq!(status, 201, "{reissued}");
    assert_eq!(
        numbers(&reissued),
        vec!["INV-000001", "CN-000001", "INV-000002"]
    );
    let [old, note, new] = [0, 1, 2].map(|i| reissued["invoices"][i].clone());
    assert_eq!(old["credited_by"], "CN-000001");
    assert_eq!(note["kind"], "credit_note");
    assert_eq!(note["reverses"], "INV-000001");
    assert_eq!(d(&note["total"]), -d(&old["total"]));
    assert!(d(&new["total"]) > d(&old["total"]), "a second bowl: {new}");
    assert!(new["credited_by"].is_null());

    let old_pdf = download(&t, old["url"].as_str().unwrap()).await;
    let first_pdf = download(&t, issued["invoices"][0]["url"].as_str().unwrap()).await;
    assert_eq!(old_pdf, first_pdf, "the reversed invoice is unchanged");
    let text = pdf_text(
        &download(&t, note["url"].as_str().unwrap()).await,
        "credit-note",
    );
    for expected in [
        "Credit note",
        "CN-000001",
        "Reverses invoice",
        "INV-000001",
        "-74.38",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }

    // Canceled: the invoice in force is reversed and nothing new is billed.
    let (status, canceled) = t
        .admin_post(
            &format!("/orders/{id}/cancel"),
            &json!({"reason": "customer changed their mind"}),
        )
        .await;
    assert_eq!(status, 200, "{canceled}");
    let (status, reversed) = issue(&t, &id, "").await;
    assert_eq!(status, 201, "{reversed}");
    assert_eq!(
        numbers(&reversed),
        vec!["INV-000001", "CN-000001", "INV-000002", "CN-000002"]
    );
    assert_eq!(reversed["invoices"][2]["credited_by"], "CN-000002");
    let (status, _) = issue(&t, &id, "").await;
    assert_eq!(status, 200, "nothing left to reverse");
}

/// Split by delivery: a parcel sent by hand and what is left, each billed for exactly its goods
/// and its share of shipping, discount and tax, the two adding up to the order to the cent.
#[tokio::test]
async fn split_invoices_bill_each_delivery_and_add_up_to_the_order() {
    let t = start_selling(&[("MaxParcelGrams", "1")]).await;
    let (mug, cup) = (unique("MUG"), unique("CUP"));
    t.stock(&mug, "main", 10).await;
    t.stock(&cup, "main", 10).await;
    let mut order = order_of(
        &unique("mkt"),
        &format!("{}@example.com", unique("split")),
        &[(mug.as_str(), 2), (cup.as_str(), 1)],
    );
    order["totals"] =
        json!({"shipping": "6.00", "tax": "3.60", "discounts": "3.00", "total": "36.60"});
    let response = t.marketplace(&serde_json::to_vec(&order).unwrap()).await;
    assert_eq!(response.status(), 200);
    let id = response.json::<Value>().await.unwrap()["order_id"]
        .as_str()
        .unwrap()
        .to_string();
    t.order_until(&id, "held (1 g limit)", |o| o["hold"].is_object())
        .await;
    let (status, moved) = t
        .admin_post(
            &format!("/orders/{id}/status"),
            &json!({"status": "partially_shipped", "reason": "the mugs went by courier",
                    "parcels": [{"carrier": "Courier", "tracking_code": "C-77",
                                 "lines": [{"sku": mug, "quantity": 2}]}]}),
        )
        .await;
    assert_eq!(status, 200, "{moved}");

    let (status, issued) = issue(&t, &id, "?split=delivery_method").await;
    assert_eq!(status, 201, "{issued}");
    let parts = issued["invoices"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "{issued}");
    assert!(parts[0]["part"].as_str().unwrap().starts_with("parcel:"));
    assert!(parts[0]["delivery"].as_str().unwrap().contains("C-77"));
    assert_eq!(parts[1]["part"], "unshipped");
    let total: Decimal = parts.iter().map(|p| d(&p["total"])).sum();
    let tax: Decimal = parts.iter().map(|p| d(&p["tax"])).sum();
    assert_eq!((total, tax), (d(&json!("36.60")), d(&json!("3.60"))));
    // Mugs are 20.00 of 30.00 in goods: two thirds of shipping and discount.
    let text = pdf_text(
        &download(&t, parts[0]["url"].as_str().unwrap()).await,
        "invoice-parcel",
    );
    assert!(text.contains(&mug) && !text.contains(&cup), "{text}");
    assert!(text.contains("4.00") && text.contains("-2.00"), "{text}");

    // Billed whole instead: the two are reversed, one invoice bills it all.
    let (status, whole) = issue(&t, &id, "?split=none").await;
    assert_eq!(status, 201, "{whole}");
    let kinds: Vec<&str> = whole["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "invoice",
            "invoice",
            "credit_note",
            "credit_note",
            "invoice"
        ]
    );
}

#[tokio::test]
async fn packing_slips_show_what_is_in_the_box_and_no_prices() {
    let t = start().await;
    let shipped = t.shipped_order("slip@example.com").await;
    let id = shipped["id"].as_str().unwrap();
    let (status, kind, pdf) = admin_pdf(&t, &format!("/orders/{id}/packing-slip.pdf")).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    let text = pdf_text(&pdf, "packing-slip");
    for expected in [
        "Packing slip",
        "Order #2093",
        "SHIP FROM",
        "Example Store Warehouse",
        "SHIP TO",
        "Priya Natarajan",
        "418 Rue Saint-Paul O",
        "Standard",
        "TOWEL-LINEN-SAGE",
        "Linen Tea Towel",
        "3 items",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    for price in ["14.00", "28.00", "74.38"] {
        assert!(!text.contains(price), "no prices on a packing slip: {text}");
    }
    // The order name as a barcode a warehouse scanner reads.
    let scan = artifacts().join("packing-slip-scan");
    let rendered = Command::new("pdftoppm")
        .args(["-png", "-r", "200", "-f", "1", "-l", "1", "-singlefile"])
        .arg(artifacts().join("packing-slip.pdf"))
        .arg(&scan)
        .status()
        .unwrap();
    assert!(rendered.success());
    let scanned = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Scode128.enable"])
        .arg(scan.with_extension("png"))
        .output()
        .expect("zbarimg (zbar-tools; cargo xtask test installs it)");
    assert_eq!(String::from_utf8_lossy(&scanned.stdout).trim(), "#2093");

    let parcel = &shipped["shipments"][0];
    let sid = parcel["id"].as_str().unwrap();
    let (status, _, pdf) = admin_pdf(
        &t,
        &format!("/orders/{id}/shipments/{sid}/packing-slip.pdf"),
    )
    .await;
    assert_eq!(status, 200);
    let text = pdf_text(&pdf, "packing-slip-parcel");
    assert!(
        text.contains(parcel["tracking_code"].as_str().unwrap()),
        "{text}"
    );
    let (status, _, _) = admin_pdf(
        &t,
        &format!("/orders/{id}/shipments/shp_none/packing-slip.pdf"),
    )
    .await;
    assert_eq!(status, 404);
}
