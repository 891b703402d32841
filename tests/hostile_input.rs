//! Hostile and broken input on every intake endpoint: each case gets the documented 4xx status and
//! error code, and nothing at all is written (the table stays empty, no order is started).

use oms_tests::{native_order, shopify_order, start, woocommerce_order, TestOms};
use serde_json::{json, Value};

/// How a case is signed.
#[derive(Clone, Copy)]
enum Signing {
    Valid,
    Missing,
    Garbage,
    /// A valid signature of a different body.
    OtherBody,
    /// Valid, but ten minutes old (timestamped schemes only).
    Stale,
}

struct Case {
    name: String,
    body: Vec<u8>,
    content_type: &'static str,
    signing: Signing,
    status: u16,
    code: &'static str,
}

fn case(name: impl Into<String>, body: Vec<u8>, status: u16, code: &'static str) -> Case {
    Case {
        name: name.into(),
        body,
        content_type: "application/json",
        signing: Signing::Valid,
        status,
        code,
    }
}

fn with(base: &Value, pointer: &str, value: Value) -> Vec<u8> {
    let mut v = base.clone();
    *v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer} in fixture")) = value;
    serde_json::to_vec(&v).unwrap()
}

fn without(base: &Value, pointer: &str) -> Vec<u8> {
    let mut v = base.clone();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    v.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap()
        .remove(key);
    serde_json::to_vec(&v).unwrap()
}

/// Cases every JSON endpoint shares: signatures, framing, encoding, size, content type.
fn common_cases(base: &Value, signed_401: bool) -> Vec<Case> {
    let good = serde_json::to_vec(base).unwrap();
    let mut cases = Vec::new();
    if signed_401 {
        for (name, signing) in [
            ("no signature", Signing::Missing),
            ("garbage signature", Signing::Garbage),
            ("signature of another body", Signing::OtherBody),
        ] {
            cases.push(Case {
                signing,
                ..case(name, good.clone(), 401, "unauthorized")
            });
        }
    }
    let nested = format!("{}{}", "[".repeat(300), "]".repeat(300)).into_bytes();
    cases.extend([
        case(
            "truncated JSON",
            good[..good.len() / 2].to_vec(),
            400,
            "malformed_json",
        ),
        case("empty body", Vec::new(), 400, "malformed_json"),
        case(
            "not JSON at all",
            b"order=1".to_vec(),
            400,
            "malformed_json",
        ),
        case(
            "trailing garbage",
            [good.as_slice(), b"}}"].concat(),
            400,
            "malformed_json",
        ),
        case("deeply nested", nested, 400, "too_deeply_nested"),
        case(
            "non-UTF-8",
            [&good[..10], b"\xff\xfe", &good[10..]].concat(),
            400,
            "invalid_encoding",
        ),
        case("a JSON array", b"[]".to_vec(), 422, "invalid_order"),
        case("a JSON string", b"\"order\"".to_vec(), 422, "invalid_order"),
        case("a JSON number", b"42".to_vec(), 422, "invalid_order"),
        case("JSON null", b"null".to_vec(), 422, "invalid_order"),
        case("an empty object", b"{}".to_vec(), 422, "invalid_order"),
        case(
            "over 256 KB",
            [b"{\"pad\":\"".as_slice(), &vec![b'x'; 270 * 1024], b"\"}"].concat(),
            413,
            "payload_too_large",
        ),
    ]);
    for content_type in [
        "text/plain",
        "application/xml",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "application/json-seq",
    ] {
        cases.push(Case {
            content_type,
            ..case(
                format!("content type {content_type}"),
                good.clone(),
                415,
                "unsupported_media_type",
            )
        });
    }
    cases
}

/// Money, quantity and text cases, given where an endpoint keeps them.
fn field_cases(
    base: &Value,
    quantity: &str,
    price: &str,
    currency: &str,
    email: &str,
    name: &str,
) -> Vec<Case> {
    let mut cases = vec![
        case(
            "quantity zero",
            with(base, quantity, json!(0)),
            422,
            "invalid_quantity",
        ),
        case(
            "quantity negative",
            with(base, quantity, json!(-1)),
            422,
            "invalid_quantity",
        ),
        case(
            "quantity fractional",
            with(base, quantity, json!(1.5)),
            422,
            "invalid_quantity",
        ),
        case(
            "quantity as text",
            with(base, quantity, json!("2")),
            422,
            "invalid_quantity",
        ),
        case(
            "quantity null",
            with(base, quantity, Value::Null),
            422,
            "invalid_quantity",
        ),
        case(
            "quantity absurd",
            with(base, quantity, json!(10_001)),
            422,
            "invalid_quantity",
        ),
        case(
            "quantity huge",
            with(base, quantity, json!(18_446_744_073_709_551_615u64)),
            422,
            "invalid_quantity",
        ),
        case(
            "price not a number",
            with(base, price, json!("abc")),
            422,
            "invalid_money",
        ),
        case(
            "price in exponent form",
            with(base, price, json!("1e3")),
            422,
            "invalid_money",
        ),
        case(
            "price with five decimals",
            with(base, price, json!("1.00001")),
            422,
            "invalid_money",
        ),
        case(
            "price absurd",
            with(base, price, json!("1000000000")),
            422,
            "invalid_money",
        ),
        case(
            "price negative",
            with(base, price, json!("-1.00")),
            422,
            "invalid_price",
        ),
        case(
            "price empty",
            with(base, price, json!("")),
            422,
            "invalid_money",
        ),
        case(
            "currency a word",
            with(base, currency, json!("dollars")),
            422,
            "invalid_currency",
        ),
        case(
            "currency too short",
            with(base, currency, json!("US")),
            422,
            "invalid_currency",
        ),
        case(
            "currency with digits",
            with(base, currency, json!("U5D")),
            422,
            "invalid_currency",
        ),
        case(
            "email with header injection",
            with(base, email, json!("a@example.com\r\nBcc: x@evil.com")),
            422,
            "invalid_text",
        ),
        case(
            "email with a newline",
            with(base, email, json!("a@example.com\nX: 1")),
            422,
            "invalid_text",
        ),
        case(
            "name with header injection",
            with(base, name, json!("Priya\r\nBcc: x@evil.com")),
            422,
            "invalid_text",
        ),
        case(
            "name with a NUL",
            with(base, name, json!("Priya\u{0}")),
            422,
            "invalid_text",
        ),
        case(
            "name absurdly long",
            with(base, name, json!("P".repeat(500))),
            422,
            "invalid_text",
        ),
    ];
    // One text policy: what breaks a line, reorders what is shown, or cannot be seen.
    for (what, hidden) in [
        ("a line separator", '\u{2028}'),
        ("a paragraph separator", '\u{2029}'),
        ("a right-to-left override", '\u{202E}'),
        ("a zero-width space", '\u{200B}'),
        ("a byte-order mark", '\u{FEFF}'),
    ] {
        cases.push(case(
            format!("name with {what}"),
            with(base, name, json!(format!("Pri{hidden}ya"))),
            422,
            "invalid_text",
        ));
    }
    cases.push(case(
        "price of the wrong type",
        with(base, price, json!(true)),
        422,
        "invalid_order",
    ));
    cases
}

async fn send(t: &TestOms, endpoint: &str, c: &Case) -> reqwest::Response {
    let body = c.body.clone();
    let secret = match endpoint {
        "/webhooks/shopify" => "SHOPIFY_WEBHOOK_SECRET",
        _ => "WOOCOMMERCE_WEBHOOK_SECRET",
    };
    let signature_of = |payload: &[u8]| t.base64_signature(secret, payload);
    let now = chrono::Utc::now().timestamp();
    let mut request = t
        .http
        .post(t.url(endpoint))
        .header("content-type", c.content_type)
        .body(body.clone());
    request = match endpoint {
        "/webhooks/shopify" | "/webhooks/woocommerce" => {
            let header = if endpoint == "/webhooks/shopify" {
                "x-shopify-hmac-sha256"
            } else {
                "x-wc-webhook-signature"
            };
            let topic = if endpoint == "/webhooks/shopify" {
                ("x-shopify-topic", "orders/create")
            } else {
                ("x-wc-webhook-topic", "order.created")
            };
            let request = request.header(topic.0, topic.1);
            match c.signing {
                Signing::Valid | Signing::Stale => request.header(header, signature_of(&body)),
                Signing::Missing => request,
                Signing::Garbage => request.header(header, "not-a-signature"),
                Signing::OtherBody => request.header(header, signature_of(b"{}")),
            }
        }
        "/webhooks/stripe" => {
            let secret = t.secret("STRIPE_WEBHOOK_SECRET");
            let sign = |payload: &[u8], at| TestOms::stripe_signature_with(&secret, payload, at);
            match c.signing {
                Signing::Valid => request.header("stripe-signature", sign(&body, now)),
                Signing::Stale => request.header("stripe-signature", sign(&body, now - 600)),
                Signing::Missing => request,
                Signing::Garbage => request.header("stripe-signature", "t=abc,v1=zz"),
                Signing::OtherBody => request.header("stripe-signature", sign(b"{}", now)),
            }
        }
        "/webhooks/orders" => match c.signing {
            Signing::Valid => request.header("x-oms-signature", t.channel_signature(&body, now)),
            Signing::Stale => {
                request.header("x-oms-signature", t.channel_signature(&body, now - 600))
            }
            Signing::Missing => request,
            Signing::Garbage => request.header("x-oms-signature", "t=abc,v1=zz"),
            Signing::OtherBody => {
                request.header("x-oms-signature", t.channel_signature(b"{}", now))
            }
        },
        _ => match c.signing {
            Signing::Missing => request,
            Signing::Garbage | Signing::OtherBody | Signing::Stale => {
                request.bearer_auth("wrong-token")
            }
            Signing::Valid => request.bearer_auth(t.secret("OMS_ADMIN_TOKEN")),
        },
    };
    request.send().await.expect("gateway answers")
}

async fn run(endpoint: &str, cases: Vec<Case>) {
    assert!(cases.len() >= 40, "{endpoint}: only {} cases", cases.len());
    let t = start().await;
    let mut failures = Vec::new();
    for c in &cases {
        let response = send(&t, endpoint, c).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let code = body["error"]["code"].as_str().unwrap_or("<none>");
        let message_ok = body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty());
        if status != c.status || code != c.code || !message_ok {
            failures.push(format!(
                "{}: expected {} {}, got {status} {body}",
                c.name, c.status, c.code
            ));
        }
    }
    assert!(failures.is_empty(), "{endpoint}:\n{}", failures.join("\n"));
    let stored = t.stored_keys().await;
    assert!(
        stored.is_empty(),
        "{endpoint}: refused input wrote {stored:?}"
    );
}

#[tokio::test]
async fn shopify_refuses_hostile_orders() {
    let base = shopify_order("6120554433221100998", "priya@example.com");
    let mut cases = common_cases(&base, true);
    cases.extend(field_cases(
        &base,
        "/line_items/0/quantity",
        "/line_items/0/price",
        "/currency",
        "/email",
        "/customer/first_name",
    ));
    // A field we ignore is no place to hide a parser-stalling structure either.
    let mut buried = serde_json::to_vec(&base).unwrap();
    buried.pop();
    buried.extend(
        format!(
            r#","note_attributes_x":{}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        )
        .bytes(),
    );
    cases.push(case(
        "an ignored field nested 100,000 deep",
        buried,
        400,
        "too_deeply_nested",
    ));
    cases.extend([
        case(
            "no line items",
            with(&base, "/line_items", json!([])),
            422,
            "no_line_items",
        ),
        case(
            "line items missing",
            without(&base, "/line_items"),
            422,
            "no_line_items",
        ),
        case(
            "line items an object",
            with(&base, "/line_items", json!({"0": {}})),
            422,
            "invalid_order",
        ),
        case(
            "too many lines",
            with(
                &base,
                "/line_items",
                json!(vec![
                    json!({"sku": "A", "quantity": 1, "price": "1.00"});
                    501
                ]),
            ),
            422,
            "too_many_line_items",
        ),
        case(
            "id negative",
            with(&base, "/id", json!(-1)),
            422,
            "invalid_order",
        ),
        case(
            "id fractional",
            with(&base, "/id", json!(1.5)),
            422,
            "invalid_order",
        ),
        case(
            "id a path",
            with(&base, "/id", json!("../../etc/passwd")),
            422,
            "invalid_order",
        ),
        case("id missing", without(&base, "/id"), 422, "invalid_order"),
        case(
            "total missing",
            without(&base, "/total_price"),
            422,
            "invalid_money",
        ),
        case(
            "tax not money",
            with(&base, "/total_tax", json!("8,38")),
            422,
            "invalid_money",
        ),
        case(
            "discount negative",
            with(&base, "/total_discounts", json!("-5.00")),
            422,
            "invalid_price",
        ),
        case(
            "shipping negative",
            with(&base, "/shipping_lines/0/price", json!("-10.00")),
            422,
            "invalid_price",
        ),
        case(
            "unknown financial status",
            with(&base, "/financial_status", json!("stolen")),
            422,
            "invalid_financial_status",
        ),
        case(
            "created_at not a time",
            with(&base, "/created_at", json!("yesterday")),
            422,
            "invalid_order",
        ),
        case(
            "shipping name injection",
            with(
                &base,
                "/shipping_address/name",
                json!("X\r\nBcc: y@evil.com"),
            ),
            422,
            "invalid_text",
        ),
    ]);
    run("/webhooks/shopify", cases).await;
}

#[tokio::test]
async fn woocommerce_refuses_hostile_orders() {
    let base = woocommerce_order(5120, "jonas@example.com");
    let mut cases = common_cases(&base, true);
    cases.retain(|c| !c.name.starts_with("not JSON"));
    cases.push(case(
        "form body that is not a ping",
        b"webhook_id=abc".to_vec(),
        400,
        "malformed_json",
    ));
    cases.extend(field_cases(
        &base,
        "/line_items/0/quantity",
        "/line_items/0/subtotal",
        "/currency",
        "/billing/email",
        "/billing/first_name",
    ));
    cases.extend([
        case(
            "no line items",
            with(&base, "/line_items", json!([])),
            422,
            "no_line_items",
        ),
        case(
            "too many lines",
            with(
                &base,
                "/line_items",
                json!(vec![base["line_items"][0].clone(); 501]),
            ),
            422,
            "too_many_line_items",
        ),
        case(
            "id negative",
            with(&base, "/id", json!(-1)),
            422,
            "invalid_order",
        ),
        case(
            "id an object",
            with(&base, "/id", json!({"id": 1})),
            422,
            "invalid_order",
        ),
        case(
            "total missing",
            without(&base, "/total"),
            422,
            "invalid_money",
        ),
        case(
            "shipping total negative",
            with(&base, "/shipping_total", json!("-49.00")),
            422,
            "invalid_price",
        ),
        case(
            "unknown status",
            with(&base, "/status", json!("teleported")),
            422,
            "invalid_status",
        ),
        case(
            "created date garbage",
            with(&base, "/date_created_gmt", json!("04/10/2026")),
            422,
            "invalid_date",
        ),
        case(
            "shipping name injection",
            with(&base, "/shipping/first_name", json!("J\r\nBcc: y@evil.com")),
            422,
            "invalid_text",
        ),
    ]);
    run("/webhooks/woocommerce", cases).await;
}

#[tokio::test]
async fn marketplace_pushes_refuse_hostile_orders() {
    let base = native_order("amazon:113-1", "ana@example.com");
    let mut cases = common_cases(&base, true);
    cases.push(Case {
        signing: Signing::Stale,
        ..case(
            "stale timestamp",
            serde_json::to_vec(&base).unwrap(),
            401,
            "unauthorized",
        )
    });
    cases.extend(field_cases(
        &base,
        "/lines/0/quantity",
        "/lines/0/unit_price",
        "/currency",
        "/customer/email",
        "/customer/name",
    ));
    cases.extend(native_cases(&base));
    cases.push(case(
        "channel id a path",
        with(&base, "/channel_order_id", json!("../../x")),
        422,
        "invalid_channel_order_id",
    ));
    cases.push(case(
        "channel_order_id missing",
        without(&base, "/channel_order_id"),
        422,
        "missing_channel_order_id",
    ));
    // What staff may leave to the catalog and the sum, a channel must state.
    for (name, field) in [
        ("total missing", "/totals/total"),
        ("unit_price missing", "/lines/0/unit_price"),
        ("title missing", "/lines/0/title"),
    ] {
        cases.push(case(name, without(&base, field), 422, "invalid_order"));
    }
    cases.push(case(
        "paid offline, says the channel",
        with(&base, "/payment_status", json!("received_offline")),
        422,
        "invalid_payment_status",
    ));
    run("/webhooks/orders", cases).await;
}

/// A Stripe event with its `Stripe-Signature` header as given (`None`: no header).
fn stripe_case(
    name: &str,
    body: Vec<u8>,
    header: Option<String>,
) -> (String, Vec<u8>, Option<String>) {
    (name.to_string(), body, header)
}

#[tokio::test]
async fn stripe_events_refuse_hostile_input() {
    let base = json!({
        "id": "evt_1PqRsT", "object": "event", "type": "payment_intent.succeeded",
        "created": 1_700_000_000, "data": {"object": {"id": "pi_3MtwBw", "object": "payment_intent",
        "amount": 2000, "currency": "usd", "status": "succeeded"}}
    });
    let dispute = json!({
        "id": "evt_2", "object": "event", "type": "charge.dispute.created",
        "data": {"object": {"id": "dp_1", "object": "dispute", "payment_intent": "pi_3MtwBw",
        "amount": 2000, "currency": "usd", "reason": "fraudulent"}}
    });
    let mut cases: Vec<Case> = common_cases(&base, true)
        .into_iter()
        .map(|c| Case {
            code: if c.code == "invalid_order" {
                "invalid_event"
            } else {
                c.code
            },
            ..c
        })
        .collect();
    cases.push(Case {
        signing: Signing::Stale,
        ..case(
            "stale timestamp",
            serde_json::to_vec(&base).unwrap(),
            401,
            "unauthorized",
        )
    });
    let event_case = |name: &str, body: Vec<u8>| case(name, body, 422, "invalid_event");
    for (name, body) in [
        ("id not an event id", with(&base, "/id", json!("ch_1"))),
        (
            "id with a path in it",
            with(&base, "/id", json!("evt_../../x")),
        ),
        ("id a number", with(&base, "/id", json!(42))),
        ("id missing", without(&base, "/id")),
        (
            "object not an event",
            with(&base, "/object", json!("charge")),
        ),
        ("type missing", without(&base, "/type")),
        (
            "type in capitals",
            with(&base, "/type", json!("PAYMENT_INTENT.SUCCEEDED")),
        ),
        (
            "type absurdly long",
            with(&base, "/type", json!("a.".repeat(80))),
        ),
        (
            "type with a newline",
            with(&base, "/type", json!("payment_intent.succeeded\n")),
        ),
        ("data missing", without(&base, "/data")),
        ("data.object missing", without(&base, "/data/object")),
        (
            "data.object a string",
            with(&base, "/data/object", json!("pi_1")),
        ),
        (
            "intent id not an intent",
            with(&base, "/data/object/id", json!("ch_1")),
        ),
        (
            "intent id with a path",
            with(&base, "/data/object/id", json!("pi_1/../../x")),
        ),
        (
            "intent id empty",
            with(&base, "/data/object/id", json!("pi_")),
        ),
        (
            "intent id absurdly long",
            with(
                &base,
                "/data/object/id",
                json!(format!("pi_{}", "a".repeat(300))),
            ),
        ),
        (
            "object of another kind",
            with(&base, "/data/object/object", json!("charge")),
        ),
        (
            "dispute amount negative",
            with(&dispute, "/data/object/amount", json!(-1)),
        ),
        (
            "dispute amount fractional",
            with(&dispute, "/data/object/amount", json!(20.5)),
        ),
        (
            "dispute amount absurd",
            with(&dispute, "/data/object/amount", json!(1e20)),
        ),
        (
            "dispute amount as text",
            with(&dispute, "/data/object/amount", json!("2000")),
        ),
        (
            "dispute currency a word",
            with(&dispute, "/data/object/currency", json!("dollars")),
        ),
        (
            "dispute id not a dispute",
            with(&dispute, "/data/object/id", json!("ch_1")),
        ),
        (
            "dispute intent a number",
            with(&dispute, "/data/object/payment_intent", json!(7)),
        ),
    ] {
        cases.push(event_case(name, body));
    }
    let good = serde_json::to_vec(&base).unwrap();
    let mut headers = Vec::new();
    let now = chrono::Utc::now().timestamp();
    let hex_sig = TestOms::stripe_signature_with("whsec_not_ours_0123456789", &good, now);
    headers.push(stripe_case(
        "signed with another secret",
        good.clone(),
        Some(hex_sig),
    ));
    headers.push(stripe_case(
        "only a v0 signature",
        good.clone(),
        Some(format!("t={now},v0=00ff")),
    ));
    headers.push(stripe_case(
        "a timestamp and no signature",
        good.clone(),
        Some(format!("t={now}")),
    ));
    headers.push(stripe_case(
        "a signature and no timestamp",
        good.clone(),
        Some("v1=00ff".into()),
    ));
    headers.push(stripe_case(
        "a timestamp past i64",
        good.clone(),
        Some("t=99999999999999999999,v1=00".into()),
    ));
    let t = start().await;
    let secret = t.secret("STRIPE_WEBHOOK_SECRET");
    let future = TestOms::stripe_signature_with(&secret, &good, now + 600);
    headers.push(stripe_case(
        "signed ten minutes ahead",
        good.clone(),
        Some(future),
    ));
    let mut failures = Vec::new();
    for (name, body, header) in &headers {
        let response = t
            .stripe_signed(body, header.as_deref(), "application/json")
            .await;
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if status != 401 || answer["error"]["code"] != "unauthorized" {
            failures.push(format!(
                "{name}: expected 401 unauthorized, got {status} {answer}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        t.stored_keys().await.is_empty(),
        "refused events wrote nothing"
    );
    drop(t);
    run("/webhooks/stripe", cases).await;
}

#[tokio::test]
async fn manual_orders_refuse_hostile_input() {
    let mut base = native_order("unused", "ana@example.com");
    base.as_object_mut().unwrap().remove("channel_order_id");
    let mut cases = common_cases(&base, false);
    cases.push(case(
        "channel_order_id given",
        serde_json::to_vec(&native_order("phone-1", "ana@example.com")).unwrap(),
        422,
        "channel_order_id_not_allowed",
    ));
    for (name, signing) in [
        ("no token", Signing::Missing),
        ("wrong token", Signing::Garbage),
    ] {
        cases.push(Case {
            signing,
            ..case(
                name,
                serde_json::to_vec(&base).unwrap(),
                401,
                "unauthorized",
            )
        });
    }
    cases.extend(field_cases(
        &base,
        "/lines/0/quantity",
        "/lines/0/unit_price",
        "/currency",
        "/customer/email",
        "/customer/name",
    ));
    cases.extend(native_cases(&base));
    let mut unknown = base.clone();
    unknown["lines"][0] = json!({"sku": "NOT-IN-CATALOG", "quantity": 1});
    cases.push(case(
        "a SKU the catalog does not know, without a price",
        serde_json::to_vec(&unknown).unwrap(),
        422,
        "unknown_sku",
    ));
    run("/orders", cases).await;
}

/// Rules of our own format, shared by marketplace pushes and manual orders.
fn native_cases(base: &Value) -> Vec<Case> {
    vec![
        case(
            "no lines",
            with(base, "/lines", json!([])),
            422,
            "no_line_items",
        ),
        case(
            "lines missing",
            without(base, "/lines"),
            422,
            "invalid_order",
        ),
        case(
            "too many lines",
            with(base, "/lines", json!(vec![base["lines"][0].clone(); 501])),
            422,
            "too_many_line_items",
        ),
        case(
            "misspelled field",
            {
                let mut v = base.clone();
                v["curency"] = json!("USD");
                serde_json::to_vec(&v).unwrap()
            },
            422,
            "invalid_order",
        ),
        case(
            "empty sku",
            with(base, "/lines/0/sku", json!("  ")),
            422,
            "invalid_sku",
        ),
        case(
            "total not money",
            with(base, "/totals/total", json!("seventy")),
            422,
            "invalid_money",
        ),
        case(
            "tax negative",
            with(base, "/totals/tax", json!("-5.21")),
            422,
            "invalid_price",
        ),
        case(
            "refunded on arrival",
            with(base, "/payment_status", json!("refunded")),
            422,
            "invalid_payment_status",
        ),
        case(
            "placed_at not a time",
            with(base, "/placed_at", json!("soon")),
            422,
            "invalid_order",
        ),
        case(
            "customer missing",
            without(base, "/customer"),
            422,
            "invalid_order",
        ),
        case(
            "shipping name injection",
            with(
                base,
                "/shipping_address/name",
                json!("A\r\nBcc: y@evil.com"),
            ),
            422,
            "invalid_text",
        ),
    ]
}
