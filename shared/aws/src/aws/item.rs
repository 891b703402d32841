//! Converts between JSON values (what serde gives us) and DynamoDB attribute values, so items are
//! native maps an operator can read in the console, not opaque blobs.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Number, Value};

pub type Item = HashMap<String, AttributeValue>;

pub fn to_item(value: Value) -> Item {
    match value {
        Value::Object(map) => map.into_iter().map(|(k, v)| (k, to_attribute(v))).collect(),
        other => HashMap::from([("value".to_string(), to_attribute(other))]),
    }
}

fn to_attribute(value: Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s),
        Value::Array(items) => AttributeValue::L(items.into_iter().map(to_attribute).collect()),
        Value::Object(map) => {
            AttributeValue::M(map.into_iter().map(|(k, v)| (k, to_attribute(v))).collect())
        }
    }
}

pub fn from_item(item: &Item) -> Value {
    Value::Object(
        item.iter()
            .map(|(k, v)| (k.clone(), from_attribute(v)))
            .collect::<Map<_, _>>(),
    )
}

pub fn from_attribute(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => n
            .parse::<u64>()
            .map(Number::from)
            .or_else(|_| n.parse::<i64>().map(Number::from))
            .ok()
            .or_else(|| n.parse::<f64>().ok().and_then(Number::from_f64))
            .map_or(Value::Null, Value::Number),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::L(items) => Value::Array(items.iter().map(from_attribute).collect()),
        AttributeValue::M(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), from_attribute(v)))
                .collect(),
        ),
        AttributeValue::Ss(items) => {
            Value::Array(items.iter().cloned().map(Value::String).collect())
        }
        _ => Value::Null,
    }
}

pub fn string(item: &Item, name: &str) -> Option<String> {
    match item.get(name) {
        Some(AttributeValue::S(s)) => Some(s.clone()),
        _ => None,
    }
}

/// A number attribute as `T`; none when it is missing, not a number, or out of `T`'s range.
pub fn number<T: std::str::FromStr>(item: &Item, name: &str) -> Option<T> {
    match item.get(name) {
        Some(AttributeValue::N(n)) => n.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_round_trips_through_attributes() {
        let value = json!({
            "id": "ord_1", "version": 7, "test": false, "note": null,
            "lines": [{"sku": "A", "quantity": 2, "unit_price": "14.00"}],
            "nested": {"big": 18446744073709551615u64, "neg": -3}
        });
        assert_eq!(from_item(&to_item(value.clone())), value);
    }
}
