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

/// Secrets of one Cloudwarden installation in the OS keychain — or, for tests of logic and
/// nothing else, in this process's memory ([`SecretStore::in_memory`]): tests must neither
/// touch the analyst's real keychain nor skip themselves where none is available.
#[derive(Clone)]
pub struct SecretStore {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Keychain { service: String },
    Memory(std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, Secret>>>),
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.backend {
            Backend::Keychain { service } => write!(f, "SecretStore(keychain {service})"),
            Backend::Memory(_) => f.write_str("SecretStore(memory)"),
        }
    }
}

impl Default for SecretStore {
    fn default() -> Self {
        SecretStore::new(SERVICE)
    }
}

impl SecretStore {
    /// The OS keychain, secrets filed under `service`.
    pub fn new(service: impl Into<String>) -> Self {
        SecretStore {
            backend: Backend::Keychain {
                service: service.into(),
            },
        }
    }

    /// Secrets kept in this process's memory and gone with it: for tests of the engine's
    /// logic, which run where no keychain is (plain `cargo test`) and must not write to the
    /// analyst's own. Never used by the app or the CLI.
    pub fn in_memory() -> Self {
        SecretStore {
            backend: Backend::Memory(std::sync::Arc::default()),
        }
    }

    /// Stores `secret` under `key`, replacing any previous value.
    pub async fn set(&self, key: &str, secret: &Secret) -> Result<()> {
        if let Backend::Memory(m) = &self.backend {
            lock(m).insert(key.to_owned(), secret.clone());
            return Ok(());
        }
        let value = secret.clone();
        self.call(key, move |entry| entry.set_password(value.expose()))
            .await
    }

    /// The secret stored under `key`, or `None`.
    pub async fn get(&self, key: &str) -> Result<Option<Secret>> {
        if let Backend::Memory(m) = &self.backend {
            return Ok(lock(m).get(key).cloned());
        }
        match self.call(key, |entry| entry.get_password()).await {
            Ok(value) => Ok(Some(Secret(value))),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes the secret under `key`; deleting a missing secret is not an error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        if let Backend::Memory(m) = &self.backend {
            lock(m).remove(key);
            return Ok(());
        }
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
            Ok(()) if matches!(self.backend, Backend::Memory(_)) => KeychainStatus {
                available: true,
                detail: "Secrets are kept in memory for this test process only.".into(),
            },
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
        let service = match &self.backend {
            Backend::Keychain { service } => service.clone(),
            Backend::Memory(_) => {
                return Err(Error::Keychain(
                    "in-memory secret store: no keychain call".into(),
                ))
            }
        };
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

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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
