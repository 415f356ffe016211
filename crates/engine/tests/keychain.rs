//! The secret store against a real Secret Service.
//!
//! Ignored by a plain `cargo test`, which may run where no keychain is: `make test` runs it
//! explicitly (`--ignored`) inside `tests/session.sh` — `dbus-run-session` with an unlocked
//! throwaway gnome-keyring — and there it fails when the keychain is missing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use cloudwarden_engine::secrets::{Secret, SecretStore};

#[tokio::test]
#[ignore = "needs a Secret Service keychain: run by `make test` inside tests/session.sh"]
async fn stores_reads_and_deletes_a_secret_in_gnome_keyring() {
    let store = SecretStore::new("cloudwarden-test");
    let status = store.status().await;
    assert!(
        status.available,
        "no usable keychain (run inside tests/session.sh): {}",
        status.detail
    );

    let key = format!("instance-{}/token", std::process::id());
    let secret = Secret::new("gho_test_token_value");
    assert_eq!(store.get(&key).await.unwrap(), None);

    store.set(&key, &secret).await.unwrap();
    assert_eq!(store.get(&key).await.unwrap(), Some(secret.clone()));

    // Replacing keeps one value.
    let rotated = Secret::new("gho_rotated");
    store.set(&key, &rotated).await.unwrap();
    assert_eq!(store.get(&key).await.unwrap(), Some(rotated));

    // Visible to other Secret Service clients (secret-tool), i.e. really in the keyring.
    let lookup = std::process::Command::new("secret-tool")
        .args(["lookup", "service", "cloudwarden-test", "username", &key])
        .output();
    if let Ok(out) = lookup {
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "gho_rotated");
    }

    store.delete(&key).await.unwrap();
    assert_eq!(store.get(&key).await.unwrap(), None);
    // Deleting again is fine.
    store.delete(&key).await.unwrap();
}
