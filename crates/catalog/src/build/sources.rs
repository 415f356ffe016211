//! The data sets the catalog is built from, pinned as in `shared/catalog-sources/SOURCES.md`.

use crate::model::Source;

struct Pin {
    id: &'static str,
    name: &'static str,
    license: &'static str,
    url: &'static str,
    commit: &'static str,
    as_of: &'static str,
    attribution: &'static str,
}

const PINS: &[Pin] = &[
    Pin { id: "2fa-directory", name: "2FA Directory (2fa.directory)", license: "MIT", url: "https://github.com/2factorauth/twofactorauth", commit: "f3ac2ab71c6fe4857a4ad1ef039d2a4eaf1a342c", as_of: "2026-08-04", attribution: "2FA Directory, © 2factorauth contributors, MIT licence" },
    Pin { id: "passkeys-directory", name: "Passkeys Directory (passkeys.2fa.directory)", license: "CC-BY-4.0", url: "https://github.com/2factorauth/passkeys", commit: "4b68cbc2ee687f1557ef5cac8c5b810e0464c511", as_of: "2026-08-04", attribution: "Passkeys Directory by 2factorauth, licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); entries merged into the catalog" },
    Pin { id: "sso-wall-of-shame", name: "The SSO Wall of Shame (sso.tax)", license: "Apache-2.0", url: "https://github.com/robchahin/sso-wall-of-shame", commit: "5fd10cf979b1f635293ff2d895c067882da0aace", as_of: "2026-06-16", attribution: "The SSO Wall of Shame, © Rob Chahin and contributors, Apache License 2.0" },
    Pin { id: "public-suffix-list", name: "Public Suffix List", license: "MPL-2.0", url: "https://github.com/publicsuffix/list", commit: "e8c9a2b2b2856b6449999dd0ec0d118f364ed0cd", as_of: "2026-08-19", attribution: "Public Suffix List, Mozilla Public License 2.0; shipped unmodified as data/public_suffix_list.dat" },
    Pin { id: "v2fly", name: "v2fly domain-list-community", license: "MIT", url: "https://github.com/v2fly/domain-list-community", commit: "c975ccef9c19f005a3bfa7a33255d1b406deea64", as_of: "2026-08-19", attribution: "v2fly/domain-list-community, © V2Fly Community, MIT licence" },
    Pin { id: "hsts-preload", name: "Chromium HSTS preload list", license: "BSD-3-Clause", url: "https://github.com/sethmlarson/hstspreload", commit: "hstspreload 2025.1.1", as_of: "2025-01-01", attribution: "HSTS preload list, © The Chromium Authors, BSD 3-Clause licence (via the hstspreload package, © Seth Michael Larson, BSD 3-Clause)" },
    Pin { id: "diodb", name: "disclose.io diodb", license: "CC0-1.0", url: "https://github.com/disclose/diodb", commit: "44351eee15f066587443d8f4f20f02f1d3d43578", as_of: "2026-07-12", attribution: "disclose.io diodb, CC0 1.0" },
    Pin { id: "public-bugbounty-programs", name: "ProjectDiscovery public bug bounty programs", license: "MIT", url: "https://github.com/projectdiscovery/public-bugbounty-programs", commit: "2e974cb77a6fba9d92f14a9d50f7bd392da61aee", as_of: "2026-07-20", attribution: "public-bugbounty-programs, © ProjectDiscovery, MIT licence" },
    Pin { id: "hibp", name: "Have I Been Pwned breach list", license: "CC-BY-4.0", url: "https://haveibeenpwned.com", commit: "5ad7a1c40b517e10a5d4e34c0ffe69dab071709f", as_of: "2025-03-15", attribution: "Breach data from Have I Been Pwned (https://haveibeenpwned.com), licensed CC BY 4.0" },
    Pin { id: "fedramp-marketplace", name: "FedRAMP Marketplace", license: "CC0-1.0", url: "https://github.com/18F/fedramp-data", commit: "a93b4ed4310b302d31d56eb020ab1f0f4231abfd", as_of: "2026-08-22", attribution: "FedRAMP Marketplace data, US Government work (public domain) and CC0 1.0" },
    Pin { id: "apple-password-manager-resources", name: "Apple Password Manager Resources", license: "MIT", url: "https://github.com/apple/password-manager-resources", commit: "96cbab74681dcc296cae6fb205c4b047bc026c22", as_of: "2026-08-22", attribution: "Password Manager Resources, © Apple Inc., MIT licence" },
    Pin { id: "wappalyzer-mit", name: "Wappalyzer technologies (last MIT revision)", license: "MIT", url: "https://github.com/HTTPArchive/wappalyzer", commit: "aff18efafa0768504118b4a11424555602dcfebe", as_of: "2023-01-24", attribution: "Wappalyzer, © Elbert Alias, MIT licence (revision of 2023-01-24)" },
    Pin { id: "trustlists", name: "TrustLists", license: "Apache-2.0", url: "https://github.com/trustlists/TrustLists", commit: "be03d9c88cb8086412ee7005b0ede159721375d9", as_of: "2025-10-29", attribution: "TrustLists, Apache License 2.0" },
    Pin { id: "awesome-generative-ai", name: "Awesome Generative AI", license: "CC0-1.0", url: "https://github.com/steven2358/awesome-generative-ai", commit: "63d863418c0a6db3db92cacf150a72f76933e15c", as_of: "2026-08-03", attribution: "Awesome Generative AI by Steven van de Graaf, CC0 1.0" },
    Pin { id: "cloudwarden-curated", name: "Cloudwarden curated domains", license: "Apache-2.0", url: "https://github.com/cloudwarden/cloudwarden/tree/main/crates/catalog/curated", commit: "", as_of: "2026-11-28", attribution: "Cloudwarden contributors, Apache License 2.0" },
];

pub const TWOFA: &str = "2fa-directory";
pub const PASSKEYS: &str = "passkeys-directory";
pub const SSO_TAX: &str = "sso-wall-of-shame";
pub const V2FLY: &str = "v2fly";
pub const HSTS: &str = "hsts-preload";
pub const DIODB: &str = "diodb";
pub const BUGBOUNTY: &str = "public-bugbounty-programs";
pub const HIBP: &str = "hibp";
pub const FEDRAMP: &str = "fedramp-marketplace";
pub const APPLE: &str = "apple-password-manager-resources";
pub const WAPPALYZER: &str = "wappalyzer-mit";
pub const TRUSTLISTS: &str = "trustlists";
pub const GENAI: &str = "awesome-generative-ai";
pub const CURATED: &str = "cloudwarden-curated";

/// Metadata of every source.
pub fn all() -> Vec<Source> {
    PINS.iter()
        .map(|p| Source {
            id: p.id.into(),
            name: p.name.into(),
            license: p.license.into(),
            url: p.url.into(),
            commit: p.commit.into(),
            as_of: p.as_of.into(),
            attribution: p.attribution.into(),
        })
        .collect()
}

/// The `as_of` date of source `id`.
pub fn as_of(id: &str) -> &'static str {
    PINS.iter()
        .find(|p| p.id == id)
        .map(|p| p.as_of)
        .unwrap_or("")
}
