//! Reads template.yaml, the single source of truth: which tables, queues, buckets and sender
//! identities exist, which functions there are, their environment, and what triggers them.
//! Resource types the local run has no use for (keys, log groups, bucket policies, secrets, the
//! HttpApi itself, alarms) are passed over; a secret is read only through the variable naming it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Value};

#[derive(Debug, Clone)]
pub struct Template {
    pub parameters: BTreeMap<String, Option<String>>,
    pub tables: Vec<Table>,
    pub queues: Vec<QueueDef>,
    pub buckets: Vec<String>,
    /// EventBridge Scheduler groups, by logical id.
    pub schedule_groups: Vec<String>,
    /// IAM roles, by logical id (only their ARNs matter locally).
    pub roles: Vec<String>,
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
    /// `MemorySize`, its own or the template's global one (Lambda's default, 128, when neither).
    pub memory_mb: u64,
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
    let global_memory = doc
        .get("Globals")
        .and_then(|g| g.get("Function"))
        .and_then(|f| f.get("MemorySize"))
        .and_then(Value::as_u64);
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
        schedule_groups: Vec::new(),
        roles: Vec::new(),
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
            "AWS::Scheduler::ScheduleGroup" => template.schedule_groups.push(id),
            "AWS::IAM::Role" => template.roles.push(id),
            "AWS::SES::EmailIdentity" => template.email_identities.push(
                props
                    .get("EmailIdentity")
                    .cloned()
                    .ok_or_else(|| anyhow!("{id} has no EmailIdentity"))?,
            ),
            "AWS::Serverless::Function" => template.functions.push(function(
                id,
                resource,
                &props,
                (&global_env, global_memory),
                resources,
            )?),
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
    (global_env, global_memory): (&BTreeMap<String, Value>, Option<u64>),
    resources: &Mapping,
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
    let environment = expand_secrets(&id, environment, resources)?;
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
        memory_mb: props
            .get("MemorySize")
            .and_then(Value::as_u64)
            .or(global_memory)
            .unwrap_or(128),
    })
}

/// A variable whose value is `!Ref` of an `AWS::SecretsManager::Secret` (`OMS_SECRETS_ARN` in AWS,
/// where the function reads the secret at start-up) stands for the secret's JSON keys as plain
/// variables, the way the function reads them locally: in the `!Sub` SecretString each value
/// `${Param}` becomes `!Ref Param`, resolved like any other variable, and a value without `${`
/// stays as written.
fn expand_secrets(
    id: &str,
    environment: BTreeMap<String, Value>,
    resources: &Mapping,
) -> Result<BTreeMap<String, Value>> {
    let mut plain = BTreeMap::new();
    let mut from_secrets = Vec::new();
    for (name, value) in environment {
        let secret = reference(&value).and_then(|target| {
            let resource = resources.get(target.as_str())?;
            let kind = resource.get("Type").and_then(Value::as_str);
            (kind == Some("AWS::SecretsManager::Secret")).then_some((target, resource))
        });
        match secret {
            Some((target, resource)) => from_secrets.extend(
                secret_variables(resource)
                    .with_context(|| format!("{id}: {name} names secret {target}"))?,
            ),
            None => {
                plain.insert(name, value);
            }
        }
    }
    for (name, value) in from_secrets {
        if plain.insert(name.clone(), value).is_some() {
            bail!("{id}: {name} is set twice (in its environment or in two secrets)");
        }
    }
    Ok(plain)
}

/// The variables a secret's SecretString (`!Sub` or a literal string holding a JSON object of
/// strings) sets.
fn secret_variables(resource: &Value) -> Result<Vec<(String, Value)>> {
    let secret_string = resource
        .get("Properties")
        .and_then(|p| p.get("SecretString"))
        .ok_or_else(|| anyhow!("the secret has no SecretString"))?;
    let (text, substituted) = match secret_string {
        Value::String(text) => (text.as_str(), false),
        Value::Tagged(tagged) if tagged.tag == "Sub" => (
            tagged
                .value
                .as_str()
                .ok_or_else(|| anyhow!("SecretString must be !Sub of one string"))?,
            true,
        ),
        _ => bail!("SecretString must be a string or !Sub of one"),
    };
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).context("SecretString is not a JSON object")?;
    object
        .into_iter()
        .map(|(key, value)| {
            let value = value
                .as_str()
                .ok_or_else(|| anyhow!("{key}: secret values must be strings"))?;
            let parameter = value
                .strip_prefix("${")
                .and_then(|rest| rest.strip_suffix('}'))
                .filter(|name| substituted && !name.contains(['$', '{', '}', '!']));
            let value = match parameter {
                Some(name) => Value::Tagged(Box::new(TaggedValue {
                    tag: Tag::new("Ref"),
                    value: Value::String(name.to_string()),
                })),
                None if substituted && value.contains("${") => {
                    bail!("{key}: only a whole ${{Param}} can be substituted locally")
                }
                None => Value::String(value.to_string()),
            };
            Ok((key, value))
        })
        .collect()
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

    /// Every function has an error-rate and a throttle alarm, every work queue one on its oldest
    /// message and every dead-letter queue one on its depth, all to the ops topic: a function or
    /// queue added later without them fails here.
    #[test]
    fn everything_that_can_fail_quietly_has_an_alarm() {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml"))
                .unwrap();
        let doc: Value = serde_yaml::from_str(&text).unwrap();
        let resources = doc["Resources"].as_mapping().unwrap();
        let of_type = |kind: &str| -> Vec<String> {
            resources
                .iter()
                .filter(|(_, r)| r["Type"].as_str() == Some(kind))
                .filter_map(|(id, _)| id.as_str().map(str::to_string))
                .collect()
        };
        let alarms: Vec<String> = resources
            .values()
            .filter(|r| r["Type"].as_str() == Some("AWS::CloudWatch::Alarm"))
            .map(|r| serde_yaml::to_string(r).unwrap())
            .collect();
        let watched = |id: &str, metric: &str| {
            alarms.iter().any(|a| {
                a.contains(&format!("MetricName: {metric}"))
                    && (a.contains(&format!("!Ref {id}\n"))
                        || a.contains(&format!("!Ref {id} "))
                        || a.contains(&format!("{id}.QueueName")))
                    && a.contains("OpsAlarmTopic")
            })
        };
        let mut missing = Vec::new();
        for function in of_type("AWS::Serverless::Function") {
            for metric in ["Errors", "Throttles"] {
                if !watched(&function, metric) {
                    missing.push(format!("{function} {metric}"));
                }
            }
        }
        for queue in of_type("AWS::SQS::Queue") {
            let metric = if queue.ends_with("DeadLetterQueue") {
                "ApproximateNumberOfMessagesVisible"
            } else {
                "ApproximateAgeOfOldestMessage"
            };
            if !watched(&queue, metric) {
                missing.push(format!("{queue} {metric}"));
            }
        }
        assert!(missing.is_empty(), "no alarm on: {missing:?}");
    }

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
        // Secrets reach each function as the plain variables it reads locally.
        let api = &api.environment;
        assert!(!api.contains_key("OMS_SECRETS_ARN"));
        assert_eq!(
            api.get("OMS_ADMIN_TOKEN").and_then(reference).as_deref(),
            Some("OmsAdminToken")
        );
        assert!(api.contains_key("TRACKING_LINK_SECRET") && api.contains_key("EASYPOST_API_KEY"));
        assert!(!api.contains_key("SHOPIFY_WEBHOOK_SECRET"));
    }

    #[test]
    fn expands_a_secret_into_its_variables() {
        let template = parse(
            r#"
Parameters:
  HookSecret: { Type: String, NoEcho: true }
Resources:
  HookKeys:
    Type: AWS::SecretsManager::Secret
    Properties:
      KmsKeyId: !GetAtt Key.Arn
      SecretString: !Sub |
        {"HOOK_SECRET": "${HookSecret}", "MODE": "strict"}
  Key:
    Type: AWS::KMS::Key
  Logs:
    Type: AWS::Logs::LogGroup
  Hook:
    Type: AWS::Serverless::Function
    Metadata: { BuildProperties: { Binary: hook } }
    Properties:
      Environment:
        Variables:
          OMS_SECRETS_ARN: !Ref HookKeys
          QUEUE_URL: !Ref HookSecretQueue
"#,
        )
        .unwrap();
        let env = &template.functions[0].environment;
        assert_eq!(
            env.keys().collect::<Vec<_>>(),
            ["HOOK_SECRET", "MODE", "QUEUE_URL"]
        );
        assert_eq!(
            env["HOOK_SECRET"],
            Value::Tagged(Box::new(TaggedValue {
                tag: Tag::new("Ref"),
                value: Value::String("HookSecret".into()),
            }))
        );
        assert_eq!(literal(&env["MODE"]).as_deref(), Some("strict"));
        assert_eq!(
            reference(&env["QUEUE_URL"]).as_deref(),
            Some("HookSecretQueue")
        );
    }

    #[test]
    fn refuses_a_secret_it_cannot_expand() {
        let template = |secret_string: &str| {
            format!(
                "Resources:\n  S:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      SecretString: {secret_string}\n  F:\n    Type: AWS::Serverless::Function\n    Metadata: {{ BuildProperties: {{ Binary: f }} }}\n    Properties:\n      Environment: {{ Variables: {{ OMS_SECRETS_ARN: !Ref S }} }}\n"
            )
        };
        assert!(parse(&template(r#"!Sub '{"A": "${P}", "B": "b"}'"#)).is_ok());
        for bad in [
            r#"!Sub '{"A": "x-${P}"}'"#,
            r#"!Sub '{"A": 1}'"#,
            r#"!Sub 'not json'"#,
            r#"!GetAtt Other.Value"#,
        ] {
            assert!(parse(&template(bad)).is_err(), "{bad}");
        }
    }
}
