//! The ORDERS section in a real headless browser (Debian's chromium over WebDriver): a person
//! signs in, finds an order, changes it, prints its documents, exports the list and reads the
//! reports. Screenshots at laptop and phone widths go to `target/artifacts/admin/`.

use std::path::PathBuf;

use oms_tests::browser::Browser;
use oms_tests::stripe::{card_payment, refunds_of, staff_order};
use oms_tests::{order_of, start, start_with, unique, TestOms};
use serde_json::{json, Value};

const XSS: &str = "<img src=x onerror=alert(1)>";

const SELLER: [(&str, &str); 3] = [
    ("SellerName", "Müller & Söhne GmbH"),
    ("SellerAddress", "Hauptstraße 1|10115 Berlin|Germany"),
    ("SellerVatId", "DE123456789"),
];

fn artifact(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../target/artifacts/admin/{name}.png"))
}

/// Screenshots of the page as it is, laptop-wide and phone-wide.
async fn screenshots(browser: &Browser, name: &str) {
    browser.resize(1280, 900).await;
    browser
        .screenshot(&artifact(&format!("{name}-laptop")))
        .await;
    browser.resize(375, 812).await;
    browser
        .screenshot(&artifact(&format!("{name}-phone")))
        .await;
    let wide = browser.source().await;
    assert!(wide.contains("width=device-width"), "the page fits a phone");
}

async fn push(t: &TestOms, order: &Value) -> String {
    let response = t.marketplace(&serde_json::to_vec(order).unwrap()).await;
    assert_eq!(response.status(), 200, "order push refused");
    let answer: Value = response.json().await.unwrap();
    answer["order_id"].as_str().unwrap().to_string()
}

/// Signs in on the sign-in form the browser shows, with the admin token.
async fn sign_in(browser: &Browser, t: &TestOms) {
    browser.fill("#token", &t.secret("OMS_ADMIN_TOKEN")).await;
    browser.click("main form button").await;
    browser.wait_for_url("/admin/orders").await;
}

/// Submits the form the button is in, says yes when asked, and waits for the page to say `done`.
async fn confirm(browser: &Browser, button: &str, done: &str) {
    browser.click(button).await;
    assert!(
        browser.accept_alert().await.is_some(),
        "{button} asks before it acts"
    );
    browser.wait_for_text(".notice", done).await;
}

#[tokio::test]
async fn staff_run_the_orders_section_from_the_browser() {
    let t = start_with(&SELLER).await;
    let email = format!("{}@example.com", unique("shop"));
    let sku = unique("MUG");
    let shipped = t.paid_order_of(&email, &[(sku.as_str(), 2)]).await;
    let voided = t.paid_order_of(&email, &[(sku.as_str(), 1)]).await;
    let held_email = format!("{}@example.com", unique("held"));
    let mut odd = order_of(&unique("mkt"), &held_email, &[(sku.as_str(), 1)]);
    odd["totals"]["total"] = json!("99.00");
    odd["customer"]["name"] = json!(XSS);
    odd["shipping_address"]["name"] = json!(XSS);
    let held = push(&t, &odd).await;
    for id in [&shipped, &voided] {
        t.order_until(id, "shipped", |o| o["status"] == "shipped")
            .await;
    }
    t.order_until(&held, "held", |o| o["hold"].is_object())
        .await;

    let browser = Browser::start().await;
    // Signed out, every page leads to the sign-in form; a wrong token gets the form again.
    browser.open(&t.url("/admin/orders")).await;
    assert!(browser.url().await.ends_with("/admin/login"));
    screenshots(&browser, "login").await;
    browser.fill("#token", "not-the-token").await;
    browser.click("main form button").await;
    browser
        .wait_for_text(".error", "Sign-in failed. Check the token and try again.")
        .await;
    assert!(browser.url().await.ends_with("/admin/login"));
    assert!(browser.cookie("oms_admin").await.is_none());
    sign_in(&browser, &t).await;
    let session = browser.cookie("oms_admin").await.expect("a session cookie");

    // The list: counts per status as tabs, and the held order's name shown as text.
    let tabs = browser.text(".tabs").await;
    assert!(tabs.contains("On hold 1"), "{tabs}");
    assert!(tabs.contains("Shipped 2"), "{tabs}");
    assert!(browser.text("table.orders").await.contains(XSS));
    assert!(browser.accept_alert().await.is_none(), "no script ran");
    screenshots(&browser, "orders").await;

    // Search finds the order by its customer's email; open it.
    browser.resize(1280, 900).await;
    browser.click(".filters summary").await;
    browser.fill("#q", &held_email).await;
    browser.click(".filters button.primary").await;
    browser
        .wait_for_url(&format!("q={}", held_email.replace('@', "%40")))
        .await;
    assert_eq!(browser.count("table.orders tbody tr").await, 1);
    browser.click("table.orders tbody a").await;
    browser.wait_for_url(&format!("/admin/orders/{held}")).await;
    assert!(browser.text("#cust-h + p").await.contains(XSS));
    assert!(browser
        .source()
        .await
        .contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(browser.accept_alert().await.is_none(), "no script ran");
    assert!(browser.text(".warn").await.contains("On hold"));
    screenshots(&browser, "order-held").await;

    // Edit its address.
    browser.resize(1280, 900).await;
    browser.click("details.edit summary").await;
    browser.fill("#a-city", "Lyon").await;
    confirm(
        &browser,
        "form[action$='/edit'] button",
        "The order was changed.",
    )
    .await;
    assert!(browser.text("address").await.contains("Lyon"));
    assert!(
        browser.text(".latest").await.contains("edited")
            || browser.text(".timeline").await.contains("Lyon")
    );

    // A shipped order: change its status, and see the timeline entry.
    browser
        .open(&t.url(&format!("/admin/orders/{shipped}")))
        .await;
    browser.click("#new-status option[value=closed]").await;
    browser
        .fill("#status-reason", "picked up at the counter")
        .await;
    confirm(
        &browser,
        "form[action$='/status'] button",
        "The status was changed.",
    )
    .await;
    let latest = browser.text(".latest").await;
    assert!(
        latest.contains("closed") && latest.contains("admin"),
        "{latest}"
    );
    assert!(browser.text(".statuses").await.contains("Closed"));

    // Issue and open its invoice; print its packing slip.
    confirm(
        &browser,
        "form[action$='/invoices'] button",
        "The invoice was issued.",
    )
    .await;
    let invoice = browser
        .attribute("section[aria-labelledby=docs-h] li a", "href")
        .await
        .expect("a link to the invoice");
    let pdf = t
        .http
        .get(&invoice)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "the invoice is a PDF");
    let slip = browser
        .attribute("a[href$='/packing-slip.pdf']", "href")
        .await
        .unwrap();
    let signed_in = |path: &str| {
        t.http
            .get(t.url(path))
            .header("cookie", format!("oms_admin={session}"))
    };
    let slip_path = slip.trim_start_matches(&t.oms.api_url);
    let pdf = signed_in(slip_path).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    screenshots(&browser, "order").await;

    // Void the other order's label.
    browser.resize(1280, 900).await;
    browser
        .open(&t.url(&format!("/admin/orders/{voided}")))
        .await;
    confirm(
        &browser,
        "form[action$='/void'] button",
        "The label was voided.",
    )
    .await;
    assert!(browser
        .text("#parcels-h + article")
        .await
        .contains("Cancelled"));

    // The list's CSV, as the page links it.
    browser
        .open(&t.url(&format!("/admin/orders?q={}", email.replace('@', "%40"))))
        .await;
    let export = browser.attribute("#export", "href").await.unwrap();
    let csv = signed_in(export.trim_start_matches(&t.oms.api_url))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let email_at = headers.iter().position(|h| h == "Email").unwrap();
    let emails: Vec<String> = rows
        .records()
        .map(|r| r.unwrap()[email_at].to_string())
        .collect();
    assert_eq!(
        emails,
        [email.clone(), email.clone()],
        "one row per line of the two orders"
    );

    // A phone order: the form shows the SKU's stock, then creates the order once.
    let vase = unique("VASE");
    t.stock(&vase, "main", 7).await;
    browser.open(&t.url("/admin/orders/new")).await;
    // What a person types comes back as text, refused or not.
    browser.fill("#customer_name", XSS).await;
    browser.click("#create").await;
    browser
        .wait_for_text(".error", "the order has no lines")
        .await;
    assert_eq!(
        browser
            .attribute("#customer_name", "value")
            .await
            .as_deref(),
        Some(XSS)
    );
    assert!(browser.accept_alert().await.is_none(), "no script ran");
    browser.fill("#customer_name", "Lena Park").await;
    let phone_email = format!("{}@example.com", unique("phone"));
    browser.fill("#customer_email", &phone_email).await;
    browser.fill("#line1", "1 Main St").await;
    browser.fill("#city", "Springfield").await;
    browser.fill("#postal_code", "62701").await;
    browser.fill("#region", "IL").await;
    browser.fill("#country", "US").await;
    browser.fill("#sku_0", &vase).await;
    browser.fill("#quantity_0", "2").await;
    browser.fill("#unit_price_0", "12.00").await;
    browser.fill("#title_0", "Glass vase").await;
    browser.click("button[name=check]").await;
    browser
        .wait_for_text(
            "#hint_0",
            "not in the catalog: give a title and a price · 7 available",
        )
        .await;
    screenshots(&browser, "new-order").await;
    browser.resize(1280, 900).await;
    browser.click("#create").await;
    browser
        .wait_for_text(".notice", "The order was created.")
        .await;
    assert!(browser.text("#cust-h + p").await.contains("Lena Park"));
    let (_, found) = t
        .admin_get(&format!(
            "/orders?email={}",
            phone_email.replace('@', "%40")
        ))
        .await;
    assert_eq!(
        found["orders"].as_array().map(Vec::len),
        Some(1),
        "one order: {found}"
    );
    assert_eq!(found["orders"][0]["channel"], "manual");
    assert_eq!(found["orders"][0]["totals"]["total"], "24.00");

    // Stock: a delivery of 5 vases.
    browser
        .open(&t.url(&format!("/admin/stock?sku={vase}")))
        .await;
    assert!(browser.text(".levels").await.contains("main"));
    browser.fill("#delta", "5").await;
    browser.fill("#reason", "delivery from the supplier").await;
    confirm(
        &browser,
        "form[action$='/adjust'] button",
        "The adjustment was recorded.",
    )
    .await;
    let level = t.admin_get(&format!("/inventory/{vase}")).await.1;
    assert_eq!(level["on_hand"], 12, "{level}");
    assert!(browser
        .text(".timeline")
        .await
        .contains("delivery from the supplier"));
    screenshots(&browser, "stock").await;

    // A background export: its status page, then its link.
    browser
        .open(&t.url(&format!("/admin/orders?q={}", email.replace('@', "%40"))))
        .await;
    browser.click("#export-later").await;
    browser.wait_for_url("/admin/exports/").await;
    let mut ready = false;
    for _ in 0..100 {
        if browser
            .find("a.button.primary[href^='http']")
            .await
            .is_some()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        browser.click("a.button[href^='/admin/exports/']").await;
    }
    assert!(ready, "the export finished: {}", browser.text("main").await);

    // The reports.
    browser.resize(1280, 900).await;
    browser.open(&t.url("/admin/reports")).await;
    assert!(browser.text(".figures").await.contains("Orders"));
    assert!(browser.count(".chart svg rect").await >= 3);
    screenshots(&browser, "reports").await;

    // A form from elsewhere is refused, even with the session cookie.
    let forged = t
        .http
        .post(t.url(&format!("/admin/orders/{held}/cancel")))
        .header("cookie", format!("oms_admin={session}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("reason=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(t.order(&held).await["status"], "open");

    // Signing out ends the session.
    browser.resize(1280, 900).await;
    browser.click(".signout button").await;
    browser.wait_for_url("/admin/login").await;
    browser.open(&t.url("/admin/orders")).await;
    assert!(browser.url().await.ends_with("/admin/login"));
    browser.close().await;

    for name in [
        "login",
        "orders",
        "order-held",
        "order",
        "new-order",
        "stock",
        "reports",
    ] {
        for width in ["laptop", "phone"] {
            let size = std::fs::metadata(artifact(&format!("{name}-{width}"))).map(|m| m.len());
            assert!(size.unwrap_or(0) > 5_000, "{name}-{width} screenshot");
        }
    }
}

#[tokio::test]
async fn staff_refund_part_of_a_stripe_payment_from_the_order_page() {
    let t = start().await;
    let pi = card_payment(2000, false).await;
    let id = staff_order(&t, &pi, "pending").await;
    t.order_until(&id, "shipped", |o| o["status"] == "shipped")
        .await;
    let browser = Browser::start().await;
    browser.open(&t.url(&format!("/admin/orders/{id}"))).await;
    sign_in(&browser, &t).await;
    browser.open(&t.url(&format!("/admin/orders/{id}"))).await;
    // localstripe's cards are French, the parcel goes to the US: screened, not held.
    assert!(browser.text("#risk-h").await.contains("Risk score 25"));
    assert!(browser
        .text("#refunds-h + p")
        .await
        .contains("Nothing refunded"));
    browser.fill("#r-0", "1").await;
    browser.fill("#r-reason", "arrived chipped").await;
    confirm(
        &browser,
        "form[action$='/refunds'] button",
        "The refund was made.",
    )
    .await;
    let refunds = browser
        .text("section[aria-labelledby='refunds-h'] table")
        .await;
    assert!(
        refunds.contains("10.00") && refunds.contains("arrived chipped"),
        "{refunds}"
    );
    assert!(browser
        .text(".statuses")
        .await
        .contains("Partially refunded"));
    screenshots(&browser, "order-refunded").await;
    browser.close().await;
    let at_stripe = refunds_of(&pi).await;
    assert_eq!(at_stripe.len(), 1);
    assert_eq!(at_stripe[0]["amount"], 1000);
}
