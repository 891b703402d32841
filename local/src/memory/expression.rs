//! DynamoDB's expression language, parsed and evaluated against an item: condition expressions
//! (comparisons, `BETWEEN`, `IN`, `AND`/`OR`/`NOT`, `attribute_exists`, `attribute_not_exists`,
//! `attribute_type`, `begins_with`, `contains`, `size`) and update expressions (`SET` with `+`,
//! `-`, `if_not_exists`, `list_append`; `REMOVE`; `ADD`; `DELETE`), with `#name` and `:value`
//! placeholders. Refuses what DynamoDB refuses: unknown or unused placeholders, arithmetic on a
//! missing attribute or a non-number, changing a key attribute.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use rust_decimal::Decimal;

use oms::dynamo::Item;

/// Why an expression was refused (DynamoDB's `ValidationException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

fn invalid<T>(message: impl Into<String>) -> Result<T, Invalid> {
    Err(Invalid(message.into()))
}

/// The `#name` and `:value` placeholders of one request, and which of them were used.
pub struct Placeholders<'a> {
    names: &'a HashMap<String, String>,
    values: &'a HashMap<String, AttributeValue>,
    used_names: BTreeSet<String>,
    used_values: BTreeSet<String>,
}

impl<'a> Placeholders<'a> {
    pub fn new(
        names: &'a HashMap<String, String>,
        values: &'a HashMap<String, AttributeValue>,
    ) -> Self {
        Self {
            names,
            values,
            used_names: BTreeSet::new(),
            used_values: BTreeSet::new(),
        }
    }

    /// DynamoDB refuses placeholders that no expression of the request used.
    pub fn check_all_used(&self) -> Result<(), Invalid> {
        if let Some(name) = self.names.keys().find(|n| !self.used_names.contains(*n)) {
            return invalid(format!(
                "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{name}}}"
            ));
        }
        if let Some(value) = self.values.keys().find(|v| !self.used_values.contains(*v)) {
            return invalid(format!(
                "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{value}}}"
            ));
        }
        Ok(())
    }

    fn name(&mut self, placeholder: &str) -> Result<String, Invalid> {
        self.used_names.insert(placeholder.to_string());
        match self.names.get(placeholder) {
            Some(name) => Ok(name.clone()),
            None => invalid(format!(
                "An expression attribute name used in the document path is not defined; attribute name: {placeholder}"
            )),
        }
    }

    fn value(&mut self, placeholder: &str) -> Result<AttributeValue, Invalid> {
        self.used_values.insert(placeholder.to_string());
        match self.values.get(placeholder) {
            Some(value) => Ok(value.clone()),
            None => invalid(format!(
                "An expression attribute value used in expression is not defined; attribute value: {placeholder}"
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Name(String),
    Value(String),
    Number(usize),
    Symbol(&'static str),
}

fn tokenize(text: &str) -> Result<Vec<Token>, Invalid> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let word_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        if let Some(symbol) = ["<>", "<=", ">="].into_iter().find(|s| *s == two) {
            tokens.push(Token::Symbol(symbol));
            i += 2;
            continue;
        }
        if let Some(symbol) = ["(", ")", ",", ".", "[", "]", "=", "<", ">", "+", "-"]
            .into_iter()
            .find(|s| s.starts_with(c))
        {
            tokens.push(Token::Symbol(symbol));
            i += 1;
            continue;
        }
        let start = i;
        if c == '#' || c == ':' {
            i += 1;
        }
        while i < chars.len() && word_char(chars[i]) {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        if word.len() <= 1 && (c == '#' || c == ':') || i == start {
            return invalid(format!(
                "Invalid expression: syntax error near {c:?} in {text:?}"
            ));
        }
        tokens.push(match c {
            '#' => Token::Name(word),
            ':' => Token::Value(word),
            d if d.is_ascii_digit() => Token::Number(
                word.parse()
                    .map_err(|_| Invalid(format!("Invalid list index {word}")))?,
            ),
            _ => Token::Word(word),
        });
    }
    Ok(tokens)
}

struct Parser<'p, 'a> {
    tokens: Vec<Token>,
    at: usize,
    placeholders: &'p mut Placeholders<'a>,
}

impl<'p, 'a> Parser<'p, 'a> {
    fn new(text: &str, placeholders: &'p mut Placeholders<'a>) -> Result<Self, Invalid> {
        Ok(Self {
            tokens: tokenize(text)?,
            at: 0,
            placeholders,
        })
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&mut self, word: &str) -> bool {
        match self.peek() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case(word) => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }

    fn symbol(&mut self, symbol: &str) -> bool {
        if self.peek() == Some(&Token::Symbol(symbol_static(symbol))) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, symbol: &str) -> Result<(), Invalid> {
        if self.symbol(symbol) {
            Ok(())
        } else {
            invalid(format!(
                "Invalid expression: expected {symbol:?}, found {:?}",
                self.peek()
            ))
        }
    }

    fn done(&self) -> Result<(), Invalid> {
        match self.peek() {
            None => Ok(()),
            Some(token) => invalid(format!("Invalid expression: unexpected {token:?}")),
        }
    }

    fn path(&mut self) -> Result<Path, Invalid> {
        let mut path = vec![self.element()?];
        loop {
            if self.symbol(".") {
                path.push(self.element()?);
            } else if self.symbol("[") {
                match self.next() {
                    Some(Token::Number(n)) => path.push(Step::Index(n)),
                    other => return invalid(format!("Invalid list index {other:?}")),
                }
                self.expect("]")?;
            } else {
                return Ok(Path(path));
            }
        }
    }

    fn element(&mut self) -> Result<Step, Invalid> {
        match self.next() {
            Some(Token::Word(word)) => {
                if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&word)) {
                    return invalid(format!(
                        "Invalid expression: Attribute name is a reserved keyword; reserved keyword: {word}"
                    ));
                }
                Ok(Step::Name(word))
            }
            Some(Token::Name(placeholder)) => Ok(Step::Name(self.placeholders.name(&placeholder)?)),
            other => invalid(format!(
                "Invalid expression: expected an attribute, found {other:?}"
            )),
        }
    }
}

/// Symbols are compared as the tokenizer's static strings.
fn symbol_static(symbol: &str) -> &'static str {
    [
        "<>", "<=", ">=", "(", ")", ",", ".", "[", "]", "=", "<", ">", "+", "-",
    ]
    .into_iter()
    .find(|s| *s == symbol)
    .unwrap_or("")
}

/// Words DynamoDB reserves that our attribute names could collide with (the full list has 573;
/// these are the ones a store of ours has ever been tempted to use bare).
const RESERVED: &[&str] = &[
    "state",
    "status",
    "name",
    "size",
    "date",
    "time",
    "timestamp",
    "count",
    "value",
    "values",
    "data",
    "key",
    "keys",
    "order",
    "user",
    "type",
    "year",
    "month",
    "day",
    "hour",
    "level",
    "location",
    "comment",
    "number",
    "view",
    "index",
    "table",
    "connection",
    "session",
];

// ---------------------------------------------------------------------------------------------
// Paths

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Name(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
struct Path(Vec<Step>);

impl Path {
    fn top(&self) -> &str {
        match &self.0[0] {
            Step::Name(name) => name,
            Step::Index(_) => "",
        }
    }

    fn get<'i>(&self, item: &'i Item) -> Option<&'i AttributeValue> {
        let mut value = match &self.0[0] {
            Step::Name(name) => item.get(name)?,
            Step::Index(_) => return None,
        };
        for step in &self.0[1..] {
            value = match (step, value) {
                (Step::Name(name), AttributeValue::M(map)) => map.get(name)?,
                (Step::Index(i), AttributeValue::L(list)) => list.get(*i)?,
                _ => return None,
            };
        }
        Some(value)
    }

    fn set(&self, item: &mut Item, new: AttributeValue) -> Result<(), Invalid> {
        let Step::Name(top) = &self.0[0] else {
            return invalid("Invalid document path");
        };
        if self.0.len() == 1 {
            item.insert(top.clone(), new);
            return Ok(());
        }
        let mut value = item.get_mut(top).ok_or_else(|| {
            Invalid(
                "The document path provided in the update expression is invalid for update".into(),
            )
        })?;
        for (n, step) in self.0[1..].iter().enumerate() {
            let last = n + 2 == self.0.len();
            value = match (step, value) {
                (Step::Name(name), AttributeValue::M(map)) if last => {
                    map.insert(name.clone(), new);
                    return Ok(());
                }
                (Step::Index(i), AttributeValue::L(list)) if last => {
                    if *i < list.len() {
                        list[*i] = new;
                    } else {
                        list.push(new);
                    }
                    return Ok(());
                }
                (Step::Name(name), AttributeValue::M(map)) => map.get_mut(name).ok_or_else(|| {
                    Invalid("The document path provided in the update expression is invalid for update".into())
                })?,
                (Step::Index(i), AttributeValue::L(list)) => list.get_mut(*i).ok_or_else(|| {
                    Invalid("The document path provided in the update expression is invalid for update".into())
                })?,
                _ => return invalid("The document path provided in the update expression is invalid for update"),
            };
        }
        Ok(())
    }

    fn remove(&self, item: &mut Item) {
        let Step::Name(top) = &self.0[0] else {
            return;
        };
        if self.0.len() == 1 {
            item.remove(top);
            return;
        }
        let mut value = match item.get_mut(top) {
            Some(value) => value,
            None => return,
        };
        for (n, step) in self.0[1..].iter().enumerate() {
            let last = n + 2 == self.0.len();
            value = match (step, value) {
                (Step::Name(name), AttributeValue::M(map)) if last => {
                    map.remove(name);
                    return;
                }
                (Step::Index(i), AttributeValue::L(list)) if last => {
                    if *i < list.len() {
                        list.remove(*i);
                    }
                    return;
                }
                (Step::Name(name), AttributeValue::M(map)) => match map.get_mut(name) {
                    Some(v) => v,
                    None => return,
                },
                (Step::Index(i), AttributeValue::L(list)) => match list.get_mut(*i) {
                    Some(v) => v,
                    None => return,
                },
                _ => return,
            };
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Conditions

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Path(Path),
    Value(AttributeValue),
    Size(Path),
}

#[derive(Debug, Clone, PartialEq)]
enum Condition {
    Compare(Operand, &'static str, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    Exists(Path),
    NotExists(Path),
    Type(Path, Operand),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
    Not(Box<Condition>),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
}

/// A parsed condition expression, ready to evaluate against items.
pub struct ConditionExpr(Condition);

impl ConditionExpr {
    pub fn parse(text: &str, placeholders: &mut Placeholders) -> Result<Self, Invalid> {
        let mut parser = Parser::new(text, placeholders)?;
        let condition = or(&mut parser)?;
        parser.done()?;
        Ok(Self(condition))
    }

    /// Whether the condition holds for `item` (an absent item has no attributes).
    pub fn holds(&self, item: Option<&Item>) -> bool {
        let empty = Item::new();
        evaluate(&self.0, item.unwrap_or(&empty))
    }
}

fn or(p: &mut Parser) -> Result<Condition, Invalid> {
    let mut left = and(p)?;
    while p.keyword("OR") {
        left = Condition::Or(Box::new(left), Box::new(and(p)?));
    }
    Ok(left)
}

fn and(p: &mut Parser) -> Result<Condition, Invalid> {
    let mut left = not(p)?;
    while p.keyword("AND") {
        left = Condition::And(Box::new(left), Box::new(not(p)?));
    }
    Ok(left)
}

fn not(p: &mut Parser) -> Result<Condition, Invalid> {
    if p.keyword("NOT") {
        return Ok(Condition::Not(Box::new(not(p)?)));
    }
    primary(p)
}

fn primary(p: &mut Parser) -> Result<Condition, Invalid> {
    if p.symbol("(") {
        let inner = or(p)?;
        p.expect(")")?;
        return Ok(inner);
    }
    let function = match p.peek() {
        Some(Token::Word(w)) if p.tokens.get(p.at + 1) == Some(&Token::Symbol("(")) => {
            Some(w.to_ascii_lowercase())
        }
        _ => None,
    };
    if let Some(function) = function.filter(|f| f != "size") {
        p.at += 2;
        let condition = match function.as_str() {
            "attribute_exists" => Condition::Exists(p.path()?),
            "attribute_not_exists" => Condition::NotExists(p.path()?),
            "attribute_type" => {
                let path = p.path()?;
                p.expect(",")?;
                Condition::Type(path, operand(p)?)
            }
            "begins_with" => {
                let a = operand(p)?;
                p.expect(",")?;
                Condition::BeginsWith(a, operand(p)?)
            }
            "contains" => {
                let a = operand(p)?;
                p.expect(",")?;
                Condition::Contains(a, operand(p)?)
            }
            other => return invalid(format!("Invalid function name; function: {other}")),
        };
        p.expect(")")?;
        return Ok(condition);
    }
    let left = operand(p)?;
    if p.keyword("BETWEEN") {
        let low = operand(p)?;
        if !p.keyword("AND") {
            return invalid("Invalid expression: BETWEEN needs AND");
        }
        return Ok(Condition::Between(left, low, operand(p)?));
    }
    if p.keyword("IN") {
        p.expect("(")?;
        let mut list = vec![operand(p)?];
        while p.symbol(",") {
            list.push(operand(p)?);
        }
        p.expect(")")?;
        return Ok(Condition::In(left, list));
    }
    let comparator = match p.next() {
        Some(Token::Symbol(s @ ("=" | "<>" | "<" | "<=" | ">" | ">="))) => s,
        other => {
            return invalid(format!(
                "Invalid expression: expected a comparator, found {other:?}"
            ))
        }
    };
    Ok(Condition::Compare(left, comparator, operand(p)?))
}

fn operand(p: &mut Parser) -> Result<Operand, Invalid> {
    match p.peek() {
        Some(Token::Value(v)) => {
            let v = v.clone();
            p.at += 1;
            Ok(Operand::Value(p.placeholders.value(&v)?))
        }
        Some(Token::Word(w))
            if w.eq_ignore_ascii_case("size")
                && p.tokens.get(p.at + 1) == Some(&Token::Symbol("(")) =>
        {
            p.at += 2;
            let path = p.path()?;
            p.expect(")")?;
            Ok(Operand::Size(path))
        }
        _ => Ok(Operand::Path(p.path()?)),
    }
}

fn resolve(operand: &Operand, item: &Item) -> Option<AttributeValue> {
    match operand {
        Operand::Path(path) => path.get(item).cloned(),
        Operand::Value(value) => Some(value.clone()),
        Operand::Size(path) => size_of(path.get(item)?).map(|n| AttributeValue::N(n.to_string())),
    }
}

fn size_of(value: &AttributeValue) -> Option<usize> {
    Some(match value {
        AttributeValue::S(s) => s.chars().count(),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::L(l) => l.len(),
        AttributeValue::M(m) => m.len(),
        AttributeValue::Ss(s) => s.len(),
        AttributeValue::Ns(s) => s.len(),
        AttributeValue::Bs(s) => s.len(),
        _ => return None,
    })
}

fn evaluate(condition: &Condition, item: &Item) -> bool {
    match condition {
        Condition::Compare(a, op, b) => match (resolve(a, item), resolve(b, item)) {
            (Some(a), Some(b)) => match *op {
                "=" => equal(&a, &b),
                "<>" => !equal(&a, &b),
                _ => order(&a, &b).is_some_and(|o| match *op {
                    "<" => o == Ordering::Less,
                    "<=" => o != Ordering::Greater,
                    ">" => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                }),
            },
            // A missing attribute is unequal to everything.
            (None, Some(_)) | (Some(_), None) => *op == "<>",
            (None, None) => false,
        },
        Condition::Between(a, low, high) => {
            match (resolve(a, item), resolve(low, item), resolve(high, item)) {
                (Some(a), Some(low), Some(high)) => {
                    order(&a, &low).is_some_and(|o| o != Ordering::Less)
                        && order(&a, &high).is_some_and(|o| o != Ordering::Greater)
                }
                _ => false,
            }
        }
        Condition::In(a, list) => resolve(a, item).is_some_and(|a| {
            list.iter()
                .any(|b| resolve(b, item).is_some_and(|b| equal(&a, &b)))
        }),
        Condition::Exists(path) => path.get(item).is_some(),
        Condition::NotExists(path) => path.get(item).is_none(),
        Condition::Type(path, wanted) => match (path.get(item), resolve(wanted, item)) {
            (Some(value), Some(AttributeValue::S(t))) => type_name(value) == t,
            _ => false,
        },
        Condition::BeginsWith(a, prefix) => match (resolve(a, item), resolve(prefix, item)) {
            (Some(AttributeValue::S(a)), Some(AttributeValue::S(p))) => a.starts_with(&p),
            (Some(AttributeValue::B(a)), Some(AttributeValue::B(p))) => {
                a.as_ref().starts_with(p.as_ref())
            }
            _ => false,
        },
        Condition::Contains(a, b) => match (resolve(a, item), resolve(b, item)) {
            (Some(AttributeValue::S(a)), Some(AttributeValue::S(b))) => a.contains(&b),
            (Some(AttributeValue::Ss(set)), Some(AttributeValue::S(b))) => set.contains(&b),
            (Some(AttributeValue::Ns(set)), Some(AttributeValue::N(b))) => {
                set.iter().any(|n| numbers_equal(n, &b))
            }
            (Some(AttributeValue::L(list)), Some(b)) => list.iter().any(|v| equal(v, &b)),
            _ => false,
        },
        Condition::Not(inner) => !evaluate(inner, item),
        Condition::And(a, b) => evaluate(a, item) && evaluate(b, item),
        Condition::Or(a, b) => evaluate(a, item) || evaluate(b, item),
    }
}

fn type_name(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "S",
        AttributeValue::N(_) => "N",
        AttributeValue::B(_) => "B",
        AttributeValue::Bool(_) => "BOOL",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::L(_) => "L",
        AttributeValue::M(_) => "M",
        AttributeValue::Ss(_) => "SS",
        AttributeValue::Ns(_) => "NS",
        AttributeValue::Bs(_) => "BS",
        _ => "?",
    }
}

pub fn number(text: &str) -> Option<Decimal> {
    text.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(text).ok())
}

fn numbers_equal(a: &str, b: &str) -> bool {
    match (number(a), number(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

fn equal(a: &AttributeValue, b: &AttributeValue) -> bool {
    match (a, b) {
        (AttributeValue::N(a), AttributeValue::N(b)) => numbers_equal(a, b),
        (AttributeValue::Ns(a), AttributeValue::Ns(b)) => {
            a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| numbers_equal(x, y)))
        }
        (AttributeValue::Ss(a), AttributeValue::Ss(b)) => {
            a.iter().collect::<BTreeSet<_>>() == b.iter().collect::<BTreeSet<_>>()
        }
        _ => a == b,
    }
}

/// The order `<` and friends use: numbers numerically, strings and binaries byte by byte; other
/// types (or two different ones) do not compare, so the comparison is false.
fn order(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::N(a), AttributeValue::N(b)) => Some(number(a)?.cmp(&number(b)?)),
        (AttributeValue::S(a), AttributeValue::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (AttributeValue::B(a), AttributeValue::B(b)) => Some(a.as_ref().cmp(b.as_ref())),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Updates

#[derive(Debug, Clone, PartialEq)]
enum SetValue {
    Operand(Operand),
    IfNotExists(Path, Box<SetValue>),
    ListAppend(Box<SetValue>, Box<SetValue>),
    Plus(Box<SetValue>, Box<SetValue>),
    Minus(Box<SetValue>, Box<SetValue>),
}

#[derive(Debug, Clone, PartialEq)]
enum Action {
    Set(Path, SetValue),
    Remove(Path),
    Add(Path, AttributeValue),
    Delete(Path, AttributeValue),
}

/// A parsed update expression.
pub struct UpdateExpr(Vec<Action>);

impl UpdateExpr {
    pub fn parse(text: &str, placeholders: &mut Placeholders) -> Result<Self, Invalid> {
        let mut p = Parser::new(text, placeholders)?;
        let mut actions = Vec::new();
        let mut seen = BTreeSet::new();
        while p.peek().is_some() {
            let clause = match p.next() {
                Some(Token::Word(w)) => w.to_ascii_uppercase(),
                other => return invalid(format!("Invalid UpdateExpression: unexpected {other:?}")),
            };
            if !seen.insert(clause.clone()) {
                return invalid(format!(
                    "Invalid UpdateExpression: The \"{clause}\" section can only be used once in an update expression"
                ));
            }
            loop {
                actions.push(match clause.as_str() {
                    "SET" => {
                        let path = p.path()?;
                        p.expect("=")?;
                        Action::Set(path, set_value(&mut p)?)
                    }
                    "REMOVE" => Action::Remove(p.path()?),
                    "ADD" | "DELETE" => {
                        let path = p.path()?;
                        let value = match operand(&mut p)? {
                            Operand::Value(v) => v,
                            _ => {
                                return invalid(format!(
                                    "Invalid UpdateExpression: {clause} takes a value"
                                ))
                            }
                        };
                        if clause == "ADD" {
                            Action::Add(path, value)
                        } else {
                            Action::Delete(path, value)
                        }
                    }
                    other => {
                        return invalid(format!("Invalid UpdateExpression: unknown clause {other}"))
                    }
                });
                if !p.symbol(",") {
                    break;
                }
            }
        }
        if actions.is_empty() {
            return invalid("Invalid UpdateExpression: The expression can not be empty;");
        }
        let mut tops = BTreeSet::new();
        for action in &actions {
            let (Action::Set(path, _)
            | Action::Remove(path)
            | Action::Add(path, _)
            | Action::Delete(path, _)) = action;
            let overlaps = tops
                .iter()
                .any(|other: &Vec<Step>| other.starts_with(&path.0) || path.0.starts_with(other));
            if overlaps || !tops.insert(path.0.clone()) {
                return invalid(
                    "Invalid UpdateExpression: Two document paths overlap with each other",
                );
            }
        }
        Ok(Self(actions))
    }

    /// Applies the update to `item` (the key attributes, `keys`, may not change).
    pub fn apply(&self, item: &mut Item, keys: &[&str]) -> Result<(), Invalid> {
        let before = item.clone();
        for action in &self.0 {
            let path = match action {
                Action::Set(path, _)
                | Action::Remove(path)
                | Action::Add(path, _)
                | Action::Delete(path, _) => path,
            };
            if keys.contains(&path.top()) {
                return invalid(format!(
                    "One or more parameter values were invalid: Cannot update attribute {}. This attribute is part of the key",
                    path.top()
                ));
            }
        }
        for action in &self.0 {
            match action {
                // Every operand reads the item as it was before the update.
                Action::Set(path, value) => {
                    let value = compute(value, &before)?;
                    path.set(item, value)?;
                }
                Action::Remove(path) => path.remove(item),
                Action::Add(path, value) => {
                    let new =
                        match (path.get(&before), value) {
                            (
                                None,
                                v @ (AttributeValue::N(_)
                                | AttributeValue::Ns(_)
                                | AttributeValue::Ss(_)
                                | AttributeValue::Bs(_)),
                            ) => v.clone(),
                            (Some(AttributeValue::N(a)), AttributeValue::N(b)) => {
                                AttributeValue::N(arithmetic(a, b, Decimal::checked_add)?)
                            }
                            (Some(AttributeValue::Ns(a)), AttributeValue::Ns(b)) => {
                                let mut set = a.clone();
                                for n in b {
                                    if !set.iter().any(|x| numbers_equal(x, n)) {
                                        set.push(n.clone());
                                    }
                                }
                                AttributeValue::Ns(set)
                            }
                            (Some(AttributeValue::Ss(a)), AttributeValue::Ss(b)) => {
                                let mut set = a.clone();
                                for s in b {
                                    if !set.contains(s) {
                                        set.push(s.clone());
                                    }
                                }
                                AttributeValue::Ss(set)
                            }
                            _ => return invalid(
                                "An operand in the update expression has an incorrect data type",
                            ),
                        };
                    path.set(item, new)?;
                }
                Action::Delete(path, value) => {
                    let remaining =
                        match (path.get(&before), value) {
                            (None, _) => continue,
                            (Some(AttributeValue::Ns(a)), AttributeValue::Ns(b)) => {
                                let left: Vec<_> = a
                                    .iter()
                                    .filter(|x| !b.iter().any(|y| numbers_equal(x, y)))
                                    .cloned()
                                    .collect();
                                (!left.is_empty()).then_some(AttributeValue::Ns(left))
                            }
                            (Some(AttributeValue::Ss(a)), AttributeValue::Ss(b)) => {
                                let left: Vec<_> =
                                    a.iter().filter(|x| !b.contains(x)).cloned().collect();
                                (!left.is_empty()).then_some(AttributeValue::Ss(left))
                            }
                            _ => return invalid(
                                "An operand in the update expression has an incorrect data type",
                            ),
                        };
                    match remaining {
                        Some(set) => path.set(item, set)?,
                        None => path.remove(item),
                    }
                }
            }
        }
        Ok(())
    }
}

fn set_value(p: &mut Parser) -> Result<SetValue, Invalid> {
    let left = set_operand(p)?;
    if p.symbol("+") {
        return Ok(SetValue::Plus(Box::new(left), Box::new(set_operand(p)?)));
    }
    if p.symbol("-") {
        return Ok(SetValue::Minus(Box::new(left), Box::new(set_operand(p)?)));
    }
    Ok(left)
}

fn set_operand(p: &mut Parser) -> Result<SetValue, Invalid> {
    let function = match p.peek() {
        Some(Token::Word(w)) if p.tokens.get(p.at + 1) == Some(&Token::Symbol("(")) => {
            Some(w.to_ascii_lowercase())
        }
        _ => None,
    };
    match function.as_deref() {
        Some("if_not_exists") => {
            p.at += 2;
            let path = p.path()?;
            p.expect(",")?;
            let fallback = set_value(p)?;
            p.expect(")")?;
            Ok(SetValue::IfNotExists(path, Box::new(fallback)))
        }
        Some("list_append") => {
            p.at += 2;
            let a = set_value(p)?;
            p.expect(",")?;
            let b = set_value(p)?;
            p.expect(")")?;
            Ok(SetValue::ListAppend(Box::new(a), Box::new(b)))
        }
        Some(other) => invalid(format!("Invalid function name; function: {other}")),
        None => match operand(p)? {
            Operand::Size(_) => invalid("Invalid UpdateExpression: size is not allowed in SET"),
            operand => Ok(SetValue::Operand(operand)),
        },
    }
}

fn compute(value: &SetValue, item: &Item) -> Result<AttributeValue, Invalid> {
    match value {
        SetValue::Operand(operand) => resolve(operand, item).ok_or_else(missing),
        SetValue::IfNotExists(path, fallback) => match path.get(item) {
            Some(value) => Ok(value.clone()),
            None => compute(fallback, item),
        },
        SetValue::ListAppend(a, b) => match (compute(a, item)?, compute(b, item)?) {
            (AttributeValue::L(mut a), AttributeValue::L(b)) => {
                a.extend(b);
                Ok(AttributeValue::L(a))
            }
            _ => invalid("An operand in the update expression has an incorrect data type"),
        },
        SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
            let op = if matches!(value, SetValue::Plus(..)) {
                Decimal::checked_add
            } else {
                Decimal::checked_sub
            };
            match (compute(a, item)?, compute(b, item)?) {
                (AttributeValue::N(a), AttributeValue::N(b)) => {
                    Ok(AttributeValue::N(arithmetic(&a, &b, op)?))
                }
                _ => invalid("An operand in the update expression has an incorrect data type"),
            }
        }
    }
}

fn missing() -> Invalid {
    Invalid("The provided expression refers to an attribute that does not exist in the item".into())
}

fn arithmetic(
    a: &str,
    b: &str,
    op: fn(Decimal, Decimal) -> Option<Decimal>,
) -> Result<String, Invalid> {
    let (Some(a), Some(b)) = (number(a), number(b)) else {
        return invalid("An operand in the update expression has an incorrect data type");
    };
    op(a, b)
        .map(|n| n.normalize().to_string())
        .ok_or_else(|| Invalid("Number overflow. Attempting to store a number with magnitude larger than supported range".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }
    fn n(v: i64) -> AttributeValue {
        AttributeValue::N(v.to_string())
    }

    fn check(text: &str, item: &Item, values: &[(&str, AttributeValue)]) -> bool {
        let names = HashMap::from([("#state".to_string(), "state".to_string())]);
        let values: HashMap<_, _> = values
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let mut placeholders = Placeholders::new(&names, &values);
        ConditionExpr::parse(text, &mut placeholders)
            .unwrap()
            .holds(Some(item))
    }

    #[test]
    fn conditions_follow_dynamodb() {
        let item = Item::from([
            ("PK".to_string(), s("ORDER#1")),
            ("version".to_string(), n(3)),
            ("state".to_string(), s("in_progress")),
            ("available".to_string(), AttributeValue::N("10".into())),
        ]);
        assert!(check(
            "version = :v AND attribute_not_exists(saga_token)",
            &item,
            &[(":v", n(3))]
        ));
        assert!(!check("version = :v", &item, &[(":v", n(4))]));
        assert!(check(
            "available >= :need",
            &item,
            &[(":need", AttributeValue::N("9.5".into()))]
        ));
        assert!(!check("available >= :need", &item, &[(":need", n(11))]));
        assert!(check(
            "attribute_not_exists(PK) OR (#state = :a AND version < :b)",
            &item,
            &[(":a", s("in_progress")), (":b", n(4))]
        ));
        assert!(check(
            "NOT begins_with(PK, :p)",
            &item,
            &[(":p", s("SKU#"))]
        ));
        assert!(check(
            "version BETWEEN :a AND :b",
            &item,
            &[(":a", n(1)), (":b", n(3))]
        ));
        assert!(check(
            "#state IN (:a, :b)",
            &item,
            &[(":a", s("done")), (":b", s("in_progress"))]
        ));
        assert!(
            !check("missing = :a", &item, &[(":a", n(1))]),
            "a missing attribute equals nothing"
        );
        assert!(
            !check("version = :a", &item, &[(":a", s("3"))]),
            "types differ"
        );
        assert!(check("size(PK) = :n", &item, &[(":n", n(7))]));
    }

    #[test]
    fn placeholders_must_be_defined_and_used() {
        let names = HashMap::new();
        let values = HashMap::from([(":x".to_string(), n(1))]);
        let mut placeholders = Placeholders::new(&names, &values);
        assert!(ConditionExpr::parse("a = :y", &mut placeholders).is_err());
        let mut placeholders = Placeholders::new(&names, &values);
        ConditionExpr::parse("attribute_exists(a)", &mut placeholders).unwrap();
        assert!(placeholders.check_all_used().is_err());
        let mut placeholders = Placeholders::new(&names, &values);
        assert!(
            ConditionExpr::parse("state = :x", &mut placeholders).is_err(),
            "reserved word"
        );
    }

    #[test]
    fn updates_follow_dynamodb() {
        let mut item = Item::from([
            ("PK".to_string(), s("SKU#A")),
            ("on_hand".to_string(), n(5)),
            ("lease_until".to_string(), n(9)),
        ]);
        let names = HashMap::from([("#state".to_string(), "state".to_string())]);
        let values = HashMap::from([
            (":d".to_string(), n(-2)),
            (":zero".to_string(), n(0)),
            (":done".to_string(), s("done")),
            (":set".to_string(), AttributeValue::Ns(vec!["1".into()])),
        ]);
        let mut placeholders = Placeholders::new(&names, &values);
        let update = UpdateExpr::parse(
            "SET on_hand = on_hand + :d, reserved = if_not_exists(reserved, :zero), #state = :done REMOVE lease_until ADD parts :set",
            &mut placeholders,
        )
        .unwrap();
        placeholders.check_all_used().unwrap();
        update.apply(&mut item, &["PK", "SK"]).unwrap();
        assert_eq!(item["on_hand"], n(3));
        assert_eq!(item["reserved"], n(0));
        assert_eq!(item["state"], s("done"));
        assert!(!item.contains_key("lease_until"));
        update.apply(&mut item, &["PK", "SK"]).unwrap();
        assert_eq!(
            item["parts"],
            AttributeValue::Ns(vec!["1".into()]),
            "a set adds once"
        );

        let values = HashMap::from([(":d".to_string(), n(1))]);
        let names = HashMap::new();
        let mut placeholders = Placeholders::new(&names, &values);
        let update = UpdateExpr::parse("SET missing = missing + :d", &mut placeholders).unwrap();
        assert!(
            update.apply(&mut item, &["PK"]).is_err(),
            "arithmetic on a missing attribute"
        );
        let mut placeholders = Placeholders::new(&names, &values);
        let update = UpdateExpr::parse("SET PK = :d", &mut placeholders).unwrap();
        assert!(
            update.apply(&mut item, &["PK"]).is_err(),
            "key attributes do not change"
        );
    }
}
