//! What the world sends, decided by the seed before the run: a catalog with hot SKUs that have
//! less stock than demand, orders from every channel (each webhook delivered one to three times,
//! concurrently and out of order, some unpaid, some paid later, some canceled by the channel),
//! storefront checkouts (most become orders, before or after their order's webhook; some are
//! abandoned; each stamped by a shop clock hours off), staff actions, restocks, and a poisoned
//! message on every queue.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::requests::{Request, Secrets};
use super::rng::Rng;

const SHOPIFY_ORDER: &str = include_str!("../../../tests/fixtures/shopify/orders-create.json");
const WOOCOMMERCE_ORDER: &str =
    include_str!("../../../tests/fixtures/woocommerce/order-created.json");
const NATIVE_ORDER: &str = include_str!("../../../tests/fixtures/native/order.json");
const EASYPOST_EVENT: &str = include_str!("../../../tests/fixtures/easypost/tracker-updated.json");

/// Units of a plain SKU: more than any run sells.
const PLENTY: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Shopify,
    WooCommerce,
    Marketplace,
    Manual,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Shopify,
        Channel::WooCommerce,
        Channel::Marketplace,
        Channel::Manual,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Channel::Shopify => "shopify",
            Channel::WooCommerce => "woocommerce",
            Channel::Marketplace => "marketplace",
            Channel::Manual => "manual",
        }
    }
}

pub struct Sku {
    pub code: String,
    pub initial: i64,
    pub hot: bool,
}

/// One order's story as the outside world will tell it.
pub struct OrderPlan {
    pub channel: Channel,
    /// The channel's id for it (a number for Shopify and WooCommerce).
    pub number: u64,
    pub email: String,
    pub lines: Vec<(usize, u32)>,
    pub paid_at_once: bool,
    pub paid_later: bool,
    pub canceled_by_channel: bool,
    /// The token of the storefront checkout it was placed from (Shopify only).
    pub checkout: Option<String>,
}

/// A storefront checkout: it becomes the order at `order`, or is abandoned.
pub struct CheckoutPlan {
    pub token: String,
    pub email: String,
    pub order: Option<usize>,
}

/// Why a request is sent, so its answer can be followed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Setup,
    Create(usize),
    Update(usize),
    /// SKU index and units.
    Restock(usize, i64),
    /// A storefront checkout, by its index.
    Checkout(usize),
    Tracking,
    Staff,
}

pub enum Action {
    Send {
        request: Request,
        purpose: Purpose,
        attempt: u32,
    },
    StaffCancel(usize),
    StaffVoid(usize),
    /// A person works through the orders on hold.
    StaffReview,
    /// A carrier scan for a parcel: the parcel is in the carrier's hands from the first one.
    Scan {
        shipment_id: String,
        request: Request,
    },
    /// A message no consumer can read, straight onto a queue: it must end in the dead-letter
    /// queue, and nothing else may.
    Poison {
        queue: String,
    },
}

pub struct Traffic {
    pub skus: Vec<Sku>,
    pub orders: Vec<OrderPlan>,
    pub checkouts: Vec<CheckoutPlan>,
    /// `(seconds from the start, action)`, in no particular order.
    pub schedule: Vec<(i64, Action)>,
    /// How every parcel travels once its label is bought.
    pub journey: Journey,
}

/// The carrier's scans of a parcel: each status at a time drawn from its range of seconds after
/// the label was bought, each event sent `copies` times.
pub struct Journey {
    pub scans: [(&'static str, (i64, i64)); 3],
    pub copies: u32,
}

impl Journey {
    /// A quick journey (under a day), each event delivered twice, hours apart at most.
    pub const SIMULATION: Journey = Journey {
        scans: [
            ("in_transit", (600, 7200)),
            ("out_for_delivery", (3 * 3600, 8 * 3600)),
            ("delivered", (9 * 3600, 16 * 3600)),
        ],
        copies: 2,
    };

    /// Three days on the road, each event delivered once.
    pub const THREE_DAYS: Journey = Journey {
        scans: [
            ("in_transit", (2 * 3600, 6 * 3600)),
            ("out_for_delivery", (60 * 3600, 64 * 3600)),
            ("delivered", (66 * 3600, 70 * 3600)),
        ],
        copies: 1,
    };
}

/// The run's traffic for `orders` orders over about one simulated second per order.
pub fn generate(orders: usize, rng: &mut Rng, secrets: &Secrets, start: DateTime<Utc>) -> Traffic {
    let span = (orders as i64).max(60);
    let hot = 3;
    let mut skus: Vec<Sku> = (0..40)
        .map(|i| Sku {
            code: format!("SIM-{i:02}"),
            initial: PLENTY,
            hot: false,
        })
        .collect();
    for i in 0..hot {
        skus.push(Sku {
            code: format!("SIM-HOT-{i}"),
            // Demand for a hot SKU is about a tenth of the orders, two units each.
            initial: (orders as i64 / 40).max(2),
            hot: true,
        });
    }
    let mut schedule = Vec::new();
    for sku in &skus {
        schedule.push((
            0,
            Action::Send {
                request: secrets.admin(
                    http::Method::PUT,
                    &format!("/inventory/{}", sku.code),
                    Some(json!({"location": "main", "on_hand": sku.initial})),
                ),
                purpose: Purpose::Setup,
                attempt: 0,
            },
        ));
    }
    for (index, sku) in skus.iter().enumerate().filter(|(_, s)| s.hot) {
        for delivery in 0..3 {
            let units = sku.initial / 2 + 1;
            let mut request = secrets.admin(
                http::Method::POST,
                &format!("/inventory/{}/adjust", sku.code),
                Some(json!({"location": "main", "delta": units, "reason": "restock"})),
            );
            // The stock person's client retries with the same key.
            if let Ok(key) =
                http::HeaderValue::from_str(&format!("restock-{}-{delivery}", sku.code))
            {
                request.headers.insert("idempotency-key", key);
            }
            schedule.push((
                rng.between(60, span + 3600),
                Action::Send {
                    request,
                    purpose: Purpose::Restock(index, units),
                    attempt: 0,
                },
            ));
        }
    }

    let mut plans = Vec::with_capacity(orders);
    let mut checkouts = Vec::new();
    for index in 0..orders {
        let channel = *rng.pick(&Channel::ALL);
        let line_count = rng.between(1, 3) as usize;
        let mut lines: Vec<(usize, u32)> = Vec::new();
        while lines.len() < line_count {
            let sku = if rng.chance(0.05) {
                40 + rng.below(hot as u64) as usize
            } else {
                rng.below(40) as usize
            };
            if lines.iter().all(|(s, _)| *s != sku) {
                lines.push((sku, rng.between(1, 3) as u32));
            }
        }
        let checkout =
            (channel == Channel::Shopify && rng.chance(0.5)).then(|| format!("chk-{index}"));
        let paid_at_once = rng.chance(0.85) || channel == Channel::Manual;
        let paid_later = !paid_at_once && rng.chance(0.6);
        let plan = OrderPlan {
            channel,
            number: 7_000_000_000_000 + index as u64,
            email: format!("customer{index}@sim.example"),
            lines,
            paid_at_once,
            paid_later,
            canceled_by_channel: channel != Channel::Manual
                && (rng.chance(0.04) || (!paid_at_once && !paid_later && rng.chance(0.5))),
            checkout,
        };
        let placed = rng.between(0, span);
        if let Some(token) = &plan.checkout {
            // Mostly minutes before the order; sometimes its webhook comes after the order's.
            let sent = if rng.chance(0.8) {
                (placed - rng.between(60, 1800)).max(0)
            } else {
                placed + rng.between(0, 300)
            };
            checkouts.push(CheckoutPlan {
                token: token.clone(),
                email: plan.email.clone(),
                order: Some(index),
            });
            schedule_checkout(
                &mut schedule,
                rng,
                secrets,
                start,
                &plan.lines,
                checkouts.len() - 1,
                &checkouts,
                sent,
            );
        }
        let at = |offset: i64| start + Duration::seconds(placed + offset);
        // Deliveries of the order itself: one to three, close together.
        let copies = rng.between(1, 3);
        let same_id = rng.chance(0.5);
        // Every copy is the same body: a sender's retry, or its duplicate of one event.
        let stamp = at(0) + Duration::seconds(rng.between(-300, 300));
        for copy in 0..copies {
            let delivery = if same_id { 0 } else { copy };
            let offset = rng.between(0, 90);
            let request = order_request(&plan, secrets, Version::Placed, delivery, stamp);
            schedule.push((
                placed + offset,
                Action::Send {
                    request,
                    purpose: Purpose::Create(index),
                    attempt: 0,
                },
            ));
        }
        if plan.paid_later {
            let offset = rng.between(0, 1800);
            let stamp = at(offset) + Duration::seconds(rng.between(-300, 300));
            for copy in 0..rng.between(1, 2) {
                schedule.push((
                    placed + offset + copy * rng.between(0, 60),
                    Action::Send {
                        request: order_request(&plan, secrets, Version::Paid, 10, stamp),
                        purpose: Purpose::Update(index),
                        attempt: 0,
                    },
                ));
            }
        }
        if plan.canceled_by_channel {
            let offset = rng.between(30, 7200);
            let stamp = at(offset) + Duration::seconds(rng.between(-300, 300));
            schedule.push((
                placed + offset,
                Action::Send {
                    request: order_request(&plan, secrets, Version::Canceled, 20, stamp),
                    purpose: Purpose::Update(index),
                    attempt: 0,
                },
            ));
        }
        if rng.chance(0.03) {
            schedule.push((placed + rng.between(60, 7200), Action::StaffCancel(index)));
        }
        if rng.chance(0.02) {
            schedule.push((placed + rng.between(300, 7200), Action::StaffVoid(index)));
        }
        plans.push(plan);
    }
    for abandoned in 0..(orders / 20).max(1) {
        checkouts.push(CheckoutPlan {
            token: format!("left-{abandoned}"),
            email: format!("shopper{abandoned}@sim.example"),
            order: None,
        });
        let lines = [(rng.below(40) as usize, 1)];
        let sent = rng.between(0, span);
        schedule_checkout(
            &mut schedule,
            rng,
            secrets,
            start,
            &lines,
            checkouts.len() - 1,
            &checkouts,
            sent,
        );
    }
    let mut review = 1800;
    while review < span + 4 * 3600 {
        schedule.push((review, Action::StaffReview));
        review += 1800;
    }
    for queue in ["PaymentQueue", "LabelQueue", "NotifyQueue"] {
        schedule.push((
            rng.between(0, span),
            Action::Poison {
                queue: queue.to_string(),
            },
        ));
    }
    Traffic {
        skus,
        orders: plans,
        checkouts,
        schedule,
        journey: Journey::SIMULATION,
    }
}

/// The SKUs every order of `order_lives` buys one unit of.
const LIFE_SKUS: usize = 3;

/// Stock for the SKUs `order_lives` sells, counted before the shop opens.
pub fn life_stock(secrets: &Secrets) -> Traffic {
    let skus: Vec<Sku> = (0..LIFE_SKUS)
        .map(|index| Sku {
            code: sku_code(index),
            initial: PLENTY,
            hot: false,
        })
        .collect();
    let schedule = skus
        .iter()
        .map(|sku| {
            let request = secrets.admin(
                http::Method::PUT,
                &format!("/inventory/{}", sku.code),
                Some(json!({"location": "main", "on_hand": sku.initial})),
            );
            (
                0,
                Action::Send {
                    request,
                    purpose: Purpose::Setup,
                    attempt: 0,
                },
            )
        })
        .collect();
    Traffic {
        skus,
        orders: Vec::new(),
        checkouts: Vec::new(),
        schedule,
        journey: Journey::THREE_DAYS,
    }
}

/// `orders` ordinary orders, one a second: each from its own Shopify customer, three lines of
/// one unit, paid, delivered once, its parcel three days on the road.
pub fn order_lives(orders: usize, secrets: &Secrets, start: DateTime<Utc>) -> Traffic {
    let plans: Vec<OrderPlan> = (0..orders)
        .map(|index| OrderPlan {
            channel: Channel::Shopify,
            number: 7_100_000_000_000 + index as u64,
            email: format!("buyer{index}@life.example"),
            lines: (0..LIFE_SKUS).map(|sku| (sku, 1)).collect(),
            paid_at_once: true,
            paid_later: false,
            canceled_by_channel: false,
            checkout: None,
        })
        .collect();
    let schedule = plans
        .iter()
        .enumerate()
        .map(|(index, plan)| {
            let second = 1 + index as i64;
            let stamp = start + Duration::seconds(60 + second);
            let request = order_request(plan, secrets, Version::Placed, 0, stamp);
            (
                second,
                Action::Send {
                    request,
                    purpose: Purpose::Create(index),
                    attempt: 0,
                },
            )
        })
        .collect();
    Traffic {
        skus: Vec::new(),
        orders: plans,
        checkouts: Vec::new(),
        schedule,
        journey: Journey::THREE_DAYS,
    }
}

/// A checkout's webhook, one or two copies of one event, sent at `sent` seconds and stamped by
/// a shop clock up to six hours off ours.
#[allow(clippy::too_many_arguments)]
fn schedule_checkout(
    schedule: &mut Vec<(i64, Action)>,
    rng: &mut Rng,
    secrets: &Secrets,
    start: DateTime<Utc>,
    lines: &[(usize, u32)],
    index: usize,
    checkouts: &[CheckoutPlan],
    sent: i64,
) {
    let plan = &checkouts[index];
    let stamp = start + Duration::seconds(sent + rng.between(-6 * 3600, 6 * 3600));
    let units: u32 = lines.iter().map(|(_, q)| q).sum();
    let body = json!({
        "token": plan.token,
        "email": plan.email,
        "currency": "CAD",
        "total_price": format!("{units}0.00"),
        "updated_at": stamp_text(stamp),
        "customer": {"first_name": "Sam", "last_name": "Ulator"},
        "abandoned_checkout_url": format!("https://sim.example/checkouts/{}", plan.token),
        "line_items": lines.iter().map(|(sku, q)| json!({
            "sku": sku_code(*sku), "title": format!("Item {}", sku_code(*sku)),
            "quantity": q, "price": "10.00",
        })).collect::<Vec<_>>(),
    });
    let body = serde_json::to_vec(&body).expect("json");
    for copy in 0..rng.between(1, 2) {
        schedule.push((
            sent + copy * rng.between(0, 120),
            Action::Send {
                request: secrets.shopify(
                    "checkouts/create",
                    &format!("checkout-{}", plan.token),
                    body.clone(),
                ),
                purpose: Purpose::Checkout(index),
                attempt: 0,
            },
        ));
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    Placed,
    Paid,
    Canceled,
}

fn stamp_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The order as its channel sends it at `stamp` (the channel's clock), as delivery `delivery`.
fn order_request(
    plan: &OrderPlan,
    secrets: &Secrets,
    version: Version,
    delivery: i64,
    stamp: DateTime<Utc>,
) -> Request {
    let paid = match version {
        Version::Placed => plan.paid_at_once,
        Version::Paid => true,
        Version::Canceled => plan.paid_at_once || plan.paid_later,
    };
    let units: u32 = plan.lines.iter().map(|(_, q)| q).sum();
    let subtotal = format!("{units}0.00");
    let total = format!("{}.00", units * 10 + 5);
    let sku = |index: usize| sku_code(index);
    let delivery_id = format!("{}-{}-{delivery}", plan.channel.name(), plan.number);
    match plan.channel {
        Channel::Shopify => {
            let mut order: Value = serde_json::from_str(SHOPIFY_ORDER).expect("fixture");
            let template = order["line_items"][0].clone();
            order["id"] = json!(plan.number);
            order["name"] = json!(format!("#S{}", plan.number));
            order["email"] = json!(plan.email);
            order["contact_email"] = json!(plan.email);
            order["customer"]["email"] = json!(plan.email);
            order["created_at"] = json!(stamp_text(stamp));
            order["updated_at"] = json!(stamp_text(stamp));
            order["financial_status"] = json!(if paid { "paid" } else { "pending" });
            order["checkout_token"] = json!(plan.checkout);
            order["line_items"] = plan
                .lines
                .iter()
                .enumerate()
                .map(|(n, (s, q))| {
                    let mut line = template.clone();
                    line["id"] = json!(plan.number * 10 + n as u64);
                    line["sku"] = json!(sku(*s));
                    line["title"] = json!(format!("Item {}", sku(*s)));
                    line["name"] = json!(format!("Item {}", sku(*s)));
                    line["quantity"] = json!(q);
                    line["fulfillable_quantity"] = json!(q);
                    line["price"] = json!("10.00");
                    line["price_set"] = money_set("10.00");
                    line["grams"] = json!(200);
                    line["tax_lines"] = json!([]);
                    line
                })
                .collect();
            order["subtotal_price"] = json!(subtotal);
            order["subtotal_price_set"] = money_set(&subtotal);
            order["total_line_items_price"] = json!(subtotal);
            order["total_tax"] = json!("0.00");
            order["total_tax_set"] = money_set("0.00");
            order["total_discounts"] = json!("0.00");
            order["discount_codes"] = json!([]);
            order["discount_applications"] = json!([]);
            order["tax_lines"] = json!([]);
            order["total_price"] = json!(total);
            order["total_price_set"] = money_set(&total);
            order["total_shipping_price_set"] = money_set("5.00");
            order["shipping_lines"][0]["price"] = json!("5.00");
            order["shipping_lines"][0]["discounted_price"] = json!("5.00");
            order["shipping_lines"][0]["price_set"] = money_set("5.00");
            let topic = if version == Version::Canceled {
                order["cancelled_at"] = json!(stamp_text(stamp));
                order["cancel_reason"] = json!("customer");
                "orders/cancelled"
            } else if version == Version::Paid {
                "orders/updated"
            } else {
                "orders/create"
            };
            secrets.shopify(topic, &delivery_id, order.to_string().into_bytes())
        }
        Channel::WooCommerce => {
            let mut order: Value = serde_json::from_str(WOOCOMMERCE_ORDER).expect("fixture");
            let template = order["line_items"][0].clone();
            let local = stamp.format("%Y-%m-%dT%H:%M:%S").to_string();
            order["id"] = json!(plan.number);
            order["number"] = json!(plan.number.to_string());
            order["billing"]["email"] = json!(plan.email);
            order["date_created_gmt"] = json!(local);
            order["date_modified_gmt"] = json!(local);
            order["status"] = json!(match version {
                Version::Canceled => "cancelled",
                _ if paid => "processing",
                _ => "pending",
            });
            order["line_items"] = plan
                .lines
                .iter()
                .enumerate()
                .map(|(n, (s, q))| {
                    let mut line = template.clone();
                    let amount = format!("{q}0.00");
                    line["id"] = json!(plan.number * 10 + n as u64);
                    line["sku"] = json!(sku(*s));
                    line["name"] = json!(format!("Item {}", sku(*s)));
                    line["quantity"] = json!(q);
                    line["price"] = json!(10);
                    line["subtotal"] = json!(amount);
                    line["total"] = json!(amount);
                    line["subtotal_tax"] = json!("0.00");
                    line["total_tax"] = json!("0.00");
                    line["taxes"] = json!([]);
                    line
                })
                .collect();
            order["discount_total"] = json!("0.00");
            order["discount_tax"] = json!("0.00");
            order["shipping_total"] = json!("5.00");
            order["shipping_tax"] = json!("0.00");
            order["cart_tax"] = json!("0.00");
            order["total_tax"] = json!("0.00");
            order["total"] = json!(total);
            order["tax_lines"] = json!([]);
            order["fee_lines"] = json!([]);
            order["coupon_lines"] = json!([]);
            if let Some(line) = order["shipping_lines"].get_mut(0) {
                line["total"] = json!("5.00");
                line["total_tax"] = json!("0.00");
                line["taxes"] = json!([]);
            }
            let topic = if version == Version::Placed {
                "order.created"
            } else {
                "order.updated"
            };
            secrets.woocommerce(topic, &delivery_id, order.to_string().into_bytes())
        }
        Channel::Marketplace | Channel::Manual => {
            let mut order: Value = serde_json::from_str(NATIVE_ORDER).expect("fixture");
            order["channel_order_id"] = json!(format!("sim:{}", plan.number));
            order["name"] = json!(format!("MKT-{}", plan.number));
            order["placed_at"] = json!(stamp_text(stamp));
            order["updated_at"] = json!(stamp_text(stamp));
            order["payment_status"] = json!(if paid { "paid" } else { "pending" });
            order["customer"]["email"] = json!(plan.email);
            order["lines"] = plan
                .lines
                .iter()
                .map(|(s, q)| {
                    json!({"sku": sku(*s), "title": format!("Item {}", sku(*s)), "quantity": q, "unit_price": "10.00", "grams": 200})
                })
                .collect();
            order["totals"] =
                json!({"shipping": "5.00", "tax": "0.00", "discounts": "0.00", "total": total});
            if version == Version::Canceled {
                order["cancelled"] = json!(true);
            }
            if plan.channel == Channel::Manual {
                if let Some(fields) = order.as_object_mut() {
                    fields.remove("channel_order_id");
                }
            }
            let body = order.to_string().into_bytes();
            if plan.channel == Channel::Manual {
                secrets.manual(&format!("sim-{}", plan.number), body)
            } else {
                secrets.marketplace(&delivery_id, stamp.timestamp(), body)
            }
        }
    }
}

fn money_set(amount: &str) -> Value {
    json!({
        "shop_money": {"amount": amount, "currency_code": "CAD"},
        "presentment_money": {"amount": amount, "currency_code": "CAD"},
    })
}

pub fn sku_code(index: usize) -> String {
    if index < 40 {
        format!("SIM-{index:02}")
    } else {
        format!("SIM-HOT-{}", index - 40)
    }
}

/// An EasyPost `tracker.updated` for a parcel, stamped by the carrier's clock.
pub fn tracker_event(
    secrets: &Secrets,
    id: &str,
    tracking_code: &str,
    status: &str,
    stamp: DateTime<Utc>,
) -> Request {
    let mut event: Value = serde_json::from_str(EASYPOST_EVENT).expect("fixture");
    let at = stamp_text(stamp);
    event["id"] = json!(id);
    event["result"]["tracking_code"] = json!(tracking_code);
    event["result"]["carrier"] = json!("USPS");
    event["result"]["status"] = json!(status);
    event["result"]["updated_at"] = json!(at);
    event["result"]["est_delivery_date"] = json!(stamp_text(stamp + Duration::days(2)));
    event["result"]["tracking_details"] = json!([{
        "object": "TrackingDetail",
        "message": format!("Status {status}"),
        "status": status,
        "datetime": at,
        "tracking_location": {"city": "MONTREAL", "state": "QC", "country": "CA"}
    }]);
    secrets.easypost(event.to_string().into_bytes())
}
