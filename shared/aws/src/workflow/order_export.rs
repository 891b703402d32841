//! Orders exports too big for one answer (`GET /orders/export.csv?async=true`, or over 5 MB):
//! written to S3 as a multipart upload, one part per queue message, each part at least S3's
//! 5 MiB (the last may be smaller), so a step holds one part and one page of orders whatever
//! the export's size. Each step is recorded on the export by a conditional write on the part it
//! wrote: a redelivered or duplicated message writes and records a part once; a step lost
//! between its record and its next message is picked up again by the message's redelivery.
//! The last step completes the upload and has who asked told (once, by the email's claim).

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::aws::export_store::{Export, ExportStatus};
use crate::aws::{ExportStore, OrderStore, Queue};
use crate::domain::order_query::OrderQuery;
use crate::export::order_csv::OrderCsv;
use crate::messages::{ExportPart, ExportReady};
use crate::s3::{Files, MIN_PART_BYTES};

/// How long a download link of a finished export works.
const LINK_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// Orders read per page while writing a part.
const PAGE: usize = 100;
/// How long an export's record and file are kept (the bucket's `exports/` rule says the same).
pub const KEPT_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Clone)]
pub struct OrderExports {
    pub exports: ExportStore,
    pub orders: OrderStore,
    pub files: Files,
    pub bucket: String,
    /// Where export parts wait to be written (the label queue).
    pub work_queue: Queue,
    pub notify_queue: Queue,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ExportError(String);

fn failed(e: impl std::fmt::Display) -> ExportError {
    ExportError(e.to_string())
}

impl OrderExports {
    /// Starts an export of the orders `query` finds: its upload, its record, its first part's
    /// message. Its id.
    pub async fn start(
        &self,
        query: &OrderQuery,
        requested_by: &str,
        notify: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<String, ExportError> {
        let id = format!("exp_{}", uuid::Uuid::new_v4().simple());
        let key = format!("exports/{id}.csv");
        let upload_id = self
            .files
            .start_upload(&self.bucket, &key, "text/csv; charset=utf-8")
            .await
            .map_err(failed)?;
        let export = Export {
            id: id.clone(),
            query: query.clone(),
            requested_by: requested_by.to_string(),
            notify,
            status: ExportStatus::Running,
            key,
            upload_id,
            next_part: 1,
            parts: Vec::new(),
            after: None,
            written_all: false,
            orders: 0,
            bytes: 0,
            created_at: now,
            finished_at: None,
            expires_at: now.timestamp() + KEPT_FOR.as_secs() as i64,
        };
        self.exports.create(&export).await.map_err(failed)?;
        self.work_queue
            .send(&ExportPart {
                export_id: id.clone(),
                export_part: 1,
            })
            .await
            .map_err(failed)?;
        Ok(id)
    }

    pub async fn get(&self, id: &str) -> Result<Option<Export>, ExportError> {
        if !id.starts_with("exp_")
            || id.len() > 40
            || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Ok(None);
        }
        self.exports.get(id).await.map_err(failed)
    }

    /// A link that downloads a finished export's file for 15 minutes.
    pub async fn link(&self, export: &Export) -> Result<String, ExportError> {
        self.files
            .link(&self.bucket, &export.key, LINK_LIFETIME)
            .await
            .map_err(failed)
    }

    /// One step of an export: writes its next part, or completes it.
    pub async fn write_part(&self, message: &ExportPart, now: DateTime<Utc>) -> anyhow::Result<()> {
        let Some(export) = self.exports.get(&message.export_id).await? else {
            tracing::warn!(
                export = message.export_id,
                "no such export: message dropped"
            );
            return Ok(());
        };
        if export.status == ExportStatus::Done {
            return Ok(());
        }
        if export.written_all {
            return self.complete(export, now).await;
        }
        if message.export_part != export.next_part {
            // A copy of a step done already, or the step whose message was lost after it was
            // recorded: send the step that is due (a copy of it records nothing twice).
            if message.export_part < export.next_part {
                self.work_queue
                    .send(&ExportPart {
                        export_id: export.id.clone(),
                        export_part: export.next_part,
                    })
                    .await?;
            }
            return Ok(());
        }

        let number = export.next_part;
        let mut csv = if number == 1 {
            OrderCsv::new(Vec::with_capacity(MIN_PART_BYTES + MIN_PART_BYTES / 4))?
        } else {
            OrderCsv::continuing(Vec::with_capacity(MIN_PART_BYTES + MIN_PART_BYTES / 4))
        };
        let mut after = export.after.clone();
        let mut orders = 0u64;
        let written_all = loop {
            let page = self
                .orders
                .search(&export.query, PAGE, after.as_deref())
                .await?;
            for order in &page.orders {
                csv.write(order)?;
            }
            orders += page.orders.len() as u64;
            after = page.after;
            if after.is_none() {
                break true;
            }
            if csv.written() >= MIN_PART_BYTES {
                break false;
            }
        };
        let bytes = csv.finish()?;
        let size = bytes.len() as u64;
        let etag = self
            .files
            .upload_part(
                &self.bucket,
                &export.key,
                &export.upload_id,
                number as i32,
                bytes,
            )
            .await?;
        let mut next = export.clone();
        next.parts.push((number as i32, etag));
        next.next_part = number + 1;
        next.after = if written_all { None } else { after };
        next.written_all = written_all;
        next.orders += orders;
        next.bytes += size;
        if !self.exports.advance(&next, &export).await? {
            return Ok(());
        }
        if written_all {
            self.complete(next, now).await
        } else {
            self.work_queue
                .send(&ExportPart {
                    export_id: next.id.clone(),
                    export_part: next.next_part,
                })
                .await?;
            Ok(())
        }
    }

    /// Joins the parts into the file, has who asked told, and marks the export done. Run again
    /// after a crash, the upload is gone (completed): that is the file being there.
    async fn complete(&self, export: Export, now: DateTime<Utc>) -> anyhow::Result<()> {
        match self
            .files
            .complete_upload(
                &self.bucket,
                &export.key,
                &export.upload_id,
                export.parts.clone(),
            )
            .await
        {
            Ok(()) => {}
            Err(e) if e.is_no_such_upload() => {}
            Err(e) => return Err(e.into()),
        }
        self.notify_queue
            .send(&ExportReady {
                ready_export_id: export.id.clone(),
                to: export.notify.clone(),
                orders: export.orders,
            })
            .await?;
        let mut done = export.clone();
        done.status = ExportStatus::Done;
        done.finished_at = Some(now);
        self.exports.advance(&done, &export).await?;
        Ok(())
    }
}
