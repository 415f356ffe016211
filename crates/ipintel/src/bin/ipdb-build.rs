//! Converts the ip-location-db packages into the bundled IP database.
//!
//! `ipdb-build COUNTRY_PACKAGE_DIR ASN_PACKAGE_DIR OUT` — the directories are the unpacked
//! npm packages `@ip-location-db/geo-whois-asn-country` and `@ip-location-db/asn`
//! (`make ip-data` fetches them from the npm registry).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use cloudwarden_ipintel::IpIntel;

fn version(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("package.json")).unwrap_or_default();
    // `"version": "2.3.2026061719"` — no JSON parser needed for one field.
    text.split("\"version\"")
        .nth(1)
        .and_then(|rest| rest.split('"').nth(1))
        .unwrap_or("unknown")
        .to_owned()
}

fn open(dir: &Path, name: &str) -> Result<File, String> {
    File::open(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
}

fn run() -> Result<(), String> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [country, asn, out] = args.as_slice() else {
        return Err("usage: ipdb-build COUNTRY_PACKAGE_DIR ASN_PACKAGE_DIR OUT".into());
    };
    let mut c4 = open(country, "geo-whois-asn-country-ipv4.csv")?;
    let mut c6 = open(country, "geo-whois-asn-country-ipv6.csv")?;
    let mut a4 = open(asn, "asn-ipv4.csv")?;
    let mut a6 = open(asn, "asn-ipv6.csv")?;
    let meta = format!(
        "country=@ip-location-db/geo-whois-asn-country@{} (CC0-1.0)\n\
         asn=@ip-location-db/asn@{} (CC-BY-4.0: RouteViews, DB-IP, NRO)\n",
        version(country),
        version(asn)
    );
    let db = IpIntel::from_csv(
        &mut [
            ("geo-whois-asn-country-ipv4.csv", &mut c4 as &mut dyn Read),
            ("geo-whois-asn-country-ipv6.csv", &mut c6),
        ],
        &mut [("asn-ipv4.csv", &mut a4), ("asn-ipv6.csv", &mut a6)],
        meta,
    )
    .map_err(|e| e.to_string())?;
    let packed = db.to_compressed().map_err(|e| e.to_string())?;
    std::fs::write(out, &packed).map_err(|e| format!("{}: {e}", out.display()))?;
    let (c4, c6, a4, a6, names) = db.counts();
    println!(
        "{}: {} bytes; ranges: {c4} IPv4 and {c6} IPv6 countries, {a4} IPv4 and {a6} IPv6 AS; {names} AS names\n{}",
        out.display(),
        packed.len(),
        db.meta.trim_end()
    );
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("ipdb-build: {e}");
        std::process::exit(1);
    }
}
