//! DynamoDB in memory, with the semantics our stores rely on: conditional writes that answer the
//! item that failed them, transactions of at most 100 distinct items that apply all or nothing
//! and say why per item, the 400 KB item limit, global secondary indexes (eventually consistent
//! only: a consistent read of one is refused), paginated queries, batches of 25 writes and 100
//! reads, and every call subject to the world's faults.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, TransactWriteItem};

use oms::dynamo::{
    BatchWrite, Call, Dynamo, DynamoError, Item, Query, QueryPage, SortCondition, MAX_BATCH_READS,
    MAX_BATCH_WRITES, MAX_ITEM_BYTES, MAX_TRANSACTION_ITEMS,
};

use super::capacity::{self, Read, Units};
use super::expression::{ConditionExpr, Invalid, Placeholders, UpdateExpr};
use super::faults::{Fate, Faults};

/// A table's key schema: partition and sort key names (strings), and its indexes by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSchema {
    pub pk: String,
    pub sk: Option<String>,
    pub indexes: BTreeMap<String, IndexSchema>,
}

/// A global secondary index: its key names and what a query of it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSchema {
    pub pk: String,
    pub sk: Option<String>,
    pub projection: Projection,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projection {
    /// Every attribute of the item (`ALL`).
    All,
    /// The table's and the index's keys, and these attributes (`KEYS_ONLY` when none, `INCLUDE`).
    Keys(Vec<String>),
}

type Key = (String, String);
/// An index entry's position: its own key, then the table's.
type IndexKey = (String, String, String, String);

struct Table {
    schema: TableSchema,
    items: BTreeMap<Key, Item>,
    indexes: BTreeMap<String, BTreeMap<IndexKey, ()>>,
    /// The attribute whose every change is kept, and the changes so far.
    watched: Option<(String, Vec<Change>)>,
    /// The capacity units its calls have consumed, as on-demand DynamoDB bills them, by what
    /// they were for (`Table::kind`).
    used: BTreeMap<String, Units>,
}

/// A string attribute of an item changing value in one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The item's partition key.
    pub partition: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Table {
    fn key_of(&self, item: &Item) -> Result<Key, Invalid> {
        let part = |name: &str| match item.get(name) {
            Some(AttributeValue::S(s)) if !s.is_empty() => Ok(s.clone()),
            Some(_) => Err(Invalid(format!(
                "One or more parameter values were invalid: Type mismatch for key {name}"
            ))),
            None => Err(Invalid(format!(
                "One or more parameter values were invalid: Missing the key {name} in the item"
            ))),
        };
        let pk = part(&self.schema.pk)?;
        let sk = match &self.schema.sk {
            Some(name) => part(name)?,
            None => String::new(),
        };
        Ok((pk, sk))
    }

    /// A request's key: exactly the key attributes.
    fn exact_key(&self, key: &Item) -> Result<Key, Invalid> {
        let wanted = 1 + usize::from(self.schema.sk.is_some());
        if key.len() != wanted {
            return Err(Invalid(
                "The provided key element does not match the schema".into(),
            ));
        }
        self.key_of(key)
    }

    fn key_names(&self) -> Vec<&str> {
        std::iter::once(self.schema.pk.as_str())
            .chain(self.schema.sk.as_deref())
            .collect()
    }

    fn index_key(&self, index: &str, key: &Key, item: &Item) -> Option<IndexKey> {
        let IndexSchema { pk, sk, .. } = self.schema.indexes.get(index)?;
        let text = |name: &str| match item.get(name) {
            Some(AttributeValue::S(s)) => Some(s.clone()),
            _ => None,
        };
        let ipk = text(pk)?;
        let isk = match sk {
            Some(sk) => text(sk)?,
            None => String::new(),
        };
        Some((ipk, isk, key.0.clone(), key.1.clone()))
    }

    /// What an index answers of an item: the table's and the index's keys and, unless it
    /// projects everything, the attributes it includes.
    fn projected(&self, index: &IndexSchema, item: &Item) -> Item {
        match &index.projection {
            Projection::All => item.clone(),
            Projection::Keys(attributes) => item
                .iter()
                .filter(|(name, _)| {
                    self.key_names().contains(&name.as_str())
                        || **name == index.pk
                        || Some(*name) == index.sk.as_ref()
                        || attributes.contains(name)
                })
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        }
    }

    /// What the units spent on an item are for: its partition key's prefix (`ORDER`, `SKU`...).
    fn kind(partition: &str) -> String {
        partition.split('#').next().unwrap_or_default().to_string()
    }

    fn charge(&mut self, kind: String, units: Units) {
        *self.used.entry(kind).or_default() += units;
    }

    /// The write units of replacing the item at `key` with `item`: the item itself (the larger
    /// of before and after) and every index whose entry for it comes, goes, moves or changes.
    fn write_cost(
        &self,
        key: &Key,
        item: Option<&Item>,
        transactional: bool,
    ) -> Vec<(String, Units)> {
        let before = self.items.get(key);
        let mut costs = vec![(
            Self::kind(&key.0),
            capacity::write(
                before.map_or(0, item_bytes),
                item.map_or(0, item_bytes),
                transactional,
            ),
        )];
        for (name, index) in &self.schema.indexes {
            let entry = |item: Option<&Item>| {
                let item = item?;
                let position = self.index_key(name, key, item)?;
                let projected = self.projected(index, item);
                let size = item_bytes(&projected);
                Some((position, projected, size))
            };
            costs.push((
                format!("{name} (index)"),
                capacity::index_write(entry(before), entry(item)),
            ));
        }
        costs
    }

    fn check_index_types(&self, item: &Item) -> Result<(), Invalid> {
        for IndexSchema { pk, sk, .. } in self.schema.indexes.values() {
            for name in std::iter::once(pk).chain(sk) {
                if let Some(value) = item.get(name) {
                    if !matches!(value, AttributeValue::S(s) if !s.is_empty()) {
                        return Err(Invalid(format!(
                            "One or more parameter values were invalid: Type mismatch for Index Key {name}"
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// Replaces the item at `key`, charging the write (`transactional`: at twice the units).
    fn store(&mut self, key: Key, item: Option<Item>, transactional: bool) {
        for (kind, units) in self.write_cost(&key, item.as_ref(), transactional) {
            self.charge(kind, units);
        }
        if let Some((attribute, changes)) = &mut self.watched {
            let text = |item: Option<&Item>| match item.and_then(|i| i.get(attribute.as_str())) {
                Some(AttributeValue::S(s)) => Some(s.clone()),
                _ => None,
            };
            let (before, after) = (text(self.items.get(&key)), text(item.as_ref()));
            if before != after {
                let partition = match self
                    .items
                    .get(&key)
                    .or(item.as_ref())
                    .and_then(|i| i.get(&self.schema.pk))
                {
                    Some(AttributeValue::S(s)) => s.clone(),
                    _ => String::new(),
                };
                changes.push(Change {
                    partition,
                    before,
                    after,
                });
            }
        }
        if let Some(old) = self.items.remove(&key) {
            for index in self.schema.indexes.keys().cloned().collect::<Vec<_>>() {
                if let Some(entry) = self.index_key(&index, &key, &old) {
                    self.indexes.entry(index).or_default().remove(&entry);
                }
            }
        }
        if let Some(item) = item {
            for index in self.schema.indexes.keys().cloned().collect::<Vec<_>>() {
                if let Some(entry) = self.index_key(&index, &key, &item) {
                    self.indexes.entry(index).or_default().insert(entry, ());
                }
            }
            self.items.insert(key, item);
        }
    }
}

/// The tables, behind one lock: every operation is atomic, as DynamoDB's single-item and
/// transactional writes are.
#[derive(Clone, Default)]
pub struct MemoryDynamo {
    tables: Arc<Mutex<BTreeMap<String, Table>>>,
    /// Client request tokens of the transactions applied (DynamoDB remembers them for 10
    /// minutes; a run here is one world, so for good).
    tokens: Arc<Mutex<std::collections::BTreeSet<u64>>>,
    faults: Faults,
}

/// The tighter of two bounds on one side of a range.
trait Tighter {
    fn max_with(self, low: &IndexKey) -> Bound<IndexKey>;
    fn min_with(self, high: &IndexKey) -> Bound<IndexKey>;
}

impl Tighter for Bound<IndexKey> {
    /// A lower bound no lower than `low` (included).
    fn max_with(self, low: &IndexKey) -> Bound<IndexKey> {
        match self {
            Bound::Excluded(k) if &k >= low => Bound::Excluded(k),
            Bound::Included(k) if &k >= low => Bound::Included(k),
            _ => Bound::Included(low.clone()),
        }
    }

    /// An upper bound no higher than `high` (excluded).
    fn min_with(self, high: &IndexKey) -> Bound<IndexKey> {
        match self {
            Bound::Excluded(k) if &k <= high => Bound::Excluded(k),
            Bound::Included(k) if &k < high => Bound::Included(k),
            _ => Bound::Excluded(high.clone()),
        }
    }
}

/// One write, checked and ready to apply.
struct Planned {
    table: String,
    key: Key,
    after: Option<Item>,
    before: Option<Item>,
}

impl MemoryDynamo {
    pub fn new(faults: Faults) -> Self {
        Self {
            tables: Arc::default(),
            tokens: Arc::default(),
            faults,
        }
    }

    /// The same tables, seen by a caller whose calls are subject to `faults`.
    pub fn with_faults(&self, faults: Faults) -> Self {
        Self {
            tables: self.tables.clone(),
            tokens: self.tokens.clone(),
            faults,
        }
    }

    pub fn create_table(&self, name: &str, schema: TableSchema) {
        self.tables.lock().expect("tables").insert(
            name.to_string(),
            Table {
                schema,
                items: BTreeMap::new(),
                indexes: BTreeMap::new(),
                watched: None,
                used: BTreeMap::new(),
            },
        );
    }

    /// A transaction with DynamoDB's client request token: one already applied under `token`
    /// answers success without applying again, as the SDK's retries of a transaction rely on.
    pub async fn transact_once(
        &self,
        items: Vec<TransactWriteItem>,
        token: Option<u64>,
    ) -> Result<(), DynamoError> {
        let fate = self.faults.call("dynamodb", "TransactWriteItems").await;
        if fate.is(Fate::Throttle) {
            // DynamoDB's own way of refusing a transaction under contention.
            return Err(DynamoError::Cancelled(vec![
                "TransactionConflict".into();
                items.len()
            ]));
        }
        fate.before()?;
        if let Some(token) = token {
            if self.tokens.lock().expect("tokens").contains(&token) {
                return fate.after(());
            }
        }
        self.transaction(&items)?;
        if let Some(token) = token {
            self.tokens.lock().expect("tokens").insert(token);
        }
        fate.after(())
    }

    /// Keeps every change of a table's string `attribute` from now on (for checks).
    pub fn watch(&self, table: &str, attribute: &str) {
        if let Some(table) = self.tables.lock().expect("tables").get_mut(table) {
            table.watched = Some((attribute.to_string(), Vec::new()));
        }
    }

    /// The changes kept by `watch`, in the order they were written.
    pub fn changes(&self, table: &str) -> Vec<Change> {
        self.tables
            .lock()
            .expect("tables")
            .get(table)
            .and_then(|t| t.watched.as_ref())
            .map(|(_, changes)| changes.clone())
            .unwrap_or_default()
    }

    /// Every item of a table, in key order (for checks: not a DynamoDB operation we use).
    pub fn items(&self, table: &str) -> Vec<Item> {
        self.tables
            .lock()
            .expect("tables")
            .get(table)
            .map(|t| t.items.values().cloned().collect())
            .unwrap_or_default()
    }

    fn with_tables<T>(&self, f: impl FnOnce(&mut BTreeMap<String, Table>) -> T) -> T {
        f(&mut self.tables.lock().expect("tables"))
    }

    /// What a write would do, or why it is refused (`Err(Ok(..))`: its condition failed).
    fn plan(
        tables: &BTreeMap<String, Table>,
        write: &TransactWriteItem,
    ) -> Result<Result<Planned, Option<Item>>, DynamoError> {
        let invalid = |e: Invalid| DynamoError::Invalid(e.0);
        let no_table = |name: &str| {
            DynamoError::Invalid(format!("Requested resource not found: table {name}"))
        };
        let (table_name, condition, names, values, return_old) = if let Some(put) = &write.put {
            (
                &put.table_name,
                &put.condition_expression,
                &put.expression_attribute_names,
                &put.expression_attribute_values,
                &put.return_values_on_condition_check_failure,
            )
        } else if let Some(update) = &write.update {
            (
                &update.table_name,
                &update.condition_expression,
                &update.expression_attribute_names,
                &update.expression_attribute_values,
                &update.return_values_on_condition_check_failure,
            )
        } else if let Some(delete) = &write.delete {
            (
                &delete.table_name,
                &delete.condition_expression,
                &delete.expression_attribute_names,
                &delete.expression_attribute_values,
                &delete.return_values_on_condition_check_failure,
            )
        } else if let Some(check) = &write.condition_check {
            (
                &check.table_name,
                &Some(check.condition_expression.clone()),
                &check.expression_attribute_names,
                &check.expression_attribute_values,
                &check.return_values_on_condition_check_failure,
            )
        } else {
            return Err(DynamoError::Invalid("an empty write".into()));
        };
        let table = tables.get(table_name).ok_or_else(|| no_table(table_name))?;
        let (no_names, no_values) = (HashMap::new(), HashMap::new());
        let mut placeholders = Placeholders::new(
            names.as_ref().unwrap_or(&no_names),
            values.as_ref().unwrap_or(&no_values),
        );
        let condition = condition
            .as_deref()
            .map(|text| ConditionExpr::parse(text, &mut placeholders))
            .transpose()
            .map_err(invalid)?;
        let update = write
            .update
            .as_ref()
            .map(|u| UpdateExpr::parse(&u.update_expression, &mut placeholders))
            .transpose()
            .map_err(invalid)?;
        placeholders.check_all_used().map_err(invalid)?;
        let (_, key) = Self::write_key(tables, write)?;
        let before = table.items.get(&key).cloned();
        if condition
            .as_ref()
            .is_some_and(|c| !c.holds(before.as_ref()))
        {
            let wants_old = return_old.as_ref().is_some_and(|r| r.as_str() == "ALL_OLD");
            return Ok(Err(if wants_old { before } else { None }));
        }
        let after = if let Some(put) = &write.put {
            Some(put.item.clone())
        } else if let Some(update) = update {
            let mut item = before.clone().unwrap_or_else(|| {
                write
                    .update
                    .as_ref()
                    .map(|u| u.key.clone())
                    .unwrap_or_default()
            });
            update
                .apply(&mut item, &table.key_names())
                .map_err(invalid)?;
            Some(item)
        } else if write.delete.is_some() {
            None
        } else {
            before.clone()
        };
        if let Some(item) = &after {
            table.check_index_types(item).map_err(invalid)?;
            if item_bytes(item) > MAX_ITEM_BYTES {
                return Err(DynamoError::Invalid(
                    "Item size has exceeded the maximum allowed size".into(),
                ));
            }
        }
        Ok(Ok(Planned {
            table: table_name.clone(),
            key,
            after,
            before,
        }))
    }

    fn apply(tables: &mut BTreeMap<String, Table>, planned: Planned, transactional: bool) {
        if let Some(table) = tables.get_mut(&planned.table) {
            table.store(planned.key, planned.after, transactional);
        }
    }

    /// Charges `units` for an item of `partition` in `table` (a read, or a write refused by its
    /// condition, which DynamoDB bills all the same).
    fn charge(tables: &mut BTreeMap<String, Table>, table: &str, partition: &str, units: Units) {
        if let Some(table) = tables.get_mut(table) {
            table.charge(Table::kind(partition), units);
        }
    }

    /// The capacity units each table's calls have consumed so far, as on-demand DynamoDB bills
    /// them (`capacity`), by what they were for: the items' partition key prefix, or an index.
    pub fn consumed(&self) -> BTreeMap<(String, String), Units> {
        self.with_tables(|tables| {
            tables
                .iter()
                .flat_map(|(name, table)| {
                    table
                        .used
                        .iter()
                        .map(|(kind, units)| ((name.clone(), kind.clone()), *units))
                })
                .collect()
        })
    }

    fn single_write(
        &self,
        write: &TransactWriteItem,
        returns: &ReturnValue,
    ) -> Result<Option<Item>, DynamoError> {
        if write.condition_check.is_some() {
            return Err(DynamoError::Invalid(
                "a condition check alone is not a write".into(),
            ));
        }
        self.with_tables(|tables| match Self::plan(tables, write)? {
            Ok(planned) => {
                let old = planned.before.clone();
                Self::apply(tables, planned, false);
                Ok(match returns {
                    ReturnValue::AllOld => old,
                    _ => None,
                })
            }
            Err(old) => {
                let (table, key) = Self::write_key(tables, write)?;
                let size = tables
                    .get(&table)
                    .and_then(|t| t.items.get(&key))
                    .map_or(0, item_bytes);
                Self::charge(tables, &table, &key.0, capacity::write(size, 0, false));
                Err(DynamoError::ConditionFailed { old })
            }
        })
    }

    /// The table and key a write is for.
    fn write_key(
        tables: &BTreeMap<String, Table>,
        write: &TransactWriteItem,
    ) -> Result<(String, Key), DynamoError> {
        let (name, key) = if let Some(put) = &write.put {
            (&put.table_name, Err(&put.item))
        } else if let Some(update) = &write.update {
            (&update.table_name, Ok(&update.key))
        } else if let Some(delete) = &write.delete {
            (&delete.table_name, Ok(&delete.key))
        } else if let Some(check) = &write.condition_check {
            (&check.table_name, Ok(&check.key))
        } else {
            return Err(DynamoError::Invalid("an empty write".into()));
        };
        let table = tables.get(name).ok_or_else(|| {
            DynamoError::Invalid(format!("Requested resource not found: table {name}"))
        })?;
        let key = match key {
            Err(item) => table.key_of(item),
            Ok(key) => table.exact_key(key),
        }
        .map_err(|e| DynamoError::Invalid(e.0))?;
        Ok((name.clone(), key))
    }

    fn transaction(&self, items: &[TransactWriteItem]) -> Result<(), DynamoError> {
        if items.is_empty() || items.len() > MAX_TRANSACTION_ITEMS {
            return Err(DynamoError::Invalid(format!(
                "Member must have length less than or equal to {MAX_TRANSACTION_ITEMS}"
            )));
        }
        self.with_tables(|tables| {
            // Two writes of one item are refused whatever their conditions say.
            let mut seen = std::collections::BTreeSet::new();
            for write in items {
                if !seen.insert(Self::write_key(tables, write)?) {
                    return Err(DynamoError::Invalid(
                        "Transaction request cannot include multiple operations on one item".into(),
                    ));
                }
            }
            let mut plans = Vec::with_capacity(items.len());
            let mut reasons = Vec::with_capacity(items.len());
            let mut cancelled = false;
            for write in items {
                match Self::plan(tables, write) {
                    Ok(Ok(planned)) => {
                        reasons.push("None".to_string());
                        plans.push(planned);
                    }
                    Ok(Err(_)) => {
                        cancelled = true;
                        reasons.push("ConditionalCheckFailed".to_string());
                    }
                    Err(e) => return Err(e),
                }
            }
            if cancelled {
                return Err(DynamoError::Cancelled(reasons));
            }
            for (write, planned) in items.iter().zip(plans) {
                if write.condition_check.is_some() {
                    let size = planned.before.as_ref().map_or(0, item_bytes);
                    let units = capacity::read(size, Read::Transactional);
                    Self::charge(tables, &planned.table, &planned.key.0, units);
                } else {
                    Self::apply(tables, planned, true);
                }
            }
            Ok(())
        })
    }

    fn run_query(&self, query: &Query) -> Result<QueryPage, DynamoError> {
        if query.index.is_some() && query.consistent {
            return Err(DynamoError::Invalid(
                "Consistent reads are not supported on global secondary indexes".into(),
            ));
        }
        if query.limit.is_some_and(|l| l < 1) {
            return Err(DynamoError::Invalid("Limit must be at least 1".into()));
        }
        self.with_tables(|tables| {
            let table = tables.get(&query.table).ok_or_else(|| {
                DynamoError::Invalid(format!(
                    "Requested resource not found: table {}",
                    query.table
                ))
            })?;
            let (pk_name, sk_name, projection) = match &query.index {
                Some(index) => {
                    let index = table.schema.indexes.get(index).cloned().ok_or_else(|| {
                        DynamoError::Invalid(format!(
                            "The table does not have the specified index: {index}"
                        ))
                    })?;
                    (index.pk, index.sk, index.projection)
                }
                None => (
                    table.schema.pk.clone(),
                    table.schema.sk.clone(),
                    Projection::All,
                ),
            };
            if query.partition.0 != pk_name
                || query
                    .sort
                    .as_ref()
                    .is_some_and(|(name, _)| Some(name) != sk_name.as_ref())
            {
                return Err(DynamoError::Invalid(
                    "Query condition missed key schema element".into(),
                ));
            }
            let partition = &query.partition.1;
            // The sort keys read: from `low`, up to `high` (excluded), those `in_range`.
            let (low_sk, high_sk) = match query.sort.as_ref().map(|(_, c)| c) {
                None => (String::new(), char::MAX.to_string()),
                Some(SortCondition::Prefix(prefix)) => {
                    (prefix.clone(), format!("{prefix}{}", char::MAX))
                }
                // DynamoDB refuses `low > high`; moto (whose contract this keeps) reads nothing.
                Some(SortCondition::Between(low, high)) => {
                    if low.is_empty() || high.is_empty() {
                        return Err(DynamoError::Invalid(format!(
                            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: {}",
                            sk_name.as_deref().unwrap_or_default()
                        )));
                    }
                    (low.clone(), format!("{high}\0").max(low.clone()))
                }
            };
            let in_range = |sk: &str| match query.sort.as_ref().map(|(_, c)| c) {
                None => true,
                Some(SortCondition::Prefix(prefix)) => sk.starts_with(prefix.as_str()),
                Some(SortCondition::Between(low, high)) => {
                    low.as_str() <= sk && sk <= high.as_str()
                }
            };
            // Where the page resumes: the start key's position in what is read.
            let resume = match &query.start {
                Some(start) => {
                    let key = table.key_of(start).map_err(|e| DynamoError::Invalid(e.0))?;
                    Some(match &query.index {
                        Some(index) => table.index_key(index, &key, start).ok_or_else(|| {
                            DynamoError::Invalid("The provided starting key is invalid".into())
                        })?,
                        None => (key.0.clone(), key.1.clone(), String::new(), String::new()),
                    })
                }
                None => None,
            };
            let limit = query.limit.map_or(usize::MAX, |l| l as usize);
            // The partition's items whose sort key starts with the prefix, in order, read only
            // as far as the page needs: each candidate's position and its table key.
            let low = (partition.clone(), low_sk, String::new(), String::new());
            let high = (partition.clone(), high_sk, String::new(), String::new());
            let bounds = |resume: &Option<IndexKey>| -> (Bound<IndexKey>, Bound<IndexKey>) {
                match (resume, query.ascending) {
                    (Some(p), true) => (
                        Bound::Excluded(p.clone()).max_with(&low),
                        Bound::Excluded(high.clone()),
                    ),
                    (Some(p), false) => (
                        Bound::Included(low.clone()),
                        Bound::Excluded(p.clone()).min_with(&high),
                    ),
                    (None, _) => (Bound::Included(low.clone()), Bound::Excluded(high.clone())),
                }
            };
            let (from, to) = bounds(&resume);
            // A start key outside what is read leaves nothing (BTreeMap refuses such a range).
            let empty = match (&from, &to) {
                (Bound::Included(a), Bound::Included(b)) => a > b,
                (
                    Bound::Included(a) | Bound::Excluded(a),
                    Bound::Included(b) | Bound::Excluded(b),
                ) => a >= b,
                _ => false,
            };
            let in_prefix = |k: &IndexKey| &k.0 == partition && in_range(&k.1);
            let mut found: Vec<(IndexKey, Key)> = match &query.index {
                _ if empty => Vec::new(),
                Some(index) => match table.indexes.get(index) {
                    Some(entries) => {
                        let range = entries.range((from, to)).map(|(k, _)| k);
                        let picked: Box<dyn Iterator<Item = &IndexKey>> = if query.ascending {
                            Box::new(range)
                        } else {
                            Box::new(range.rev())
                        };
                        picked
                            .filter(|k| in_prefix(k))
                            .take(limit.saturating_add(1))
                            .map(|k| (k.clone(), (k.2.clone(), k.3.clone())))
                            .collect()
                    }
                    None => Vec::new(),
                },
                None => {
                    let key_bound = |b: Bound<IndexKey>| match b {
                        Bound::Included(k) => Bound::Included((k.0, k.1)),
                        Bound::Excluded(k) => Bound::Excluded((k.0, k.1)),
                        Bound::Unbounded => Bound::Unbounded,
                    };
                    let range = table
                        .items
                        .range((key_bound(from), key_bound(to)))
                        .map(|(k, _)| k);
                    let picked: Box<dyn Iterator<Item = &Key>> = if query.ascending {
                        Box::new(range)
                    } else {
                        Box::new(range.rev())
                    };
                    picked
                        .map(|k| (k.0.clone(), k.1.clone(), String::new(), String::new()))
                        .filter(|p| in_prefix(p))
                        .take(limit.saturating_add(1))
                        .map(|p| {
                            let key = (p.0.clone(), p.1.clone());
                            (p, key)
                        })
                        .collect()
                }
            };
            let more = found.len() > limit;
            found.truncate(limit);
            let read = IndexSchema {
                pk: pk_name.clone(),
                sk: sk_name.clone(),
                projection,
            };
            let projected = |item: &Item| table.projected(&read, item);
            let items: Vec<Item> = found
                .iter()
                .filter_map(|(_, key)| table.items.get(key).map(projected))
                .collect();
            let last_key = more.then(|| {
                let last = items.last().cloned().unwrap_or_default();
                let mut key_names = table.key_names();
                key_names.push(&pk_name);
                key_names.extend(sk_name.as_deref());
                last.into_iter()
                    .filter(|(name, _)| key_names.contains(&name.as_str()))
                    .collect()
            });
            // One charge for every item read, rounded up once.
            let bytes = items.iter().map(item_bytes).sum();
            let units = capacity::read(bytes, Read::consistent(query.consistent));
            let kind = match &query.index {
                Some(index) => format!("{index} (index)"),
                None => query.partition.1.clone(),
            };
            Self::charge(tables, &query.table, &kind, units);
            Ok(QueryPage { items, last_key })
        })
    }

    /// The item, or only the named attributes of it.
    fn get_item(
        &self,
        table: &str,
        key: &Item,
        attributes: Option<&[&str]>,
        consistent: bool,
    ) -> Result<Option<Item>, DynamoError> {
        self.with_tables(|tables| {
            let table = tables.get_mut(table).ok_or_else(|| {
                DynamoError::Invalid(format!("Requested resource not found: table {table}"))
            })?;
            let key = table
                .exact_key(key)
                .map_err(|e| DynamoError::Invalid(e.0))?;
            // The whole item is billed, whatever the projection leaves out.
            let size = table.items.get(&key).map_or(0, item_bytes);
            table.charge(
                Table::kind(&key.0),
                capacity::read(size, Read::consistent(consistent)),
            );
            let Some(item) = table.items.get(&key) else {
                return Ok(None);
            };
            Ok(Some(match attributes {
                None => item.clone(),
                Some(names) => names
                    .iter()
                    .filter_map(|name| Some((name.to_string(), item.get(*name)?.clone())))
                    .collect(),
            }))
        })
    }

    fn batch_read(
        &self,
        table: &str,
        keys: &[Item],
        consistent: bool,
    ) -> Result<Vec<Item>, DynamoError> {
        self.with_tables(|tables| {
            let table = tables.get_mut(table).ok_or_else(|| {
                DynamoError::Invalid(format!("Requested resource not found: table {table}"))
            })?;
            let mut seen = std::collections::BTreeSet::new();
            let mut found = Vec::new();
            for key in keys {
                let key = table
                    .exact_key(key)
                    .map_err(|e| DynamoError::Invalid(e.0))?;
                let size = table.items.get(&key).map_or(0, item_bytes);
                table.charge(
                    Table::kind(&key.0),
                    capacity::read(size, Read::consistent(consistent)),
                );
                found.extend(table.items.get(&key).cloned());
                if !seen.insert(key) {
                    return Err(DynamoError::Invalid(
                        "Provided list of item keys contains duplicates".into(),
                    ));
                }
            }
            Ok(found)
        })
    }

    fn batch_writes(&self, table: &str, writes: &[BatchWrite]) -> Result<(), DynamoError> {
        if writes.is_empty() || writes.len() > MAX_BATCH_WRITES {
            return Err(DynamoError::Invalid(format!(
                "Too many items requested for the BatchWriteItem call (at most {MAX_BATCH_WRITES})"
            )));
        }
        self.with_tables(|tables| {
            let t = tables.get_mut(table).ok_or_else(|| {
                DynamoError::Invalid(format!("Requested resource not found: table {table}"))
            })?;
            let mut planned = Vec::new();
            let mut seen = std::collections::BTreeSet::new();
            for write in writes {
                let (key, item) = match write {
                    BatchWrite::Put(item) => {
                        t.check_index_types(item)
                            .map_err(|e| DynamoError::Invalid(e.0))?;
                        if item_bytes(item) > MAX_ITEM_BYTES {
                            return Err(DynamoError::Invalid(
                                "Item size has exceeded the maximum allowed size".into(),
                            ));
                        }
                        (t.key_of(item), Some(item.clone()))
                    }
                    BatchWrite::Delete(key) => (t.exact_key(key), None),
                };
                let key = key.map_err(|e| DynamoError::Invalid(e.0))?;
                if !seen.insert(key.clone()) {
                    return Err(DynamoError::Invalid(
                        "Provided list of item keys contains duplicates".into(),
                    ));
                }
                planned.push((key, item));
            }
            for (key, item) in planned {
                t.store(key, item, false);
            }
            Ok(())
        })
    }
}

/// An item's size as DynamoDB counts it (names and values, in bytes; close enough to its own
/// rounding for a 400 KB limit).
pub fn item_bytes(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_bytes(value))
        .sum()
}

fn value_bytes(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => n.len().div_ceil(2) + 1,
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(list) => 3 + list.iter().map(|v| 1 + value_bytes(v)).sum::<usize>(),
        AttributeValue::M(map) => {
            3 + map
                .iter()
                .map(|(k, v)| 1 + k.len() + value_bytes(v))
                .sum::<usize>()
        }
        AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
        AttributeValue::Ns(set) => set.iter().map(|n| n.len().div_ceil(2) + 1).sum(),
        AttributeValue::Bs(set) => set.iter().map(|b| b.as_ref().len()).sum(),
        _ => 1,
    }
}

impl Dynamo for MemoryDynamo {
    fn get<'a>(&'a self, table: &'a str, key: Item, consistent: bool) -> Call<'a, Option<Item>> {
        Box::pin(async move {
            let fate = self.faults.call("dynamodb", "GetItem").await;
            fate.before()?;
            let item = self.get_item(table, &key, None, consistent)?;
            fate.after(item)
        })
    }

    fn get_attributes<'a>(
        &'a self,
        table: &'a str,
        key: Item,
        attributes: &'a [&'a str],
        consistent: bool,
    ) -> Call<'a, Option<Item>> {
        Box::pin(async move {
            let fate = self.faults.call("dynamodb", "GetItem").await;
            fate.before()?;
            if attributes.is_empty() {
                return Err(DynamoError::Invalid(
                    "Invalid ProjectionExpression: The expression can not be empty".into(),
                ));
            }
            let item = self.get_item(table, &key, Some(attributes), consistent)?;
            fate.after(item)
        })
    }

    fn write<'a>(
        &'a self,
        write: TransactWriteItem,
        returns: ReturnValue,
    ) -> Call<'a, Option<Item>> {
        Box::pin(async move {
            let fate = self.faults.call("dynamodb", "WriteItem").await;
            fate.before()?;
            let old = self.single_write(&write, &returns)?;
            fate.after(old)
        })
    }

    fn transact<'a>(&'a self, items: Vec<TransactWriteItem>) -> Call<'a, ()> {
        Box::pin(self.transact_once(items, None))
    }

    fn query<'a>(&'a self, query: Query) -> Call<'a, QueryPage> {
        Box::pin(async move {
            let fate = self.faults.call("dynamodb", "Query").await;
            fate.before()?;
            let page = self.run_query(&query)?;
            fate.after(page)
        })
    }

    fn batch_write<'a>(
        &'a self,
        table: &'a str,
        writes: Vec<BatchWrite>,
    ) -> Call<'a, Vec<BatchWrite>> {
        Box::pin(async move {
            let fate = self.faults.call("dynamodb", "BatchWriteItem").await;
            if fate.is(Fate::Throttle) {
                // Throttled batches come back unprocessed, not as errors.
                return Ok(writes);
            }
            fate.before()?;
            self.batch_writes(table, &writes)?;
            fate.after(Vec::new())
        })
    }

    fn batch_get<'a>(
        &'a self,
        table: &'a str,
        keys: Vec<Item>,
        consistent: bool,
    ) -> Call<'a, (Vec<Item>, Vec<Item>)> {
        Box::pin(async move {
            if keys.is_empty() || keys.len() > MAX_BATCH_READS {
                return Err(DynamoError::Invalid(format!(
                    "Too many items requested for the BatchGetItem call (at most {MAX_BATCH_READS})"
                )));
            }
            let fate = self.faults.call("dynamodb", "BatchGetItem").await;
            if fate.is(Fate::Throttle) {
                return Ok((Vec::new(), keys));
            }
            fate.before()?;
            let found = self.batch_read(table, &keys, consistent)?;
            fate.after((found, Vec::new()))
        })
    }
}

impl TableSchema {
    /// The key schema of an `AWS::DynamoDB::Table`'s properties in template.yaml.
    pub fn from_template(properties: &serde_yaml::Value) -> anyhow::Result<Self> {
        fn keys(schema: &serde_yaml::Value) -> anyhow::Result<(String, Option<String>)> {
            let mut hash = None;
            let mut range = None;
            for element in schema.as_sequence().into_iter().flatten() {
                let name = element["AttributeName"].as_str().map(str::to_string);
                match element["KeyType"].as_str() {
                    Some("HASH") => hash = name,
                    Some("RANGE") => range = name,
                    _ => {}
                }
            }
            Ok((
                hash.ok_or_else(|| anyhow::anyhow!("a key schema without HASH"))?,
                range,
            ))
        }
        let (pk, sk) = keys(&properties["KeySchema"])?;
        let mut indexes = BTreeMap::new();
        for index in properties["GlobalSecondaryIndexes"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            let name = index["IndexName"]
                .as_str()
                .ok_or_else(|| anyhow::anyhow!("an index without IndexName"))?;
            let (pk, sk) = keys(&index["KeySchema"])?;
            let projection = &index["Projection"];
            let projection = match projection["ProjectionType"].as_str().unwrap_or("ALL") {
                "ALL" => Projection::All,
                "KEYS_ONLY" => Projection::Keys(Vec::new()),
                "INCLUDE" => Projection::Keys(
                    projection["NonKeyAttributes"]
                        .as_sequence()
                        .into_iter()
                        .flatten()
                        .filter_map(|a| a.as_str().map(str::to_string))
                        .collect(),
                ),
                other => anyhow::bail!("index {name}: unknown ProjectionType {other}"),
            };
            indexes.insert(name.to_string(), IndexSchema { pk, sk, projection });
        }
        Ok(Self { pk, sk, indexes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oms::dynamo::{s, BatchWrite};

    fn world() -> MemoryDynamo {
        let dynamo = MemoryDynamo::default();
        dynamo.create_table(
            "t",
            TableSchema {
                pk: "PK".into(),
                sk: Some("SK".into()),
                indexes: BTreeMap::new(),
            },
        );
        dynamo
    }

    fn item(sk: usize) -> Item {
        Item::from([
            ("PK".to_string(), s("P")),
            ("SK".to_string(), s(format!("{sk:03}"))),
        ])
    }

    #[tokio::test]
    async fn one_item_twice_in_a_transaction_is_refused_whatever_the_conditions() {
        let dynamo = world();
        let failing = oms::dynamo::built(
            oms::dynamo::Put::builder()
                .table_name("t")
                .set_item(Some(item(1)))
                .condition_expression("attribute_exists(PK)")
                .build(),
        )
        .unwrap();
        let plain = oms::dynamo::built(
            oms::dynamo::Put::builder()
                .table_name("t")
                .set_item(Some(item(1)))
                .build(),
        )
        .unwrap();
        use oms::dynamo::Op;
        let refused = dynamo.transact(vec![failing.op(), plain.op()]).await;
        assert!(
            matches!(refused, Err(DynamoError::Invalid(_))),
            "{refused:?}"
        );
        let twice = vec![item(2), item(2)];
        assert!(matches!(
            dynamo.batch_get("t", twice, true).await,
            Err(DynamoError::Invalid(_))
        ));
    }

    // What DynamoDB refuses and moto lets through (so the contract suite cannot hold both to it).
    #[tokio::test]
    async fn batches_hold_at_most_25_writes_and_100_reads_without_duplicates() {
        let dynamo = world();
        let writes = |n: usize| (0..n).map(|i| BatchWrite::Put(item(i))).collect::<Vec<_>>();
        assert!(matches!(
            dynamo.batch_write("t", writes(26)).await,
            Err(DynamoError::Invalid(_))
        ));
        assert!(dynamo.items("t").is_empty());
        let twice = vec![BatchWrite::Put(item(1)), BatchWrite::Delete(item(1))];
        assert!(matches!(
            dynamo.batch_write("t", twice).await,
            Err(DynamoError::Invalid(_))
        ));
        assert_eq!(dynamo.batch_write("t", writes(25)).await, Ok(Vec::new()));
        let keys = (0..101).map(item).collect::<Vec<_>>();
        assert!(matches!(
            dynamo.batch_get("t", keys, true).await,
            Err(DynamoError::Invalid(_))
        ));
    }
}
