//! Countries as places: a representative point per ISO 3166-1 alpha-2 code
//! (`data/country-centroids.tsv`, see `data/SOURCES.md`) and great-circle distances.

use std::collections::HashMap;
use std::sync::OnceLock;

const CENTROIDS: &str = include_str!("../../data/country-centroids.tsv");

/// A country's point and English name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Country {
    pub lat: f64,
    pub lon: f64,
    pub name: &'static str,
}

fn table() -> &'static HashMap<&'static str, Country> {
    static TABLE: OnceLock<HashMap<&'static str, Country>> = OnceLock::new();
    TABLE.get_or_init(|| {
        CENTROIDS
            .lines()
            .filter_map(|line| {
                let mut f = line.split('\t');
                let code = f.next()?;
                let lat = f.next()?.parse().ok()?;
                let lon = f.next()?.parse().ok()?;
                let name = f.next()?;
                Some((code, Country { lat, lon, name }))
            })
            .collect()
    })
}

/// The country of an ISO 3166-1 alpha-2 code.
pub fn country(code: &str) -> Option<Country> {
    table().get(code).copied()
}

/// "Germany (DE)", or the code alone when unknown.
pub fn country_label(code: &str) -> String {
    match country(code) {
        Some(c) => format!("{} ({code})", c.name),
        None => code.to_owned(),
    }
}

/// Great-circle distance in kilometres between two countries' points (haversine).
pub fn distance_km(a: &str, b: &str) -> Option<f64> {
    let (a, b) = (country(a)?, country(b)?);
    const R: f64 = 6371.0;
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    Some(2.0 * R * h.sqrt().min(1.0).asin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_country_has_a_point_and_distances_are_plausible() {
        assert_eq!(table().len(), 249);
        assert_eq!(country_label("DE"), "Germany (DE)");
        let d = distance_km("US", "AU").unwrap_or_default();
        assert!((14_000.0..16_500.0).contains(&d), "US–AU {d}");
        let d = distance_km("FR", "DE").unwrap_or_default();
        assert!((500.0..1_000.0).contains(&d), "FR–DE {d}");
        assert_eq!(distance_km("FR", "FR"), Some(0.0));
        assert_eq!(distance_km("FR", "XX"), None);
    }
}
