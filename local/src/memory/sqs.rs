//! SQS in memory: standard queues with at-least-once delivery. A received message is hidden for
//! the queue's visibility timeout and comes back if it is not deleted in time; each receive
//! counts, and a message received more than its redrive policy's maxReceiveCount moves to the
//! dead-letter queue instead of being delivered. Delays up to 900 s, bodies up to 1 MiB and
//! batches of 10, as SQS allows. Time is the world's `SimClock`.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use oms::sqs::{Call, Received, Sqs, SqsError, MAX_BATCH, MAX_BODY_BYTES, MAX_DELAY_SECONDS};

use super::clock::SimClock;
use super::faults::{Fate, Faults, Injected};

/// A queue's settings, as template.yaml declares them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSettings {
    pub visibility_timeout: Duration,
    /// The dead-letter queue's URL and maxReceiveCount.
    pub redrive: Option<(String, u32)>,
}

struct Message {
    id: String,
    body: String,
    receive_count: u32,
    receipt: Option<String>,
}

/// Where a message sits: when it becomes visible, then the order messages arrived in.
type Slot = (DateTime<Utc>, u64);

/// A queue's messages, kept by when each becomes visible, so a receive or a look at the next
/// visible one never walks the hidden and delayed ones.
#[derive(Default)]
struct Messages {
    by_time: BTreeMap<Slot, Message>,
    /// The latest receipt of each received message.
    by_receipt: HashMap<String, Slot>,
}

impl Messages {
    fn len(&self) -> usize {
        self.by_time.len()
    }

    fn push(&mut self, at: DateTime<Utc>, serial: u64, message: Message) {
        self.by_time.insert((at, serial), message);
    }

    fn visible_until(now: DateTime<Utc>) -> (Bound<Slot>, Bound<Slot>) {
        (Bound::Unbounded, Bound::Included((now, u64::MAX)))
    }

    fn visible(&self, now: DateTime<Utc>) -> usize {
        self.by_time.range(Self::visible_until(now)).count()
    }

    fn next_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.by_time
            .range((Bound::Excluded((now, u64::MAX)), Bound::Unbounded))
            .next()
            .map(|((at, _), _)| *at)
    }

    /// The first visible message, taken out.
    fn pop_visible(&mut self, now: DateTime<Utc>) -> Option<(u64, Message)> {
        let slot = *self.by_time.range(Self::visible_until(now)).next()?.0;
        let message = self.by_time.remove(&slot)?;
        if let Some(receipt) = &message.receipt {
            self.by_receipt.remove(receipt);
        }
        Some((slot.1, message))
    }

    /// Deletes the message whose latest receipt this is (a stale one deletes nothing).
    fn delete(&mut self, receipt: &str) {
        if let Some(slot) = self.by_receipt.remove(receipt) {
            self.by_time.remove(&slot);
        }
    }
}

#[derive(Default)]
struct State {
    queues: BTreeMap<String, (QueueSettings, Messages)>,
    next_id: u64,
}

#[derive(Clone)]
pub struct MemorySqs {
    state: Arc<Mutex<State>>,
    clock: SimClock,
    faults: Faults,
}

impl Injected for SqsError {
    fn failed() -> Self {
        SqsError::Unavailable("InternalError (injected)".into())
    }
    fn throttled() -> Self {
        SqsError::Throttled("RequestThrottled (injected)".into())
    }
    fn lost() -> Self {
        SqsError::Unavailable("the answer was lost after the call (injected)".into())
    }
}

impl MemorySqs {
    pub fn new(clock: SimClock, faults: Faults) -> Self {
        Self {
            state: Arc::default(),
            clock,
            faults,
        }
    }

    pub fn create_queue(&self, url: &str, settings: QueueSettings) {
        self.state
            .lock()
            .expect("queues")
            .queues
            .insert(url.to_string(), (settings, Messages::default()));
    }

    /// Messages in a queue, visible or not (for checks: SQS's approximate count).
    pub fn depth(&self, url: &str) -> usize {
        self.state
            .lock()
            .expect("queues")
            .queues
            .get(url)
            .map_or(0, |(_, messages)| messages.len())
    }

    /// Messages a receive would get now.
    pub fn visible(&self, url: &str) -> usize {
        let now = self.clock.now();
        self.state
            .lock()
            .expect("queues")
            .queues
            .get(url)
            .map_or(0, |(_, messages)| messages.visible(now))
    }

    /// The bodies held by a queue (for checks, as a console would show them).
    pub fn bodies(&self, url: &str) -> Vec<String> {
        self.state
            .lock()
            .expect("queues")
            .queues
            .get(url)
            .map(|(_, messages)| messages.by_time.values().map(|m| m.body.clone()).collect())
            .unwrap_or_default()
    }

    /// When the next hidden or delayed message becomes visible, if any is waiting.
    pub fn next_visible_at(&self) -> Option<DateTime<Utc>> {
        let now = self.clock.now();
        self.state
            .lock()
            .expect("queues")
            .queues
            .values()
            .filter_map(|(_, messages)| messages.next_after(now))
            .min()
    }

    fn enqueue(&self, url: &str, body: String, delay_seconds: u32) -> Result<(), SqsError> {
        if delay_seconds > MAX_DELAY_SECONDS {
            return Err(SqsError::Invalid(format!(
                "InvalidParameterValue: DelaySeconds must be between 0 and {MAX_DELAY_SECONDS}"
            )));
        }
        let at = self.clock.now() + Duration::seconds(i64::from(delay_seconds));
        self.deliver_at(url, body, at)
    }

    /// A message visible from `at`, put on the queue by another service (the scheduler
    /// delivering a schedule when it is due), not by a caller's request.
    pub fn deliver_at(&self, url: &str, body: String, at: DateTime<Utc>) -> Result<(), SqsError> {
        if body.len() > MAX_BODY_BYTES || body.is_empty() {
            return Err(SqsError::Invalid(
                "InvalidParameterValue: the message body must be 1 byte to 1 MiB".into(),
            ));
        }
        let mut state = self.state.lock().expect("queues");
        state.next_id += 1;
        let id = format!("m-{:08}", state.next_id);
        let serial = state.next_id;
        let (_, messages) = state
            .queues
            .get_mut(url)
            .ok_or_else(|| SqsError::Invalid(format!("NonExistentQueue: {url}")))?;
        messages.push(
            at,
            serial,
            Message {
                id,
                body,
                receive_count: 0,
                receipt: None,
            },
        );
        Ok(())
    }

    fn take(&self, url: &str, max: usize) -> Result<Vec<Received>, SqsError> {
        if !(1..=MAX_BATCH).contains(&max) {
            return Err(SqsError::Invalid(
                "InvalidParameterValue: MaxNumberOfMessages must be 1 to 10".into(),
            ));
        }
        let now = self.clock.now();
        let mut state = self.state.lock().expect("queues");
        let State { queues, next_id } = &mut *state;
        let (settings, messages) = queues
            .get_mut(url)
            .ok_or_else(|| SqsError::Invalid(format!("NonExistentQueue: {url}")))?;
        let settings = settings.clone();
        let mut received = Vec::new();
        let mut dead = Vec::new();
        // Put back hidden after the batch is taken, so no batch holds a message twice.
        let mut hidden = Vec::new();
        while received.len() < max {
            let Some((serial, mut message)) = messages.pop_visible(now) else {
                break;
            };
            if let Some((_, max_receives)) = &settings.redrive {
                if message.receive_count >= *max_receives {
                    dead.push((serial, message));
                    continue;
                }
            }
            *next_id += 1;
            let receipt = format!("r-{:08}-{}", *next_id, message.id);
            message.receive_count += 1;
            message.receipt = Some(receipt.clone());
            received.push(Received {
                message_id: message.id.clone(),
                receipt_handle: receipt.clone(),
                body: message.body.clone(),
                receive_count: message.receive_count,
            });
            let hidden_until = now + settings.visibility_timeout;
            messages.by_receipt.insert(receipt, (hidden_until, serial));
            hidden.push((hidden_until, serial, message));
        }
        for (at, serial, message) in hidden {
            messages.push(at, serial, message);
        }
        if let Some((dlq, _)) = &settings.redrive {
            if let Some((_, dead_letters)) = queues.get_mut(dlq) {
                for (serial, mut message) in dead {
                    // A dead letter starts over: visible at once, never received from its new queue.
                    message.receive_count = 0;
                    message.receipt = None;
                    dead_letters.push(now, serial, message);
                }
            }
        }
        Ok(received)
    }

    fn remove(&self, url: &str, receipts: &[String]) -> Result<(), SqsError> {
        if receipts.is_empty() || receipts.len() > MAX_BATCH {
            return Err(SqsError::Invalid(
                "TooManyEntriesInBatchRequest: 1 to 10 entries".into(),
            ));
        }
        let mut state = self.state.lock().expect("queues");
        let (_, messages) = state
            .queues
            .get_mut(url)
            .ok_or_else(|| SqsError::Invalid(format!("NonExistentQueue: {url}")))?;
        // Only the latest receipt of a message deletes it: one from an earlier receive is stale.
        for receipt in receipts {
            messages.delete(receipt);
        }
        Ok(())
    }
}

impl Sqs for MemorySqs {
    fn send<'a>(&'a self, queue_url: &'a str, body: String, delay_seconds: u32) -> Call<'a, ()> {
        Box::pin(async move {
            let fate = self.faults.call("sqs", "SendMessage").await;
            fate.before()?;
            self.enqueue(queue_url, body, delay_seconds)?;
            fate.after(())
        })
    }

    fn send_batch<'a>(
        &'a self,
        queue_url: &'a str,
        bodies: Vec<String>,
    ) -> Call<'a, Vec<(usize, String)>> {
        Box::pin(async move {
            if bodies.is_empty() || bodies.len() > MAX_BATCH {
                return Err(SqsError::Invalid(
                    "TooManyEntriesInBatchRequest: 1 to 10 entries".into(),
                ));
            }
            let fate = self.faults.call("sqs", "SendMessageBatch").await;
            fate.before()?;
            let mut refused = Vec::new();
            for (i, body) in bodies.into_iter().enumerate() {
                if let Err(e) = self.enqueue(queue_url, body, 0) {
                    refused.push((i, e.to_string()));
                }
            }
            fate.after(refused)
        })
    }

    fn receive<'a>(&'a self, queue_url: &'a str, max: usize) -> Call<'a, Vec<Received>> {
        Box::pin(async move {
            let fate = self.faults.call("sqs", "ReceiveMessage").await;
            fate.before()?;
            let received = self.take(queue_url, max)?;
            let fate = fate.answered();
            if received.is_empty() && self.clock.is_real() {
                // Long polling, briefly: an idle poller waits instead of spinning.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            // A lost answer leaves the messages hidden until their visibility timeout.
            fate.after(received)
        })
    }

    fn delete<'a>(&'a self, queue_url: &'a str, receipts: Vec<String>) -> Call<'a, ()> {
        Box::pin(async move {
            let fate = self.faults.call("sqs", "DeleteMessageBatch").await;
            if fate.is(Fate::Throttle) {
                return Err(SqsError::throttled());
            }
            fate.before()?;
            self.remove(queue_url, &receipts)?;
            fate.after(())
        })
    }
}
