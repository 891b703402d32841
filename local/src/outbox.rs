//! `GET /_local/outbox`: every email the emulated (or in-memory) SES accepted, newest first, each
//! rendered as the customer sees it, so a developer can read exactly what goes out.

use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;
use serde_json::Value;

use crate::memory::{MemorySes, Sent};

pub async fn page(memory: Option<MemorySes>) -> Response {
    let emails = match memory {
        Some(ses) => Ok(ses.sent().iter().map(as_emulator_shows).collect()),
        None => sent_emails().await,
    };
    match emails {
        Ok(emails) => Html(render(&emails)).into_response(),
        Err(e) => (
            StatusCode::BAD_GATEWAY,
            format!("could not read the emulator's outbox: {e}"),
        )
            .into_response(),
    }
}

/// An email kept in memory, shaped as the emulator's dump shows it.
fn as_emulator_shows(sent: &Sent) -> Value {
    serde_json::json!({
        "subject": sent.email.subject,
        "source": sent.sender,
        "destinations": {"ToAddresses": [sent.email.to]},
        "body": sent.email.html,
    })
}

/// moto builds its state dump while other requests change it and now and then answers with an
/// error page: ask a few times.
async fn sent_emails() -> anyhow::Result<Vec<Value>> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL")?;
    let url = format!("{}/moto-api/data.json", endpoint.trim_end_matches('/'));
    let mut last_error = None;
    for _ in 0..5 {
        match reqwest::get(&url).await?.json::<Value>().await {
            Ok(data) => {
                return Ok(data["ses"]["Message"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default())
            }
            Err(e) => last_error = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(last_error.map_or_else(|| anyhow::anyhow!("no answer"), anyhow::Error::from))
}

fn render(emails: &[Value]) -> String {
    let items: String = emails
        .iter()
        .rev()
        .map(|email| {
            let to = email["destinations"]["ToAddresses"]
                .as_array()
                .map(|to| to.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
                .unwrap_or_default();
            format!(
                "<section><h2>{}</h2><p>To {} &middot; from {}</p><iframe sandbox srcdoc=\"{}\"></iframe></section>",
                escape(email["subject"].as_str().unwrap_or_default()),
                escape(&to),
                escape(email["source"].as_str().unwrap_or_default()),
                escape(email["body"].as_str().unwrap_or_default()),
            )
        })
        .collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Outbox ({count})</title>\
         <style>body{{font-family:sans-serif;margin:24px;background:#fafafa}}section{{margin-bottom:32px}}\
         h2{{font-size:18px;margin:0}}p{{color:#555;margin:4px 0 8px}}\
         iframe{{width:100%;max-width:640px;height:520px;border:1px solid #ddd;background:#fff}}</style></head>\
         <body><h1>Outbox: {count} email(s)</h1>{items}</body></html>",
        count = emails.len()
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_in_memory_shows_as_the_emulator_shows_it() {
        let sent = Sent {
            message_id: "mem-1".into(),
            sender: "orders@example.com".into(),
            email: oms::notifications::Email {
                to: "a@example.com".into(),
                subject: "Your order".into(),
                text: "Hi".into(),
                html: "<p>Hi</p>".into(),
            },
        };
        let page = render(&[as_emulator_shows(&sent)]);
        assert!(page.contains(
            "<h2>Your order</h2><p>To a@example.com &middot; from orders@example.com</p>"
        ));
        assert!(page.contains("srcdoc=\"&lt;p&gt;Hi&lt;/p&gt;\""));
    }

    #[test]
    fn renders_each_email_sandboxed_and_escaped() {
        let emails = vec![serde_json::json!({
            "subject": "Order #1 <confirmed>",
            "source": "orders@example.com",
            "destinations": {"ToAddresses": ["a@example.com"]},
            "body": "<p onclick=\"x\">Hi</p>"
        })];
        let page = render(&emails);
        assert!(page.contains("Outbox: 1 email(s)"));
        assert!(page.contains("Order #1 &lt;confirmed&gt;"));
        assert!(page
            .contains("<iframe sandbox srcdoc=\"&lt;p onclick=&quot;x&quot;&gt;Hi&lt;/p&gt;\">"));
    }
}
