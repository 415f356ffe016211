//! Parses log files in parallel: one reader thread decompresses and cuts the stream into
//! chunks at line breaks; worker threads parse and aggregate their chunks. Memory is bounded
//! by a fixed pool of chunk buffers plus the aggregates (distinct keys), whatever the file size.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::SystemTime;

use crossbeam_channel::{bounded, Receiver, Sender};
use serde::Serialize;

use crate::aggregate::Aggregate;
use crate::detect::detect;
use crate::formats::{Format, Layout};
use crate::input::{for_each_stream, InputError};
use crate::record::{Parsed, Reason};

/// Bytes per chunk handed to a worker.
const CHUNK: usize = 4 << 20;
/// Bytes read for format detection.
const SAMPLE: usize = 64 << 10;
/// Malformed-line samples kept per reason.
const SAMPLES_PER_REASON: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{file}: the log format was not recognised; choose it explicitly (cloudwarden discover formats)")]
    UnknownFormat { file: String },
    #[error("cancelled")]
    Cancelled,
    /// A parser failed on a line it should have refused: a bug, reported with the file so the
    /// analyst can send it; nothing of the run is stored.
    #[error("{file}: the {format} parser failed near line {line} ({message}); nothing was stored. Please report this with the file")]
    Parser {
        file: String,
        format: String,
        line: u64,
        message: String,
    },
}

/// Live counters for progress reports (read from another thread).
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes of log text read so far (after decompression).
    pub bytes: AtomicU64,
    /// Bytes of the input files consumed so far (compressed size), against `total_file_bytes`.
    pub file_bytes: AtomicU64,
    pub total_file_bytes: AtomicU64,
    pub lines: AtomicU64,
    /// Index of the file being read.
    pub file: AtomicU64,
}

/// Line counts by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LineCounts {
    pub total: u64,
    pub parsed: u64,
    pub skipped: u64,
    pub skipped_by_reason: BTreeMap<&'static str, u64>,
}

impl LineCounts {
    fn merge(&mut self, o: &LineCounts) {
        self.total += o.total;
        self.parsed += o.parsed;
        self.skipped += o.skipped;
        for (k, v) in &o.skipped_by_reason {
            *self.skipped_by_reason.entry(k).or_default() += v;
        }
    }
}

/// A malformed line kept for the analyst.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    pub file: String,
    pub line: u64,
    pub reason: &'static str,
    /// The line, cut to 300 characters.
    pub text: String,
}

/// What one file (or archive member) gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileSummary {
    pub name: String,
    /// The format's id (`squid` …, `custom:<name>`).
    pub format: String,
    pub confidence: f32,
    /// Bytes of log text (after decompression).
    pub bytes: u64,
    pub lines: LineCounts,
    /// Why this archive member was not read, or not to its end: the other members were.
    pub error: Option<String>,
}

/// What the reader learnt of one stream.
#[derive(Debug, Clone, Default)]
struct StreamInfo {
    name: String,
    format: String,
    confidence: f32,
    bytes: u64,
    error: Option<String>,
}

/// Everything a run produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub files: Vec<FileSummary>,
    pub lines: LineCounts,
    pub samples: Vec<Sample>,
    pub aggregate: Aggregate,
}

/// How to run. The formats are borrowed for the run: a built-in one (`&'static`) or one built
/// at run time, such as a [`CustomParser`](crate::formats::custom::CustomParser), which the
/// caller owns and drops after the run.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// `None`: detect per file.
    pub format: Option<&'a dyn Format>,
    /// Formats detection may choose from.
    pub candidates: &'a [&'a dyn Format],
    pub threads: usize,
    /// Files read from one zip archive at most ([`crate::input::MAX_ARCHIVE_MEMBERS`]).
    pub max_archive_members: usize,
}

struct Chunk<'a> {
    data: Vec<u8>,
    file: usize,
    first_line: u64,
    layout: Option<Layout>,
    format: &'a dyn Format,
    /// Time stamp for records whose format carries none (the file's modification time).
    fallback_ms: i64,
}

struct WorkerResult {
    aggregate: Aggregate,
    counts: BTreeMap<usize, LineCounts>,
    samples: Vec<(usize, u64, Reason, String)>,
    /// A chunk whose parsing panicked: file index, format, first line, panic message.
    panicked: Option<(usize, String, u64, String)>,
}

/// Parses and aggregates `files`. `cancel` stops the run at the next chunk.
pub fn run(
    files: &[PathBuf],
    options: Options<'_>,
    progress: &Progress,
    cancel: &AtomicBool,
) -> Result<Outcome, PipelineError> {
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    progress.total_file_bytes.store(total, Ordering::Relaxed);
    let threads = options.threads.max(1);
    let (work_tx, work_rx) = bounded::<Chunk>(threads * 2);
    let (pool_tx, pool_rx) = bounded::<Vec<u8>>(threads * 2 + 2);
    for _ in 0..threads * 2 + 2 {
        let _ = pool_tx.send(Vec::with_capacity(CHUNK + SAMPLE));
    }
    let names: std::sync::Mutex<Vec<StreamInfo>> = std::sync::Mutex::new(Vec::new());

    let results = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let rx = work_rx.clone();
                let pool = pool_tx.clone();
                scope.spawn(move || work(&rx, &pool, cancel))
            })
            .collect();
        drop(work_rx);
        let read = read_all(files, options, progress, cancel, &work_tx, &pool_rx, &names);
        drop(work_tx);
        let mut results = Vec::new();
        let mut lost = None;
        for w in workers {
            match w.join() {
                Ok(r) => results.push(r),
                Err(panic) => lost = Some(panic_message(panic.as_ref())),
            }
        }
        read?;
        if let Some(message) = lost {
            return Err(PipelineError::Parser {
                file: "(unknown)".into(),
                format: "(unknown)".into(),
                line: 0,
                message,
            });
        }
        Ok(results)
    })?;
    if cancel.load(Ordering::Relaxed) {
        return Err(PipelineError::Cancelled);
    }

    let names = names
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((file, format, line, message)) = results
        .iter()
        .filter_map(|r| r.panicked.clone())
        .min_by_key(|p| (p.0, p.2))
    {
        return Err(PipelineError::Parser {
            file: names.get(file).map(|n| n.name.clone()).unwrap_or_default(),
            format,
            line,
            message,
        });
    }
    let mut outcome = Outcome::default();
    let mut per_file: BTreeMap<usize, LineCounts> = BTreeMap::new();
    let mut samples = Vec::new();
    for r in results {
        outcome.aggregate.merge(r.aggregate);
        for (f, c) in r.counts {
            per_file.entry(f).or_default().merge(&c);
        }
        samples.extend(r.samples);
    }
    samples.sort_by_key(|s| (s.2, s.0, s.1));
    let mut kept: BTreeMap<Reason, usize> = BTreeMap::new();
    for (file, line, reason, text) in samples {
        let n = kept.entry(reason).or_default();
        if *n < SAMPLES_PER_REASON {
            *n += 1;
            outcome.samples.push(Sample {
                file: names.get(file).map(|n| n.name.clone()).unwrap_or_default(),
                line,
                reason: reason.as_str(),
                text,
            });
        }
    }
    for (i, info) in names.into_iter().enumerate() {
        let lines = per_file.remove(&i).unwrap_or_default();
        outcome.lines.merge(&lines);
        outcome.files.push(FileSummary {
            name: info.name,
            format: info.format,
            confidence: info.confidence,
            bytes: info.bytes,
            lines,
            error: info.error,
        });
    }
    Ok(outcome)
}

#[allow(clippy::too_many_arguments)]
fn read_all<'a>(
    files: &[PathBuf],
    options: Options<'a>,
    progress: &Progress,
    cancel: &AtomicBool,
    work: &Sender<Chunk<'a>>,
    pool: &Receiver<Vec<u8>>,
    names: &std::sync::Mutex<Vec<StreamInfo>>,
) -> Result<(), PipelineError> {
    let lock = || {
        names
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    for (n, path) in files.iter().enumerate() {
        progress.file.store(n as u64, Ordering::Relaxed);
        let fallback_ms = modified_ms(path);
        let before = progress.file_bytes.load(Ordering::Relaxed);
        let file_len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut failure: Option<PipelineError> = None;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let each = |name: &str, stream: &mut dyn Read| {
            let index = {
                let mut names = lock();
                names.push(StreamInfo {
                    name: name.to_owned(),
                    ..StreamInfo::default()
                });
                names.len() - 1
            };
            match read_stream(
                name,
                stream,
                index,
                options,
                progress,
                cancel,
                work,
                pool,
                fallback_ms,
            ) {
                Ok((format, confidence, bytes)) => {
                    let info = &mut lock()[index];
                    info.format = format.to_owned();
                    info.confidence = confidence;
                    info.bytes = bytes;
                    Ok(())
                }
                // An archive member that cannot be read (or whose format is unknown, such as
                // a README beside the logs) is reported, and the other members are read.
                Err(e) if name != file_name && !matches!(e, PipelineError::Cancelled) => {
                    lock()[index].error = Some(e.to_string());
                    Ok(())
                }
                Err(e) => {
                    failure = Some(e);
                    Ok(())
                }
            }
        };
        let bad_member = |name: &str, e: InputError| {
            lock().push(StreamInfo {
                name: name.to_owned(),
                error: Some(e.to_string()),
                ..StreamInfo::default()
            });
        };
        for_each_stream(
            path,
            Some(&progress.file_bytes),
            options.max_archive_members,
            each,
            bad_member,
        )?;
        progress
            .file_bytes
            .store(before + file_len, Ordering::Relaxed);
        if let Some(e) = failure {
            return Err(e);
        }
        if cancel.load(Ordering::Relaxed) {
            return Err(PipelineError::Cancelled);
        }
    }
    Ok(())
}

fn modified_ms(path: &Path) -> i64 {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(0))
        .unwrap_or(0)
}

/// Reads one stream into chunks; returns its format, confidence and byte count.
#[allow(clippy::too_many_arguments)]
fn read_stream<'a>(
    name: &str,
    stream: &mut dyn Read,
    file: usize,
    options: Options<'a>,
    progress: &Progress,
    cancel: &AtomicBool,
    work: &Sender<Chunk<'a>>,
    pool: &Receiver<Vec<u8>>,
    fallback_ms: i64,
) -> Result<(&'a str, f32, u64), PipelineError> {
    let io = |source: std::io::Error| {
        PipelineError::Input(InputError::Io {
            path: name.to_owned(),
            source,
        })
    };
    let mut buf = pool.recv().unwrap_or_default();
    buf.clear();
    fill(stream, &mut buf, SAMPLE).map_err(io)?;
    let (format, confidence) = match options.format {
        Some(f) => (f, 1.0),
        None => match detect(&buf, options.candidates) {
            Some(d) => (d.format, d.confidence),
            None if buf.trim_ascii().is_empty() => (options.candidates[0], 0.0),
            None => {
                return Err(PipelineError::UnknownFormat {
                    file: name.to_owned(),
                })
            }
        },
    };
    let headers = format.header(b"#Fields: date").is_some();
    let mut layout: Option<Layout> = None;
    let mut line_no: u64 = 1;
    let mut bytes: u64 = 0;
    let mut carry: Vec<u8> = Vec::new();
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(PipelineError::Cancelled);
        }
        let eof = fill(stream, &mut buf, CHUNK).map_err(io)?;
        // Cut at the last line break; the tail goes to the next chunk.
        let cut = if eof {
            buf.len()
        } else {
            memchr::memrchr(b'\n', &buf).map_or(buf.len(), |p| p + 1)
        };
        carry.clear();
        carry.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        bytes += buf.len() as u64;
        progress
            .bytes
            .fetch_add(buf.len() as u64, Ordering::Relaxed);
        let lines = memchr::memchr_iter(b'\n', &buf).count() as u64
            + u64::from(!buf.is_empty() && buf.last() != Some(&b'\n'));
        progress.lines.fetch_add(lines, Ordering::Relaxed);
        let start_layout = layout.clone();
        if headers {
            if let Some(h) = last_header(&buf).and_then(|l| format.header(l)) {
                layout = Some(h);
            }
        }
        if !buf.is_empty() {
            let chunk = Chunk {
                data: std::mem::take(&mut buf),
                file,
                first_line: line_no,
                layout: start_layout,
                format,
                fallback_ms,
            };
            if work.send(chunk).is_err() {
                return Err(PipelineError::Cancelled);
            }
        }
        line_no += lines;
        if eof {
            // At the end the whole rest was sent, last line with or without a line break.
            break;
        }
        buf = pool.recv().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(&carry);
    }
    Ok((format.id(), confidence, bytes))
}

/// Reads until `buf` holds `target` bytes or the stream ends; `true` at end of stream. Reads
/// straight into the buffer's spare capacity (no intermediate copy).
fn fill(stream: &mut dyn Read, buf: &mut Vec<u8>, target: usize) -> std::io::Result<bool> {
    while buf.len() < target {
        let want = (target - buf.len()) as u64;
        let before = buf.len();
        match stream.take(want).read_to_end(buf) {
            Ok(0) => return Ok(true),
            Ok(_) if buf.len() > before => {}
            Ok(_) => return Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// The last `#Fields:` line of a chunk.
fn last_header(buf: &[u8]) -> Option<&[u8]> {
    let p = memchr::memmem::rfind(buf, b"#Fields:")?;
    if p > 0 && buf[p - 1] != b'\n' {
        return None;
    }
    let end = memchr::memchr(b'\n', &buf[p..]).map_or(buf.len(), |e| p + e);
    Some(buf[p..end].strip_suffix(b"\r").unwrap_or(&buf[p..end]))
}

fn work(rx: &Receiver<Chunk<'_>>, pool: &Sender<Vec<u8>>, cancel: &AtomicBool) -> WorkerResult {
    let mut result = WorkerResult {
        aggregate: Aggregate::default(),
        counts: BTreeMap::new(),
        samples: Vec::new(),
        panicked: None,
    };
    let mut kept: BTreeMap<Reason, usize> = BTreeMap::new();
    for chunk in rx {
        if cancel.load(Ordering::Relaxed) || result.panicked.is_some() {
            let _ = pool.send(chunk.data);
            continue;
        }
        // A parser that panics on a line is a bug; the run fails with the file named instead
        // of losing this worker's results without a word.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            parse_chunk(&chunk, &mut result, &mut kept);
        }));
        if let Err(panic) = outcome {
            result.panicked = Some((
                chunk.file,
                chunk.format.id().to_owned(),
                chunk.first_line,
                panic_message(panic.as_ref()),
            ));
        }
        let _ = pool.send(chunk.data);
    }
    result
}

/// The text a panic carried.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned())
}

/// Parses one chunk's lines into the worker's result.
fn parse_chunk(chunk: &Chunk<'_>, result: &mut WorkerResult, kept: &mut BTreeMap<Reason, usize>) {
    {
        let counts = result.counts.entry(chunk.file).or_default();
        let mut layout = chunk.layout.clone();
        let header_lines = chunk.format.header_lines();
        let mut line_no = chunk.first_line;
        let data = &chunk.data;
        let mut start = 0;
        while start < data.len() {
            let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |p| start + p);
            let raw = &data[start..end];
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            start = end + 1;
            counts.total += 1;
            if line.first() == Some(&b'#') {
                if let Some(l) = chunk.format.header(line) {
                    layout = Some(l);
                }
            }
            let parsed = if line_no <= header_lines {
                Parsed::Skip(Reason::Header)
            } else {
                chunk.format.parse(line, layout.as_ref())
            };
            match parsed {
                Parsed::Record(mut r) => {
                    if r.timestamp_ms == i64::MIN {
                        r.timestamp_ms = chunk.fallback_ms;
                    }
                    counts.parsed += 1;
                    result.aggregate.add(&r);
                }
                Parsed::Skip(reason) => {
                    counts.skipped += 1;
                    *counts.skipped_by_reason.entry(reason.as_str()).or_default() += 1;
                    let n = kept.entry(reason).or_default();
                    if reason.is_malformed() && *n < SAMPLES_PER_REASON {
                        *n += 1;
                        let text: String = String::from_utf8_lossy(line)
                            .chars()
                            .take(300)
                            // A binary line must not garble the analyst's terminal.
                            .map(|c| if c.is_control() && c != '\t' { '·' } else { c })
                            .collect();
                        result.samples.push((chunk.file, line_no, reason, text));
                    }
                }
            }
            line_no += 1;
        }
    }
}
