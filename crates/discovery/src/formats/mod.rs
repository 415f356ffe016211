//! One parser per log format. Each is a pure function from a line (bytes) to a [`Parsed`]
//! record or the reason there is none; header-driven formats (W3C, ProxySG ELFF) read their
//! column layout from `#Fields:` lines through [`Layout`].

use std::sync::Arc;

use crate::record::Parsed;

pub mod barracuda;
pub mod cef;
pub mod checkpoint;
pub mod cisco_asa;
pub mod cisco_firepower;
pub mod cisco_meraki;
pub mod cisco_umbrella;
pub mod custom;
pub mod forcepoint;
pub mod fortigate;
pub mod iboss;
pub mod juniper_srx;
pub mod leef;
pub mod mcafee_swg;
pub mod menlo;
pub mod netskope;
pub mod paloalto;
pub mod sophos;
pub mod squid;
pub mod squid_common;
pub mod w3c;
pub mod zscaler;

/// Column names from a `#Fields:` header, shared by the lines that follow it, with the
/// column of each role the format needs (computed once per header, not per line).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    pub columns: Arc<Vec<String>>,
    pub roles: Arc<Vec<Option<usize>>>,
}

impl Layout {
    pub fn new(columns: Vec<String>) -> Layout {
        Layout {
            columns: Arc::new(columns),
            roles: Arc::new(Vec::new()),
        }
    }

    /// The layout with `roles[i]` = the column of the first name in `roles_names[i]`.
    pub fn with_roles(mut self, roles_names: &[&[&str]]) -> Layout {
        let roles = roles_names.iter().map(|names| self.index(names)).collect();
        self.roles = Arc::new(roles);
        self
    }

    /// Index of the first of `names` that is a column.
    pub fn index(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.columns.iter().position(|c| c.eq_ignore_ascii_case(n)))
    }
}

/// A log format: a built-in one (a `'static` unit struct) or an analyst's [`custom`] mapping
/// built at run time.
pub trait Format: Send + Sync {
    /// Stable id (`squid`, `paloalto` …, `custom:<name>`) used by the CLI and stored with uploads.
    fn id(&self) -> &str;
    fn name(&self) -> &str;
    fn vendor(&self) -> &str;

    /// Parses one line (without its line break). `layout` is the last `#Fields:` header seen
    /// in this file, for formats that have one.
    fn parse<'a>(&self, line: &'a [u8], layout: Option<&Layout>) -> Parsed<'a>;

    /// A header line that sets the column layout of the lines after it.
    fn header(&self, _line: &[u8]) -> Option<Layout> {
        None
    }

    /// How many lines at the start of every file (or archive member) are column names, not
    /// events: the pipeline counts them as [`Reason::Header`](crate::record::Reason::Header)
    /// without parsing them. Only custom CSV mappings have any.
    fn header_lines(&self) -> u64 {
        0
    }

    /// How sure (0–1) this format is that `line` is one of its lines. Detection sums this over
    /// the first lines of a file; parsing success counts too.
    fn sniff(&self, line: &[u8]) -> f32;
}

/// Every built-in format, in the order detection tries them.
pub fn all() -> Vec<&'static dyn Format> {
    vec![
        &squid::Squid,
        &squid_common::SquidCommon,
        &w3c::BLUECOAT,
        &w3c::W3C,
        &fortigate::Fortigate,
        &paloalto::PaloAlto,
        &zscaler::Zscaler,
        &cisco_asa::CiscoAsa,
        &cisco_firepower::CiscoFirepower,
        &checkpoint::CheckPoint,
        &juniper_srx::JuniperSrx,
        &sophos::Sophos,
        &cisco_umbrella::CiscoUmbrella,
        &cisco_meraki::CiscoMeraki,
        &forcepoint::Forcepoint,
        &menlo::Menlo,
        &netskope::Netskope,
        &barracuda::Barracuda,
        &mcafee_swg::McafeeSwg,
        // Before the generic CEF reader: an iboss CEF line is read with iboss' own keys.
        &iboss::Iboss,
        &cef::Cef,
        &leef::Leef,
    ]
}

/// The built-in format with this id.
pub fn by_id(id: &str) -> Option<&'static dyn Format> {
    all().into_iter().find(|f| f.id() == id)
}
