//! Cutting an order into the parts its invoices bill.

use rust_decimal::Decimal;

use super::allocate::share;
use super::{Billed, BilledLine, TaxAtRate};
use crate::domain::money::minor_unit;
use crate::domain::order::{lines_subtotal, RefundState};
use crate::domain::{LineItem, Order, OrderStatus, Totals};

/// One invoice for the order, or one per delivery: each parcel not voided, and what no parcel
/// carries yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Whole,
    ByDelivery,
}

impl Split {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "none" | "" => Some(Split::Whole),
            "delivery_method" => Some(Split::ByDelivery),
            _ => None,
        }
    }
}

/// Goods of one part before the order's other amounts are shared out.
struct Goods {
    part: String,
    delivery: Option<String>,
    lines: Vec<BilledLine>,
    shipped: bool,
}

/// The parts `order` is billed as: goods at their order prices, and shipping (over the parts
/// that travel), fees and discounts (over all) in proportion to the goods' value, tax in
/// proportion to each part's taxable amount; the last part takes the rounding, so every amount
/// of the parts adds up to the order's. A canceled order bills nothing (its invoices are
/// reversed).
pub fn bill(order: &Order, split: Split) -> Vec<Billed> {
    if order.status == OrderStatus::Canceled {
        return Vec::new();
    }
    match kept(order) {
        Kept::All => bill_as_is(order, split),
        Kept::Nothing => Vec::new(),
        Kept::Part(kept) => bill_as_is(&kept, split),
    }
}

enum Kept {
    All,
    Nothing,
    Part(Box<Order>),
}

/// What the customer keeps paying for after the refunds made: the refunded units and shipping
/// taken off, the total less every refund, at the order's one tax rate; what is left of the
/// price beyond the kept lines (a refunded discount share, a goodwill amount) counts as discount.
fn kept(order: &Order) -> Kept {
    let made: Vec<_> = order
        .refunds
        .iter()
        .filter(|r| r.state == RefundState::Succeeded)
        .collect();
    if made.is_empty() {
        return Kept::All;
    }
    let unit = minor_unit(&order.currency);
    let t = &order.totals;
    let total = t.total - made.iter().map(|r| r.amount).sum::<Decimal>();
    if total < unit {
        return Kept::Nothing;
    }
    let mut kept = order.clone();
    for line in &mut kept.lines {
        let refunded: u32 = made
            .iter()
            .flat_map(|r| &r.lines)
            .filter(|l| l.sku == line.sku)
            .map(|l| l.quantity)
            .sum();
        line.quantity = line.quantity.saturating_sub(refunded);
    }
    kept.lines.retain(|l| l.quantity > 0);
    let base = t.subtotal + t.shipping + t.fees - t.discounts;
    let rate = if base.is_zero() {
        Decimal::ZERO
    } else {
        t.tax / base
    };
    let taxable = (total / (Decimal::ONE + rate)).round_dp(unit.scale());
    let shipping = if made.iter().any(|r| r.shipping) {
        Decimal::ZERO
    } else {
        t.shipping
    };
    let subtotal = lines_subtotal(&kept.lines);
    kept.totals = Totals {
        subtotal,
        shipping,
        tax: total - taxable,
        fees: t.fees,
        discounts: (subtotal + shipping + t.fees - taxable).max(Decimal::ZERO),
        total,
    };
    Kept::Part(Box::new(kept))
}

fn bill_as_is(order: &Order, split: Split) -> Vec<Billed> {
    let goods = match split {
        Split::Whole => vec![Goods {
            part: "order".to_string(),
            delivery: order.shipping_method.clone(),
            lines: order.lines.iter().map(|l| billed(l, l.quantity)).collect(),
            shipped: order.lines.iter().any(|l| l.requires_shipping),
        }],
        Split::ByDelivery => by_delivery(order),
    };
    let unit = minor_unit(&order.currency);
    let value: Vec<Decimal> = goods
        .iter()
        .map(|g| g.lines.iter().map(|l| l.net).sum())
        .collect();
    let travelling: Vec<Decimal> = goods
        .iter()
        .zip(&value)
        .map(|(g, v)| if g.shipped { *v } else { Decimal::ZERO })
        .collect();
    let totals = &order.totals;
    let shipping = share(totals.shipping, &travelling, unit);
    let fees = share(totals.fees, &value, unit);
    let discounts = share(totals.discounts, &value, unit);
    let taxable: Vec<Decimal> = (0..goods.len())
        .map(|i| value[i] + shipping[i] + fees[i] - discounts[i])
        .collect();
    let tax = share(totals.tax, &taxable, unit);
    let rate = tax_rate(totals.tax, taxable.iter().sum());
    goods
        .into_iter()
        .enumerate()
        .map(|(i, g)| Billed {
            part: g.part,
            delivery: g.delivery,
            lines: g.lines,
            goods: value[i],
            shipping: shipping[i],
            fees: fees[i],
            discounts: discounts[i],
            taxes: if totals.tax.is_zero() {
                Vec::new()
            } else {
                vec![TaxAtRate {
                    rate,
                    base: taxable[i],
                    amount: tax[i],
                }]
            },
            total: taxable[i] + tax[i],
        })
        .collect()
}

/// The order's one tax rate, in percent to three places: channels hand us the tax as one amount
/// on the order's taxable total.
fn tax_rate(tax: Decimal, taxable: Decimal) -> Decimal {
    if taxable.is_zero() {
        return Decimal::ZERO;
    }
    (tax * Decimal::ONE_HUNDRED / taxable)
        .round_dp(3)
        .normalize()
}

fn billed(line: &LineItem, quantity: u32) -> BilledLine {
    BilledLine {
        sku: line.sku.clone(),
        title: line.title.clone(),
        quantity,
        unit_price: line.unit_price,
        net: line.unit_price * Decimal::from(quantity),
    }
}

/// A part per parcel not voided, with the order lines it carries, and one for the rest.
fn by_delivery(order: &Order) -> Vec<Goods> {
    let mut left: Vec<u32> = order.lines.iter().map(|l| l.quantity).collect();
    let mut parts = Vec::new();
    for shipment in order.shipments.iter().filter(|s| s.voided_at.is_none()) {
        let mut lines = Vec::new();
        for carried in &shipment.lines {
            let Some(i) = order.lines.iter().position(|l| l.sku == carried.sku) else {
                continue;
            };
            let quantity = carried.quantity.min(left[i]);
            if quantity > 0 {
                left[i] -= quantity;
                lines.push(billed(&order.lines[i], quantity));
            }
        }
        if lines.is_empty() {
            continue;
        }
        let mut delivery = format!("{} {}", shipment.carrier, shipment.service);
        if !shipment.tracking_code.is_empty() {
            delivery.push_str(&format!(", tracking {}", shipment.tracking_code));
        }
        parts.push(Goods {
            part: format!("parcel:{}", shipment.id.as_str()),
            delivery: Some(delivery.trim().to_string()),
            lines,
            shipped: true,
        });
    }
    let rest: Vec<(usize, u32)> = left
        .iter()
        .enumerate()
        .filter(|(_, q)| **q > 0)
        .map(|(i, q)| (i, *q))
        .collect();
    if !rest.is_empty() || parts.is_empty() {
        parts.push(Goods {
            part: "unshipped".to_string(),
            delivery: order.shipping_method.clone(),
            shipped: rest.iter().any(|(i, _)| order.lines[*i].requires_shipping),
            lines: rest
                .into_iter()
                .map(|(i, q)| billed(&order.lines[i], q))
                .collect(),
        });
    }
    parts
}
