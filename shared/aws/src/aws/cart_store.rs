//! Carts (storefront checkouts) in DynamoDB: `CART#<channel>#<token>` / `META`, newest channel
//! version wins while the cart is open. Listed by state through the `by_status` index
//! (`CARTS#<state>`, sorted by last change).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::attribute_serializer;
use super::inventory_store::sortable;
use super::item::{from_item, string};
use super::StoreError;
use crate::domain::{Cart, Channel};
use crate::dynamo::{
    built, key, AttributeValue, Db, DynamoError, Item, Op, Put, Query, ReturnValue,
    ReturnValuesOnConditionCheckFailure, Update,
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

/// What saving a checkout did, and whether its reminder is already on its way (or needs none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub saved: Saved,
    pub reminder_queued: bool,
}

/// A cart as stored, with its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredCart {
    #[serde(flatten)]
    pub cart: Cart,
    pub state: CartState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_changed_at: Option<DateTime<Utc>>,
    /// When we received its latest version, by our clock (the channel's `updated_at` is its own
    /// clock's claim). Absent on carts stored before it was kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_at: Option<DateTime<Utc>>,
}

impl CartStore {
    pub fn new(db: Db, table: impl Into<String>) -> Self {
        Self {
            db,
            table: table.into(),
        }
    }

    /// Stores the checkout while it is open, unless we already hold a newer version of it (by the
    /// channel's own clock: versions are only compared with each other), or its order came first.
    /// An update, not a put: what the cart's versions don't carry (whether its reminder is on its
    /// way) survives them.
    pub async fn save(
        &self,
        cart: &Cart,
        received_at: DateTime<Utc>,
    ) -> Result<Stored, StoreError> {
        let mut item = attribute_serializer::to_item(cart).map_err(|e| StoreError::Corrupt {
            id: cart.token.clone(),
            reason: e.to_string(),
        })?;
        let updated = cart.channel_updated_at.timestamp_micros();
        item.insert("PK".into(), s(pk(cart.channel, &cart.token)));
        item.insert("SK".into(), s("META"));
        item.insert("state".into(), s(CartState::Open.as_str()));
        item.insert("received_at".into(), s(received_at.to_rfc3339()));
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
        let mut update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(pk(cart.channel, &cart.token)))
            .key("SK", s("META"))
            .condition_expression(
                "attribute_not_exists(PK) OR (version_micros < :v AND #state = :open)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":v", AttributeValue::N(updated.to_string()))
            .expression_attribute_values(":open", s(CartState::Open.as_str()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        let mut sets = Vec::new();
        for (n, (name, value)) in item
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "PK" | "SK"))
            .enumerate()
        {
            sets.push(format!("#a{n} = :a{n}"));
            update = update
                .expression_attribute_names(format!("#a{n}"), name)
                .expression_attribute_values(format!(":a{n}"), value.clone());
        }
        let update = update
            .update_expression(format!("SET {}", sets.join(", ")))
            .build();
        let reminder_queued =
            |old: &Item| matches!(old.get("reminder_queued"), Some(AttributeValue::Bool(true)));
        match self
            .db
            .write(built(update)?.op(), ReturnValue::AllOld)
            .await
        {
            Ok(Some(old)) => Ok(Stored {
                saved: Saved::Updated,
                reminder_queued: reminder_queued(&old),
            }),
            Ok(None) => Ok(Stored {
                saved: Saved::Created,
                reminder_queued: false,
            }),
            Err(DynamoError::ConditionFailed { old: Some(old) }) if is_conversion_mark(&old) => {
                self.fill_conversion_mark(item, old).await?;
                Ok(Stored {
                    saved: Saved::Stale,
                    reminder_queued: true,
                })
            }
            // A cart no longer open needs no reminder; an open one whose reminder was never
            // queued (that delivery failed after saving) gets one now.
            Err(DynamoError::ConditionFailed { old }) => Ok(Stored {
                saved: Saved::Stale,
                reminder_queued: old.as_ref().is_none_or(|old| {
                    reminder_queued(old) || string(old, "state").as_deref() != Some("open")
                }),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Notes that the cart's reminder is on its way, so later versions queue no other.
    pub async fn reminder_queued(&self, channel: Channel, token: &str) -> Result<(), StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(pk(channel, token)))
            .key("SK", s("META"))
            .update_expression("SET reminder_queued = :yes")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .build();
        match self.db.write(built(update)?.op(), ReturnValue::None).await {
            Ok(_) | Err(DynamoError::ConditionFailed { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The checkout of an order that came first: kept as the converted cart it is.
    async fn fill_conversion_mark(&self, mut item: Item, mark: Item) -> Result<(), StoreError> {
        item.extend(
            mark.get("state_changed_at")
                .map(|at| ("state_changed_at".to_string(), at.clone())),
        );
        item.insert("state".into(), s(CartState::Converted.as_str()));
        item.insert("GSI1PK".into(), s(index_pk(CartState::Converted)));
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#token)")
            .expression_attribute_names("#token", "token")
            .build();
        match self.db.write(built(put)?.op(), ReturnValue::None).await {
            // Another copy of the checkout filled it first.
            Ok(_) | Err(DynamoError::ConditionFailed { .. }) => Ok(()),
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
        item.as_ref()
            .filter(|item| !is_conversion_mark(item))
            .map(decode)
            .transpose()
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
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build();
        match self.db.write(built(update)?.op(), ReturnValue::None).await {
            Ok(_) => Ok(true),
            Err(DynamoError::ConditionFailed { old: Some(_) }) => Ok(false),
            Err(DynamoError::ConditionFailed { old: None }) if state == CartState::Converted => {
                self.mark_converted(channel, token, now).await
            }
            Err(DynamoError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// An order came before its checkout (webhooks arrive in any order): a mark, outside the
    /// listings, that makes the checkout stale when it comes, so its shopper is never reminded.
    async fn mark_converted(
        &self,
        channel: Channel,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .item("PK", s(pk(channel, token)))
            .item("SK", s("META"))
            .item("state", s(CartState::Converted.as_str()))
            .item("state_changed_at", s(now.to_rfc3339()))
            .condition_expression("attribute_not_exists(PK)")
            .build();
        match self.db.write(built(put)?.op(), ReturnValue::None).await {
            Ok(_) => Ok(true),
            // The checkout came meanwhile: close it as it is now.
            Err(DynamoError::ConditionFailed { .. }) => {
                Box::pin(self.close(channel, token, CartState::Converted, now)).await
            }
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

/// The mark of a conversion whose checkout never came: a state and no cart.
fn is_conversion_mark(item: &Item) -> bool {
    !item.contains_key("token")
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
    let received_at = string(item, "received_at")
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc));
    Ok(StoredCart {
        cart,
        state,
        state_changed_at,
        received_at,
    })
}
