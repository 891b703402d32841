//! Stock imports too big for one request (an API Gateway request has 30 s; a 10,000-row file takes
//! longer): checked whole, stored in parts of `PART_ROWS`, answered `202` with an import id, then
//! applied part by part from the payment queue, in `CHAINS` chains (the request queues the first
//! part of each; each part queues the next of its chain once applied), so the request sends one
//! batch whatever the file's size and the import never floods the queue. Resumable, not
//! all-or-nothing: each row is one conditional write marked with the import, so a redelivered or
//! retried part skips what it already applied, a part that keeps failing waits in the
//! dead-letter queue (redriving it resumes its chain), and an older import's late part never
//! overwrites a newer import's count.

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::aws::import_store::{ImportStatus, ImportStore, Part, PartOutcome, Refused};
use crate::aws::inventory_store::{sortable, ImportedRow, StockChangeError};
use crate::aws::{InventoryStore, Queue};
use crate::inventory::csv::StockRow;
use crate::messages::ImportChunk;
use crate::workflow::stock::StockFollowUp;

/// Rows per part: one queue message's work, well inside a function's timeout.
pub const PART_ROWS: usize = 100;
/// An import's id is this and 32 hex digits.
const ID_PREFIX: &str = "imp_";
/// Parts applied at the same time.
const CHAINS: u32 = 4;
/// Rows of one part written at once.
const CONCURRENT_ROWS: usize = 16;

#[derive(Clone)]
pub struct StockImport {
    pub imports: ImportStore,
    pub inventory: InventoryStore,
    pub stock: StockFollowUp,
    pub payment_queue: Queue,
}

/// An import accepted for applying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub id: String,
    pub rows: usize,
    pub parts: u32,
}

impl StockImport {
    /// Stores checked rows in parts and queues each part.
    pub async fn start(&self, rows: &[StockRow], now: DateTime<Utc>) -> anyhow::Result<Started> {
        let id = format!("{ID_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let parts: Vec<&[StockRow]> = rows.chunks(PART_ROWS).collect();
        self.imports
            .create(&id, &parts, now)
            .await
            .context("storing the import")?;
        let messages: Vec<ImportChunk> = (0..(parts.len() as u32).min(CHAINS))
            .map(|n| ImportChunk {
                import_id: id.clone(),
                import_chunk: n,
            })
            .collect();
        self.payment_queue
            .send_all(&messages)
            .await
            .context("queueing the import's parts")?;
        tracing::info!(import_id = %id, rows = rows.len(), parts = parts.len(), "stock import started");
        Ok(Started {
            id,
            rows: rows.len(),
            parts: parts.len() as u32,
        })
    }

    /// Where an import stands; none for an id that is not one of ours.
    pub async fn status(&self, id: &str) -> anyhow::Result<Option<ImportStatus>> {
        let ours = id
            .strip_prefix(ID_PREFIX)
            .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
        if !ours {
            return Ok(None);
        }
        Ok(self.imports.status(id).await?)
    }

    /// Applies one part, at most once per row; then frees new units for backorders and asks
    /// suppliers about units gone, as a single change would.
    pub async fn apply_part(&self, part: &ImportChunk, now: DateTime<Utc>) -> anyhow::Result<()> {
        let (id, n) = (part.import_id.as_str(), part.import_chunk);
        let Some(stored) = self.imports.part(id, n).await? else {
            tracing::warn!(
                import_id = id,
                part = n,
                "no such import part (expired?); dropped"
            );
            return Ok(());
        };
        if stored.outcome.is_none() {
            self.apply_rows(id, n, &stored, now).await?;
        }
        // Also after a redelivery: the run that applied this part may have died before this.
        if n + CHAINS < stored.parts {
            self.payment_queue
                .send(&ImportChunk {
                    import_id: id.to_string(),
                    import_chunk: n + CHAINS,
                })
                .await?;
        }
        Ok(())
    }

    async fn apply_rows(
        &self,
        id: &str,
        n: u32,
        stored: &Part,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mark = format!("{}#{id}", sortable(stored.started_at));
        let mut imported = Vec::with_capacity(stored.rows.len());
        for rows in stored.rows.chunks(CONCURRENT_ROWS) {
            let writes = rows
                .iter()
                .map(|row| self.inventory.import_row(row, &mark, stored.started_at));
            for (row, result) in rows.iter().zip(futures::future::join_all(writes).await) {
                imported.push((row, result?));
            }
        }
        let mut outcome = PartOutcome {
            applied: 0,
            refused: Vec::new(),
        };
        let (mut entries, mut rose, mut fell) = (Vec::new(), Vec::new(), Vec::new());
        for (row, result) in imported {
            match result {
                ImportedRow::Applied {
                    available_before,
                    available_after,
                    entry,
                } => {
                    outcome.applied += 1;
                    entries.push((row.sku.as_str(), entry));
                    match available_after.cmp(&available_before) {
                        std::cmp::Ordering::Greater => rose.push(row.sku.as_str()),
                        std::cmp::Ordering::Less => fell.push(row.sku.as_str()),
                        std::cmp::Ordering::Equal => {}
                    }
                }
                // Applied by an earlier run of this part, which may have died before its
                // follow-up: looking at its backorders again is harmless.
                ImportedRow::AlreadyApplied => {
                    outcome.applied += 1;
                    rose.push(row.sku.as_str());
                }
                ImportedRow::BelowReserved { on_hand, reserved } => outcome.refused.push(Refused {
                    sku: row.sku.clone(),
                    location: row.location.to_string(),
                    error: StockChangeError::BelowReserved {
                        sku: row.sku.clone(),
                        location: row.location.clone(),
                        on_hand,
                        reserved,
                    }
                    .to_string(),
                }),
            }
        }
        // History only: a run dying here loses these entries, never a count.
        self.inventory.log_all(&entries).await?;
        self.stock.after_many(&rose, &fell, now).await?;
        self.imports.finish_part(id, n, &outcome).await?;
        Ok(())
    }
}
