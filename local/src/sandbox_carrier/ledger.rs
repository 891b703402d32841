//! What the carrier remembers: every shipment made so far, and the counters its ids come from.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use sha2::{Digest, Sha256};

use super::objects::Shipment;

/// Shared state: where labels are served from, and every shipment made so far.
pub(super) struct Carrier {
    pub(super) base_url: String,
    ledger: Mutex<Ledger>,
}

#[derive(Default)]
pub(super) struct Ledger {
    pub(super) shipments: HashMap<String, Shipment>,
    /// Feeds every object id, so ids are unique per carrier and the same from run to run.
    id_serial: u64,
    tracking_serial: u64,
}

impl Carrier {
    pub(super) fn new(base_url: String) -> Self {
        Carrier {
            base_url,
            ledger: Mutex::new(Ledger::default()),
        }
    }

    pub(super) fn ledger(&self) -> MutexGuard<'_, Ledger> {
        // Nothing that can panic runs between the field updates made under this lock, so even a
        // poisoned lock still guards consistent data; refusing service would only hide the panic.
        self.ledger
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Ledger {
    /// An EasyPost-shaped id (`shp_` + 32 hex digits) derived from a counter, not from randomness.
    pub(super) fn next_id(&mut self, prefix: &str) -> String {
        self.id_serial += 1;
        let digest = Sha256::digest(format!("sandbox-carrier:{prefix}:{}", self.id_serial));
        format!("{prefix}_{}", hex::encode(&digest[..16]))
    }

    /// "EZ" and 18 digits, counting up from EZ100000000000000001.
    pub(super) fn next_tracking_code(&mut self) -> String {
        self.tracking_serial += 1;
        format!("EZ{}", 100_000_000_000_000_000 + self.tracking_serial)
    }
}
