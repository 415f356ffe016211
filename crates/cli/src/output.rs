//! Printing results and errors.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

/// Prints `value` as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Prints a one-line error on stderr and returns the failure exit code.
pub fn fail(error: &anyhow::Error) -> ExitCode {
    let chain: Vec<String> = error.chain().map(|e| e.to_string()).collect();
    let line = chain.join(": ").replace('\n', " ");
    eprintln!("error: {line}");
    // A credential refused: the vendor's own words (an AADSTS code) on a line of their own.
    if let Some(detail) = error
        .downcast_ref::<cloudwarden_engine::Error>()
        .and_then(cloudwarden_engine::Error::detail)
    {
        eprintln!("  detail: {detail}");
    }
    ExitCode::FAILURE
}
