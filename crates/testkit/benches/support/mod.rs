//! What the benches share: a runtime of its own for the fake server, so that the CPU time
//! the server spends can be told apart from the client's (which parses every page into a
//! `serde_json::Value`, and costs as much as the server or more).

use std::time::{Duration, Instant};

/// The name of the server runtime's worker threads.
pub const SERVER_THREAD: &str = "fake-server";

/// A runtime with two worker threads named [`SERVER_THREAD`], for the fake server.
pub fn server_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(SERVER_THREAD)
        .enable_all()
        .build()
        .expect("server runtime")
}

/// CPU time so far of this process's [`SERVER_THREAD`] threads (Linux; zero elsewhere), from
/// the first field of `/proc/self/task/*/schedstat` (nanoseconds on a CPU).
pub fn server_cpu() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let mut ns = 0u64;
    for t in tasks.flatten() {
        let p = t.path();
        let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
        if comm.trim_end() != SERVER_THREAD {
            continue;
        }
        let stat = std::fs::read_to_string(p.join("schedstat")).unwrap_or_default();
        ns += stat
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Duration::from_nanos(ns)
}

/// A phase being measured: wall time, and the server's CPU time.
pub struct Phase {
    wall: Instant,
    cpu: Duration,
}

impl Phase {
    pub fn start() -> Phase {
        Phase {
            wall: Instant::now(),
            cpu: server_cpu(),
        }
    }

    /// One line: items, pages, seconds, pages per second, and the server's CPU time in
    /// total and per item.
    pub fn report(&self, what: &str, items: usize, pages: usize) {
        let s = self.wall.elapsed().as_secs_f64();
        let cpu = server_cpu().saturating_sub(self.cpu).as_secs_f64();
        println!(
            "{what:<32} {items:>8} items {pages:>6} pages {s:>7.2} s {:>7.0} pages/s \
             | server {cpu:>6.2} s CPU {:>7.2} µs/item",
            pages as f64 / s.max(1e-9),
            cpu * 1e6 / (items.max(1) as f64),
        );
    }
}
