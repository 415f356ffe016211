//! IP look-ups per second on the bundled database.
//!
//! `cargo bench -p cloudwarden-ipintel --bench lookup` — three inputs of 2 M addresses:
//! a realistic mix (sign-ins come from a few thousand networks whose popularity falls off
//! with rank, 85 % IPv4, 15 % IPv6), and two worst cases that defeat the CPU caches:
//! uniformly random IPv4 and IPv6 addresses across the whole database.

use std::hint::black_box;
use std::net::IpAddr;
use std::time::Instant;

use cloudwarden_ipintel::{v4, v6, IpIntel};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A rank in `0..n` with Zipf-like popularity (s ≈ 1).
    fn zipf(&mut self, n: u64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) as u64).saturating_sub(1).min(n - 1)
    }
}

fn run(name: &str, db: &IpIntel, ips: &[IpAddr]) {
    let start = Instant::now();
    let mut found = 0usize;
    for _ in 0..3 {
        for ip in ips {
            let info = db.lookup(black_box(*ip));
            found += usize::from(info.country.is_some()) + usize::from(info.asn.is_some());
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let n = ips.len() * 3;
    println!(
        "{name:<44} {:>7.2} M look-ups/s  ({:.0} ns each; {:.0} % answered)",
        n as f64 / secs / 1e6,
        secs * 1e9 / n as f64,
        found as f64 * 50.0 / n as f64
    );
}

fn main() {
    let t = Instant::now();
    let db = IpIntel::bundled();
    println!(
        "load (decompress + parse): {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let (c4, c6, a4, a6, names) = db.counts();
    println!("ranges: {c4} + {c6} country, {a4} + {a6} AS, {names} AS names");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    const N: usize = 2_000_000;
    // 20,000 networks seen in a tenant's sign-ins, each a random public /24 or /48.
    let nets4: Vec<u32> = (0..20_000)
        .map(|_| (rng.next() as u32) & 0xffff_ff00)
        .collect();
    let nets6: Vec<u128> = (0..5_000)
        .map(|_| (0x2000u128 << 112) | (u128::from(rng.next() as u32) << 80))
        .collect();
    let mixed: Vec<IpAddr> = (0..N)
        .map(|_| {
            if rng.next() % 100 < 85 {
                v4(nets4[rng.zipf(nets4.len() as u64) as usize] | (rng.next() as u32 & 0xff))
            } else {
                v6(nets6[rng.zipf(nets6.len() as u64) as usize] | u128::from(rng.next() as u16))
            }
        })
        .collect();
    let rand4: Vec<IpAddr> = (0..N).map(|_| v4(rng.next() as u32)).collect();
    let rand6: Vec<IpAddr> = (0..N)
        .map(|_| v6((0x2000u128 << 112) | (u128::from(rng.next()) << 48)))
        .collect();
    run("realistic: Zipf over 25k networks, 15 % v6", db, &mixed);
    run("worst case: uniform random IPv4", db, &rand4);
    run("worst case: uniform random IPv6 (2000::/3)", db, &rand6);
}
