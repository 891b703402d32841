//! The order's audit trail: what happened, when, in words an operator reads.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    #[serde(rename = "type")]
    pub kind: String,
    pub detail: String,
}
