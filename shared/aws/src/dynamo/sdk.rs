//! The port on the AWS SDK: each operation is one DynamoDB call, its errors mapped to the port's
//! classes. Nothing here decides anything.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::DeleteRequest;
use aws_sdk_dynamodb::types::{KeysAndAttributes, PutRequest, WriteRequest};
use aws_sdk_dynamodb::Client;

use super::{
    BatchWrite, Call, Dynamo, DynamoError, Item, Query, QueryPage, ReturnValue, SortCondition,
    TransactWriteItem,
};

#[derive(Clone)]
pub struct SdkDynamo {
    client: Client,
}

impl SdkDynamo {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

impl Dynamo for SdkDynamo {
    fn get<'a>(&'a self, table: &'a str, key: Item, consistent: bool) -> Call<'a, Option<Item>> {
        Box::pin(async move {
            let output = self
                .client
                .get_item()
                .table_name(table)
                .set_key(Some(key))
                .consistent_read(consistent)
                .send()
                .await
                .map_err(classify)?;
            Ok(output.item)
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
            // Names as placeholders: an attribute may be a reserved word (`status`).
            let placeholders: Vec<String> =
                (0..attributes.len()).map(|i| format!("#p{i}")).collect();
            let output = self
                .client
                .get_item()
                .table_name(table)
                .set_key(Some(key))
                .projection_expression(placeholders.join(", "))
                .set_expression_attribute_names(Some(
                    placeholders
                        .into_iter()
                        .zip(attributes.iter().map(|a| a.to_string()))
                        .collect(),
                ))
                .consistent_read(consistent)
                .send()
                .await
                .map_err(classify)?;
            Ok(output.item)
        })
    }

    fn write<'a>(
        &'a self,
        write: TransactWriteItem,
        returns: ReturnValue,
    ) -> Call<'a, Option<Item>> {
        Box::pin(async move {
            let returns = Some(returns);
            if let Some(put) = write.put {
                let output = self
                    .client
                    .put_item()
                    .table_name(put.table_name)
                    .set_item(Some(put.item))
                    .set_condition_expression(put.condition_expression)
                    .set_expression_attribute_names(put.expression_attribute_names)
                    .set_expression_attribute_values(put.expression_attribute_values)
                    .set_return_values_on_condition_check_failure(
                        put.return_values_on_condition_check_failure,
                    )
                    .set_return_values(returns)
                    .send()
                    .await
                    .map_err(|e| match e.as_service_error() {
                        Some(
                            aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(c),
                        ) => DynamoError::ConditionFailed { old: c.item.clone() },
                        _ => classify(e),
                    })?;
                return Ok(output.attributes);
            }
            if let Some(update) = write.update {
                let output = self
                    .client
                    .update_item()
                    .table_name(update.table_name)
                    .set_key(Some(update.key))
                    .update_expression(update.update_expression)
                    .set_condition_expression(update.condition_expression)
                    .set_expression_attribute_names(update.expression_attribute_names)
                    .set_expression_attribute_values(update.expression_attribute_values)
                    .set_return_values_on_condition_check_failure(
                        update.return_values_on_condition_check_failure,
                    )
                    .set_return_values(returns)
                    .send()
                    .await
                    .map_err(|e| match e.as_service_error() {
                        Some(
                            aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c),
                        ) => DynamoError::ConditionFailed { old: c.item.clone() },
                        _ => classify(e),
                    })?;
                return Ok(output.attributes);
            }
            if let Some(delete) = write.delete {
                let output = self
                    .client
                    .delete_item()
                    .table_name(delete.table_name)
                    .set_key(Some(delete.key))
                    .set_condition_expression(delete.condition_expression)
                    .set_expression_attribute_names(delete.expression_attribute_names)
                    .set_expression_attribute_values(delete.expression_attribute_values)
                    .set_return_values_on_condition_check_failure(
                        delete.return_values_on_condition_check_failure,
                    )
                    .set_return_values(returns)
                    .send()
                    .await
                    .map_err(|e| match e.as_service_error() {
                        Some(
                            aws_sdk_dynamodb::operation::delete_item::DeleteItemError::ConditionalCheckFailedException(c),
                        ) => DynamoError::ConditionFailed { old: c.item.clone() },
                        _ => classify(e),
                    })?;
                return Ok(output.attributes);
            }
            Err(DynamoError::Invalid(
                "a single write is a put, an update or a delete".into(),
            ))
        })
    }

    fn transact<'a>(&'a self, items: Vec<TransactWriteItem>) -> Call<'a, ()> {
        Box::pin(async move {
            self.client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await
                .map_err(|e| match e.as_service_error() {
                    Some(
                        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(t),
                    ) => DynamoError::Cancelled(
                        t.cancellation_reasons()
                            .iter()
                            .map(|r| r.code().unwrap_or("None").to_string())
                            .collect(),
                    ),
                    _ => classify(e),
                })?;
            Ok(())
        })
    }

    fn query<'a>(&'a self, query: Query) -> Call<'a, QueryPage> {
        Box::pin(async move {
            let (pk_name, pk_value) = query.partition;
            let mut request = self
                .client
                .query()
                .table_name(query.table)
                .set_index_name(query.index)
                .consistent_read(query.consistent)
                .scan_index_forward(query.ascending)
                .set_limit(query.limit)
                .set_exclusive_start_key(query.start)
                .expression_attribute_names("#pk", pk_name)
                .expression_attribute_values(":pk", super::s(pk_value));
            request = match query.sort {
                Some((sk_name, SortCondition::Prefix(prefix))) => request
                    .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                    .expression_attribute_names("#sk", sk_name)
                    .expression_attribute_values(":prefix", super::s(prefix)),
                Some((sk_name, SortCondition::Between(low, high))) => request
                    .key_condition_expression("#pk = :pk AND #sk BETWEEN :low AND :high")
                    .expression_attribute_names("#sk", sk_name)
                    .expression_attribute_values(":low", super::s(low))
                    .expression_attribute_values(":high", super::s(high)),
                None => request.key_condition_expression("#pk = :pk"),
            };
            let output = request.send().await.map_err(classify)?;
            Ok(QueryPage {
                items: output.items.unwrap_or_default(),
                last_key: output.last_evaluated_key,
            })
        })
    }

    fn batch_write<'a>(
        &'a self,
        table: &'a str,
        writes: Vec<BatchWrite>,
    ) -> Call<'a, Vec<BatchWrite>> {
        Box::pin(async move {
            let requests = writes
                .into_iter()
                .map(|write| {
                    Ok(match write {
                        BatchWrite::Put(item) => WriteRequest::builder()
                            .put_request(super::built(
                                PutRequest::builder().set_item(Some(item)).build(),
                            )?)
                            .build(),
                        BatchWrite::Delete(key) => WriteRequest::builder()
                            .delete_request(super::built(
                                DeleteRequest::builder().set_key(Some(key)).build(),
                            )?)
                            .build(),
                    })
                })
                .collect::<Result<Vec<_>, DynamoError>>()?;
            let output = self
                .client
                .batch_write_item()
                .request_items(table, requests)
                .send()
                .await
                .map_err(classify)?;
            Ok(output
                .unprocessed_items
                .and_then(|mut left| left.remove(table))
                .unwrap_or_default()
                .into_iter()
                .filter_map(|request| {
                    request
                        .put_request
                        .map(|put| BatchWrite::Put(put.item))
                        .or_else(|| request.delete_request.map(|d| BatchWrite::Delete(d.key)))
                })
                .collect())
        })
    }

    fn batch_get<'a>(
        &'a self,
        table: &'a str,
        keys: Vec<Item>,
        consistent: bool,
    ) -> Call<'a, (Vec<Item>, Vec<Item>)> {
        Box::pin(async move {
            let wanted = super::built(
                KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .consistent_read(consistent)
                    .build(),
            )?;
            let output = self
                .client
                .batch_get_item()
                .request_items(table, wanted)
                .send()
                .await
                .map_err(classify)?;
            let found = output
                .responses
                .and_then(|mut r| r.remove(table))
                .unwrap_or_default();
            let left = output
                .unprocessed_keys
                .and_then(|mut left| left.remove(table))
                .map(|k| k.keys)
                .unwrap_or_default();
            Ok((found, left))
        })
    }
}

/// An SDK error in the port's classes, by the service's error code.
fn classify<E, R>(err: SdkError<E, R>) -> DynamoError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let text = crate::aws::describe(&err);
    match err.code() {
        Some("ConditionalCheckFailedException") => DynamoError::ConditionFailed { old: None },
        Some(
            "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "TransactionConflictException"
            | "TransactionInProgressException",
        ) => DynamoError::Throttled(text),
        Some(
            "ValidationException"
            | "ResourceNotFoundException"
            | "ItemCollectionSizeLimitExceededException",
        ) => DynamoError::Invalid(text),
        _ => DynamoError::Unavailable(text),
    }
}
