//! The deterministic simulation (local/src/simulation): all six functions on the in-memory world,
//! a paused clock, a seeded scheduler and a fault at one call in ten. Each fixed seed here found
//! a bug that is fixed now, or guards a rule; a random seed more is printed with the command that
//! replays it. The long form is `cargo xtask simulate --orders 10000`.

use oms_local::simulation::{run, Config};

fn passes(orders: usize, seed: u64) {
    let report = run(Config {
        orders,
        seed,
        faults: 0.1,
    })
    .expect("the simulation runs");
    println!("{}", report.text);
    assert!(report.passed, "invariants violated:\n{}", report.text);
}

/// Found: a channel update whose write succeeded but whose answer was lost was retried by the
/// SDK, found applied ("unchanged"), and the order was never handed on to payment verification:
/// paid orders stayed open forever.
#[test]
fn seed_1_updates_applied_by_a_lost_write_still_move_the_order_on() {
    passes(200, 1);
}

/// Guards the backorder queue: new orders (and backordered ones verified again for another
/// reason) could take units older backorders were waiting for; now, while orders wait for a SKU,
/// only a restock's pass over its queue hands its units out.
#[test]
fn seed_3_backorders_are_served_oldest_first() {
    passes(200, 3);
}

/// Found: a restock's pass that died after promoting a backorder but before handing it to the
/// label queue left it ready to ship and forgotten; a retried pass hands such orders on again.
#[test]
fn seeds_4_and_6_promoted_backorders_are_never_forgotten() {
    passes(1_000, 4);
    passes(1_000, 6);
}

/// Found: copies of one notification that arrive together found each other's claim and failed
/// at once, each failure spending one of the message's five receives; with receives whose answer
/// was lost and a delete that failed, two genuine copies reached the dead-letter queue. A copy now
/// waits for the worker holding the claim.
#[test]
fn seed_1796229875543541710_copies_of_a_notification_wait_for_the_one_being_sent() {
    passes(1_000, 1_796_229_875_543_541_710);
}

/// Found: the oldest-first check misjudged, not the queue. It took an order's `stock_reserved` for
/// when it got each of its SKUs, so an order that took its SIM-HOT-1 units in their pass and then
/// waited only for SIM-HOT-0 seemed to overtake the SIM-HOT-1 backorders that began after that
/// pass; it now takes the entry that stops naming the SKU as waited for.
#[test]
fn seed_1796294825622417753_a_sku_is_got_when_its_pass_reserves_it() {
    passes(1_000, 1_796_294_825_622_417_753);
}

/// A new seed every run (printed, with the command that replays it): what no fixed seed covers.
#[test]
fn a_random_seed_holds_every_invariant() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    println!("random seed {seed}");
    passes(1_000, seed);
}

#[test]
fn a_seed_replays_exactly() {
    let config = Config {
        orders: 40,
        seed: 9,
        faults: 0.1,
    };
    let first = run(config).expect("the simulation runs");
    let second = run(config).expect("the simulation runs");
    assert_eq!(
        first.digest, second.digest,
        "the same seed ended in another world"
    );
    let other = run(Config { seed: 10, ..config }).expect("the simulation runs");
    assert_ne!(
        first.digest, other.digest,
        "another seed ended in the same world"
    );
}
