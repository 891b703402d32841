//! Orders and everything they are made of, as values that cannot hold invalid states.

pub mod address;
pub mod cart;
pub mod estimate;
pub mod ids;
pub mod money;
pub mod order;
pub mod order_query;
pub mod progress;
pub mod rate_choice;
pub mod review;
pub mod shipment;
pub mod shipping_limits;
pub mod status;
pub mod timeline;

pub use address::Address;
pub use cart::{Cart, CartLine};
pub use ids::{OrderId, ShipmentId};
pub use money::{Currency, Totals};
pub use order::{Channel, Customer, LineItem, NewOrder, Order};
pub use shipment::{Shipment, TrackingEvent};
pub use status::{FulfillmentStatus, OrderStatus, PaymentStatus, TrackingStatus};
pub use timeline::TimelineEntry;
