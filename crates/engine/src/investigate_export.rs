//! Exports of the activity log: CSV (normalised fields, cells a spreadsheet will not run) and
//! a JSON array (normalised fields and the vendor's record), written row by row.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::value::RawValue;

use crate::discovery_export::{iso_time, text_cell};
use crate::domain::investigate::{ActivityRow, ExportFormat};
use crate::{Error, Result};

const CSV_HEADER: [&str; 12] = [
    "time",
    "instance",
    "instance_id",
    "app",
    "category",
    "action",
    "outcome",
    "actor",
    "object",
    "ip",
    "user_agent",
    "event_id",
];

/// Where an export goes, row by row.
pub enum ExportSink {
    Csv {
        path: PathBuf,
        w: Box<csv::Writer<BufWriter<File>>>,
        rows: u64,
    },
    Json {
        path: PathBuf,
        w: BufWriter<File>,
        rows: u64,
    },
}

/// One event as the JSON export writes it.
#[derive(Serialize)]
struct JsonRow<'a> {
    time: String,
    #[serde(flatten)]
    row: &'a ActivityRow,
    /// The vendor's record as it was read; a string when it is not JSON.
    raw: Raw<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Raw<'a> {
    Json(&'a RawValue),
    Text(&'a str),
}

impl ExportSink {
    pub fn create(path: &Path, format: ExportFormat) -> Result<ExportSink> {
        let file = File::create(path).map_err(|e| io(path, e))?;
        let out = BufWriter::with_capacity(1 << 16, file);
        Ok(match format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(CSV_HEADER).map_err(|e| csv_err(path, e))?;
                ExportSink::Csv {
                    path: path.to_path_buf(),
                    w: Box::new(w),
                    rows: 0,
                }
            }
            ExportFormat::Json => {
                let mut w = out;
                w.write_all(b"[").map_err(|e| io(path, e))?;
                ExportSink::Json {
                    path: path.to_path_buf(),
                    w,
                    rows: 0,
                }
            }
        })
    }

    /// Appends one event (`raw` is used by JSON only).
    pub fn row(&mut self, r: &ActivityRow, raw: &str) -> Result<()> {
        match self {
            ExportSink::Csv { path, w, rows } => {
                let cell = |v: Option<&str>| text_cell(v.unwrap_or_default());
                w.write_record([
                    iso_time(r.occurred_at_ms),
                    text_cell(&r.instance_name),
                    r.instance_id.clone(),
                    r.app.clone(),
                    r.category.as_str().to_owned(),
                    text_cell(&r.action),
                    r.outcome.as_str().to_owned(),
                    cell(r.actor.as_deref()),
                    cell(r.object.as_deref()),
                    cell(r.ip.as_deref()),
                    cell(r.user_agent.as_deref()),
                    text_cell(&r.event_id),
                ])
                .map_err(|e| csv_err(path, e))?;
                *rows += 1;
            }
            ExportSink::Json { path, w, rows } => {
                w.write_all(if *rows == 0 { b"\n" } else { b",\n" })
                    .map_err(|e| io(path, e))?;
                let raw = serde_json::from_str::<&RawValue>(raw)
                    .map(Raw::Json)
                    .unwrap_or(Raw::Text(raw));
                let row = JsonRow {
                    time: iso_time(r.occurred_at_ms),
                    row: r,
                    raw,
                };
                serde_json::to_writer(&mut *w, &row)
                    .map_err(|e| io(path, std::io::Error::other(e)))?;
                *rows += 1;
            }
        }
        Ok(())
    }

    /// Closes the document and makes it durable; the rows written.
    pub fn finish(self) -> Result<u64> {
        let (path, out, rows) = match self {
            ExportSink::Csv { path, w, rows } => {
                let out = w
                    .into_inner()
                    .map_err(|e| io(&path, std::io::Error::other(e.to_string())))?;
                (path, out, rows)
            }
            ExportSink::Json { path, mut w, rows } => {
                w.write_all(if rows == 0 { b"]\n" } else { b"\n]\n" })
                    .map_err(|e| io(&path, e))?;
                (path, w, rows)
            }
        };
        let file = out.into_inner().map_err(|e| io(&path, e.into_error()))?;
        file.sync_all().map_err(|e| io(&path, e))?;
        Ok(rows)
    }
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::File {
        path: path.to_path_buf(),
        source,
    }
}

fn csv_err(path: &Path, e: csv::Error) -> Error {
    io(path, std::io::Error::other(e.to_string()))
}
