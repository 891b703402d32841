//! Creates in the emulator what template.yaml declares, under a name prefix so several local stacks
//! (one per test) can share one emulator, and resolves `!Ref`/`!GetAtt` to what was created.

use std::collections::{BTreeMap, HashMap};

use anyhow::{anyhow, Context, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_yaml::Value;

use crate::template::{self, Template};
use oms::aws::Clients;

/// What a logical id turned into.
#[derive(Debug, Clone, Default)]
pub struct Provisioned {
    /// `!Ref` of tables and buckets: their names; of queues: their URLs; of parameters: their values.
    pub refs: HashMap<String, String>,
    pub arns: HashMap<String, String>,
}

impl Provisioned {
    pub fn resolve(&self, value: &Value) -> Option<String> {
        if let Some(name) = template::reference(value) {
            return self.refs.get(&name).cloned();
        }
        if let Some((name, attribute)) = template::get_att(value) {
            return match attribute.as_str() {
                "Arn" => self.arns.get(&name).cloned(),
                _ => None,
            };
        }
        template::literal(value)
    }
}

pub async fn provision(
    template: &Template,
    prefix: &str,
    parameters: &BTreeMap<String, String>,
    aws: &Clients,
) -> Result<Provisioned> {
    let mut out = Provisioned::default();
    for (name, default) in &template.parameters {
        if let Some(value) = parameters.get(name).cloned().or_else(|| default.clone()) {
            out.refs.insert(name.clone(), value);
        }
    }
    for table in &template.tables {
        let name = format!("{prefix}-{}", table.logical_id);
        create_table(aws, &name, &table.properties)
            .await
            .with_context(|| format!("creating table {name}"))?;
        out.arns.insert(
            table.logical_id.clone(),
            format!("arn:aws:dynamodb:us-east-1:123456789012:table/{name}"),
        );
        out.refs.insert(table.logical_id.clone(), name);
    }
    // Dead-letter queues first: the queues that redrive into them need their ARNs.
    let mut queues: Vec<_> = template.queues.iter().collect();
    queues.sort_by_key(|q| q.redrive.is_some());
    for queue in queues {
        let name = format!("{prefix}-{}", queue.logical_id);
        let mut request = aws.sqs.create_queue().queue_name(&name);
        if let Some(timeout) = queue.visibility_timeout {
            request =
                request.attributes(QueueAttributeName::VisibilityTimeout, timeout.to_string());
        }
        if let Some((dlq, max)) = &queue.redrive {
            let arn = out.arns.get(dlq).ok_or_else(|| {
                anyhow!("{}: dead-letter queue {dlq} not declared", queue.logical_id)
            })?;
            let policy = serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": max});
            request = request.attributes(QueueAttributeName::RedrivePolicy, policy.to_string());
        }
        let url = request
            .send()
            .await
            .with_context(|| format!("creating queue {name}"))?
            .queue_url
            .ok_or_else(|| anyhow!("no URL for queue {name}"))?;
        let attributes = aws
            .sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await?;
        let arn = attributes
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .ok_or_else(|| anyhow!("no ARN for queue {name}"))?;
        out.arns.insert(queue.logical_id.clone(), arn);
        out.refs.insert(queue.logical_id.clone(), url);
    }
    for bucket in &template.buckets {
        let name = format!("{prefix}-{bucket}").to_ascii_lowercase();
        create_bucket(aws, &name).await?;
        out.refs.insert(bucket.clone(), name);
    }
    for group in &template.schedule_groups {
        let name = format!("{prefix}-{group}");
        aws_sdk_scheduler::Client::new(&aws.config)
            .create_schedule_group()
            .name(&name)
            .send()
            .await
            .with_context(|| format!("creating schedule group {name}"))?;
        out.refs.insert(group.clone(), name);
    }
    for role in &template.roles {
        out.arns
            .insert(role.clone(), role_arn("123456789012", prefix, role));
    }
    for identity in &template.email_identities {
        let email = out
            .resolve(identity)
            .ok_or_else(|| anyhow!("email identity {identity:?} does not resolve"))?;
        aws_sdk_ses::Client::new(&aws.config)
            .verify_email_identity()
            .email_address(&email)
            .send()
            .await
            .with_context(|| format!("verifying sender {email}"))?;
    }
    Ok(out)
}

/// The ARN a role of the stack would have (nothing checks roles locally; functions pass them on).
pub fn role_arn(account: &str, prefix: &str, role: &str) -> String {
    format!("arn:aws:iam::{account}:role/{prefix}-{role}")
}

/// Creates one table as template.yaml declares it (`props`: its Properties).
pub async fn create_table(aws: &Clients, name: &str, props: &Value) -> Result<()> {
    let key_schema = |value: Option<&Value>| -> Result<Vec<KeySchemaElement>> {
        value
            .and_then(Value::as_sequence)
            .ok_or_else(|| anyhow!("KeySchema missing"))?
            .iter()
            .map(|k| {
                Ok(KeySchemaElement::builder()
                    .attribute_name(yaml_str(k, "AttributeName")?)
                    .key_type(KeyType::from(yaml_str(k, "KeyType")?.as_str()))
                    .build()?)
            })
            .collect()
    };
    let attributes = props
        .get("AttributeDefinitions")
        .and_then(Value::as_sequence)
        .ok_or_else(|| anyhow!("AttributeDefinitions missing"))?
        .iter()
        .map(|a| {
            Ok(AttributeDefinition::builder()
                .attribute_name(yaml_str(a, "AttributeName")?)
                .attribute_type(ScalarAttributeType::from(
                    yaml_str(a, "AttributeType")?.as_str(),
                ))
                .build()?)
        })
        .collect::<Result<Vec<_>>>()?;
    let indexes = props
        .get("GlobalSecondaryIndexes")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .map(|index| {
            let projection = index.get("Projection");
            let non_key = projection
                .and_then(|p| p.get("NonKeyAttributes"))
                .and_then(Value::as_sequence)
                .map(|names| {
                    names
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                });
            let projection = projection
                .and_then(|p| p.get("ProjectionType"))
                .and_then(Value::as_str)
                .unwrap_or("ALL");
            Ok(GlobalSecondaryIndex::builder()
                .index_name(yaml_str(index, "IndexName")?)
                .set_key_schema(Some(key_schema(index.get("KeySchema"))?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(projection))
                        .set_non_key_attributes(non_key)
                        .build(),
                )
                .build()?)
        })
        .collect::<Result<Vec<_>>>()?;
    aws.dynamodb
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(attributes))
        .set_key_schema(Some(key_schema(props.get("KeySchema"))?))
        .set_global_secondary_indexes((!indexes.is_empty()).then_some(indexes))
        .send()
        .await
        .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string()))?;
    if let Some(ttl) = props.get("TimeToLiveSpecification") {
        aws.dynamodb
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(yaml_str(ttl, "AttributeName")?)
                    .enabled(true)
                    .build()?,
            )
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string()))?;
    }
    Ok(())
}

fn yaml_str(value: &Value, key: &str) -> Result<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| anyhow!("{key} missing"))
}

/// An empty bucket in the emulator.
pub async fn create_bucket(aws: &Clients, name: &str) -> Result<()> {
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&aws.config)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket(name)
        .send()
        .await
        .with_context(|| format!("creating bucket {name}"))?;
    Ok(())
}
