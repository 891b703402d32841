//! A person editing an order (`PATCH /orders/{id}`): contact, address, note and lines, with the
//! order reviewed again, its stock planned again and its totals recomputed in the same change;
//! what the customer owes or is owed since is kept as `balance_due`.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::contents::describe_units;
use super::{lines_subtotal, LineItem, NewOrder, Order};
use crate::domain::money::minor_unit_digits;
use crate::domain::review::{review, HoldReason};
use crate::domain::timeline::FieldChange;
use crate::domain::{Address, OrderStatus, TimelineEntry};
use crate::inventory::{Location, StockView};

/// What an edit changes; anything left `None` (or no line changes) stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderEdit {
    pub shipping_address: Option<Address>,
    pub email: Option<String>,
    /// The shipping address's phone; `Some("")` clears it.
    pub phone: Option<String>,
    /// `Some("")` clears the note.
    pub note: Option<String>,
    /// Merged into the lines by SKU: a new quantity (0 removes the line), or a new line.
    pub lines: Vec<LineChange>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChange {
    pub sku: String,
    pub quantity: u32,
    /// For a SKU the order does not have yet: what the line is.
    pub new: Option<NewLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    pub title: String,
    pub unit_price: Decimal,
    pub grams: u32,
    pub requires_shipping: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// What stops the edit (a label bought, the order's story over).
    #[error("{0}")]
    Blocked(String),
    /// The edit itself does not fit the order.
    #[error("{0}")]
    Invalid(String),
}

/// Hold reasons that review finds (and an edit can therefore fix).
const REVIEW_REASONS: &[HoldReason] = &[
    HoldReason::TotalsMismatch,
    HoldReason::MissingShippingAddress,
    HoldReason::IncompleteShippingAddress,
    HoldReason::MissingEmail,
    HoldReason::InvalidEmail,
];

impl Order {
    /// Applies `edit`. `stock` and `locations` are what the store showed just before, for
    /// planning the new lines' stock (the store's write re-checks every reservation). `Ok(false)`:
    /// nothing changed.
    pub fn edit(
        &mut self,
        edit: &OrderEdit,
        by: &str,
        stock: &StockView,
        locations: &[Location],
        now: DateTime<Utc>,
    ) -> Result<bool, EditError> {
        if self.status.is_final() {
            return Err(EditError::Blocked(format!(
                "the order is {}; it can no longer change",
                self.status
            )));
        }
        let touches_goods =
            edit.shipping_address.is_some() || edit.phone.is_some() || !edit.lines.is_empty();
        if touches_goods {
            if let Some(shipment) = self.active_shipments().next() {
                return Err(EditError::Blocked(format!(
                    "parcel {} has a label: void it first to change the address or the lines",
                    shipment.tracking_code
                )));
            }
            if self.pending_label.is_some() {
                return Err(EditError::Blocked(
                    "a label is being bought for this order; try again in a moment".into(),
                ));
            }
        }
        let mut changes = Vec::new();
        let mut record = |field: &str, before: Option<String>, after: Option<String>| {
            if before != after {
                changes.push(FieldChange {
                    field: field.to_string(),
                    before,
                    after,
                });
                true
            } else {
                false
            }
        };
        if let Some(address) = &edit.shipping_address {
            let mut address = address.clone();
            if edit.phone.is_none() && address.phone.is_none() {
                address.phone = self.shipping_address.as_ref().and_then(|a| a.phone.clone());
            }
            if record(
                "shipping_address",
                self.shipping_address.as_ref().map(one_line),
                Some(one_line(&address)),
            ) {
                self.shipping_address = Some(address);
            }
        }
        if let Some(phone) = &edit.phone {
            let address = self.shipping_address.as_mut().ok_or_else(|| {
                EditError::Invalid("the order has no shipping address to put a phone on".into())
            })?;
            let phone = Some(phone.clone()).filter(|p| !p.is_empty());
            if record("phone", address.phone.clone(), phone.clone()) {
                address.phone = phone;
            }
        }
        if let Some(email) = &edit.email {
            if record(
                "email",
                Some(self.customer.email.clone()),
                Some(email.clone()),
            ) {
                self.customer.email = email.clone();
            }
        }
        if let Some(note) = &edit.note {
            let note = Some(note.clone()).filter(|n| !n.is_empty());
            if record("note", self.note.clone(), note.clone()) {
                self.note = note;
            }
        }
        let lines = self.merged_lines(&edit.lines)?;
        let lines_changed = lines != self.lines;
        if lines_changed {
            record("lines", Some(describe(&self.lines)), Some(describe(&lines)));
            let before = self.totals.total;
            self.lines = lines;
            self.recompute_totals();
            let difference = self.totals.total - before;
            record(
                "total",
                Some(before.to_string()),
                Some(self.totals.total.to_string()),
            );
            self.balance_due += difference;
        }
        if changes.is_empty() {
            return Ok(false);
        }
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        let mut entry = TimelineEntry::new(
            now,
            "order_edited",
            format!("Edited by {by}: {}", fields.join(", ")),
        );
        entry.by = Some(by.to_string());
        entry.changes = changes;
        self.timeline.push(entry);
        self.updated_at = now;
        self.review_again(now);
        if lines_changed {
            self.plan_again(stock, locations, now);
        }
        Ok(true)
    }

    /// The lines with `changes` merged in by SKU.
    fn merged_lines(&self, changes: &[LineChange]) -> Result<Vec<LineItem>, EditError> {
        let mut lines = self.lines.clone();
        for change in changes {
            match lines.iter().position(|l| l.sku == change.sku) {
                Some(i) if change.quantity == 0 => {
                    lines.remove(i);
                }
                Some(i) => lines[i].quantity = change.quantity,
                None if change.quantity == 0 => {
                    return Err(EditError::Invalid(format!(
                        "the order has no line {} to remove",
                        change.sku
                    )))
                }
                None => {
                    let new = change.new.as_ref().ok_or_else(|| {
                        EditError::Invalid(format!(
                            "{} is a new line: give its title and unit_price",
                            change.sku
                        ))
                    })?;
                    lines.push(LineItem {
                        sku: change.sku.clone(),
                        title: new.title.clone(),
                        quantity: change.quantity,
                        unit_price: new.unit_price,
                        grams: new.grams,
                        requires_shipping: new.requires_shipping,
                    });
                }
            }
        }
        if lines.is_empty() {
            return Err(EditError::Invalid(
                "an order keeps at least one line: cancel it instead".into(),
            ));
        }
        Ok(lines)
    }

    /// Subtotal from the lines; tax at the rate the order had (its tax over its subtotal),
    /// rounded to the currency's minor unit; shipping, fees and discounts as they were.
    fn recompute_totals(&mut self) {
        let old = self.totals.clone();
        let subtotal = lines_subtotal(&self.lines);
        let tax = if old.subtotal.is_zero() {
            old.tax
        } else {
            (old.tax * subtotal / old.subtotal).round_dp(minor_unit_digits(&self.currency))
        };
        self.totals.subtotal = subtotal;
        self.totals.tax = tax;
        self.totals.total = subtotal + old.shipping + tax + old.fees - old.discounts;
        // A presentment total was the old order's; it no longer says what is charged.
        self.presentment_total = None;
    }

    /// Review as on arrival: a new problem holds the order, a fixed one lifts a hold review
    /// put on it (a person's hold, for a voided label say, stays).
    fn review_again(&mut self, now: DateTime<Utc>) {
        let problems = review(&self.as_received());
        let review_hold = self
            .hold
            .as_ref()
            .is_some_and(|h| h.reasons.iter().all(|r| REVIEW_REASONS.contains(r)));
        if problems.is_empty() {
            if review_hold {
                self.hold = None;
                self.note("hold_released", "The edit fixed what held the order", now);
            }
        } else if review_hold || self.hold.is_none() {
            self.hold = None;
            self.put_on_hold(problems, now);
        }
    }

    /// New lines need their stock planned again: what was reserved is released and the order
    /// is planned as a verified payment plans it, in this same change.
    fn plan_again(&mut self, stock: &StockView, locations: &[Location], now: DateTime<Utc>) {
        self.shipping_approved = false;
        if self.allocation.is_none() {
            return;
        }
        self.release_stock("the lines changed", now);
        // A held order that was released keeps both its reservation and its hold.
        let hold = if self.status == OrderStatus::ReadyToShip {
            let _ = self.become_status(OrderStatus::Open, now);
            self.hold.take()
        } else {
            None
        };
        let _ = self.verify_payment(stock, locations, now);
        if hold.is_some() {
            self.hold = hold;
        }
    }

    /// The order as review reads an order on arrival.
    fn as_received(&self) -> NewOrder {
        NewOrder {
            channel: self.channel,
            channel_order_id: self.channel_order_id.clone(),
            name: self.name.clone(),
            payment_status: self.payment_status,
            paid_offline: false,
            payment: self.payment.clone(),
            currency: self.currency.clone(),
            totals: self.totals.clone(),
            presentment_total: self.presentment_total.clone(),
            customer: self.customer.clone(),
            shipping_address: self.shipping_address.clone(),
            billing_country: self.billing_country.clone(),
            shipping_method: self.shipping_method.clone(),
            lines: self.lines.clone(),
            channel_refunds: Vec::new(),
            test: self.test,
            placed_at: self.placed_at,
            channel_updated_at: self.channel_updated_at,
            cancelled: false,
            note: self.note.clone(),
        }
    }
}

fn one_line(address: &Address) -> String {
    [
        Some(address.name.as_str()),
        Some(address.line1.as_str()),
        address.line2.as_deref(),
        Some(address.city.as_str()),
        address.region.as_deref(),
        address.postal_code.as_deref(),
        Some(address.country.as_str()),
    ]
    .into_iter()
    .flatten()
    .filter(|p| !p.is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

fn describe(lines: &[LineItem]) -> String {
    describe_units(lines.iter().map(|l| (l.quantity, l.sku.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now, shipment_for, verify};
    use crate::domain::PaymentStatus;
    use std::str::FromStr;

    fn edit_lines(changes: Vec<LineChange>) -> OrderEdit {
        OrderEdit {
            lines: changes,
            ..OrderEdit::default()
        }
    }

    fn quantity(sku: &str, quantity: u32) -> LineChange {
        LineChange {
            sku: sku.into(),
            quantity,
            new: None,
        }
    }

    #[test]
    fn more_units_recompute_the_totals_and_the_difference_is_owed() {
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        verify(&mut order).unwrap();
        // 2 x 14.00 + 1 x 28.00 = 56.00, tax 8.38 (14.96%), shipping 10.00: 74.38.
        let changed = order
            .edit(
                &edit_lines(vec![quantity("TOWEL", 3)]),
                "ana",
                &Default::default(),
                &[],
                now(),
            )
            .unwrap();
        assert!(changed);
        assert_eq!(order.totals.subtotal, Decimal::from_str("70.00").unwrap());
        assert_eq!(order.totals.tax, Decimal::from_str("10.48").unwrap());
        assert_eq!(order.totals.total, Decimal::from_str("90.48").unwrap());
        assert_eq!(order.balance_due, Decimal::from_str("16.10").unwrap());
        assert_eq!(order.status, OrderStatus::ReadyToShip, "planned again");
        let entry = order
            .timeline
            .iter()
            .rev()
            .find(|e| e.kind == "order_edited")
            .unwrap();
        assert_eq!(entry.by.as_deref(), Some("ana"));
        assert_eq!(entry.changes[0].field, "lines");
        assert_eq!(
            entry.changes[0].before.as_deref(),
            Some("2 x TOWEL, 1 x BOWL")
        );
        assert_eq!(
            entry.changes[0].after.as_deref(),
            Some("3 x TOWEL, 1 x BOWL")
        );

        order
            .edit(
                &edit_lines(vec![quantity("BOWL", 0), quantity("TOWEL", 2)]),
                "ana",
                &Default::default(),
                &[],
                now(),
            )
            .unwrap();
        assert_eq!(order.totals.total, Decimal::from_str("42.19").unwrap());
        assert_eq!(
            order.balance_due,
            Decimal::from_str("-32.19").unwrap(),
            "negative: a refund is owed"
        );
    }

    #[test]
    fn an_edit_that_breaks_the_address_holds_the_order_and_one_that_fixes_it_releases_it() {
        let mut order = Order::place(new_order(PaymentStatus::Pending), now());
        let mut address = order.shipping_address.clone().unwrap();
        address.line1 = String::new();
        let broken = OrderEdit {
            shipping_address: Some(address.clone()),
            ..OrderEdit::default()
        };
        order
            .edit(&broken, "ana", &Default::default(), &[], now())
            .unwrap();
        assert!(order.hold.is_some(), "held again");
        address.line1 = "1 New Street".into();
        let fixed = OrderEdit {
            shipping_address: Some(address),
            ..OrderEdit::default()
        };
        order
            .edit(&fixed, "ana", &Default::default(), &[], now())
            .unwrap();
        assert!(order.hold.is_none());
    }

    #[test]
    fn after_a_label_only_contact_and_note_change() {
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        verify(&mut order).unwrap();
        let shipment = shipment_for(&order);
        order.record_shipment(shipment, now()).unwrap();
        let lines = order.edit(
            &edit_lines(vec![quantity("TOWEL", 1)]),
            "ana",
            &Default::default(),
            &[],
            now(),
        );
        assert!(matches!(lines, Err(EditError::Blocked(m)) if m.contains("9400111")));
        let note = OrderEdit {
            note: Some("Leave at the door".into()),
            ..OrderEdit::default()
        };
        assert_eq!(
            order.edit(&note, "ana", &Default::default(), &[], now()),
            Ok(true)
        );
        assert_eq!(
            order.edit(&note, "ana", &Default::default(), &[], now()),
            Ok(false),
            "the same again"
        );
    }

    #[test]
    fn lines_are_added_by_sku_and_a_new_one_needs_its_title_and_price() {
        let mut order = Order::place(new_order(PaymentStatus::Pending), now());
        let bare = order.edit(
            &edit_lines(vec![quantity("CUP", 1)]),
            "ana",
            &Default::default(),
            &[],
            now(),
        );
        assert!(matches!(bare, Err(EditError::Invalid(_))));
        let cup = LineChange {
            sku: "CUP".into(),
            quantity: 2,
            new: Some(NewLine {
                title: "Cup".into(),
                unit_price: Decimal::from_str("5.00").unwrap(),
                grams: 100,
                requires_shipping: true,
            }),
        };
        order
            .edit(
                &edit_lines(vec![cup]),
                "ana",
                &Default::default(),
                &[],
                now(),
            )
            .unwrap();
        assert_eq!(order.lines.len(), 3);
        assert_eq!(order.totals.subtotal, Decimal::from_str("66.00").unwrap());
        let none = order.edit(
            &edit_lines(vec![
                quantity("CUP", 0),
                quantity("TOWEL", 0),
                quantity("BOWL", 0),
            ]),
            "ana",
            &Default::default(),
            &[],
            now(),
        );
        assert!(matches!(none, Err(EditError::Invalid(_))));
    }
}
