//! Configuration from environment variables, read once at start-up. The lookup is a trait so the
//! local runner can give each in-process function its own variables, as Lambda does.

use std::collections::HashMap;

use crate::signature::WebhookSecrets;

pub trait Env: Send + Sync {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment, as a deployed function sees it.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Env for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

pub fn required(env: &dyn Env, name: &'static str) -> Result<String, ConfigError> {
    env.var(name)
        .filter(|v| !v.trim().is_empty())
        .ok_or(ConfigError::Missing(name))
}

pub fn secrets(env: &dyn Env, name: &'static str) -> Result<WebhookSecrets, ConfigError> {
    WebhookSecrets::parse(&required(env, name)?).ok_or(ConfigError::Missing(name))
}
