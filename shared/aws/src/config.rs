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
    /// The function's `main` did not add this AWS client (`Clients::with_files`, `with_mail`).
    #[error("this function was started without its {0} client")]
    NoClient(&'static str),
}

pub fn required(env: &dyn Env, name: &'static str) -> Result<String, ConfigError> {
    env.var(name)
        .filter(|v| !v.trim().is_empty())
        .ok_or(ConfigError::Missing(name))
}

pub fn secrets(env: &dyn Env, name: &'static str) -> Result<WebhookSecrets, ConfigError> {
    WebhookSecrets::parse(&required(env, name)?).ok_or(ConfigError::Missing(name))
}

/// `CART_REMINDER_AFTER_MINUTES`: how long a checkout goes unchanged and unconverted before its
/// shopper gets the one reminder (0 to 30 days).
pub fn cart_reminder_after(env: &dyn Env) -> Result<chrono::Duration, ConfigError> {
    const NAME: &str = "CART_REMINDER_AFTER_MINUTES";
    required(env, NAME)?
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|m| (0..=30 * 24 * 60).contains(m))
        .map(chrono::Duration::minutes)
        .ok_or_else(|| ConfigError::Invalid {
            name: NAME,
            reason: "a whole number of minutes from 0 to 43200".into(),
        })
}

/// `RISK_HOLD_SCORE` (0 turns screening off), `RISK_HIGH_TOTAL`, `RISK_FIRST_ORDER_TOTAL`,
/// `RISK_VELOCITY_LIMIT`; each unset keeps its documented default (`RiskSettings::default`).
pub fn risk_settings(env: &dyn Env) -> Result<crate::risk::RiskSettings, ConfigError> {
    fn number<T: std::str::FromStr>(
        env: &dyn Env,
        name: &'static str,
        valid: impl Fn(&T) -> bool,
        default: T,
    ) -> Result<T, ConfigError> {
        match env.var(name).filter(|v| !v.trim().is_empty()) {
            None => Ok(default),
            Some(text) => {
                text.trim()
                    .parse::<T>()
                    .ok()
                    .filter(valid)
                    .ok_or_else(|| ConfigError::Invalid {
                        name,
                        reason: format!("{text:?} is out of range"),
                    })
            }
        }
    }
    let defaults = crate::risk::RiskSettings::default();
    let amount = |d: &rust_decimal::Decimal| !d.is_sign_negative() && d.scale() <= 4;
    Ok(crate::risk::RiskSettings {
        hold_score: number(env, "RISK_HOLD_SCORE", |s| *s <= 1000, defaults.hold_score)?,
        high_total: number(env, "RISK_HIGH_TOTAL", amount, defaults.high_total)?,
        first_order_total: number(
            env,
            "RISK_FIRST_ORDER_TOTAL",
            amount,
            defaults.first_order_total,
        )?,
        velocity_limit: number(
            env,
            "RISK_VELOCITY_LIMIT",
            |n| (1..=10_000).contains(n),
            defaults.velocity_limit,
        )?,
    })
}
