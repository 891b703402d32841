//! Orders admin API (bearer token) and the customers' tracking page.
//!
//! - Orders: `POST /orders` (a manual order, optional `Idempotency-Key`), `GET /orders`, `GET /orders/export.csv` (`?async=true`, or big: `GET /exports/{id}`), `GET /orders/{id}`, `PATCH /orders/{id}` (`If-Match`), `POST /orders/{id}/hold/release|reject`,
//!   `POST /orders/{id}/cancel`, `POST /orders/{id}/status` (a person's move along the
//!   transition table), `DELETE /orders/{id}/shipments/{sid}` (void a label),
//!   `POST /orders/{id}/refunds` (`Idempotency-Key`: money back through the gateway).
//! - Documents: `POST|GET /orders/{id}/invoices` (`?split=delivery_method`: invoices and credit
//!   notes, numbered gap-free, PDFs behind presigned links), `GET /orders/{id}/packing-slip.pdf`,
//!   `GET /orders/{id}/shipments/{sid}/packing-slip.pdf`.
//! - Stock: `PUT /locations/{id}`, `GET /locations`, `PUT|GET /inventory/{sku}`,
//!   `POST /inventory/{sku}/adjust`, `POST /inventory/import` (text/csv),
//!   `GET /inventory/imports/{id}`.
//! - Catalog: `PUT|GET /catalog/{sku}` (title, price, weight for staff orders).
//! - Carts: `GET /carts?state=open|converted|abandoned`.
//! - Reports: `GET /reports/summary?from=&to=&channel=` (counters kept by the order writes),
//!   `GET /reports/low-stock`.
//! - `POST /customers/{email}/preferences`: what a customer agreed to receive.
//! - `GET /track/{id}?t=<token>`: the tracking page, public but unguessable.
//! - `/admin...`: the same, as web pages for staff (`admin`), signed in with a session cookie.

mod admin;
mod carts;
mod catalog;
mod invoices;
mod manual_orders;
mod order_edit;
mod order_export;
mod order_list;
mod order_status;
mod orders;
mod packing_slips;
mod preferences;
mod refunds;
mod reports;
mod stock;
mod tracking_page;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use oms::aws::import_store::ImportStore;
use oms::aws::{
    CartStore, CatalogStore, Clients, ExportStore, InventoryStore, InvoiceStore, OrderStore,
    PdfStore, PreferenceStore, ReportStore,
};
use oms::config::{required, ConfigError, Env};
use oms::domain::Address;
use oms::http::cursor::CursorSeal;
use oms::http::{ApiError, SecretToken};
use oms::invoicing::{Seller, Split};
use oms::workflow::intake::Intake;
use oms::workflow::invoicing::{Invoicing, Series};
use oms::workflow::order_edit::OrderEdits;
use oms::workflow::order_export::OrderExports;
use oms::workflow::payment::PaymentVerification;
use oms::workflow::refunds::Refunds;
use oms::workflow::review::Review;
use oms::workflow::status_change::StatusChanges;
use oms::workflow::stock::StockFollowUp;
use oms::workflow::stock_import::StockImport;

pub struct App {
    clock: oms::clock::Time,
    orders: OrderStore,
    reports: ReportStore,
    carts: CartStore,
    inventory: InventoryStore,
    stock: StockFollowUp,
    tracking_link_secret: Vec<u8>,
    cursors: CursorSeal,
    merchant_name: String,
    preferences: PreferenceStore,
    review: Review,
    status_changes: StatusChanges,
    edits: OrderEdits,
    refunds: Refunds,
    labels: PdfStore,
    invoicing: Invoicing,
    exports: OrderExports,
    catalog: CatalogStore,
    /// Where the default location's parcels leave from, when it has no address stored.
    ship_from: Address,
    imports: StockImport,
    /// Where staff's manual orders come in, as every channel's do.
    intake: Intake,
    token: SecretToken,
    /// The admin pages' sessions, keyed from the admin token.
    sessions: admin::Sessions,
}

impl App {
    pub fn from_env(env: &dyn Env, aws: &Clients) -> Result<Self, ConfigError> {
        let table = required(env, "ORDERS_TABLE")?;
        let inventory = InventoryStore::new(aws.db.clone(), table.clone());
        let payment_queue = aws.queue(env, "PAYMENT_QUEUE_URL")?;
        let notify_queue = aws.queue(env, "NOTIFY_QUEUE_URL")?;
        let stock = StockFollowUp {
            inventory: inventory.clone(),
            payment_queue: payment_queue.clone(),
            notify_queue: notify_queue.clone(),
        };
        let carrier = aws.carrier(env)?;
        let imports = StockImport {
            imports: ImportStore::new(aws.db.clone(), table.clone()),
            inventory: inventory.clone(),
            stock: stock.clone(),
            payment_queue: payment_queue.clone(),
        };
        let tracking_link_secret = required(env, "TRACKING_LINK_SECRET")?.into_bytes();
        let merchant_name = required(env, "MERCHANT_NAME")?;
        let invoicing = Invoicing {
            orders: aws.order_store(env)?,
            invoices: InvoiceStore::new(aws.db.clone(), table.clone()),
            pdfs: PdfStore::new(aws.files()?, required(env, "DOCUMENT_BUCKET")?),
            seller: seller(env, &merchant_name),
            series: Series {
                invoice: series(env, "INVOICE_SERIES", "INV")?,
                credit_note: series(env, "CREDIT_NOTE_SERIES", "CN")?,
            },
            split: match env.var("INVOICE_SPLIT") {
                None => Split::Whole,
                Some(text) => Split::parse(&text).ok_or_else(|| ConfigError::Invalid {
                    name: "INVOICE_SPLIT",
                    reason: "none or delivery_method".into(),
                })?,
            },
            clock: aws.clock.clone(),
        };
        let refunds = Refunds {
            orders: aws.order_store(env)?,
            gateway: oms::stripe::Stripe::from_env(env),
            notify_queue: notify_queue.clone(),
            invoicing: Some(invoicing.clone()),
        };
        let review = Review {
            orders: aws.order_store(env)?,
            payment_queue: payment_queue.clone(),
            notify_queue: notify_queue.clone(),
            stock: stock.clone(),
            carrier,
            refunds: refunds.clone(),
        };
        let label_queue = aws.queue(env, "LABEL_QUEUE_URL")?;
        let edits = OrderEdits {
            orders: aws.order_store(env)?,
            inventory: inventory.clone(),
            label_queue: label_queue.clone(),
            stock: stock.clone(),
        };
        let status_changes = StatusChanges {
            orders: aws.order_store(env)?,
            review: review.clone(),
            payment: PaymentVerification {
                orders: aws.order_store(env)?,
                inventory: inventory.clone(),
                label_queue,
                notify_queue: notify_queue.clone(),
                payment_queue: payment_queue.clone(),
                stock: stock.clone(),
                clock: aws.clock.clone(),
                gateway: oms::stripe::Stripe::from_env(env),
                risk: oms::config::risk_settings(env)?,
                velocity: oms::aws::velocity_store::VelocityStore::new(aws.db.clone(), &table),
            },
            stock: stock.clone(),
        };
        let exports = OrderExports {
            exports: ExportStore::new(aws.db.clone(), table.clone()),
            orders: aws.order_store(env)?,
            files: aws.files()?,
            bucket: required(env, "DOCUMENT_BUCKET")?,
            work_queue: aws.queue(env, "LABEL_QUEUE_URL")?,
            notify_queue: notify_queue.clone(),
        };
        let admin_token = required(env, "OMS_ADMIN_TOKEN")?;
        let ship_from =
            serde_json::from_str(&required(env, "SHIP_FROM_ADDRESS")?).map_err(|e| {
                ConfigError::Invalid {
                    name: "SHIP_FROM_ADDRESS",
                    reason: e.to_string(),
                }
            })?;
        Ok(Self {
            clock: aws.clock.clone(),
            invoicing,
            exports,
            catalog: CatalogStore::new(aws.db.clone(), table.clone()),
            ship_from,
            cursors: CursorSeal::new(&tracking_link_secret),
            tracking_link_secret,
            imports,
            intake: Intake {
                orders: aws.order_store(env)?,
                payment_queue: payment_queue.clone(),
                notify_queue: notify_queue.clone(),
            },
            orders: aws.order_store(env)?,
            carts: CartStore::new(aws.db.clone(), table.clone()),
            reports: ReportStore::new(aws.db.clone(), table.clone()),
            inventory,
            stock: stock.clone(),
            merchant_name,
            preferences: PreferenceStore::new(aws.db.clone(), table),
            review,
            status_changes,
            edits,
            refunds,
            labels: PdfStore::new(aws.files()?, required(env, "LABEL_BUCKET")?),
            token: SecretToken::new(&admin_token),
            sessions: admin::Sessions::new(&admin_token),
        })
    }
}

pub async fn handle(request: Request, app: &App) -> Response<Body> {
    let path = request.raw_http_path();
    if path.starts_with("/track/") {
        return tracking_page::tracking_page(&request, app).await;
    }
    if path == "/admin" || path.starts_with("/admin/") {
        return admin::handle(request, app).await;
    }
    route(request, app)
        .await
        .unwrap_or_else(ApiError::into_response)
}

async fn route(request: Request, app: &App) -> Result<Response<Body>, ApiError> {
    let staff = app.token.check_staff(&request)?;
    api(request, &staff, app).await
}

/// The JSON API, for `staff` (checked by the caller: a token, or an admin page's session).
async fn api(request: Request, staff: &str, app: &App) -> Result<Response<Body>, ApiError> {
    let path = request.raw_http_path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let params = request.path_parameters();
    let param = |name: &str| params.first(name).unwrap_or_default().to_string();
    let method = request.method().clone();
    match (&method, segments.as_slice()) {
        (&Method::GET, ["orders"]) => order_list::list_orders(&request, app).await,
        (&Method::POST, ["orders"]) => manual_orders::create(&request, app).await,
        (&Method::GET, ["orders", "export.csv"]) => {
            order_export::export_csv(&request, staff, app).await
        }
        (&Method::GET, ["exports", _]) => order_export::export_status(&param("id"), app).await,
        (&Method::GET, ["orders", _]) => orders::get_order(&param("id"), app).await,
        (&Method::PATCH, ["orders", _]) => {
            order_edit::edit_order(&request, &param("id"), staff, app).await
        }
        (&Method::POST, ["orders", _, "hold", _]) => {
            orders::decide_hold(&request, &param("id"), &param("decision"), app).await
        }
        (&Method::POST, ["orders", _, "status"]) => {
            order_status::change_status(&request, &param("id"), staff, app).await
        }
        (&Method::POST, ["orders", _, "refunds"]) => {
            refunds::refund(&request, &param("id"), staff, app).await
        }
        (&Method::POST, ["orders", _, "cancel"]) => {
            orders::cancel_order(&request, &param("id"), app).await
        }
        (&Method::DELETE, ["orders", _, "shipments", _]) => {
            orders::void_shipment(&param("id"), &param("sid"), app).await
        }
        (&Method::POST, ["orders", _, "invoices"]) => {
            invoices::issue(&request, &param("id"), app).await
        }
        (&Method::GET, ["orders", _, "invoices"]) => invoices::list(&param("id"), app).await,
        (&Method::GET, ["orders", _, "packing-slip.pdf"]) => {
            packing_slips::order_slip(&param("id"), app).await
        }
        (&Method::GET, ["orders", _, "shipments", _, "packing-slip.pdf"]) => {
            packing_slips::parcel_slip(&param("id"), &param("sid"), app).await
        }
        (&Method::POST, ["customers", _, "preferences"]) => {
            preferences::set_preferences(&request, &param("email"), app).await
        }
        (&Method::GET, ["carts"]) => carts::list(&request, app).await,
        (&Method::GET, ["reports", "summary"]) => reports::summary(&request, app).await,
        (&Method::GET, ["reports", "low-stock"]) => stock::low_stock(app).await,
        (&Method::PUT, ["catalog", _]) => catalog::put_entry(&request, &param("sku"), app).await,
        (&Method::GET, ["catalog", _]) => catalog::get_entry(&param("sku"), app).await,
        (&Method::GET, ["locations"]) => stock::list_locations(app).await,
        (&Method::PUT, ["locations", _]) => stock::put_location(&request, &param("id"), app).await,
        (&Method::POST, ["inventory", "import"]) => stock::import(&request, app).await,
        (&Method::GET, ["inventory", "imports", _]) => {
            stock::import_status(&param("id"), app).await
        }
        (&Method::GET, ["inventory", _]) => stock::get_sku(&param("sku"), app).await,
        (&Method::PUT, ["inventory", _]) => stock::put_sku(&request, &param("sku"), app).await,
        (&Method::POST, ["inventory", _, "adjust"]) => {
            stock::adjust_sku(&request, &param("sku"), app).await
        }
        _ => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this route does not accept that method",
        )),
    }
}

/// The seller on invoices, when its address and VAT id are configured (its name defaults to the
/// shop's).
fn seller(env: &dyn Env, merchant_name: &str) -> Option<Seller> {
    let set = |name: &str| {
        env.var(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let address: Vec<String> = set("SELLER_ADDRESS")?
        .split('|')
        .map(|line| line.trim().to_string())
        .filter(|line| !line.is_empty())
        .collect();
    Some(Seller {
        name: set("SELLER_NAME").unwrap_or_else(|| merchant_name.to_string()),
        address,
        vat_id: set("SELLER_VAT_ID")?,
    })
}

/// A number series' prefix: 1 to 12 capital letters and digits.
fn series(env: &dyn Env, name: &'static str, default: &str) -> Result<String, ConfigError> {
    let value = env.var(name).unwrap_or_else(|| default.to_string());
    if (1..=12).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        Ok(value)
    } else {
        Err(ConfigError::Invalid {
            name,
            reason: "1 to 12 capital letters and digits".into(),
        })
    }
}

/// The `limit` query parameter of a listing: 1 to 100, 50 when absent.
fn page_limit(request: &Request) -> Result<i32, ApiError> {
    const DEFAULT_LIMIT: i32 = 50;
    const MAX_LIMIT: i32 = 100;
    match request.query_string_parameters().first("limit") {
        None => Ok(DEFAULT_LIMIT),
        Some(text) => text
            .parse::<i32>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| {
                ApiError::bad_request("invalid_limit", format!("limit must be 1 to {MAX_LIMIT}"))
            }),
    }
}
