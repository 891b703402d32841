//! One contract, two worlds: every case runs against DynamoDB as moto serves it over the wire
//! (`on_moto`) and against the in-memory store (`in_memory`), and states what DynamoDB answers.
//! A difference between the worlds fails one of the two, so they cannot drift apart.

use std::collections::HashMap;
use std::sync::Arc;

use oms::dynamo::{
    built, n, s, AttributeValue, BatchWrite, ConditionCheck, Db, Delete, DynamoError, Item, Op,
    Put, Query, ReturnValue, ReturnValuesOnConditionCheckFailure, SortCondition, TransactWriteItem,
    Update,
};
use oms_tests::oms_local::{memory, provision};
use oms_tests::unique;

struct World {
    db: Db,
    table: String,
}

async fn moto() -> World {
    let table = oms_tests::orders_table();
    let aws = oms::aws::Clients::load().await;
    let name = unique("contract");
    provision::create_table(&aws, &name, &table.properties)
        .await
        .expect("moto creates the table (run through `cargo xtask test`)");
    World {
        db: aws.db.clone(),
        table: name,
    }
}

fn in_memory() -> World {
    let template = oms_tests::template();
    let prefix = unique("contract");
    let dynamo = memory::dynamo_from_template(&template, &prefix, memory::Faults::default())
        .expect("the template's tables");
    World {
        db: Arc::new(dynamo),
        table: format!("{prefix}-OrdersTable"),
    }
}

oms_tests::in_both_worlds!(
    a_failed_condition_answers_the_item_as_it_is,
    updates_read_the_item_as_it_was_before_them,
    a_condition_guards_a_counter,
    transactions_apply_all_or_nothing_and_say_why_per_item,
    transactions_hold_at_most_100_distinct_items,
    items_over_400_kb_are_refused,
    partitions_and_indexes_list_in_key_order_page_by_page,
    indexes_are_never_read_consistently,
    batches_write_and_read_many_items,
    every_placeholder_must_be_defined_and_used,
    deletes_and_checks_follow_their_conditions,
    a_read_of_some_attributes_answers_only_them,
    a_sort_key_range_of_a_keys_only_index_answers_keys,
);

fn key(pk: &str, sk: &str) -> Item {
    Item::from([("PK".to_string(), s(pk)), ("SK".to_string(), s(sk))])
}

fn item(pk: &str, sk: &str, extra: &[(&str, AttributeValue)]) -> Item {
    let mut item = key(pk, sk);
    item.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    item
}

fn put(w: &World, item: Item) -> Put {
    built(
        Put::builder()
            .table_name(&w.table)
            .set_item(Some(item))
            .build(),
    )
    .unwrap()
}

fn put_new(w: &World, item: Item, return_old: bool) -> Put {
    let mut builder = Put::builder()
        .table_name(&w.table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)");
    if return_old {
        builder = builder
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    }
    built(builder.build()).unwrap()
}

async fn get(w: &World, pk: &str, sk: &str) -> Option<Item> {
    w.db.get(&w.table, key(pk, sk), true).await.unwrap()
}

fn number(item: &Item, name: &str) -> i64 {
    match item.get(name) {
        Some(AttributeValue::N(text)) => text.parse().unwrap(),
        other => panic!("{name} is not a number: {other:?}"),
    }
}

async fn a_failed_condition_answers_the_item_as_it_is(w: &World) {
    let first = item("ORDER#1", "META", &[("version", n(1))]);
    let old =
        w.db.write(put_new(w, first.clone(), true).op(), ReturnValue::None)
            .await
            .unwrap();
    assert_eq!(old, None, "nothing was there");
    let second = item("ORDER#1", "META", &[("version", n(2))]);
    let refused =
        w.db.write(put_new(w, second.clone(), true).op(), ReturnValue::None)
            .await;
    assert_eq!(
        refused,
        Err(DynamoError::ConditionFailed {
            old: Some(first.clone())
        })
    );
    let refused =
        w.db.write(put_new(w, second, false).op(), ReturnValue::None)
            .await;
    assert_eq!(
        refused,
        Err(DynamoError::ConditionFailed { old: None }),
        "the item only comes back when asked for"
    );
    assert_eq!(get(w, "ORDER#1", "META").await, Some(first.clone()));
    let replaced =
        w.db.write(
            put(w, item("ORDER#1", "META", &[("version", n(3))])).op(),
            ReturnValue::AllOld,
        )
        .await
        .unwrap();
    assert_eq!(replaced, Some(first), "a put can answer what it replaced");
}

async fn updates_read_the_item_as_it_was_before_them(w: &World) {
    let update = |expression: &str, values: Vec<(&str, AttributeValue)>| {
        let mut builder = Update::builder()
            .table_name(&w.table)
            .set_key(Some(key("SKU#A", "LOC#main")))
            .update_expression(expression);
        for (name, value) in values {
            builder = builder.expression_attribute_values(name, value);
        }
        built(builder.build()).unwrap().op()
    };
    // An update of a missing item creates it.
    let old = w
        .db
        .write(
            update(
                "SET on_hand = if_not_exists(on_hand, :zero) + :d, reserved = if_not_exists(reserved, :zero), \
                 available = if_not_exists(available, :zero) + :d ADD done_parts :part",
                vec![(":zero", n(0)), (":d", n(7)), (":part", AttributeValue::Ns(vec!["1".into()]))],
            ),
            ReturnValue::AllOld,
        )
        .await
        .unwrap();
    assert_eq!(old, None);
    let stored = get(w, "SKU#A", "LOC#main").await.unwrap();
    assert_eq!(
        (
            number(&stored, "on_hand"),
            number(&stored, "reserved"),
            number(&stored, "available")
        ),
        (7, 0, 7)
    );
    let old = w
        .db
        .write(
            update(
                "SET on_hand = on_hand - :d, available = on_hand - :d REMOVE reserved ADD done_parts :part",
                vec![(":d", n(2)), (":part", AttributeValue::Ns(vec!["1".into()]))],
            ),
            ReturnValue::AllOld,
        )
        .await
        .unwrap()
        .expect("the item before");
    assert_eq!(number(&old, "on_hand"), 7);
    let stored = get(w, "SKU#A", "LOC#main").await.unwrap();
    assert_eq!(number(&stored, "on_hand"), 5);
    assert_eq!(
        number(&stored, "available"),
        5,
        "both read on_hand before the update"
    );
    assert!(!stored.contains_key("reserved"));
    assert_eq!(
        stored["done_parts"],
        AttributeValue::Ns(vec!["1".into()]),
        "a set holds a number once"
    );
    let refused =
        w.db.write(
            update(
                "SET missing_counter = missing_counter + :d",
                vec![(":d", n(1))],
            ),
            ReturnValue::None,
        )
        .await;
    assert!(
        matches!(refused, Err(DynamoError::Invalid(_))),
        "arithmetic on a missing attribute: {refused:?}"
    );
    let refused =
        w.db.write(
            update("SET SK = :sk", vec![(":sk", s("LOC#other"))]),
            ReturnValue::None,
        )
        .await;
    assert!(
        matches!(refused, Err(DynamoError::Invalid(_))),
        "a key attribute cannot change: {refused:?}"
    );
}

async fn a_condition_guards_a_counter(w: &World) {
    w.db.write(
        put(w, item("SKU#B", "LOC#main", &[("available", n(3))])).op(),
        ReturnValue::None,
    )
    .await
    .unwrap();
    let take = |units: i64| {
        built(
            Update::builder()
                .table_name(&w.table)
                .set_key(Some(key("SKU#B", "LOC#main")))
                .update_expression("SET available = available - :units")
                .condition_expression("attribute_exists(PK) AND available >= :units")
                .expression_attribute_values(":units", n(units))
                .build(),
        )
        .unwrap()
        .op()
    };
    w.db.write(take(2), ReturnValue::None).await.unwrap();
    assert_eq!(
        w.db.write(take(2), ReturnValue::None).await,
        Err(DynamoError::ConditionFailed { old: None })
    );
    w.db.write(take(1), ReturnValue::None).await.unwrap();
    assert_eq!(
        number(&get(w, "SKU#B", "LOC#main").await.unwrap(), "available"),
        0
    );
    let missing = built(
        Update::builder()
            .table_name(&w.table)
            .set_key(Some(key("SKU#none", "LOC#main")))
            .update_expression("SET available = available - :units")
            .condition_expression("attribute_exists(PK) AND available >= :units")
            .expression_attribute_values(":units", n(1))
            .build(),
    )
    .unwrap();
    assert_eq!(
        w.db.write(missing.op(), ReturnValue::None).await,
        Err(DynamoError::ConditionFailed { old: None })
    );
    assert_eq!(
        get(w, "SKU#none", "LOC#main").await,
        None,
        "a failed update creates nothing"
    );
}

async fn transactions_apply_all_or_nothing_and_say_why_per_item(w: &World) {
    w.db.write(
        put(w, item("ORDER#2", "META", &[("version", n(1))])).op(),
        ReturnValue::None,
    )
    .await
    .unwrap();
    let versioned = |expected: i64| {
        built(
            Put::builder()
                .table_name(&w.table)
                .set_item(Some(item(
                    "ORDER#2",
                    "META",
                    &[("version", n(expected + 1))],
                )))
                .condition_expression("version = :expected")
                .expression_attribute_values(":expected", n(expected))
                .build(),
        )
        .unwrap()
        .op()
    };
    let items = |expected: i64| -> Vec<TransactWriteItem> {
        vec![
            put(w, item("TRACK#ups#1Z", "REF", &[("order_id", s("2"))])).op(),
            versioned(expected),
            put(w, item("BACKORDER#A", "x#2", &[])).op(),
        ]
    };
    let cancelled = w.db.transact(items(7)).await;
    assert_eq!(
        cancelled,
        Err(DynamoError::Cancelled(vec![
            "None".into(),
            "ConditionalCheckFailed".into(),
            "None".into()
        ]))
    );
    assert!(cancelled.unwrap_err().failed_condition_at(1));
    assert_eq!(
        get(w, "TRACK#ups#1Z", "REF").await,
        None,
        "nothing of a cancelled transaction stays"
    );
    assert_eq!(get(w, "BACKORDER#A", "x#2").await, None);
    w.db.transact(items(1)).await.unwrap();
    assert_eq!(
        number(&get(w, "ORDER#2", "META").await.unwrap(), "version"),
        2
    );
    assert!(get(w, "TRACK#ups#1Z", "REF").await.is_some());
    assert!(get(w, "BACKORDER#A", "x#2").await.is_some());
}

async fn transactions_hold_at_most_100_distinct_items(w: &World) {
    let many = |count: usize| -> Vec<TransactWriteItem> {
        (0..count)
            .map(|i| put(w, item("MANY", &format!("{i:03}"), &[])).op())
            .collect()
    };
    let refused = w.db.transact(many(101)).await;
    assert!(
        matches!(refused, Err(DynamoError::Invalid(_))),
        "{refused:?}"
    );
    assert_eq!(get(w, "MANY", "000").await, None);
    w.db.transact(many(100)).await.unwrap();
    assert!(get(w, "MANY", "099").await.is_some());
    let twice = vec![
        put(w, item("TWICE", "META", &[("n", n(1))])).op(),
        put(w, item("TWICE", "META", &[("n", n(2))])).op(),
    ];
    let refused = w.db.transact(twice).await;
    assert!(
        matches!(refused, Err(DynamoError::Invalid(_))),
        "{refused:?}"
    );
    assert_eq!(get(w, "TWICE", "META").await, None);
}

async fn items_over_400_kb_are_refused(w: &World) {
    let big = item("BIG", "META", &[("blob", s("x".repeat(401 * 1024)))]);
    let refused =
        w.db.write(put(w, big.clone()).op(), ReturnValue::None)
            .await;
    assert!(
        matches!(refused, Err(DynamoError::Invalid(_))),
        "{refused:?}"
    );
    let refused =
        w.db.transact(vec![
            put(w, item("SMALL", "META", &[])).op(),
            put(w, big).op(),
        ])
        .await;
    assert!(
        matches!(refused, Err(DynamoError::Invalid(_))),
        "{refused:?}"
    );
    assert_eq!(get(w, "SMALL", "META").await, None);
    let fits = item("FITS", "META", &[("blob", s("x".repeat(390 * 1024)))]);
    w.db.write(put(w, fits).op(), ReturnValue::None)
        .await
        .unwrap();
}

async fn partitions_and_indexes_list_in_key_order_page_by_page(w: &World) {
    for (id, status, created) in [
        ("c", "open", "3"),
        ("a", "open", "1"),
        ("b", "closed", "2"),
        ("d", "open", "4"),
    ] {
        let order = item(
            &format!("ORDER#{id}"),
            "META",
            &[
                ("GSI1PK", s(format!("STATUS#{status}"))),
                ("GSI1SK", s(format!("{created}#{id}"))),
            ],
        );
        w.db.write(put(w, order).op(), ReturnValue::None)
            .await
            .unwrap();
    }
    let ids = |items: &[Item]| -> Vec<String> {
        items
            .iter()
            .map(|i| i["PK"].as_s().unwrap().clone())
            .collect()
    };
    let first =
        w.db.query(Query {
            ascending: false,
            limit: Some(2),
            ..Query::index(&w.table, "by_status", "GSI1PK", "STATUS#open")
        })
        .await
        .unwrap();
    assert_eq!(ids(&first.items), ["ORDER#d", "ORDER#c"], "newest first");
    let start = first.last_key.expect("another page");
    let expected_key: HashMap<String, AttributeValue> = first.items[1]
        .iter()
        .filter(|(k, _)| ["PK", "SK", "GSI1PK", "GSI1SK"].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(
        start, expected_key,
        "the last key holds the table's and the index's keys"
    );
    let second =
        w.db.query(Query {
            ascending: false,
            limit: Some(2),
            start: Some(start),
            ..Query::index(&w.table, "by_status", "GSI1PK", "STATUS#open")
        })
        .await
        .unwrap();
    assert_eq!(ids(&second.items), ["ORDER#a"]);
    assert_eq!(second.last_key, None, "the last page says so");

    for sk in ["LOG#2", "LOC#east", "LOG#1", "LOC#main", "SETTINGS"] {
        w.db.write(put(w, item("SKU#P", sk, &[])).op(), ReturnValue::None)
            .await
            .unwrap();
    }
    let logs =
        w.db.query(Query {
            sort: Some(("SK".into(), SortCondition::Prefix("LOG#".into()))),
            ..Query::partition(&w.table, "PK", "SKU#P")
        })
        .await
        .unwrap();
    let sks: Vec<_> = logs
        .items
        .iter()
        .map(|i| i["SK"].as_s().unwrap().clone())
        .collect();
    assert_eq!(sks, ["LOG#1", "LOG#2"]);
    let all =
        w.db.query(Query::partition(&w.table, "PK", "SKU#P"))
            .await
            .unwrap();
    assert_eq!(all.items.len(), 5);
    let none =
        w.db.query(Query::partition(&w.table, "PK", "SKU#nothing"))
            .await
            .unwrap();
    assert_eq!(none, oms::dynamo::QueryPage::default());
}

async fn indexes_are_never_read_consistently(w: &World) {
    let refused =
        w.db.query(Query {
            consistent: true,
            ..Query::index(&w.table, "by_status", "GSI1PK", "STATUS#open")
        })
        .await;
    assert!(
        matches!(refused, Err(DynamoError::Invalid(_))),
        "{refused:?}"
    );
}

async fn batches_write_and_read_many_items(w: &World) {
    let writes: Vec<BatchWrite> = (0..25)
        .map(|i| BatchWrite::Put(item("BATCH", &format!("{i:02}"), &[("i", n(i))])))
        .collect();
    assert_eq!(
        w.db.batch_write(&w.table, writes).await.unwrap(),
        Vec::new()
    );
    let keys: Vec<Item> = (0..30).map(|i| key("BATCH", &format!("{i:02}"))).collect();
    let (mut found, left) = w.db.batch_get(&w.table, keys, true).await.unwrap();
    assert!(left.is_empty());
    found.sort_by_key(|i| number(i, "i"));
    assert_eq!(found.len(), 25, "missing keys are left out");
    assert_eq!(number(&found[24], "i"), 24);
    w.db.batch_write(&w.table, vec![BatchWrite::Delete(key("BATCH", "00"))])
        .await
        .unwrap();
    assert_eq!(get(w, "BATCH", "00").await, None);
}

/// DynamoDB also refuses undefined placeholders, unused values and broken syntax; moto answers
/// those with a 500 or accepts them, so the in-memory world's own tests hold it to DynamoDB there.
async fn every_placeholder_must_be_defined_and_used(w: &World) {
    let with = |condition: &str, names: &[(&str, &str)], values: &[(&str, AttributeValue)]| {
        let mut builder = Put::builder()
            .table_name(&w.table)
            .set_item(Some(item("PH", "META", &[])))
            .condition_expression(condition);
        for (k, v) in names {
            builder = builder.expression_attribute_names(*k, *v);
        }
        for (k, v) in values {
            builder = builder.expression_attribute_values(*k, v.clone());
        }
        built(builder.build()).unwrap().op()
    };
    let mut accepted = Vec::new();
    for (case, write) in [
        (
            "an unused name",
            with("attribute_not_exists(PK)", &[("#state", "state")], &[]),
        ),
        (
            "a reserved word",
            with(
                "attribute_not_exists(PK) OR state = :v",
                &[],
                &[(":v", s("open"))],
            ),
        ),
    ] {
        let refused = w.db.write(write, ReturnValue::None).await;
        if !matches!(refused, Err(DynamoError::Invalid(_))) {
            accepted.push(format!("{case}: {refused:?}"));
        }
    }
    assert!(accepted.is_empty(), "accepted: {accepted:?}");
    assert_eq!(get(w, "PH", "META").await, None);
}

async fn deletes_and_checks_follow_their_conditions(w: &World) {
    w.db.write(
        put(w, item("IDEMP#k", "IDEMP", &[("state", s("done"))])).op(),
        ReturnValue::None,
    )
    .await
    .unwrap();
    let delete = built(
        Delete::builder()
            .table_name(&w.table)
            .set_key(Some(key("IDEMP#k", "IDEMP")))
            .condition_expression("#state = :in_progress")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":in_progress", s("in_progress"))
            .build(),
    )
    .unwrap();
    assert_eq!(
        w.db.write(delete.op(), ReturnValue::None).await,
        Err(DynamoError::ConditionFailed { old: None })
    );
    let check = |state: &str| {
        built(
            ConditionCheck::builder()
                .table_name(&w.table)
                .set_key(Some(key("IDEMP#k", "IDEMP")))
                .condition_expression("#state = :s")
                .expression_attribute_names("#state", "state")
                .expression_attribute_values(":s", s(state))
                .build(),
        )
        .unwrap()
        .op()
    };
    let cancelled =
        w.db.transact(vec![
            check("in_progress"),
            put(w, item("AFTER", "META", &[])).op(),
        ])
        .await;
    assert_eq!(
        cancelled,
        Err(DynamoError::Cancelled(vec![
            "ConditionalCheckFailed".into(),
            "None".into()
        ]))
    );
    w.db.transact(vec![check("done"), put(w, item("AFTER", "META", &[])).op()])
        .await
        .unwrap();
    assert!(get(w, "AFTER", "META").await.is_some());
    let unconditional = built(
        Delete::builder()
            .table_name(&w.table)
            .set_key(Some(key("IDEMP#k", "IDEMP")))
            .build(),
    )
    .unwrap();
    let old =
        w.db.write(unconditional.op(), ReturnValue::AllOld)
            .await
            .unwrap();
    assert_eq!(old.and_then(|i| i.get("state").cloned()), Some(s("done")));
    assert_eq!(get(w, "IDEMP#k", "IDEMP").await, None);
}

async fn a_read_of_some_attributes_answers_only_them(w: &World) {
    let pk = unique("projection");
    w.db.write(
        TransactWriteItem::builder()
            .put(put(
                w,
                item(
                    &pk,
                    "META",
                    &[
                        ("status", s("shipped")),
                        ("shipments", AttributeValue::L(vec![s("one")])),
                        ("timeline", s("long")),
                    ],
                ),
            ))
            .build(),
        ReturnValue::None,
    )
    .await
    .unwrap();

    // `status` is a reserved word: the adapter names attributes by placeholder.
    let some =
        w.db.get_attributes(&w.table, key(&pk, "META"), &["shipments", "status"], true)
            .await
            .unwrap()
            .expect("the item exists");
    assert_eq!(
        some,
        Item::from([
            ("status".to_string(), s("shipped")),
            ("shipments".to_string(), AttributeValue::L(vec![s("one")])),
        ])
    );

    // An item without the attributes comes back empty; a missing item does not come back.
    let none =
        w.db.get_attributes(&w.table, key(&pk, "META"), &["refunds"], true)
            .await
            .unwrap();
    assert_eq!(none, Some(Item::new()));
    let missing =
        w.db.get_attributes(&w.table, key(&pk, "OTHER"), &["status"], true)
            .await
            .unwrap();
    assert_eq!(missing, None);
}

/// `BETWEEN` takes both ends; a KEYS_ONLY index answers the table's and its own keys only.
async fn a_sort_key_range_of_a_keys_only_index_answers_keys(w: &World) {
    for created in ["1", "2", "3", "4", "5"] {
        let order = item(
            &format!("ORDER#{created}"),
            "META",
            &[
                ("GSI2PK", s("ORDERS")),
                ("GSI2SK", s(format!("{created}#id"))),
                ("payload", s("not projected")),
            ],
        );
        w.db.write(put(w, order).op(), ReturnValue::None)
            .await
            .unwrap();
    }
    let range = |low: &str, high: &str| Query {
        ascending: false,
        sort: Some((
            "GSI2SK".into(),
            SortCondition::Between(low.into(), high.into()),
        )),
        ..Query::index(&w.table, "by_created", "GSI2PK", "ORDERS")
    };
    let page = w.db.query(range("2#id", "4#id")).await.unwrap();
    let sks: Vec<_> = page
        .items
        .iter()
        .map(|i| i["GSI2SK"].as_s().unwrap().clone())
        .collect();
    assert_eq!(
        sks,
        ["4#id", "3#id", "2#id"],
        "both ends included, newest first"
    );
    let mut names: Vec<_> = page.items[0].keys().cloned().collect();
    names.sort();
    assert_eq!(names, ["GSI2PK", "GSI2SK", "PK", "SK"], "keys only");
    let page = w.db.query(range("2", "3")).await.unwrap();
    assert_eq!(page.items.len(), 1, "2#id lies between 2 and 3");
    // DynamoDB refuses such a range; moto answers nothing, and so does the memory (the stores
    // never ask for one).
    let page = w.db.query(range("4", "2")).await.unwrap();
    assert!(page.items.is_empty());
    assert!(
        matches!(
            w.db.query(range("", "2")).await,
            Err(DynamoError::Invalid(_))
        ),
        "no key value is empty"
    );
}
