//! The scheduler port on the AWS SDK: one `CreateSchedule` per schedule, errors in the port's
//! classes.

use aws_sdk_scheduler::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode, Target,
};

use super::{Call, OneTime, Scheduler, SchedulerError};

#[derive(Clone)]
pub struct SdkScheduler {
    client: aws_sdk_scheduler::Client,
}

impl SdkScheduler {
    pub fn new(client: aws_sdk_scheduler::Client) -> Self {
        Self { client }
    }
}

fn invalid(e: impl std::fmt::Display) -> SchedulerError {
    SchedulerError::Invalid(e.to_string())
}

impl Scheduler for SdkScheduler {
    fn create<'a>(&'a self, schedule: &'a OneTime) -> Call<'a, ()> {
        Box::pin(async move {
            let mut target = Target::builder()
                .arn(&schedule.queue_arn)
                .role_arn(&schedule.role_arn)
                .input(&schedule.body);
            if let Some(dlq) = &schedule.dead_letter_arn {
                target = target.dead_letter_config(DeadLetterConfig::builder().arn(dlq).build());
            }
            self.client
                .create_schedule()
                .group_name(&schedule.group)
                .name(&schedule.name)
                .schedule_expression(schedule.expression())
                .schedule_expression_timezone("UTC")
                .flexible_time_window(
                    FlexibleTimeWindow::builder()
                        .mode(FlexibleTimeWindowMode::Off)
                        .build()
                        .map_err(invalid)?,
                )
                .action_after_completion(ActionAfterCompletion::Delete)
                .target(target.build().map_err(invalid)?)
                .send()
                .await
                .map_err(classify)?;
            Ok(())
        })
    }
}

fn classify<E, R>(err: SdkError<E, R>) -> SchedulerError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let text = crate::aws::describe(&err);
    match err.code() {
        Some("ConflictException") => SchedulerError::Exists,
        Some("ThrottlingException" | "ServiceQuotaExceededException") => {
            SchedulerError::Throttled(text)
        }
        Some("ValidationException" | "ResourceNotFoundException") => SchedulerError::Invalid(text),
        _ => SchedulerError::Unavailable(text),
    }
}
