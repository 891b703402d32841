//! Serializes a value straight to DynamoDB attribute values, in one pass: the item
//! `item::to_item(serde_json::to_value(value))` makes, without building the JSON value first
//! (an order is written at every step of its life, and that copy was a fifth of order intake's
//! own time). Same mapping as through JSON: numbers are `N`, strings and unit variants `S`,
//! none and unit `NULL`, sequences `L`, structs and maps `M`, a variant with data a map of its
//! name to the data; map keys must be strings or integers, and non-finite floats are `NULL`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::ser::{self, Impossible, Serialize};

use super::item::Item;

/// What a value cannot be written as.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EncodeError(String);

impl ser::Error for EncodeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

/// `value` as an item: it must serialize as a map or a struct.
pub fn to_item<T: Serialize + ?Sized>(value: &T) -> Result<Item, EncodeError> {
    match value.serialize(Attribute)? {
        AttributeValue::M(map) => Ok(map),
        _ => Err(EncodeError("an item must be a map or a struct".into())),
    }
}

/// `value` as one attribute value.
pub fn to_attribute<T: Serialize + ?Sized>(value: &T) -> Result<AttributeValue, EncodeError> {
    value.serialize(Attribute)
}

/// The serializer: each value becomes the attribute value it is written as.
struct Attribute;

fn number(n: impl ToString) -> Result<AttributeValue, EncodeError> {
    Ok(AttributeValue::N(n.to_string()))
}

/// `{variant: value}`, as serde writes a variant that carries data.
fn tagged(variant: &'static str, value: AttributeValue) -> AttributeValue {
    AttributeValue::M(HashMap::from([(variant.to_string(), value)]))
}

impl ser::Serializer for Attribute {
    type Ok = AttributeValue;
    type Error = EncodeError;
    type SerializeSeq = List;
    type SerializeTuple = List;
    type SerializeTupleStruct = List;
    type SerializeTupleVariant = List;
    type SerializeMap = Map;
    type SerializeStruct = Map;
    type SerializeStructVariant = Map;

    fn serialize_bool(self, v: bool) -> Result<AttributeValue, EncodeError> {
        Ok(AttributeValue::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<AttributeValue, EncodeError> {
        number(v)
    }
    fn serialize_i16(self, v: i16) -> Result<AttributeValue, EncodeError> {
        number(v)
    }
    fn serialize_i32(self, v: i32) -> Result<AttributeValue, EncodeError> {
        number(v)
    }
    fn serialize_i64(self, v: i64) -> Result<AttributeValue, EncodeError> {
        number(v)
    }
    fn serialize_i128(self, v: i128) -> Result<AttributeValue, EncodeError> {
        number(v)
    }
    fn serialize_u8(self, v: u8) -> Result<AttributeValue, EncodeError> {
        number(v)
    }
    fn serialize_u16(self, v: u16) -> Result<AttributeValue, EncodeError> {
        number(v)
    }
    fn serialize_u32(self, v: u32) -> Result<AttributeValue, EncodeError> {
        number(v)
    }
    fn serialize_u64(self, v: u64) -> Result<AttributeValue, EncodeError> {
        number(v)
    }
    fn serialize_u128(self, v: u128) -> Result<AttributeValue, EncodeError> {
        number(v)
    }
    fn serialize_f32(self, v: f32) -> Result<AttributeValue, EncodeError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<AttributeValue, EncodeError> {
        // JSON's own spelling of the number; it has none for NaN and the infinities.
        Ok(
            serde_json::Number::from_f64(v).map_or(AttributeValue::Null(true), |n| {
                AttributeValue::N(n.to_string())
            }),
        )
    }
    fn serialize_char(self, v: char) -> Result<AttributeValue, EncodeError> {
        Ok(AttributeValue::S(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<AttributeValue, EncodeError> {
        Ok(AttributeValue::S(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<AttributeValue, EncodeError> {
        Ok(AttributeValue::L(
            v.iter().map(|b| AttributeValue::N(b.to_string())).collect(),
        ))
    }
    fn serialize_none(self) -> Result<AttributeValue, EncodeError> {
        Ok(AttributeValue::Null(true))
    }
    fn serialize_some<T: Serialize + ?Sized>(
        self,
        value: &T,
    ) -> Result<AttributeValue, EncodeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<AttributeValue, EncodeError> {
        Ok(AttributeValue::Null(true))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<AttributeValue, EncodeError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<AttributeValue, EncodeError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<AttributeValue, EncodeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<AttributeValue, EncodeError> {
        Ok(tagged(variant, value.serialize(self)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<List, EncodeError> {
        Ok(List::new(len, None))
    }
    fn serialize_tuple(self, len: usize) -> Result<List, EncodeError> {
        Ok(List::new(Some(len), None))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<List, EncodeError> {
        Ok(List::new(Some(len), None))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<List, EncodeError> {
        Ok(List::new(Some(len), Some(variant)))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Map, EncodeError> {
        Ok(Map::new(len, None))
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Map, EncodeError> {
        Ok(Map::new(Some(len), None))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Map, EncodeError> {
        Ok(Map::new(Some(len), Some(variant)))
    }
}

/// A sequence, tuple or tuple variant being written.
struct List {
    items: Vec<AttributeValue>,
    variant: Option<&'static str>,
}

impl List {
    fn new(len: Option<usize>, variant: Option<&'static str>) -> Self {
        Self {
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant,
        }
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        self.items.push(value.serialize(Attribute)?);
        Ok(())
    }

    fn done(self) -> Result<AttributeValue, EncodeError> {
        let list = AttributeValue::L(self.items);
        Ok(match self.variant {
            Some(variant) => tagged(variant, list),
            None => list,
        })
    }
}

impl ser::SerializeSeq for List {
    type Ok = AttributeValue;
    type Error = EncodeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        self.push(value)
    }
    fn end(self) -> Result<AttributeValue, EncodeError> {
        self.done()
    }
}

impl ser::SerializeTuple for List {
    type Ok = AttributeValue;
    type Error = EncodeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        self.push(value)
    }
    fn end(self) -> Result<AttributeValue, EncodeError> {
        self.done()
    }
}

impl ser::SerializeTupleStruct for List {
    type Ok = AttributeValue;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        self.push(value)
    }
    fn end(self) -> Result<AttributeValue, EncodeError> {
        self.done()
    }
}

impl ser::SerializeTupleVariant for List {
    type Ok = AttributeValue;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        self.push(value)
    }
    fn end(self) -> Result<AttributeValue, EncodeError> {
        self.done()
    }
}

/// A map, struct or struct variant being written.
struct Map {
    entries: HashMap<String, AttributeValue>,
    /// The key given to `serialize_key`, waiting for its value.
    key: Option<String>,
    variant: Option<&'static str>,
}

impl Map {
    fn new(len: Option<usize>, variant: Option<&'static str>) -> Self {
        Self {
            entries: HashMap::with_capacity(len.unwrap_or(0)),
            key: None,
            variant,
        }
    }

    fn insert<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), EncodeError> {
        self.entries
            .insert(key.to_string(), value.serialize(Attribute)?);
        Ok(())
    }

    fn done(self) -> Result<AttributeValue, EncodeError> {
        let map = AttributeValue::M(self.entries);
        Ok(match self.variant {
            Some(variant) => tagged(variant, map),
            None => map,
        })
    }
}

impl ser::SerializeMap for Map {
    type Ok = AttributeValue;
    type Error = EncodeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), EncodeError> {
        self.key = Some(key.serialize(Key)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| EncodeError("a map value came without its key".into()))?;
        self.entries.insert(key, value.serialize(Attribute)?);
        Ok(())
    }
    fn end(self) -> Result<AttributeValue, EncodeError> {
        self.done()
    }
}

impl ser::SerializeStruct for Map {
    type Ok = AttributeValue;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        self.insert(key, value)
    }
    fn end(self) -> Result<AttributeValue, EncodeError> {
        self.done()
    }
}

impl ser::SerializeStructVariant for Map {
    type Ok = AttributeValue;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        self.insert(key, value)
    }
    fn end(self) -> Result<AttributeValue, EncodeError> {
        self.done()
    }
}

/// A map key: a string, or an integer or character written as one (as JSON writes them).
struct Key;

fn key_error() -> EncodeError {
    EncodeError("a map key must be a string".into())
}

impl ser::Serializer for Key {
    type Ok = String;
    type Error = EncodeError;
    type SerializeSeq = Impossible<String, EncodeError>;
    type SerializeTuple = Impossible<String, EncodeError>;
    type SerializeTupleStruct = Impossible<String, EncodeError>;
    type SerializeTupleVariant = Impossible<String, EncodeError>;
    type SerializeMap = Impossible<String, EncodeError>;
    type SerializeStruct = Impossible<String, EncodeError>;
    type SerializeStructVariant = Impossible<String, EncodeError>;

    fn serialize_str(self, v: &str) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_char(self, v: char) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, EncodeError> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, EncodeError> {
        value.serialize(self)
    }
    fn serialize_bool(self, _v: bool) -> Result<String, EncodeError> {
        Err(key_error())
    }
    fn serialize_f32(self, _v: f32) -> Result<String, EncodeError> {
        Err(key_error())
    }
    fn serialize_f64(self, _v: f64) -> Result<String, EncodeError> {
        Err(key_error())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, EncodeError> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<String, EncodeError> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<String, EncodeError> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Result<String, EncodeError> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, EncodeError> {
        Err(key_error())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, EncodeError> {
        Err(key_error())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, EncodeError> {
        Err(key_error())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, EncodeError> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, EncodeError> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, EncodeError> {
        Err(key_error())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, EncodeError> {
        Err(key_error())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, EncodeError> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, EncodeError> {
        Err(key_error())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;
    use serde_json::json;

    use super::*;
    use crate::aws::item;

    /// What the item was before this serializer: through a JSON value.
    fn through_json<T: Serialize>(value: &T) -> Item {
        item::to_item(serde_json::to_value(value).expect("serializes to JSON"))
    }

    #[derive(Serialize)]
    enum Shape {
        Point,
        Circle(f64),
        Pair(u8, i64),
        Box { w: u32, label: Option<String> },
    }

    #[derive(Serialize)]
    struct Wrapper(String);

    #[derive(Serialize)]
    struct Everything {
        flag: bool,
        small: i8,
        big: u64,
        negative: i64,
        ratio: f64,
        not_a_number: f64,
        letter: char,
        text: &'static str,
        missing: Option<u32>,
        present: Option<u32>,
        unit: (),
        wrapped: Wrapper,
        shapes: Vec<Shape>,
        tuple: (u8, &'static str),
        by_name: BTreeMap<String, u32>,
        by_number: BTreeMap<u16, bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        nested: serde_json::Value,
    }

    #[test]
    fn every_kind_of_value_is_written_as_it_was_through_json() {
        let value = Everything {
            flag: true,
            small: -7,
            big: u64::MAX,
            negative: i64::MIN,
            ratio: 0.1,
            not_a_number: f64::NAN,
            letter: 'é',
            text: "Montréal",
            missing: None,
            present: Some(3),
            unit: (),
            wrapped: Wrapper("w".into()),
            shapes: vec![
                Shape::Point,
                Shape::Circle(2.5),
                Shape::Pair(1, -2),
                Shape::Box { w: 4, label: None },
            ],
            tuple: (9, "nine"),
            by_name: BTreeMap::from([("a".into(), 1), ("b".into(), 2)]),
            by_number: BTreeMap::from([(7, true)]),
            skipped: None,
            nested: json!({"deep": [{"x": null}, [], {}], "n": 1.5e300}),
        };
        assert_eq!(to_item(&value).unwrap(), through_json(&value));
    }

    #[test]
    fn a_placed_order_is_written_as_it_was_through_json() {
        let order = crate::aws::test_orders::twenty_lines();
        assert_eq!(to_item(&order).unwrap(), through_json(&order));
    }

    #[test]
    fn what_is_not_a_map_is_no_item_and_keys_must_be_strings() {
        assert!(to_item(&[1, 2]).is_err());
        assert!(to_item(&BTreeMap::from([(true, 1)])).is_err());
        assert_eq!(
            to_attribute(&Some("x")).unwrap(),
            AttributeValue::S("x".into())
        );
    }
}
