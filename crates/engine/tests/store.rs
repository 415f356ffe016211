//! The engine opens a data directory, creates SQLite in WAL mode with foreign keys and runs
//! the migrations.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use cloudwarden_engine::api::{self, Engine};
use cloudwarden_engine::domain::Theme;

#[tokio::test]
async fn open_creates_database_with_wal_foreign_keys_and_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("nested/data");
    let engine = Engine::open(Some(&data_dir)).await.unwrap();

    let status = engine.status().await.unwrap();
    let canonical = data_dir.canonicalize().unwrap();
    assert_eq!(status.data_dir, canonical.display().to_string());
    assert_eq!(
        status.database.path,
        canonical.join("cloudwarden.sqlite3").display().to_string()
    );
    assert_eq!(status.database.schema_version, 29);
    assert!(canonical.join("cloudwarden.sqlite3").is_file());

    let (journal, foreign_keys) = engine.database_pragmas().await.unwrap();
    assert_eq!(journal, "wal");
    assert!(foreign_keys);
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_every_file_in_it_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // A path a URL would mangle: `?` starts a query, `%` an escape, `#` a fragment.
    let data_dir = dir.path().join("what? 100% #1");
    std::fs::create_dir_all(&data_dir).unwrap();
    std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let engine = Engine::open(Some(&data_dir)).await.unwrap();
    engine.set_theme(Theme::Dark).await.unwrap();
    let status = engine.status().await.unwrap();
    assert_eq!(
        status.database.path,
        data_dir
            .canonicalize()
            .unwrap()
            .join("cloudwarden.sqlite3")
            .display()
            .to_string()
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data_dir), 0o700);
    let mut files = 0;
    for entry in std::fs::read_dir(&data_dir).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        files += 1;
    }
    assert!(files >= 2, "database and its WAL"); // -wal and -shm exist while open
    engine.close().await;
    // Nothing was created beside it under a cut-off name.
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only the data directory"
    );
    let engine = Engine::open(Some(&data_dir)).await.unwrap();
    assert_eq!(engine.settings().await.unwrap().theme, Theme::Dark);
}

#[tokio::test]
async fn reopening_is_idempotent_and_settings_persist() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    assert_eq!(engine.settings().await.unwrap().theme, Theme::Auto);
    engine.set_theme(Theme::Dark).await.unwrap();
    engine.close().await;

    let engine = Engine::open(Some(dir.path())).await.unwrap();
    assert_eq!(engine.settings().await.unwrap().theme, Theme::Dark);
    assert_eq!(engine.status().await.unwrap().database.schema_version, 29);
}

#[tokio::test]
async fn a_database_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(Some(dir.path())).await.unwrap();
    engine.close().await;
    // Pretend a newer build applied migration 9999.
    let db = dir.path().join("cloudwarden.sqlite3");
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (9999, 'future', 1, x'00', 0)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let err = Engine::open(Some(dir.path())).await.unwrap_err();
    assert!(err.to_string().contains("newer Cloudwarden"), "{err}");
}

#[test]
fn explicit_data_dir_wins_over_environment() {
    let explicit = std::path::Path::new("/tmp/explicit");
    assert_eq!(api::resolve_data_dir(Some(explicit)).unwrap(), explicit);
}

#[tokio::test]
async fn the_bundled_sqlite_is_a_current_release() {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect("sqlite::memory:")
        .await
        .unwrap();
    let version: String = sqlx::query_scalar("SELECT sqlite_version()")
        .fetch_one(&mut c)
        .await
        .unwrap();
    let parts: Vec<u32> = version.split('.').map(|p| p.parse().unwrap()).collect();
    // 3.46 (2024) came with sqlx 0.8; sqlx 0.9 bundles a 2026 release.
    assert!(parts[0] == 3 && parts[1] >= 50, "SQLite {version}");
}
