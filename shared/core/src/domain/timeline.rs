//! The order's audit trail: what happened, when, in words an operator reads.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::OrderStatus;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    #[serde(rename = "type")]
    pub kind: String,
    pub detail: String,
    /// Who made the change, when a person did (the staff member's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// A status change a person made: from what, to what, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<OrderStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<OrderStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl TimelineEntry {
    /// Something that happened, in words.
    pub fn new(at: DateTime<Utc>, kind: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            at,
            kind: kind.into(),
            detail: detail.into(),
            by: None,
            from: None,
            to: None,
            reason: None,
        }
    }
}
