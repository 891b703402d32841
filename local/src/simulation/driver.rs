//! Plays the traffic against the six functions on the in-memory world: requests go through the
//! API Gateway routing, queues are polled like Lambda's event source mappings (up to five
//! invocations per queue at once), carriers scan what was bought, and staff work the holds. Every
//! request and poll is an invocation that may die; the seed decides every interleaving. Time is
//! the runtime's paused clock: it jumps to the next thing due whenever everything waits.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

use anyhow::{anyhow, Result};
use chrono::{DateTime, Duration, Utc};
use http::Method;
use oms::aws::OrderStore;
use oms::domain::order_query::OrderQuery;
use oms::domain::OrderId;
use oms::sqs::Queues;
use serde_json::Value;
use tokio::sync::mpsc;

use super::invocation::{self, Outcome};
use super::requests::{Request, Secrets};
use super::rng::Rng;
use super::traffic::{self, Action, Purpose};
use crate::gateway::{self, RouteTarget};
use crate::memory::MemoryWorld;
use crate::own_time;
use crate::poller::{self, EventSource};

/// Invocations of one queue's function at once.
const POLLERS: usize = 5;
/// A sender gives up on a request after this many tries.
const TRIES: u32 = 15;

/// What happened to the run's requests and invocations.
#[derive(Default)]
pub struct Tally {
    /// Answers by purpose and status ("died" for an invocation killed before answering).
    pub answers: BTreeMap<(String, String), u64>,
    /// The first refusal (4xx) of each kind, to show what was refused.
    pub refusals: BTreeMap<(String, String), String>,
    pub invocations: u64,
    /// Queue polls that handed the function a batch (the invocations Lambda's event source
    /// mapping makes; an empty poll invokes nothing).
    pub batches: u64,
    /// Requests through the API Gateway routes.
    pub requests: u64,
    /// Each finished invocation's own time in seconds, by what it was (a request's purpose, or
    /// the function a queue's batch went to). The in-memory world answers every call at once, so
    /// an invocation runs without yielding and its time is its compute.
    pub took: BTreeMap<String, Vec<f64>>,
    pub deaths: u64,
    /// Invocations that died after sending an email they never recorded.
    pub mail_windows: u64,
}

pub struct Played {
    pub tally: Tally,
    /// Whether a delivery of each planned order was answered 2xx.
    pub accepted: Vec<bool>,
    /// Units of the restocks that were answered 2xx, by SKU index.
    pub restocks_applied: Vec<i64>,
    /// Whether a copy of each planned checkout was answered 2xx.
    pub checkouts_accepted: Vec<bool>,
    pub ended_at: DateTime<Utc>,
}

pub struct Stage {
    pub world: MemoryWorld,
    pub routes: Arc<Vec<RouteTarget>>,
    pub sources: Vec<Arc<EventSource>>,
    pub queues: Queues,
    pub secrets: Secrets,
    pub orders: OrderStore,
    pub start: DateTime<Utc>,
}

enum Done {
    Answer {
        purpose: Purpose,
        request: Box<Request>,
        attempt: u32,
        answer: Option<(u16, Value)>,
        took: f64,
    },
    Poll {
        source: usize,
        died: bool,
        mailed: bool,
        delivered: bool,
        took: f64,
    },
}

struct Queue {
    heap: BinaryHeap<Reverse<(i64, u64)>>,
    actions: BTreeMap<u64, Action>,
    serial: u64,
}

impl Queue {
    fn push(&mut self, at_ms: i64, action: Action) {
        self.serial += 1;
        self.heap.push(Reverse((at_ms, self.serial)));
        self.actions.insert(self.serial, action);
    }

    fn next_at(&self) -> Option<i64> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    fn pop_due(&mut self, now_ms: i64) -> Option<Action> {
        match self.heap.peek() {
            Some(Reverse((at, serial))) if *at <= now_ms => {
                let serial = *serial;
                self.heap.pop();
                self.actions.remove(&serial)
            }
            _ => None,
        }
    }
}

/// Each function's environment, by logical id.
pub type Environments = BTreeMap<String, std::collections::HashMap<String, String>>;

/// Builds the six functions on the world, as `LocalOms` does on the emulator.
pub fn stage(
    template: &crate::template::Template,
    world: MemoryWorld,
    resources: &crate::provision::Provisioned,
    clients: oms::aws::Clients,
) -> Result<(Stage, Environments)> {
    let crate::Wired {
        routes,
        sources,
        environments,
    } = crate::wire(
        template,
        resources,
        ("memory://carrier", "http://sim.local"),
        &Default::default(),
        &clients,
    )?;
    let sources: Vec<Arc<EventSource>> = sources.into_iter().map(Arc::new).collect();
    let env = |name: &str| {
        environments
            .values()
            .find_map(|env| env.get(name).cloned())
            .ok_or_else(|| anyhow!("no function has {name}"))
    };
    let secrets = Secrets {
        shopify: env("SHOPIFY_WEBHOOK_SECRET")?,
        woocommerce: env("WOOCOMMERCE_WEBHOOK_SECRET")?,
        channel: env("OMS_CHANNEL_SECRET")?,
        easypost: env("EASYPOST_WEBHOOK_SECRET")?,
        admin: env("OMS_ADMIN_TOKEN")?,
    };
    let orders = OrderStore::new(Arc::new(world.dynamo.clone()), env("ORDERS_TABLE")?)
        .with_clock(Arc::new(world.clock.clone()));
    let start = world.clock.now();
    Ok((
        Stage {
            queues: clients.queues.clone(),
            world,
            routes: Arc::new(routes),
            sources,
            secrets,
            orders,
            start,
        },
        environments,
    ))
}

/// Sends one request as one invocation: the answer, or `None` when the invocation died.
async fn send(
    routes: &[RouteTarget],
    request: &Request,
    now: DateTime<Utc>,
) -> Option<(u16, Value)> {
    let (path, query) = request
        .path
        .split_once('?')
        .unwrap_or((request.path.as_str(), ""));
    match invocation::run(gateway::invoke(
        routes,
        &request.method,
        path,
        query,
        &request.headers,
        &request.body,
        now,
    ))
    .await
    {
        Outcome::Finished((status, _, body)) => Some((
            status.as_u16(),
            serde_json::from_slice(&body).unwrap_or(Value::Null),
        )),
        Outcome::Died { .. } => None,
    }
}

fn purpose_name(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Setup => "stock setup",
        Purpose::Create(_) => "order delivery",
        Purpose::Update(_) => "order update",
        Purpose::Restock(..) => "restock",
        Purpose::Checkout(_) => "checkout",
        Purpose::Tracking => "carrier event",
        Purpose::Staff => "staff action",
    }
}

pub async fn play(stage: &Stage, traffic: &mut traffic::Traffic, rng: &mut Rng) -> Result<Played> {
    let ms = |at: DateTime<Utc>| (at - stage.start).num_milliseconds();
    let mut queue = Queue {
        heap: BinaryHeap::new(),
        actions: BTreeMap::new(),
        serial: 0,
    };
    for (seconds, action) in traffic.schedule.drain(..) {
        // Setup comes first and alone: stock is counted before anyone buys.
        let at = if seconds == 0 {
            0
        } else {
            60_000 + seconds * 1000
        };
        queue.push(at, action);
    }
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Done>();
    let mut tally = Tally::default();
    let mut order_ids: Vec<Option<OrderId>> = vec![None; traffic.orders.len()];
    let mut inflight = 0usize;
    let mut polling = vec![0usize; stage.sources.len()];
    let mut labels_seen = 0usize;
    let mut arrived: Vec<Done> = Vec::new();
    let mut restocks_applied = vec![0i64; traffic.skus.len()];
    let mut checkouts_accepted = vec![false; traffic.checkouts.len()];
    let mut accepted = vec![false; traffic.orders.len()];

    loop {
        let now = stage.world.clock.now();
        // Answers first: they decide retries and what staff can see.
        while let Ok(done) = done_rx.try_recv() {
            arrived.push(done);
        }
        for done in arrived.drain(..) {
            inflight -= 1;
            tally.invocations += 1;
            match done {
                Done::Answer {
                    purpose,
                    request,
                    attempt,
                    answer,
                    took,
                } => {
                    if answer.is_some() {
                        tally
                            .took
                            .entry(purpose_name(purpose).to_string())
                            .or_default()
                            .push(took);
                    }
                    let status = answer
                        .as_ref()
                        .map_or("died".to_string(), |(status, _)| status.to_string());
                    tally.requests += 1;
                    if answer.is_none() {
                        tally.deaths += 1;
                    }
                    *tally
                        .answers
                        .entry((purpose_name(purpose).to_string(), status))
                        .or_default() += 1;
                    match &answer {
                        Some((status, body)) if (200..300).contains(status) => {
                            if let Purpose::Restock(index, units) = purpose {
                                restocks_applied[index] += units;
                            }
                            if let Purpose::Checkout(index) = purpose {
                                checkouts_accepted[index] = true;
                            }
                            if let Purpose::Create(index) | Purpose::Update(index) = purpose {
                                accepted[index] = true;
                                let id = body["order_id"]
                                    .as_str()
                                    .or_else(|| body["id"].as_str())
                                    .and_then(|id| OrderId::parse(id).ok());
                                if order_ids[index].is_none() {
                                    order_ids[index] = id;
                                }
                            }
                        }
                        Some((status, body)) if *status < 500 && *status != 429 => {
                            tally
                                .refusals
                                .entry((purpose_name(purpose).to_string(), status.to_string()))
                                .or_insert_with(|| {
                                    format!("{} {}: {body}", request.method, request.path)
                                });
                        }
                        _ if attempt + 1 < TRIES => {
                            // The stock count is finished before the shop opens; others retry
                            // as senders do, minutes apart.
                            let wait = if purpose == Purpose::Setup {
                                1000
                            } else {
                                rng.between(30, 600) * 1000
                            };
                            queue.push(
                                ms(now) + wait,
                                Action::Send {
                                    request: *request,
                                    purpose,
                                    attempt: attempt + 1,
                                },
                            );
                        }
                        _ => {}
                    }
                }
                Done::Poll {
                    source,
                    died,
                    mailed,
                    delivered,
                    took,
                } => {
                    polling[source] -= 1;
                    tally.batches += u64::from(delivered);
                    if delivered && !died {
                        let function = stage.sources[source].function.clone();
                        tally.took.entry(function).or_default().push(took);
                    }
                    if died {
                        tally.deaths += 1;
                        if mailed {
                            tally.mail_windows += 1;
                        }
                    }
                }
            }
        }

        // The carrier's parcels: scans for every label sold since the last look.
        let sold = stage.world.carrier.sold_since(labels_seen);
        labels_seen += sold.len();
        for label in &sold {
            let skew = Duration::seconds(rng.between(-12 * 3600, 12 * 3600));
            let mut at = ms(now);
            let scans = traffic
                .journey
                .scans
                .map(|(status, (low, high))| (status, rng.between(low, high)));
            for (status, after) in scans {
                let when = now + Duration::seconds(after);
                at = at.max(ms(when));
                let event_id = format!("evt_{}_{status}", label.tracking_code);
                let request = traffic::tracker_event(
                    &stage.secrets,
                    &event_id,
                    &label.tracking_code,
                    status,
                    when + skew,
                );
                for copy in 0..traffic.journey.copies {
                    let again = if copy == 0 {
                        0
                    } else {
                        rng.between(0, 7200) * 1000
                    };
                    queue.push(
                        ms(when) + again,
                        Action::Scan {
                            shipment_id: label.shipment_id.clone(),
                            request: request.clone(),
                        },
                    );
                }
            }
        }

        // Everything due now starts.
        while let Some(action) = queue.pop_due(ms(now)) {
            match action {
                Action::Send {
                    request,
                    purpose,
                    attempt,
                } => {
                    inflight += 1;
                    spawn_send(stage, &done_tx, request, purpose, attempt, now);
                }
                Action::Scan {
                    shipment_id,
                    request,
                } => {
                    if !stage.world.carrier.refunded(&shipment_id) {
                        stage.world.carrier.scan(&shipment_id);
                        inflight += 1;
                        spawn_send(stage, &done_tx, request, Purpose::Tracking, 0, now);
                    }
                }
                Action::StaffCancel(index) => {
                    if let Some(id) = &order_ids[index] {
                        let request = stage.secrets.admin(
                            Method::POST,
                            &format!("/orders/{id}/cancel"),
                            Some(serde_json::json!({"reason": "the customer asked"})),
                        );
                        inflight += 1;
                        spawn_send(stage, &done_tx, request, Purpose::Staff, 0, now);
                    }
                }
                Action::StaffVoid(index) => {
                    let Some(id) = &order_ids[index] else {
                        continue;
                    };
                    let order = stage.orders.get(id).await?;
                    if let Some(shipment) = order
                        .as_ref()
                        .and_then(|o| o.shipments.iter().find(|s| s.voided_at.is_none()))
                    {
                        let request = stage.secrets.admin(
                            Method::DELETE,
                            &format!("/orders/{id}/shipments/{}", shipment.id),
                            None,
                        );
                        inflight += 1;
                        spawn_send(stage, &done_tx, request, Purpose::Staff, 0, now);
                    }
                }
                Action::StaffReview => {
                    // Staff look at the orders on hold (`GET /orders?hold=true`), not at every
                    // order.
                    let on_hold = OrderQuery {
                        on_hold: true,
                        ..OrderQuery::default()
                    };
                    let mut held = Vec::new();
                    let mut after = None;
                    loop {
                        let page = stage.orders.search(&on_hold, 100, after.as_deref()).await?;
                        held.extend(page.orders);
                        match page.after {
                            Some(next) => after = Some(next),
                            None => break,
                        }
                    }
                    for order in held {
                        let id = &order.id;
                        let decision = if rng.chance(0.7) { "release" } else { "reject" };
                        let request = stage.secrets.admin(
                            Method::POST,
                            &format!("/orders/{id}/hold/{decision}"),
                            Some(serde_json::json!({"reason": "looked at it"})),
                        );
                        inflight += 1;
                        spawn_send(stage, &done_tx, request, Purpose::Staff, 0, now);
                    }
                }
                Action::Poison { queue: logical } => {
                    let url = stage
                        .sources
                        .iter()
                        .map(|s| s.queue_url.clone())
                        .find(|url| url.ends_with(&format!("-{logical}")))
                        .ok_or_else(|| anyhow!("no consumer polls {logical}"))?;
                    stage
                        .queues
                        .send(&url, format!("poison: not a message ({logical})"), 0)
                        .await?;
                }
            }
        }

        // Each queue's event source mapping polls while messages are visible.
        for (index, source) in stage.sources.iter().enumerate() {
            let visible = stage.world.sqs.visible(&source.queue_url);
            let wanted = visible.div_ceil(source.batch_size.max(1)).min(POLLERS);
            while polling[index] < wanted {
                polling[index] += 1;
                inflight += 1;
                let queues = stage.queues.clone();
                let source = source.clone();
                let done = done_tx.clone();
                tokio::spawn(async move {
                    let (outcome, took) =
                        own_time::measured(invocation::run(poller::poll_once(&queues, &source)))
                            .await;
                    let took = took.as_secs_f64();
                    let (died, mailed, delivered) = match outcome {
                        Outcome::Finished(polled) => (false, false, polled.unwrap_or(true)),
                        Outcome::Died { mailed } => (true, mailed, true),
                    };
                    let _ = done.send(Done::Poll {
                        source: index,
                        died,
                        mailed,
                        delivered,
                        took,
                    });
                });
            }
        }

        if inflight > 0 {
            // Let every invocation run until all of them wait (on each other or on time).
            let done = done_rx
                .recv()
                .await
                .ok_or_else(|| anyhow!("the invocations' channel closed"))?;
            arrived.push(done);
            continue;
        }
        let queued: usize = stage
            .sources
            .iter()
            .map(|s| stage.world.sqs.depth(&s.queue_url))
            .sum();
        let next_message = (queued > 0)
            .then(|| stage.world.sqs.next_visible_at())
            .flatten()
            .map(ms);
        let next = match (queue.next_at(), next_message) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) if queued == 0 => break,
            // Messages visible right now that no poller took: look again at once.
            (None, None) => ms(now) + 1,
        };
        let wait = (next - ms(now)).max(1);
        tokio::time::sleep(std::time::Duration::from_millis(wait as u64)).await;
    }
    Ok(Played {
        tally,
        accepted,
        restocks_applied,
        checkouts_accepted,
        ended_at: stage.world.clock.now(),
    })
}

fn spawn_send(
    stage: &Stage,
    done: &mpsc::UnboundedSender<Done>,
    request: Request,
    purpose: Purpose,
    attempt: u32,
    now: DateTime<Utc>,
) {
    let routes = stage.routes.clone();
    let done = done.clone();
    let request = stage.secrets.sent_at(request, now.timestamp());
    tokio::spawn(async move {
        let (answer, took) = own_time::measured(send(&routes, &request, now)).await;
        let took = took.as_secs_f64();
        let _ = done.send(Done::Answer {
            purpose,
            request: Box::new(request),
            attempt,
            answer,
            took,
        });
    });
}
