//! `cloudwarden status`.

use cloudwarden_engine::api::Engine;

use crate::{output, Global};

pub async fn run(global: &Global) -> anyhow::Result<()> {
    let engine = Engine::open(global.data_dir.as_deref()).await?;
    let status = engine.status().await?;
    engine.close().await;
    if global.json {
        return output::json(&status);
    }
    let keychain = if status.keychain.available {
        "available"
    } else {
        "unavailable"
    };
    println!("Cloudwarden {}", status.version);
    println!("data directory  {}", status.data_dir);
    println!(
        "database        sqlite {} (schema version {})",
        status.database.path, status.database.schema_version
    );
    println!("keychain        {keychain} — {}", status.keychain.detail);
    Ok(())
}
