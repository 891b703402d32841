//! A worker can die between any two requests of an order write too big for one transaction
//! (here 60 SKUs: reserved in steps at payment verification, released in steps on cancel).
//! Whatever it left half done, the next write of that order finishes or undoes: no unit stays
//! reserved for nothing, none is reserved twice.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use chrono::Utc;
use oms::aws::{InventoryStore, OrderStore};
use oms::channels::native::parse_order;
use oms::domain::{Channel, Order, OrderStatus};
use oms_tests::{order_of, start, unique};

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

/// One order for one unit each of 50 SKUs (101 transaction items: two chunks) is reserved and then
/// cancelled, each time first by a worker that dies after `requests` requests and then again by
/// a healthy one, as a queue would retry it.
async fn dies_after(requests: usize) {
    let t = start().await;
    let prefix = unique("CUT");
    let skus: Vec<String> = (0..50).map(|i| format!("{prefix}-{i:02}")).collect();
    let csv: String = skus.iter().map(|sku| format!("{sku},main,100\n")).collect();
    let imported = t
        .http
        .post(t.url("/inventory/import"))
        .bearer_auth(t.secret("OMS_ADMIN_TOKEN"))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200);

    let table = t.oms.resources.refs["OrdersTable"].clone();
    let client = t.oms.aws.dynamodb.clone();
    let orders = OrderStore::new(client.clone(), &table);
    let inventory = InventoryStore::new(client.clone(), &table);
    let locations = inventory.locations().await.unwrap();
    let sku_names: Vec<&str> = skus.iter().map(String::as_str).collect();
    let lines: Vec<(&str, u32)> = sku_names.iter().map(|&sku| (sku, 1)).collect();
    let available = || async {
        let view = inventory.view(&sku_names).await.unwrap();
        let mut counts: Vec<i64> = sku_names
            .iter()
            .map(|sku| view.available[*sku].values().map(|&u| i64::from(u)).sum())
            .collect();
        counts.dedup();
        counts
    };

    let body = serde_json::to_vec(&order_of(&unique("cut"), "cut@example.com", &lines)).unwrap();
    let new = parse_order(&body, Channel::Marketplace, || None).unwrap();
    let order = Order::place(new, Utc::now());
    assert!(orders.create(&order).await.unwrap().is_none());
    // It promised to be done at once: whoever comes next takes it for dead.
    let worker =
        OrderStore::new(dying(&client, requests), &table).with_lease(chrono::Duration::zero());

    let view = inventory.view(&sku_names).await.unwrap();
    let now = Utc::now();
    let died = worker
        .update(&order.id, |o| o.verify_payment(&view, &locations, now))
        .await;
    assert!(died.is_err(), "the worker died half way");
    let verified = orders
        .update(&order.id, |o| o.verify_payment(&view, &locations, now))
        .await
        .unwrap_or_else(|e| panic!("died after {requests}: verifying again: {e}"));
    assert_eq!(verified.order.status, OrderStatus::ReadyToShip);
    assert_eq!(
        available().await,
        [99],
        "died after {requests}: one unit each reserved"
    );

    let worker =
        OrderStore::new(dying(&client, requests), &table).with_lease(chrono::Duration::zero());
    let died = worker
        .update(&order.id, |o| o.cancel("changed their mind", now))
        .await;
    assert!(died.is_err(), "the worker died half way");
    let canceled = orders
        .update(&order.id, |o| match o.status {
            OrderStatus::Canceled => Ok(()),
            _ => o.cancel("changed their mind", now),
        })
        .await
        .unwrap_or_else(|e| panic!("died after {requests}: cancelling again: {e}"));
    assert_eq!(canceled.order.status, OrderStatus::Canceled);
    assert_eq!(
        available().await,
        [100],
        "died after {requests}: all released"
    );
    assert_eq!(t.unfinished_writes().await, 0, "died after {requests}");
    // Thousands of timeline entries: leave the emulator light for the tests after this one.
    t.drop_table().await;
}
