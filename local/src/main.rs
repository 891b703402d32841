//! `cargo xtask dev` runs this: the whole OMS on 127.0.0.1 against the emulator.

use oms_local::{LocalOms, Options, DEV_DEFAULTS};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    oms::telemetry::init();
    let mut options = Options::default();
    // A seller to put on invoices locally; in AWS, invoices wait for the real ones.
    for (name, value) in [
        (
            "SellerAddress",
            "1 Dock Road|Columbus, OH 43004|United States",
        ),
        ("SellerVatId", "DEV-NOT-A-VAT-ID"),
    ] {
        options.parameters.insert(name.into(), value.into());
    }
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                options.port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .ok_or_else(|| anyhow::anyhow!("--port takes a port number"))?
            }
            "--parameter" => {
                let pair = args.next().unwrap_or_default();
                let (name, value) = pair
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("--parameter takes Name=Value"))?;
                options.parameters.insert(name.into(), value.into());
            }
            other => anyhow::bail!(
                "unknown argument {other}; usage: oms-local [--port 3000] [--parameter Name=Value]..."
            ),
        }
    }
    let oms = LocalOms::start(options).await?;
    let api = &oms.api_url;
    println!("OMS API        {api}");
    println!("  POST {api}/webhooks/shopify            (X-Shopify-Hmac-Sha256, X-Shopify-Topic: orders/create)");
    println!("  POST {api}/webhooks/woocommerce        (X-WC-Webhook-Signature, X-WC-Webhook-Topic: order.created)");
    println!("  POST {api}/webhooks/orders             (X-OMS-Signature: t=<unix>,v1=<hex>)");
    println!("  POST {api}/webhooks/carriers/easypost  (X-Hmac-Signature: hmac-sha256-hex=...)");
    println!("  POST {api}/orders                      (manual order; Bearer token, optional Idempotency-Key)");
    println!("  POST {api}/orders/{{id}}/hold/release|reject");
    println!(
        "  GET  {api}/orders, {api}/orders/{{id}}    (Authorization: Bearer $OMS_ADMIN_TOKEN)"
    );
    println!("  POST {api}/orders/{{id}}/invoices        (?split=delivery_method), GET the same for PDF links");
    println!("  GET  {api}/orders/{{id}}/packing-slip.pdf");
    println!("  GET  {api}/reports/summary, {api}/reports/low-stock");
    println!("admin web app  {api}/admin  (sign in with OMS_ADMIN_TOKEN)");
    println!("outbox         {api}/_local/outbox  (every email sent, rendered)");
    println!("sandbox carrier {}", oms.carrier_url);
    println!(
        "emulated AWS    {}",
        std::env::var("AWS_ENDPOINT_URL").unwrap_or_default()
    );
    for (name, _) in DEV_DEFAULTS {
        println!("{name}={}", oms.env(name).unwrap_or("?"));
    }
    let stripe = std::env::var("STRIPE_API_BASE").unwrap_or_default();
    println!("STRIPE_API_BASE={stripe}");
    if !stripe.is_empty() {
        // localstripe signs and sends its events to our endpoint from now on.
        let registered = reqwest::Client::new()
            .post(format!("{stripe}/_config/webhooks/oms-dev"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "url={api}/webhooks/stripe&secret={}",
                oms.env("STRIPE_WEBHOOK_SECRET").unwrap_or_default()
            ))
            .send()
            .await
            .and_then(|r| r.error_for_status());
        match registered {
            Ok(_) => println!("  Stripe webhooks  {api}/webhooks/stripe  (localstripe sends them)"),
            Err(e) => println!("  Stripe webhooks not registered with localstripe: {e}"),
        }
    }
    println!(
        "  a test payment: curl -s -u sk_test_x: {stripe}/v1/payment_intents -d amount=2000 \\"
    );
    println!("    -d currency=usd -d payment_method=pm_card_visa -d confirm=true   (add -d capture_method=manual to authorize only),");
    println!("  then POST {api}/orders with \"payment\": {{\"gateway\": \"stripe\", \"payment_intent\": \"pi_...\"}} and \"payment_status\": \"pending\"");
    println!("ready");
    tokio::signal::ctrl_c().await?;
    println!("stopping");
    Ok(())
}
