//! A local stand-in for EasyPost's v2 shipments API (rates, buy, PDF labels) so the production label client runs offline.
//!
//! `shipments` answers the API (create with `rates`' prices, show, buy, refund) over the `ledger`
//! of what was made, speaking EasyPost's `objects`; `requests` reads and checks what clients send,
//! `auth` wants their credentials, `error` answers in EasyPost's error shape, and `labels` serves
//! each bought label as a PDF drawn by `label_pdf`.

mod auth;
mod error;
mod label_pdf;
mod labels;
mod ledger;
mod objects;
pub(crate) mod rates;
mod requests;
mod shipments;
#[cfg(test)]
mod test_client;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use anyhow::Context as _;
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use auth::require_api_key;
use error::ApiError;
use labels::serve_label;
use ledger::Carrier;
use shipments::{buy_shipment, create_shipment, refund_shipment, show_shipment};

/// A running sandbox carrier.
pub struct SandboxCarrier {
    pub base_url: String,
    server: JoinHandle<()>,
}

impl SandboxCarrier {
    /// Binds 127.0.0.1:port (0 = any free port) and serves in a tokio task until dropped or the runtime ends.
    pub async fn start(port: u16) -> anyhow::Result<SandboxCarrier> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
            .with_context(|| format!("sandbox carrier: binding 127.0.0.1:{port}"))?;
        let address = listener
            .local_addr()
            .context("sandbox carrier: reading the bound address")?;
        let base_url = format!("http://{address}");
        let app = router(Arc::new(Carrier::new(base_url.clone())));
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "sandbox carrier stopped");
            }
        });
        tracing::info!(%base_url, "sandbox carrier listening");
        Ok(SandboxCarrier { base_url, server })
    }
}

impl Drop for SandboxCarrier {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn router(carrier: Arc<Carrier>) -> Router {
    let api = Router::new()
        .route("/v2/shipments", post(create_shipment))
        .route("/v2/shipments/{id}", get(show_shipment))
        .route("/v2/shipments/{id}/buy", post(buy_shipment))
        .route("/v2/shipments/{id}/refund", post(refund_shipment))
        .route_layer(middleware::from_fn(require_api_key));
    // Label URLs stay outside the auth layer: EasyPost's are plain links and the client fetches
    // them without credentials.
    Router::new()
        .merge(api)
        .route("/labels/{file}", get(serve_label))
        .fallback(unknown_route)
        .with_state(carrier)
}

async fn unknown_route() -> ApiError {
    ApiError::not_found("no such route")
}
