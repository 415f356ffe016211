//! Desktop shell tests that need no display: the generated TypeScript bindings match the
//! Rust commands. (The commands themselves are exercised through the real app in tests/e2e.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;

const BINDINGS: &str = "ui/src/ipc/bindings.ts";

/// Fails when `ui/src/ipc/bindings.ts` no longer matches the Rust commands.
/// `make bindings` (UPDATE_BINDINGS=1) rewrites it.
#[test]
fn bindings_are_current() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let committed = root.join(BINDINGS);
    if std::env::var("UPDATE_BINDINGS").as_deref() == Ok("1") {
        cloudwarden_desktop::export_bindings(&committed).unwrap();
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("bindings.ts");
    cloudwarden_desktop::export_bindings(&fresh).unwrap();
    let fresh = std::fs::read_to_string(fresh).unwrap();
    let current = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        fresh == current,
        "{BINDINGS} is stale: run `make bindings` and commit the result"
    );
}
