//! A worker can die between any two requests of an order write too big for one transaction
//! (here 60 SKUs: reserved in steps at payment verification, released in steps on cancel).
//! Whatever it left half done, the next write of that order finishes or undoes: no unit stays
//! reserved for nothing, none is reserved twice.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use chrono::Utc;
use oms::aws::inventory_store::{StockChange, Why};
use oms::aws::{InventoryStore, OrderStore};
use oms::channels::native::parse_order;
use oms::domain::{Channel, Order, OrderStatus};
use oms::inventory::{Location, LocationId};
use oms_tests::oms_local::memory::{self, Fate, FaultPlan, Faults, MemoryDynamo};
use oms_tests::{eventually, order_of, start, unique, TestOms};

/// A DynamoDB client whose worker dies right after its `requests`-th request took effect: that
/// answer is lost, and nothing after it is sent.
#[derive(Debug)]
struct DiesAfter {
    requests: usize,
    sent: Arc<AtomicUsize>,
}

impl Intercept for DiesAfter {
    fn name(&self) -> &'static str {
        "DiesAfter"
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.sent.fetch_add(1, Ordering::SeqCst) >= self.requests {
            return Err("the worker is dead".into());
        }
        Ok(())
    }

    fn read_after_transmit(
        &self,
        _: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.sent.load(Ordering::SeqCst) >= self.requests {
            return Err("the worker died before reading the answer".into());
        }
        Ok(())
    }
}

fn dying(client: &aws_sdk_dynamodb::Client, requests: usize) -> aws_sdk_dynamodb::Client {
    let config = client
        .config()
        .to_builder()
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .interceptor(DiesAfter {
            requests,
            sent: Arc::default(),
        })
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// The same worker in the in-memory world: its `requests`-th call takes effect but its answer is
/// lost, and every call after it fails.
struct DiesAfterCalls {
    requests: usize,
    made: AtomicUsize,
}

impl FaultPlan for DiesAfterCalls {
    fn decide<'a>(
        &'a self,
        _: &'static str,
        _: &'static str,
    ) -> Pin<Box<dyn Future<Output = Fate> + Send + 'a>> {
        let made = self.made.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move {
            match made.cmp(&self.requests) {
                std::cmp::Ordering::Less => Fate::Proceed,
                std::cmp::Ordering::Equal => Fate::LoseAnswer,
                std::cmp::Ordering::Greater => Fate::Fail,
            }
        })
    }
}

// These run in the in-memory world: they only need a database, whose contract with DynamoDB
// `contract_dynamo.rs` checks on both. The last test needs the whole pipeline, so it runs on moto.
// Reserving takes 5 requests (read, lock, two chunks, commit) and cancelling takes 5 (read,
// commit, two chunks, unlock): each test kills the worker right after one of them took effect.

#[tokio::test]
async fn a_worker_dying_after_reading_leaves_nothing_to_do() {
    dies_after(1).await;
}

#[tokio::test]
async fn a_worker_dying_after_locking_or_committing_is_finished_or_undone() {
    dies_after(2).await;
}

#[tokio::test]
async fn a_worker_dying_after_the_first_chunk_is_finished_or_undone() {
    dies_after(3).await;
}

#[tokio::test]
async fn a_worker_dying_after_the_last_chunk_is_finished_or_undone() {
    dies_after(4).await;
}

#[tokio::test]
async fn a_worker_dying_after_committing_or_unlocking_leaves_nothing_to_do() {
    dies_after(5).await;
}

/// Where a shop's table lives.
enum World {
    Moto(Box<TestOms>),
    Memory(MemoryDynamo),
}

/// A shop with 100 units each of 50 SKUs, and the stores a worker writes orders through.
struct Shop {
    world: World,
    table: String,
    skus: Vec<String>,
    orders: OrderStore,
    inventory: InventoryStore,
    locations: Vec<Location>,
}

impl Shop {
    async fn open() -> Self {
        let t = start().await;
        let skus = t.many_skus("CUT", 50, 100).await;
        let table = &t.oms.resources.refs["OrdersTable"];
        let client = t.oms.aws.db.clone();
        let inventory = InventoryStore::new(client.clone(), table);
        Self {
            orders: OrderStore::new(client, table),
            locations: inventory.locations().await.unwrap(),
            inventory,
            skus,
            table: table.clone(),
            world: World::Moto(Box::new(t)),
        }
    }

    /// The same shop in the in-memory world, its tables made from template.yaml.
    async fn in_memory() -> Self {
        let template = oms_tests::template();
        let prefix = unique("mem");
        let dynamo = memory::dynamo_from_template(&template, &prefix, Faults::default()).unwrap();
        let table = format!("{prefix}-OrdersTable");
        let db: oms::dynamo::Db = Arc::new(dynamo.clone());
        let inventory = InventoryStore::new(db.clone(), &table);
        let address = serde_json::from_value(serde_json::json!({
            "name": "Main DC", "line1": "1 Dock Road", "city": "Reno",
            "region": "NV", "postal_code": "89501", "country": "US"}))
        .unwrap();
        let main = LocationId::default_location();
        inventory
            .put_location(&Location {
                id: main.clone(),
                name: "Main DC".into(),
                address,
                priority: 0,
            })
            .await
            .unwrap();
        let prefix = unique("CUT");
        let skus: Vec<String> = (0..50).map(|i| format!("{prefix}-{i:02}")).collect();
        for sku in &skus {
            inventory
                .change(
                    sku,
                    &main,
                    StockChange::Set(100),
                    Why {
                        kind: "count",
                        ..Why::default()
                    },
                    Utc::now(),
                )
                .await
                .unwrap();
        }
        Self {
            orders: OrderStore::new(db, &table),
            locations: inventory.locations().await.unwrap(),
            inventory,
            skus,
            table,
            world: World::Memory(dynamo),
        }
    }

    /// A paid order for one unit of every SKU, stored but not yet verified (no message sent).
    async fn order(&self) -> Order {
        let lines: Vec<(&str, u32)> = self.skus.iter().map(|sku| (sku.as_str(), 1)).collect();
        let body =
            serde_json::to_vec(&order_of(&unique("cut"), "cut@example.com", &lines)).unwrap();
        let new = parse_order(&body, Channel::Marketplace, || None).unwrap();
        let order = Order::place(new, Utc::now());
        assert!(self.orders.create(&order).await.unwrap().is_none());
        order
    }

    /// A worker that dies after `requests` requests, and promised to be done at once: whoever
    /// comes next takes it for dead.
    fn dying_worker(&self, requests: usize) -> OrderStore {
        let db: oms::dynamo::Db = match &self.world {
            World::Moto(t) => Arc::new(oms::dynamo::sdk::SdkDynamo::new(dying(
                &t.oms.aws.dynamodb,
                requests,
            ))),
            World::Memory(dynamo) => {
                Arc::new(dynamo.with_faults(Faults::planned(Arc::new(DiesAfterCalls {
                    requests,
                    made: AtomicUsize::new(0),
                }))))
            }
        };
        OrderStore::new(db, &self.table).with_lease(chrono::Duration::zero())
    }

    async fn verify(&self, store: &OrderStore, order: &Order) -> Result<Order, String> {
        let skus: Vec<&str> = self.skus.iter().map(String::as_str).collect();
        let view = self.inventory.view(&skus).await.unwrap();
        store
            .update(&order.id, |o| {
                o.verify_payment(&view, &self.locations, Utc::now())
            })
            .await
            .map(|updated| updated.order)
            .map_err(|e| e.to_string())
    }

    async fn cancel(&self, store: &OrderStore, order: &Order) -> Result<Order, String> {
        store
            .update(&order.id, |o| match o.status {
                OrderStatus::Canceled => Ok(()),
                _ => o.cancel("changed their mind", Utc::now()),
            })
            .await
            .map(|updated| updated.order)
            .map_err(|e| e.to_string())
    }

    /// The distinct available counts over the SKUs: one number when they all agree.
    async fn available(&self) -> Vec<i64> {
        let skus: Vec<&str> = self.skus.iter().map(String::as_str).collect();
        let view = self.inventory.view(&skus).await.unwrap();
        let mut counts: Vec<i64> = skus
            .iter()
            .map(|sku| view.available[*sku].values().map(|&u| i64::from(u)).sum())
            .collect();
        counts.dedup();
        counts
    }

    /// Thousands of timeline entries: leave the emulator light for the tests after this one.
    async fn close(self) {
        match self.world {
            World::Moto(t) => {
                assert_eq!(t.unfinished_writes().await, 0);
                t.drop_table().await;
            }
            World::Memory(dynamo) => {
                let unfinished = dynamo
                    .items(&self.table)
                    .into_iter()
                    .filter(|item| item.contains_key("saga_token"))
                    .count();
                assert_eq!(unfinished, 0);
            }
        }
    }

    fn oms(&self) -> &TestOms {
        match &self.world {
            World::Moto(t) => t,
            World::Memory(_) => panic!("this shop runs without the pipeline"),
        }
    }
}

/// One order for one unit each of 50 SKUs (101 transaction items: two chunks) is reserved and then
/// cancelled, each time first by a worker that dies after `requests` requests and then again by
/// a healthy one, as a queue would retry it.
async fn dies_after(requests: usize) {
    let shop = Shop::in_memory().await;
    let order = shop.order().await;

    let died = shop.verify(&shop.dying_worker(requests), &order).await;
    assert!(died.is_err(), "the worker died half way");
    let verified = shop
        .verify(&shop.orders, &order)
        .await
        .unwrap_or_else(|e| panic!("died after {requests}: verifying again: {e}"));
    assert_eq!(verified.status, OrderStatus::ReadyToShip);
    assert_eq!(
        shop.available().await,
        [99],
        "died after {requests}: one unit each reserved"
    );

    let died = shop.cancel(&shop.dying_worker(requests), &order).await;
    assert!(died.is_err(), "the worker died half way");
    let canceled = shop
        .cancel(&shop.orders, &order)
        .await
        .unwrap_or_else(|e| panic!("died after {requests}: cancelling again: {e}"));
    assert_eq!(canceled.status, OrderStatus::Canceled);
    assert_eq!(
        shop.available().await,
        [100],
        "died after {requests}: all released"
    );
    shop.close().await;
}

/// Nothing may write those orders again: a cancellation that died after its commit, and a
/// reservation that died between its chunks. The next batch of payment messages, for any order,
/// finishes the one and undoes the other.
#[tokio::test]
async fn writes_left_behind_on_orders_nobody_touches_again_are_finished_anyway() {
    let shop = Shop::open().await;
    let canceled = shop.order().await;
    shop.verify(&shop.orders, &canceled).await.unwrap();
    assert!(shop.cancel(&shop.dying_worker(2), &canceled).await.is_err());
    let half_reserved = shop.order().await;
    assert!(shop
        .verify(&shop.dying_worker(3), &half_reserved)
        .await
        .is_err());
    assert_eq!(
        shop.available().await,
        [98, 99],
        "the cancelled order still holds all its units, the other its first chunk's 49"
    );

    let other = shop
        .oms()
        .paid_order_of("someone@example.com", &[("UNTRACKED-MUG", 1)])
        .await;
    shop.oms()
        .order_until(&other, "verified", |o| o["status"] != "open")
        .await;
    let released = eventually(|| async { (shop.available().await == [100]).then_some(()) }).await;
    assert!(released.is_some(), "left at {:?}", shop.available().await);
    let stored = shop.orders.get(&half_reserved.id).await.unwrap().unwrap();
    assert_eq!(stored.status, OrderStatus::Open, "its reservation undone");
    let notes = eventually(|| async {
        let keys = shop.oms().stored_keys().await;
        (!keys.iter().any(|k| k == "UNFINISHED" || k == "RELEASED")).then_some(())
    })
    .await;
    assert!(
        notes.is_some(),
        "the freed units were announced and the notes dropped"
    );
    shop.close().await;
}
