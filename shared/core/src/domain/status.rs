//! The status vocabularies of orders, payments, fulfillment and shipments, and which moves between
//! order statuses are legal.

use serde::{Deserialize, Serialize};

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// Where the order as a whole stands.
    OrderStatus {
        Open => "open",
        ReadyToShip => "ready_to_ship",
        PartiallyShipped => "partially_shipped",
        Shipped => "shipped",
        PartiallyClosed => "partially_closed",
        Closed => "closed",
        Canceled => "canceled",
        Returned => "returned",
        Failed => "failed",
        Abandoned => "abandoned",
    }
);

vocabulary!(
    /// Where the customer's money stands.
    PaymentStatus {
        Pending => "pending",
        Authorized => "authorized",
        Paid => "paid",
        PartiallyRefunded => "partially_refunded",
        Refunded => "refunded",
        Voided => "voided",
        Failed => "failed",
    }
);

vocabulary!(
    /// Where the goods stand.
    FulfillmentStatus {
        Unfulfilled => "unfulfilled",
        PartiallyFulfilled => "partially_fulfilled",
        Fulfilled => "fulfilled",
        PartiallyDelivered => "partially_delivered",
        Delivered => "delivered",
        Returned => "returned",
    }
);

vocabulary!(
    /// Where one parcel stands, in EasyPost's vocabulary (other carriers map onto it).
    TrackingStatus {
        Unknown => "unknown",
        PreTransit => "pre_transit",
        InTransit => "in_transit",
        OutForDelivery => "out_for_delivery",
        Delivered => "delivered",
        AvailableForPickup => "available_for_pickup",
        ReturnToSender => "return_to_sender",
        Failure => "failure",
        Cancelled => "cancelled",
        Error => "error",
    }
);

impl OrderStatus {
    /// The transition table. Anything not listed is illegal.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Open, ReadyToShip | Canceled | Failed | Abandoned | Closed)
                | (
                    ReadyToShip,
                    Open | PartiallyShipped | Shipped | Canceled | Closed
                )
                | (PartiallyShipped, ReadyToShip | Shipped | PartiallyClosed)
                | (
                    Shipped,
                    ReadyToShip | PartiallyShipped | PartiallyClosed | Closed | Returned
                )
                | (PartiallyClosed, Closed | Returned)
                | (Closed, Returned)
        )
    }

    /// No way out: the order's story is over.
    pub fn is_final(self) -> bool {
        OrderStatus::ALL.iter().all(|&next| !self.can_become(next))
    }
}

impl PaymentStatus {
    /// Money is secured well enough to ship.
    pub fn allows_fulfillment(self) -> bool {
        matches!(self, PaymentStatus::Paid | PaymentStatus::Authorized)
    }
}

impl TrackingStatus {
    /// A parcel in one of these states has finished its journey; later scans never move it back.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TrackingStatus::Delivered | TrackingStatus::ReturnToSender | TrackingStatus::Cancelled
        )
    }
}

impl TrackingStatus {
    /// Trouble on the way that a person should know about.
    pub fn is_exception(self) -> bool {
        matches!(
            self,
            TrackingStatus::Failure
                | TrackingStatus::ReturnToSender
                | TrackingStatus::AvailableForPickup
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("order is {from}; it cannot become {to}")]
pub struct IllegalTransition {
    pub from: OrderStatus,
    pub to: OrderStatus,
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    /// Every pair of statuses, checked against the table written out by hand.
    #[test]
    fn transition_table_is_exactly_as_designed() {
        let legal: &[(OrderStatus, OrderStatus)] = &[
            (Open, ReadyToShip),
            (Open, Canceled),
            (Open, Failed),
            // Never paid, never coming.
            (Open, Abandoned),
            (Open, Closed),
            // Payment no longer secured: back to waiting for it.
            (ReadyToShip, Open),
            (ReadyToShip, PartiallyShipped),
            (ReadyToShip, Shipped),
            (ReadyToShip, Canceled),
            (ReadyToShip, Closed),
            // Labels voided before the carrier scanned them.
            (PartiallyShipped, ReadyToShip),
            (Shipped, ReadyToShip),
            (Shipped, PartiallyShipped),
            (PartiallyShipped, Shipped),
            (PartiallyShipped, PartiallyClosed),
            (Shipped, PartiallyClosed),
            (Shipped, Closed),
            (Shipped, Returned),
            (PartiallyClosed, Closed),
            (PartiallyClosed, Returned),
            (Closed, Returned),
        ];
        for &from in OrderStatus::ALL {
            for &to in OrderStatus::ALL {
                assert_eq!(
                    from.can_become(to),
                    legal.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn final_statuses_have_no_way_out() {
        let finals: Vec<_> = OrderStatus::ALL.iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals, [&Canceled, &Returned, &Failed, &Abandoned]);
    }

    #[test]
    fn vocabularies_round_trip_through_text_and_json() {
        for &s in TrackingStatus::ALL {
            assert_eq!(TrackingStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for &s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(OrderStatus::parse("Open"), None);
    }
}
