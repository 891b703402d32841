//! Stripe's API, as the OMS asks it (`STRIPE_API_BASE`, `STRIPE_API_KEY`; locally,
//! localstripe): a PaymentIntent by id, its capture and cancellation, its refunds.

use crate::config::Env;
use crate::payments::stripe::{parse_intent, parse_refund, parse_refunds, GatewayRefund, Intent};

#[derive(Clone)]
pub struct Stripe {
    base_url: String,
    api_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripeError {
    /// Worth retrying: a timeout, 429, 5xx, an answer that is not a PaymentIntent.
    #[error("Stripe unavailable: {0}")]
    Unavailable(String),
    /// Stripe knows no such PaymentIntent.
    #[error("Stripe knows no payment {0}")]
    NotFound(String),
    /// Stripe refused the request (a wrong key, say): retrying will not help, a person must look.
    #[error("Stripe refused the request: {0}")]
    Refused(String),
}

impl Stripe {
    /// The gateway the environment names; none without a key (the channel's word stands).
    pub fn from_env(env: &dyn Env) -> Option<Self> {
        let api_key = env.var("STRIPE_API_KEY").filter(|k| !k.trim().is_empty())?;
        let base_url = env
            .var("STRIPE_API_BASE")
            .unwrap_or_else(|| "https://api.stripe.com".into());
        Some(Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: api_key.trim().to_string(),
        })
    }

    /// The PaymentIntent `id` as Stripe has it now, with the card it was paid with.
    pub async fn payment_intent(&self, id: &str) -> Result<Intent, StripeError> {
        let request = self.http()?.get(format!(
            "{}/v1/payment_intents/{id}?expand[]=payment_method",
            self.base_url
        ));
        self.intent(request, id).await
    }

    /// Captures `amount` (minor units) of an authorized PaymentIntent. `key` makes a retry the
    /// same capture at Stripe (its Idempotency-Key); a capture already made answers 400, which
    /// the caller settles by reading the intent.
    pub async fn capture(&self, id: &str, amount: i64, key: &str) -> Result<Intent, StripeError> {
        let request = self
            .http()?
            .post(format!("{}/v1/payment_intents/{id}/capture", self.base_url))
            .header("idempotency-key", key)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("amount_to_capture={amount}"));
        self.intent(request, id).await
    }

    /// Cancels an authorized (or not yet paid) PaymentIntent: the authorization is voided.
    pub async fn cancel(&self, id: &str, key: &str) -> Result<Intent, StripeError> {
        let request = self
            .http()?
            .post(format!("{}/v1/payment_intents/{id}/cancel", self.base_url))
            .header("idempotency-key", key);
        self.intent(request, id).await
    }

    /// The refunds of a PaymentIntent, newest first (up to 100: more refunds than that on one
    /// payment are not a shop's).
    pub async fn refunds(&self, payment_intent: &str) -> Result<Vec<GatewayRefund>, StripeError> {
        let request = self.http()?.get(format!(
            "{}/v1/refunds?payment_intent={payment_intent}&limit=100",
            self.base_url
        ));
        let body = self.call(request, payment_intent).await?;
        parse_refunds(&body).map_err(|e| StripeError::Unavailable(e.to_string()))
    }

    /// Refunds `amount` (minor units) of a PaymentIntent for the OMS refund `oms_refund`, which
    /// is also its Idempotency-Key and goes in its metadata, so it can be found again.
    pub async fn refund(
        &self,
        payment_intent: &str,
        amount: i64,
        oms_refund: &str,
    ) -> Result<GatewayRefund, StripeError> {
        let request = self
            .http()?
            .post(format!("{}/v1/refunds", self.base_url))
            .header("idempotency-key", oms_refund)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "payment_intent={payment_intent}&amount={amount}&metadata[oms_refund]={oms_refund}"
            ));
        let body = self.call(request, payment_intent).await?;
        parse_refund(&body).map_err(|e| StripeError::Unavailable(e.to_string()))
    }

    /// The process's client for outside APIs (`crate::outside_http`).
    fn http(&self) -> Result<&'static reqwest::Client, StripeError> {
        crate::outside_http::client().map_err(StripeError::Unavailable)
    }

    async fn intent(
        &self,
        request: reqwest::RequestBuilder,
        id: &str,
    ) -> Result<Intent, StripeError> {
        let body = self.call(request, id).await?;
        parse_intent(&body).map_err(|e| StripeError::Unavailable(e.to_string()))
    }

    /// The body of a successful answer; an error says whether retrying can help. A request that
    /// got no answer at all (its connection refused, or closed before an answer began) is sent
    /// once more at once: a pooled keep-alive connection the other end has just closed fails the
    /// next request sent on it. Every call here is safe to repeat: reads, and writes under an
    /// Idempotency-Key, which Stripe answers the second time with the first time's result.
    async fn call(
        &self,
        request: reqwest::RequestBuilder,
        id: &str,
    ) -> Result<Vec<u8>, StripeError> {
        let request = request.basic_auth(&self.api_key, Some(""));
        let again = request.try_clone();
        let response = match (request.send().await, again) {
            (Err(e), Some(again)) if unanswered(&e) => again.send().await,
            (sent, _) => sent,
        }
        .map_err(|e| StripeError::Unavailable(e.to_string()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| StripeError::Unavailable(e.to_string()))?;
        if status.is_success() {
            return Ok(body.to_vec());
        }
        let message = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| status.to_string());
        Err(match status.as_u16() {
            404 => StripeError::NotFound(id.to_string()),
            429 | 500..=599 => StripeError::Unavailable(message),
            _ => StripeError::Refused(message),
        })
    }
}

/// A request that failed before any answer came, and not by taking too long.
fn unanswered(error: &reqwest::Error) -> bool {
    !error.is_timeout() && (error.is_connect() || error.is_request())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    fn stripe_at(url: String) -> Stripe {
        Stripe {
            base_url: url,
            api_key: "sk_test".into(),
        }
    }

    /// A server that closes the first `dropped` connections as soon as a request arrives, then
    /// answers an empty list of refunds; and how many requests it saw.
    async fn closing_server(dropped: usize) -> (String, tokio::task::JoinHandle<usize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let mut seen = 0;
            loop {
                let Ok(Ok((mut socket, _))) =
                    tokio::time::timeout(std::time::Duration::from_millis(500), listener.accept())
                        .await
                else {
                    return seen;
                };
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                seen += 1;
                if seen > dropped {
                    let body = r#"{"object":"list","data":[]}"#;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    socket.write_all(answer.as_bytes()).await.unwrap();
                }
            }
        });
        (url, task)
    }

    #[tokio::test]
    async fn a_request_closed_before_any_answer_is_sent_once_more() {
        let (url, server) = closing_server(1).await;
        assert_eq!(stripe_at(url).refunds("pi_1").await, Ok(vec![]));
        assert_eq!(server.await.unwrap(), 2);
    }

    #[tokio::test]
    async fn only_once_more() {
        let (url, server) = closing_server(2).await;
        assert!(matches!(
            stripe_at(url).refunds("pi_1").await,
            Err(StripeError::Unavailable(_))
        ));
        assert_eq!(server.await.unwrap(), 2);
    }
}
