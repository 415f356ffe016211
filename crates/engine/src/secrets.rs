//! Secrets (OAuth tokens, API keys, the anonymization key) live in the OS keychain — the
//! Secret Service (gnome-keyring, KWallet) on Linux — and nowhere else: never in SQLite,
//! logs or IPC. When no keychain is usable the store says so; it never falls back to
//! plain text.

use std::fmt;
use std::time::Duration;

use crate::domain::KeychainStatus;
use crate::{Error, Result};

/// Keychain "service" under which every Cloudwarden secret is filed.
pub const SERVICE: &str = "cloudwarden";

/// How long a keychain call may take before it is reported as unavailable (a locked
/// keyring can wait forever for a password prompt that nobody sees).
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// A secret value. Its `Debug` is redacted and it has no `Serialize`, so it cannot leak into
/// logs, JSON or IPC by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The plain value, for the one place that must send it (an HTTP header, the keychain).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(«redacted»)")
    }
}

/// Secrets of one Cloudwarden installation in the OS keychain.
#[derive(Debug, Clone)]
pub struct SecretStore {
    service: String,
}

impl Default for SecretStore {
    fn default() -> Self {
        SecretStore::new(SERVICE)
    }
}

impl SecretStore {
    pub fn new(service: impl Into<String>) -> Self {
        SecretStore {
            service: service.into(),
        }
    }

    /// Stores `secret` under `key`, replacing any previous value.
    pub async fn set(&self, key: &str, secret: &Secret) -> Result<()> {
        let value = secret.clone();
        self.call(key, move |entry| entry.set_password(value.expose()))
            .await
    }

    /// The secret stored under `key`, or `None`.
    pub async fn get(&self, key: &str) -> Result<Option<Secret>> {
        match self.call(key, |entry| entry.get_password()).await {
            Ok(value) => Ok(Some(Secret(value))),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes the secret under `key`; deleting a missing secret is not an error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.call(key, |entry| entry.delete_credential()).await {
            Ok(()) | Err(Error::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Whether the keychain can store secrets right now: a probe secret is written and removed,
    /// which is the only check that also catches a locked keyring.
    pub async fn status(&self) -> KeychainStatus {
        // A key of its own per probe: the app and the CLI may probe at the same moment.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let key = format!("keychain-probe-{}-{nanos}", std::process::id());
        let probe = Secret::new("probe");
        let result = async {
            self.set(&key, &probe).await?;
            let read = self.get(&key).await?;
            self.delete(&key).await?;
            if read.as_ref() != Some(&probe) {
                return Err(Error::Keychain(
                    "the keychain accepted a secret but returned something else".into(),
                ));
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => KeychainStatus {
                available: true,
                detail: "Secrets are stored in the system keychain (Secret Service).".into(),
            },
            Err(e) => KeychainStatus {
                available: false,
                detail: e.to_string(),
            },
        }
    }

    /// Runs one blocking keychain call off the async runtime, with a timeout.
    async fn call<T, F>(&self, key: &str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
    {
        let service = self.service.clone();
        let user = key.to_owned();
        let task = tokio::task::spawn_blocking(move || {
            let entry = keyring::Entry::new(&service, &user)?;
            f(&entry)
        });
        match tokio::time::timeout(CALL_TIMEOUT, task).await {
            Err(_) => Err(Error::Keychain(format!(
                "no answer within {} s — the keyring may be locked and waiting for a password prompt; unlock it and retry",
                CALL_TIMEOUT.as_secs()
            ))),
            Ok(Err(join)) => Err(Error::Task(join.to_string())),
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(keyring::Error::NoEntry))) => Err(Error::NotFound(format!("secret {key}"))),
            Ok(Ok(Err(e))) => Err(Error::Keychain(explain(&e))),
        }
    }
}

/// A keyring error in words an analyst can act on.
fn explain(error: &keyring::Error) -> String {
    match error {
        keyring::Error::PlatformFailure(inner) => format!(
            "no usable keychain ({inner}). Cloudwarden needs the Secret Service: run it inside a \
             desktop session with gnome-keyring or KWallet (on a headless machine: \
             `dbus-run-session` and `gnome-keyring-daemon --unlock`)"
        ),
        keyring::Error::NoStorageAccess(inner) => format!(
            "the keychain is locked or refused access ({inner}); unlock your login keyring and retry"
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("ghp_supersecret");
        assert_eq!(format!("{s:?}"), "Secret(«redacted»)");
        assert!(!format!("{s:?}").contains("supersecret"));
    }
}
