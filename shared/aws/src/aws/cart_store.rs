//! Carts (storefront checkouts) in DynamoDB: `CART#<channel>#<token>` / `META`, newest channel
//! version wins while the cart is open. Listed by state through the `by_status` index
//! (`CARTS#<state>`, sorted by last change).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::inventory_store::sortable;
use super::item::{from_item, string, to_item};
use super::StoreError;
use crate::domain::{Cart, Channel};
use crate::dynamo::{
    built, key, AttributeValue, Db, DynamoError, Item, Op, Put, Query, ReturnValue, Update,
};

#[derive(Clone)]
pub struct CartStore {
    db: Db,
    table: String,
}

/// Where a checkout stands: still open, turned into an order, or left (its shopper was reminded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CartState {
    Open,
    Converted,
    Abandoned,
}

impl CartState {
    pub fn as_str(self) -> &'static str {
        match self {
            CartState::Open => "open",
            CartState::Converted => "converted",
            CartState::Abandoned => "abandoned",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [CartState::Open, CartState::Converted, CartState::Abandoned]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// What saving a checkout did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// A checkout we had not seen.
    Created,
    Updated,
    /// We hold a newer version, or the cart is no longer open.
    Stale,
}

/// A cart as stored, with its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredCart {
    #[serde(flatten)]
    pub cart: Cart,
    pub state: CartState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_changed_at: Option<DateTime<Utc>>,
}

impl CartStore {
    pub fn new(db: Db, table: impl Into<String>) -> Self {
        Self {
            db,
            table: table.into(),
        }
    }

    /// Stores the checkout while it is open, unless we already hold a newer version of it.
    pub async fn save(&self, cart: &Cart) -> Result<Saved, StoreError> {
        let value = serde_json::to_value(cart).map_err(|e| StoreError::Corrupt {
            id: cart.token.clone(),
            reason: e.to_string(),
        })?;
        let mut item = to_item(value);
        let updated = cart.channel_updated_at.timestamp_micros();
        item.insert("PK".into(), s(pk(cart.channel, &cart.token)));
        item.insert("SK".into(), s("META"));
        item.insert("state".into(), s(CartState::Open.as_str()));
        item.insert("GSI1PK".into(), s(index_pk(CartState::Open)));
        item.insert(
            "GSI1SK".into(),
            s(format!(
                "{}#{}",
                sortable(cart.channel_updated_at),
                cart.token
            )),
        );
        item.insert(
            "version_micros".into(),
            AttributeValue::N(updated.to_string()),
        );
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(PK) OR (version_micros < :v AND #state = :open)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":v", AttributeValue::N(updated.to_string()))
            .expression_attribute_values(":open", s(CartState::Open.as_str()))
            .build();
        match self.db.write(built(put)?.op(), ReturnValue::AllOld).await {
            Ok(Some(_)) => Ok(Saved::Updated),
            Ok(None) => Ok(Saved::Created),
            Err(DynamoError::ConditionFailed { .. }) => Ok(Saved::Stale),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn get(
        &self,
        channel: Channel,
        token: &str,
    ) -> Result<Option<StoredCart>, StoreError> {
        let key = key(pk(channel, token), "META");
        let item = self.db.get(&self.table, key, true).await?;
        item.as_ref().map(decode).transpose()
    }

    /// Moves an open cart to `state`. `false` when it was not open (converted or reminded already,
    /// or never seen): exactly one caller wins.
    pub async fn close(
        &self,
        channel: Channel,
        token: &str,
        state: CartState,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(pk(channel, token)))
            .key("SK", s("META"))
            .update_expression("SET #state = :state, GSI1PK = :index, state_changed_at = :now")
            .condition_expression("#state = :open")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":state", s(state.as_str()))
            .expression_attribute_values(":index", s(index_pk(state)))
            .expression_attribute_values(":now", s(now.to_rfc3339()))
            .expression_attribute_values(":open", s(CartState::Open.as_str()))
            .build();
        match self.db.write(built(update)?.op(), ReturnValue::None).await {
            Ok(_) => Ok(true),
            Err(DynamoError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Carts in one state, most recently changed first.
    pub async fn list(&self, state: CartState, limit: i32) -> Result<Vec<StoredCart>, StoreError> {
        let query = Query {
            ascending: false,
            limit: Some(limit),
            ..Query::index(&self.table, "by_status", "GSI1PK", &index_pk(state))
        };
        self.db
            .query(query)
            .await?
            .items
            .iter()
            .map(decode)
            .collect()
    }
}

fn pk(channel: Channel, token: &str) -> String {
    format!("CART#{}#{token}", channel.as_str())
}

fn index_pk(state: CartState) -> String {
    format!("CARTS#{}", state.as_str())
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn decode(item: &Item) -> Result<StoredCart, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        id: string(item, "PK").unwrap_or_default(),
        reason,
    };
    let cart: Cart = serde_json::from_value(from_item(item)).map_err(|e| corrupt(e.to_string()))?;
    let state = string(item, "state")
        .and_then(|s| CartState::parse(&s))
        .ok_or_else(|| corrupt("cart has no known state".into()))?;
    let state_changed_at = string(item, "state_changed_at")
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc));
    Ok(StoredCart {
        cart,
        state,
        state_changed_at,
    })
}
