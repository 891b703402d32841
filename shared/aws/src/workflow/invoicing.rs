//! Issuing an order's invoices (`POST /orders/{id}/invoices`) and handing them out (`GET`): the
//! documents are decided from the order as it is now, numbered and stored in one transaction,
//! then drawn as PDF into the document bucket. What was issued never changes: an order that no
//! longer matches its invoices gets credit notes reversing them and new invoices, and a PDF is
//! always drawn from the stored record, so every download has the same bytes.

use std::time::Duration;

use oms_core::invoicing::{bill, reissue, Billed, Document, Reissue, Seller, Split};
use oms_documents::{invoice_pdf, FontError};

use crate::aws::invoice_store::{Issue, IssueError, Stored};
use crate::aws::order_store::StoreError;
use crate::aws::pdf_store::PdfStoreError;
use crate::aws::{InvoiceStore, OrderStore, PdfStore};
use crate::clock::Time;
use crate::domain::{Order, OrderId};

/// Tries at the series' counters before answering "busy": each lost race means another issue
/// took the next number first, so this many issues at once all land.
const MAX_ATTEMPTS: u32 = 40;

/// The number series: one for invoices, one for credit notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub invoice: String,
    pub credit_note: String,
}

#[derive(Clone)]
pub struct Invoicing {
    pub orders: OrderStore,
    pub invoices: InvoiceStore,
    pub pdfs: PdfStore,
    /// None until the seller's name, address and VAT id are configured.
    pub seller: Option<Seller>,
    pub series: Series,
    pub split: Split,
    pub clock: Time,
}

#[derive(Debug, thiserror::Error)]
pub enum InvoicingError {
    #[error("no such order")]
    NotFound,
    #[error("invoices need the seller's name, address and VAT id: set SELLER_NAME, SELLER_ADDRESS and SELLER_VAT_ID")]
    SellerNotConfigured,
    #[error("nothing to bill: the order has no lines, or was canceled before any invoice")]
    NothingToBill,
    #[error("too many invoices are being issued at once; try again")]
    Busy,
    #[error("{0}")]
    Unavailable(String),
}

impl From<StoreError> for InvoicingError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

impl From<PdfStoreError> for InvoicingError {
    fn from(e: PdfStoreError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

impl From<FontError> for InvoicingError {
    fn from(e: FontError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

/// A document and a short-lived link to its PDF.
#[derive(Debug, Clone)]
pub struct Listed {
    pub stored: Stored,
    pub url: String,
}

/// What issuing did: whether anything new was issued, and all the order's documents.
#[derive(Debug)]
pub struct Issued {
    pub issued: bool,
    pub documents: Vec<Listed>,
}

impl Invoicing {
    /// After the order's money changed (a refund): an order with invoices in force has them
    /// reversed by credit notes and what is kept billed again, split as they were; `false` when
    /// it was never invoiced, or its invoices still bill it.
    pub async fn reissue_invoiced(&self, id: &OrderId) -> Result<bool, InvoicingError> {
        let in_force = self.invoices.for_order(id.as_str()).await?.in_force();
        if in_force.is_empty() {
            return Ok(false);
        }
        let split = if in_force.iter().all(|d| d.billed.part == "order") {
            Split::Whole
        } else {
            Split::ByDelivery
        };
        Ok(self.issue(id, Some(split)).await?.issued)
    }

    /// Issues what the order needs billed now (`split`, or the shop's setting): nothing when its
    /// invoices in force bill exactly that.
    pub async fn issue(
        &self,
        id: &OrderId,
        split: Option<Split>,
    ) -> Result<Issued, InvoicingError> {
        let seller = self
            .seller
            .clone()
            .ok_or(InvoicingError::SellerNotConfigured)?;
        let split = split.unwrap_or(self.split);
        for attempt in 0..MAX_ATTEMPTS {
            let order = self.order(id).await?;
            let current = self.invoices.for_order(id.as_str()).await?;
            let (reverse, parts) = match reissue(&current.in_force(), bill(&order, split)) {
                Reissue::UpToDate => {
                    return Ok(Issued {
                        issued: false,
                        documents: self.listed(current.documents).await?,
                    })
                }
                Reissue::Issue { reverse, bill } => (reverse, bill),
            };
            if parts.iter().all(|p| p.lines.is_empty()) && reverse.is_empty() {
                // Everything issued is reversed already (a canceled order), or nothing ever was.
                if current.documents.is_empty() {
                    return Err(InvoicingError::NothingToBill);
                }
                return Ok(Issued {
                    issued: false,
                    documents: self.listed(current.documents).await?,
                });
            }
            let now = self.clock.now();
            let mut counters = Vec::new();
            let mut documents = Vec::new();
            let mut reversals = Vec::new();
            if !reverse.is_empty() {
                let last = self.invoices.last_number(&self.series.credit_note).await?;
                for (i, invoice) in reverse.iter().enumerate() {
                    let note = invoice
                        .credit_note((self.series.credit_note.as_str(), last + 1 + i as u64), now);
                    reversals.push((invoice.number.clone(), note.number.clone()));
                    documents.push(note);
                }
                counters.push((
                    self.series.credit_note.clone(),
                    last,
                    last + reverse.len() as u64,
                ));
            }
            let parts: Vec<Billed> = parts.into_iter().filter(|p| !p.lines.is_empty()).collect();
            if !parts.is_empty() {
                let last = self.invoices.last_number(&self.series.invoice).await?;
                for (i, billed) in parts.iter().enumerate() {
                    documents.push(Document::invoice(
                        &order,
                        &seller,
                        billed.clone(),
                        (self.series.invoice.as_str(), last + 1 + i as u64),
                        now,
                    ));
                }
                counters.push((self.series.invoice.clone(), last, last + parts.len() as u64));
            }
            let issue = Issue {
                order_id: id.as_str(),
                revision: current.revision,
                counters,
                documents,
                reversals,
            };
            match self.invoices.issue(issue).await {
                Ok(()) => {
                    let after = self.invoices.for_order(id.as_str()).await?;
                    return Ok(Issued {
                        issued: true,
                        documents: self.listed(after.documents).await?,
                    });
                }
                Err(IssueError::Raced) => backoff(attempt).await,
                Err(IssueError::TooLarge(n)) => {
                    return Err(InvoicingError::Unavailable(format!(
                        "{n} documents at once do not fit one transaction"
                    )))
                }
                Err(IssueError::Store(e)) => return Err(e.into()),
            }
        }
        Err(InvoicingError::Busy)
    }

    /// The order's documents with links to their PDFs.
    pub async fn list(&self, id: &OrderId) -> Result<Vec<Listed>, InvoicingError> {
        self.order(id).await?;
        let current = self.invoices.for_order(id.as_str()).await?;
        self.listed(current.documents).await
    }

    async fn order(&self, id: &OrderId) -> Result<Order, InvoicingError> {
        self.orders.get(id).await?.ok_or(InvoicingError::NotFound)
    }

    /// Links to each document's PDF, drawing and storing those not stored yet (a crash between
    /// the issue and the upload): drawn from the record, they are the bytes they would have been.
    async fn listed(&self, documents: Vec<Stored>) -> Result<Vec<Listed>, InvoicingError> {
        let mut listed = Vec::with_capacity(documents.len());
        for mut stored in documents {
            let key = pdf_key(&stored.document);
            if !stored.pdf_stored {
                self.pdfs
                    .put_pdf(&key, invoice_pdf(&stored.document)?)
                    .await?;
                self.invoices
                    .mark_stored(&stored.document.order_id, &stored.document.number)
                    .await?;
                stored.pdf_stored = true;
            }
            let url = self.pdfs.url(&key).await?;
            listed.push(Listed { stored, url });
        }
        Ok(listed)
    }
}

/// Where a document's PDF is kept.
pub fn pdf_key(document: &Document) -> String {
    format!("invoices/{}.pdf", document.number)
}

/// A short, growing, jittered pause before trying the counters again.
async fn backoff(attempt: u32) {
    let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0] % 16);
    let millis = (5 + 5 * u64::from(attempt.min(8))) + jitter;
    tokio::time::sleep(Duration::from_millis(millis)).await;
}
