//! What must hold when every queue is drained, checked on the world itself.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use anyhow::Result;
use oms::aws::cart_store::CartState;
use oms::aws::{InventoryStore, ReportStore};
use oms::domain::timeline::TimelineEntry;
use oms::domain::Channel;
use oms::domain::{Order, OrderStatus};
use oms::reporting::{Standing, Summary, SummaryRange, Tally};

use super::driver::{Played, Stage};
use super::traffic::Traffic;

/// One invariant: what was checked, how many cases, and the violations (described).
pub struct Check {
    pub name: &'static str,
    pub checked: usize,
    pub violations: Vec<String>,
}

impl Check {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            checked: 0,
            violations: Vec::new(),
        }
    }

    fn expect(&mut self, holds: bool, violation: impl FnOnce() -> String) {
        self.checked += 1;
        if !holds {
            self.violations.push(violation());
        }
    }
}

pub struct Figures {
    pub checks: Vec<Check>,
    pub orders_by_status: BTreeMap<String, usize>,
    pub emails: usize,
    pub duplicate_emails: usize,
    pub mail_windows: u64,
    pub labels: usize,
}

/// The order id of an order's own item (`ORDER#<id>`, `META`), not of its other records.
pub fn order_id_of(item: &oms::dynamo::Item) -> Option<&str> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
    (text("SK")? == "META")
        .then(|| text("PK")?.strip_prefix("ORDER#"))
        .flatten()
}

pub async fn run(
    stage: &Stage,
    traffic: &Traffic,
    played: &Played,
    mail_answers_lost: u64,
    orders_table: &str,
    dead_letter_queues: &[(String, String)],
) -> Result<Figures> {
    let items = stage.world.dynamo.items(orders_table);
    let mut orders: Vec<Order> = Vec::new();
    for item in &items {
        if let Some(id) = order_id_of(item) {
            let id = oms::domain::OrderId::parse(id)?;
            if let Some(order) = stage.orders.get(&id).await? {
                orders.push(order);
            }
        }
    }
    let half_done = items
        .iter()
        .filter(|i| i.contains_key("saga_token"))
        .count();

    // Stored once: every order a channel was told it has (a 2xx) is stored once, and nothing
    // is stored that no one sent. Each planned order has a customer of its own.
    let mut once = Check::new("every accepted order stored exactly once");
    let mut by_email: BTreeMap<&str, usize> = BTreeMap::new();
    for order in &orders {
        *by_email.entry(order.customer.email.as_str()).or_default() += 1;
    }
    for (index, plan) in traffic.orders.iter().enumerate() {
        let stored = by_email.get(plan.email.as_str()).copied().unwrap_or(0);
        if played.accepted[index] {
            once.expect(stored == 1, || {
                format!(
                    "order {index} ({}) was accepted and is stored {stored} times",
                    plan.email
                )
            });
        } else {
            once.expect(stored <= 1, || {
                format!("order {index} ({}) is stored {stored} times", plan.email)
            });
        }
    }
    let planned: BTreeSet<&str> = traffic.orders.iter().map(|p| p.email.as_str()).collect();
    for order in &orders {
        once.expect(planned.contains(order.customer.email.as_str()), || {
            format!("{} was never sent", order.id)
        });
    }

    // Final states.
    let mut settled =
        Check::new("every order settled (final, or waiting for a person, money or stock)");
    let mut orders_by_status: BTreeMap<String, usize> = BTreeMap::new();
    for order in &orders {
        let waiting = order.hold.is_some()
            || !order.payment_status.allows_fulfillment()
            || !order.backordered_skus().is_empty();
        let state = match order.status {
            OrderStatus::Open | OrderStatus::ReadyToShip | OrderStatus::PartiallyShipped => {
                if order.hold.is_some() {
                    format!("{} (on hold)", order.status)
                } else if !order.payment_status.allows_fulfillment() {
                    format!("{} (unpaid)", order.status)
                } else if !order.backordered_skus().is_empty() {
                    format!("{} (backordered)", order.status)
                } else {
                    order.status.to_string()
                }
            }
            other => other.to_string(),
        };
        *orders_by_status.entry(state).or_default() += 1;
        let fine = match order.status {
            OrderStatus::Closed
            | OrderStatus::Canceled
            | OrderStatus::Failed
            | OrderStatus::Returned
            | OrderStatus::Abandoned => true,
            OrderStatus::Open | OrderStatus::ReadyToShip | OrderStatus::PartiallyShipped => waiting,
            OrderStatus::Shipped | OrderStatus::PartiallyClosed => false,
        };
        settled.expect(fine, || {
            let story: Vec<&str> = order.timeline.iter().map(|e| e.kind.as_str()).collect();
            format!(
                "{} stuck in {} (payment {}, {} parcels; {})",
                order.id,
                order.status,
                order.payment_status,
                order.shipments.len(),
                story.join(", ")
            )
        });
    }
    let mut unfinished = Check::new("no write left half done");
    unfinished.expect(half_done == 0, || {
        format!("{half_done} items hold a journal")
    });

    // Labels.
    let mut labels = Check::new("labels bought = shipments recorded, none twice");
    let sold = stage.world.carrier.sold();
    let mut recorded: BTreeMap<&str, Vec<&Order>> = BTreeMap::new();
    for order in &orders {
        for shipment in &order.shipments {
            recorded
                .entry(shipment.carrier_shipment_id.as_str())
                .or_default()
                .push(order);
        }
    }
    for label in &sold {
        let on = recorded.get(label.shipment_id.as_str());
        labels.expect(
            on.is_some_and(|o| o.len() == 1 && o[0].id.as_str() == label.reference),
            || {
                format!(
                    "label {} for {} recorded on {} orders",
                    label.tracking_code,
                    label.reference,
                    on.map_or(0, Vec::len)
                )
            },
        );
        let voided = on
            .and_then(|o| o.first())
            .and_then(|o| {
                o.shipments
                    .iter()
                    .find(|s| s.carrier_shipment_id == label.shipment_id)
            })
            .is_some_and(|s| s.voided_at.is_some());
        labels.expect(voided == label.refunded, || {
            format!(
                "label {}: voided on the order {voided}, refunded by the carrier {}",
                label.tracking_code, label.refunded
            )
        });
    }
    labels.expect(recorded.len() == sold.len(), || {
        format!(
            "{} shipments recorded, {} labels sold",
            recorded.len(),
            sold.len()
        )
    });
    let mut parcels = Check::new("no order ships a line twice");
    for order in &orders {
        let mut shipped: BTreeMap<&str, u32> = BTreeMap::new();
        for shipment in order.shipments.iter().filter(|s| s.voided_at.is_none()) {
            for line in &shipment.lines {
                *shipped.entry(line.sku.as_str()).or_default() += line.quantity;
            }
        }
        for (sku, units) in shipped {
            let ordered: u32 = order
                .lines
                .iter()
                .filter(|l| l.sku == sku)
                .map(|l| l.quantity)
                .sum();
            parcels.expect(units <= ordered, || {
                format!("{} shipped {units} of {sku}, ordered {ordered}", order.id)
            });
        }
    }

    // Emails.
    let sent = stage.world.ses.sent();
    let mut copies: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for mail in &sent {
        *copies
            .entry((
                mail.email.to.as_str(),
                mail.email.subject.as_str(),
                mail.email.text.as_str(),
            ))
            .or_default() += 1;
    }
    let duplicate_emails: usize = copies.values().map(|c| c - 1).sum();
    let mail_windows = played.tally.mail_windows + mail_answers_lost;
    let mut mails = Check::new("each email once per order, event and parcel");
    mails.expect(duplicate_emails as u64 <= mail_windows, || {
        format!("{duplicate_emails} duplicate emails, only {mail_windows} SES crash windows")
    });
    let mut told = Check::new("every shipped parcel's customer was told its tracking code");
    let mut texts_to: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for mail in &sent {
        texts_to
            .entry(mail.email.to.as_str())
            .or_default()
            .push(mail.email.text.as_str());
    }
    for order in &orders {
        let texts = texts_to
            .get(order.customer.email.as_str())
            .map_or(&[][..], Vec::as_slice);
        for shipment in order.shipments.iter().filter(|s| s.voided_at.is_none()) {
            told.expect(
                texts
                    .iter()
                    .any(|text| text.contains(&shipment.tracking_code)),
                || format!("{}: no email names {}", order.id, shipment.tracking_code),
            );
        }
    }

    // Checkouts: the abandoned ones are reminded, and end abandoned; none that became an order is.
    let mut carts = Check::new("abandoned checkouts reminded, none that became an order");
    let cart_store = oms::aws::cart_store::CartStore::new(
        std::sync::Arc::new(stage.world.dynamo.clone()),
        orders_table.to_string(),
    );
    let mut reminders_to: BTreeMap<&str, usize> = BTreeMap::new();
    for mail in sent.iter().filter(|m| {
        m.email
            .subject
            .starts_with("You left something in your cart")
    }) {
        *reminders_to.entry(mail.email.to.as_str()).or_default() += 1;
    }
    for (index, checkout) in traffic.checkouts.iter().enumerate() {
        if !played.checkouts_accepted[index] {
            continue;
        }
        let reminded = reminders_to
            .get(checkout.email.as_str())
            .copied()
            .unwrap_or(0);
        let stored = cart_store
            .get(oms::domain::Channel::Shopify, &checkout.token)
            .await?
            .map(|c| c.state);
        match checkout.order {
            Some(order) if played.accepted[order] => {
                carts.expect(reminded == 0, || {
                    format!(
                        "checkout {} became an order and was reminded",
                        checkout.token
                    )
                });
                carts.expect(stored == Some(CartState::Converted), || {
                    format!(
                        "checkout {} became an order and is {stored:?}",
                        checkout.token
                    )
                });
            }
            Some(_) => {}
            None => {
                carts.expect(reminded >= 1, || {
                    format!("abandoned checkout {} was never reminded", checkout.token)
                });
                carts.expect(stored == Some(CartState::Abandoned), || {
                    format!("abandoned checkout {} is {stored:?}", checkout.token)
                });
            }
        }
    }

    // Stock.
    let inventory = InventoryStore::new(
        std::sync::Arc::new(stage.world.dynamo.clone()),
        orders_table.to_string(),
    );
    let mut stock = Check::new("stock conserved per SKU, never oversold or negative");
    let received = &played.restocks_applied;
    for (index, sku) in traffic.skus.iter().enumerate() {
        let levels = inventory.levels(&sku.code).await?;
        let on_hand: i64 = levels.iter().map(|l| l.on_hand).sum();
        let reserved: i64 = levels.iter().map(|l| l.reserved).sum();
        let shipped: i64 = orders
            .iter()
            .flat_map(|o| o.shipments.iter().filter(|s| s.voided_at.is_none()))
            .flat_map(|s| &s.lines)
            .filter(|l| l.sku == sku.code)
            .map(|l| i64::from(l.quantity))
            .sum();
        stock.expect(sku.initial + received[index] == on_hand + shipped, || {
            format!(
                "{}: {} initial + {} received != {on_hand} on hand + {shipped} shipped",
                sku.code, sku.initial, received[index]
            )
        });
        stock.expect(reserved >= 0 && on_hand >= reserved, || {
            format!("{}: {reserved} reserved of {on_hand} on hand", sku.code)
        });
    }

    // Backorder queues: every order waiting for stock can be found by a restock.
    let mut queued = Check::new("every order waiting for stock is in its SKU's backorder queue");
    for sku in traffic.skus.iter().filter(|s| s.hot) {
        let queue = inventory.backorders(&sku.code, 10_000).await?;
        for order in orders.iter().filter(|o| {
            o.backordered_skus().contains(&sku.code.as_str())
                && !matches!(o.status, OrderStatus::Canceled | OrderStatus::Failed)
        }) {
            queued.expect(queue.contains(&order.id), || {
                format!(
                    "{} waits for {} but is not in its queue",
                    order.id, sku.code
                )
            });
        }
    }

    // Backorders: no order that waited for a hot SKU got it while an older order (the queue is
    // kept in the order orders came in) that needed no more units was already waiting and still
    // waits. An order gets a SKU when its timeline stops naming it as waited for: at
    // `stock_reserved`, or at a `backordered` entry that waits only for other SKUs now (it names
    // the SKU among what is reserved so far), which is when a pass for that SKU reached it.
    let mut fifo = Check::new("backorders promoted oldest first");
    let waits_for = |entry: &TimelineEntry, sku: &str| match entry.kind.as_str() {
        "backordered" => Some(
            entry
                .detail
                .split("; reserved so far")
                .next()
                .is_some_and(|waiting| waiting.contains(sku)),
        ),
        "stock_reserved" => Some(false),
        _ => None,
    };
    // When the order began to wait for `sku`, and when it got it after that (if it has).
    let waited = |order: &Order, sku: &str| -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
        let mut stock = order
            .timeline
            .iter()
            .filter_map(|e| Some((e.at, waits_for(e, sku)?)));
        let since = stock.find(|&(_, waits)| waits)?.0;
        let got = stock.find(|&(_, waits)| !waits).map(|(at, _)| at);
        Some((since, got))
    };
    let units = |o: &Order, sku: &str| -> u32 {
        o.lines
            .iter()
            .filter(|l| l.sku == sku)
            .map(|l| l.quantity)
            .sum()
    };
    for sku in traffic.skus.iter().filter(|s| s.hot) {
        let code = sku.code.as_str();
        let waiting: Vec<(&Order, DateTime<Utc>)> = orders
            .iter()
            .filter(|o| o.backordered_skus().contains(&code) && o.hold.is_none())
            .filter_map(|o| Some((o, waited(o, code)?.0)))
            .collect();
        for order in &orders {
            if order.backordered_skus().contains(&code) {
                continue;
            }
            let Some((_, Some(got))) = waited(order, code) else {
                continue;
            };
            for (older, queued) in &waiting {
                fifo.expect(
                    !(older.created_at < order.created_at
                        && *queued < got
                        && units(older, code) <= units(order, code)),
                    || {
                        format!(
                            "{} got {code} at {got} while the older {} (in at {}) had waited since {queued} and still waits",
                            order.id, older.id, older.created_at
                        )
                    },
                );
            }
        }
    }

    // Dead letters.
    let mut dead = Check::new("dead-letter queues hold only the poisoned messages");
    for (logical, url) in dead_letter_queues {
        let bodies = stage.world.sqs.bodies(url);
        let poison: Vec<&String> = bodies.iter().filter(|b| b.starts_with("poison:")).collect();
        dead.expect(poison.len() == 1, || {
            format!("{logical} holds {} poisoned messages, not 1", poison.len())
        });
        for body in bodies.iter().filter(|b| !b.starts_with("poison:")) {
            dead.expect(false, || {
                format!(
                    "{logical} holds {}",
                    body.chars().take(160).collect::<String>()
                )
            });
        }
    }

    // Transitions.
    let mut moves = Check::new("every stored status change is in the transition table");
    let known: BTreeSet<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
    for change in stage.world.dynamo.changes(orders_table) {
        if !change.partition.starts_with("ORDER#") {
            continue;
        }
        let (Some(before), Some(after)) = (change.before.as_deref(), change.after.as_deref())
        else {
            continue;
        };
        let legal = known.contains(before)
            && known.contains(after)
            && OrderStatus::parse(before)
                .zip(OrderStatus::parse(after))
                .is_some_and(|(b, a)| b.can_become(a));
        moves.expect(legal, || {
            format!("{}: {before} -> {after}", change.partition)
        });
    }

    // Reports: every write moved the counters by what it changed, once, whatever was retried.
    let mut reports =
        Check::new("report counters and status counts add up to the orders stored, per channel");
    let days = || orders.iter().map(|o| o.created_at.date_naive());
    if let (Some(first), Some(last)) = (days().min(), days().max()) {
        let range = SummaryRange::new(first, last)?;
        let store = ReportStore::new(
            std::sync::Arc::new(stage.world.dynamo.clone()),
            orders_table,
        );
        for channel in Channel::ALL {
            let mut tallies: BTreeMap<_, Tally> = BTreeMap::new();
            for order in orders.iter().filter(|o| o.channel == channel) {
                tallies
                    .entry(order.created_at.date_naive())
                    .or_default()
                    .merge(Tally::of(order));
            }
            let expected = Summary::of(range, tallies);
            let counted = store.summary(&[channel], range).await?;
            reports.expect(counted == expected, || {
                format!("{channel:?}: the counters say {counted:?}, the orders {expected:?}")
            });
            let mut standing = Tally::default();
            for order in orders.iter().filter(|o| o.channel == channel) {
                standing.merge(Tally::standing(order));
            }
            let expected = Standing::of(&standing);
            let counted = store.standing(&[channel]).await?;
            reports.expect(counted == expected, || {
                format!("{channel:?}: the counts say {counted:?}, the orders {expected:?}")
            });
        }
    }

    Ok(Figures {
        checks: vec![
            once, settled, unfinished, labels, parcels, mails, told, carts, stock, queued, fifo,
            dead, moves, reports,
        ],
        orders_by_status,
        emails: sent.len(),
        duplicate_emails,
        mail_windows,
        labels: sold.len(),
    })
}
