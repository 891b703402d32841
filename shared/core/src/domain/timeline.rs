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
    /// An edit, field by field: what it was and what it became.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
}

/// One field of an edit, before and after, in words (absent: there was none, or there is none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
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
            changes: Vec::new(),
        }
    }
}
