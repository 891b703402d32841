//! Reads template.yaml, the single source of truth: which tables, queues, buckets and sender
//! identities exist, which functions there are, their environment, and what triggers them.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde_yaml::value::TaggedValue;
use serde_yaml::{Mapping, Value};

#[derive(Debug, Clone)]
pub struct Template {
    pub parameters: BTreeMap<String, Option<String>>,
    pub tables: Vec<Table>,
    pub queues: Vec<QueueDef>,
    pub buckets: Vec<String>,
    /// Email identity values (usually a `!Ref` to a parameter).
    pub email_identities: Vec<Value>,
    pub functions: Vec<Function>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub logical_id: String,
    pub properties: Value,
}

#[derive(Debug, Clone)]
pub struct QueueDef {
    pub logical_id: String,
    pub visibility_timeout: Option<u64>,
    /// (dead-letter queue logical id, maxReceiveCount)
    pub redrive: Option<(String, u64)>,
}

#[derive(Debug, Clone)]
pub struct Function {
    pub logical_id: String,
    pub binary: String,
    pub environment: BTreeMap<String, Value>,
    pub routes: Vec<Route>,
    pub queue_sources: Vec<QueueSource>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: String,
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct QueueSource {
    pub queue_logical_id: String,
    pub batch_size: usize,
    pub report_batch_item_failures: bool,
}

pub fn load(path: &Path) -> Result<Template> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text)
}

pub fn parse(text: &str) -> Result<Template> {
    let doc: Value = serde_yaml::from_str(text).context("template.yaml is not YAML")?;
    let global_env = doc
        .get("Globals")
        .and_then(|g| g.get("Function"))
        .and_then(|f| f.get("Environment"))
        .and_then(|e| e.get("Variables"))
        .and_then(Value::as_mapping)
        .map(variables)
        .unwrap_or_default();
    let parameters = doc
        .get("Parameters")
        .and_then(Value::as_mapping)
        .map(|params| {
            params
                .iter()
                .filter_map(|(k, v)| {
                    let default = v.get("Default").and_then(scalar);
                    Some((k.as_str()?.to_string(), default))
                })
                .collect()
        })
        .unwrap_or_default();
    let resources = doc
        .get("Resources")
        .and_then(Value::as_mapping)
        .ok_or_else(|| anyhow!("template has no Resources"))?;

    let mut template = Template {
        parameters,
        tables: Vec::new(),
        queues: Vec::new(),
        buckets: Vec::new(),
        email_identities: Vec::new(),
        functions: Vec::new(),
    };
    for (id, resource) in resources {
        let id = id
            .as_str()
            .ok_or_else(|| anyhow!("resource id is not a string"))?
            .to_string();
        let kind = resource
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let props = resource.get("Properties").cloned().unwrap_or(Value::Null);
        match kind {
            "AWS::DynamoDB::Table" => template.tables.push(Table {
                logical_id: id,
                properties: props,
            }),
            "AWS::SQS::Queue" => template.queues.push(queue(id, &props)?),
            "AWS::S3::Bucket" => template.buckets.push(id),
            "AWS::SES::EmailIdentity" => template.email_identities.push(
                props
                    .get("EmailIdentity")
                    .cloned()
                    .ok_or_else(|| anyhow!("{id} has no EmailIdentity"))?,
            ),
            "AWS::Serverless::Function" => {
                template
                    .functions
                    .push(function(id, resource, &props, &global_env)?)
            }
            _ => {}
        }
    }
    Ok(template)
}

fn queue(id: String, props: &Value) -> Result<QueueDef> {
    let redrive = match props.get("RedrivePolicy") {
        None => None,
        Some(policy) => {
            let target = policy
                .get("deadLetterTargetArn")
                .and_then(get_att)
                .ok_or_else(|| anyhow!("{id}: deadLetterTargetArn must be !GetAtt <Queue>.Arn"))?;
            let max = policy
                .get("maxReceiveCount")
                .and_then(Value::as_u64)
                .ok_or_else(|| anyhow!("{id}: maxReceiveCount missing"))?;
            Some((target.0, max))
        }
    };
    Ok(QueueDef {
        logical_id: id,
        visibility_timeout: props.get("VisibilityTimeout").and_then(Value::as_u64),
        redrive,
    })
}

fn function(
    id: String,
    resource: &Value,
    props: &Value,
    global_env: &BTreeMap<String, Value>,
) -> Result<Function> {
    let binary = resource
        .get("Metadata")
        .and_then(|m| m.get("BuildProperties"))
        .and_then(|b| b.get("Binary"))
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("{id}: Metadata.BuildProperties.Binary names the cargo binary"))?
        .to_string();
    let mut environment = global_env.clone();
    if let Some(vars) = props
        .get("Environment")
        .and_then(|e| e.get("Variables"))
        .and_then(Value::as_mapping)
    {
        environment.extend(variables(vars));
    }
    let mut routes = Vec::new();
    let mut queue_sources = Vec::new();
    for (_, event) in props
        .get("Events")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
    {
        let event_props = event.get("Properties").cloned().unwrap_or(Value::Null);
        match event.get("Type").and_then(Value::as_str) {
            Some("HttpApi") => routes.push(Route {
                method: text(&event_props, "Method")?.to_ascii_uppercase(),
                path: text(&event_props, "Path")?,
            }),
            Some("SQS") => {
                let (queue, attribute) = event_props
                    .get("Queue")
                    .and_then(get_att)
                    .ok_or_else(|| anyhow!("{id}: SQS Queue must be !GetAtt <Queue>.Arn"))?;
                if attribute != "Arn" {
                    bail!("{id}: SQS Queue must be an Arn");
                }
                queue_sources.push(QueueSource {
                    queue_logical_id: queue,
                    batch_size: event_props
                        .get("BatchSize")
                        .and_then(Value::as_u64)
                        .unwrap_or(10) as usize,
                    report_batch_item_failures: event_props
                        .get("FunctionResponseTypes")
                        .and_then(Value::as_sequence)
                        .is_some_and(|types| {
                            types
                                .iter()
                                .any(|t| t.as_str() == Some("ReportBatchItemFailures"))
                        }),
                });
            }
            other => bail!("{id}: event type {other:?} is not supported by the local runner"),
        }
    }
    Ok(Function {
        logical_id: id,
        binary,
        environment,
        routes,
        queue_sources,
    })
}

fn variables(vars: &Mapping) -> BTreeMap<String, Value> {
    vars.iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.clone())))
        .collect()
}

fn text(value: &Value, key: &str) -> Result<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| anyhow!("{key} missing"))
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `!Ref Name` -> Name.
pub fn reference(value: &Value) -> Option<String> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str().map(str::to_string),
        _ => None,
    }
}

/// `!GetAtt Name.Attribute` -> (Name, Attribute).
pub fn get_att(value: &Value) -> Option<(String, String)> {
    let Value::Tagged(tagged) = value else {
        return None;
    };
    let TaggedValue { tag, value } = tagged.as_ref();
    if tag != "GetAtt" {
        return None;
    }
    let (name, attribute) = value.as_str()?.split_once('.')?;
    Some((name.to_string(), attribute.to_string()))
}

/// A literal scalar value (not an intrinsic function).
pub fn literal(value: &Value) -> Option<String> {
    scalar(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_project_template() {
        let template =
            load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml")).unwrap();
        let binaries: Vec<_> = template
            .functions
            .iter()
            .map(|f| f.binary.as_str())
            .collect();
        assert_eq!(
            binaries,
            [
                "order-intake",
                "payment-verification",
                "label-request",
                "carrier-tracking",
                "customer-notification",
                "orders-api"
            ]
        );
        let api = template
            .functions
            .iter()
            .find(|f| f.binary == "orders-api")
            .unwrap();
        assert!(api.routes.contains(&Route {
            method: "GET".into(),
            path: "/orders/{id}".into()
        }));
        let label = template
            .functions
            .iter()
            .find(|f| f.binary == "label-request")
            .unwrap();
        assert_eq!(label.queue_sources[0].queue_logical_id, "LabelQueue");
        assert!(label.queue_sources[0].report_batch_item_failures);
        let payment = template
            .queues
            .iter()
            .find(|q| q.logical_id == "PaymentQueue")
            .unwrap();
        assert_eq!(payment.redrive, Some(("PaymentDeadLetterQueue".into(), 5)));
        assert!(template
            .functions
            .iter()
            .all(|f| f.environment.contains_key("ORDERS_TABLE")));
    }
}
