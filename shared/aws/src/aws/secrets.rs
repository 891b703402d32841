//! The functions' secrets, deployed: `OMS_SECRETS_ARN` names a Secrets Manager secret whose
//! value is a JSON object of variable names and values (webhook secrets, tokens, API keys), read
//! once at cold start, so no secret sits in a function's plain environment. A variable set in the
//! environment itself wins: that is how the local runner and `sam local invoke` configure them.

use std::collections::HashMap;

use crate::config::{ConfigError, Env};

const SECRETS_ARN: &str = "OMS_SECRETS_ARN";

/// The environment, with the named secret's values behind it.
pub struct WithSecrets<E> {
    env: E,
    secrets: HashMap<String, String>,
}

impl<E: Env> Env for WithSecrets<E> {
    fn var(&self, name: &str) -> Option<String> {
        self.env
            .var(name)
            .or_else(|| self.secrets.get(name).cloned())
    }
}

/// Reads the secret `OMS_SECRETS_ARN` names (nothing when it names none).
pub async fn load<E: Env>(
    env: E,
    config: &aws_config::SdkConfig,
) -> Result<WithSecrets<E>, ConfigError> {
    let Some(arn) = env.var(SECRETS_ARN).filter(|a| !a.trim().is_empty()) else {
        return Ok(WithSecrets {
            env,
            secrets: HashMap::new(),
        });
    };
    let invalid = |reason: String| ConfigError::Invalid {
        name: SECRETS_ARN,
        reason,
    };
    let output = aws_sdk_secretsmanager::Client::new(config)
        .get_secret_value()
        .secret_id(&arn)
        .send()
        .await
        .map_err(|e| {
            invalid(format!(
                "cannot read the secret: {}",
                aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
            ))
        })?;
    let text = output
        .secret_string()
        .ok_or_else(|| invalid("the secret holds no text".into()))?;
    let secrets = serde_json::from_str::<HashMap<String, String>>(text)
        .map_err(|_| invalid("the secret is not a JSON object of strings".into()))?;
    Ok(WithSecrets { env, secrets })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_wins_over_the_secret() {
        let env = HashMap::from([("A".to_string(), "from env".to_string())]);
        let with = WithSecrets {
            env,
            secrets: HashMap::from([
                ("A".to_string(), "from secret".to_string()),
                ("B".to_string(), "only secret".to_string()),
            ]),
        };
        assert_eq!(with.var("A").as_deref(), Some("from env"));
        assert_eq!(with.var("B").as_deref(), Some("only secret"));
        assert_eq!(with.var("C"), None);
    }
}
