//! The risk score, computed the way Defender for Cloud Apps documents it: each factor 0–10,
//! a weighted average inside each group (General / Security / Compliance / Legal), then a
//! weighted average of the groups. Weights Ignored/Low/Medium/High/Very high = 0/1/2/4/8.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::factors::{self, Group, Scoring, Weight, FACTORS};
use crate::model::App;

/// What an unknown factor counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownPolicy {
    /// Unknown neither helps nor hurts (default).
    #[default]
    Ignore,
    /// Unknown counts as 0 (Defender's "N/A values" switch).
    CountAsZero,
}

/// The analyst's score metric (Settings → Score metric).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreSettings {
    /// Weight per factor id; a factor not listed keeps its default weight.
    #[serde(default)]
    pub factor_weights: BTreeMap<String, Weight>,
    /// Weight per group; a group not listed keeps its default weight.
    #[serde(default)]
    pub group_weights: BTreeMap<Group, Weight>,
    #[serde(default)]
    pub unknown: UnknownPolicy,
    /// Below this share of the weighted factors known, an app shows "not enough data".
    #[serde(default = "default_min_coverage")]
    pub min_coverage: f64,
    /// Groups no data source of the catalog assesses for any app (not a setting: set from the
    /// catalog by [`not_assessed`]). They are left out of the weighting and the coverage, and
    /// shown as "not assessed" instead of empty weights.
    #[serde(skip)]
    pub not_assessed: Vec<Group>,
}

/// The groups for which no app of `apps` has a single known factor.
pub fn not_assessed<'a>(apps: impl IntoIterator<Item = &'a App>) -> Vec<Group> {
    let mut seen = [false; 4];
    for app in apps {
        for id in app.factors.keys() {
            if let Some(def) = factors::def(id) {
                if def.scoring != Scoring::Info {
                    if let Some(k) = Group::ALL.iter().position(|g| *g == def.group) {
                        seen[k] = true;
                    }
                }
            }
        }
        if seen.iter().all(|s| *s) {
            break;
        }
    }
    Group::ALL
        .iter()
        .zip(seen)
        .filter(|(_, s)| !s)
        .map(|(g, _)| *g)
        .collect()
}

fn default_min_coverage() -> f64 {
    0.10
}

impl Default for ScoreSettings {
    fn default() -> Self {
        ScoreSettings {
            factor_weights: BTreeMap::new(),
            group_weights: BTreeMap::new(),
            unknown: UnknownPolicy::Ignore,
            min_coverage: default_min_coverage(),
            not_assessed: Vec::new(),
        }
    }
}

impl ScoreSettings {
    pub fn factor_weight(&self, id: &str) -> Weight {
        self.factor_weights
            .get(id)
            .copied()
            .or_else(|| factors::def(id).map(|d| d.weight))
            .unwrap_or(Weight::Ignored)
    }

    pub fn group_weight(&self, group: Group) -> Weight {
        self.group_weights
            .get(&group)
            .copied()
            .unwrap_or_else(|| default_group_weight(group))
    }
}

/// Default group weights: security matters most.
pub fn default_group_weight(group: Group) -> Weight {
    match group {
        Group::General => Weight::Medium,
        Group::Security => Weight::VeryHigh,
        Group::Compliance => Weight::High,
        Group::Legal => Weight::High,
    }
}

/// A computed score with its breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// 0–10 (10 = least risky); `None` = not enough data.
    pub value: Option<f64>,
    /// Share (0–1) of the weighted factors whose value is known.
    pub coverage: f64,
    pub groups: Vec<GroupScore>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupScore {
    pub group: Group,
    /// `false` when no source assesses the group: it does not count at all.
    pub assessed: bool,
    /// `None` when no factor of the group counted.
    pub value: Option<f64>,
    pub coverage: f64,
    pub known: u32,
    pub total: u32,
}

/// Scores `app` with `settings`; `today` (`YYYY-MM-DD`) dates recency factors.
pub fn score(app: &App, settings: &ScoreSettings, today: &str) -> Score {
    let mut groups = Vec::with_capacity(4);
    let (mut total_num, mut total_den) = (0.0, 0.0);
    let (mut known_weight, mut all_weight) = (0.0, 0.0);
    for group in Group::ALL {
        if settings.not_assessed.contains(&group) {
            groups.push(GroupScore {
                group,
                assessed: false,
                value: None,
                coverage: 0.0,
                known: 0,
                total: 0,
            });
            continue;
        }
        let gw = settings.group_weight(group).factor();
        let (mut num, mut den) = (0.0, 0.0);
        let (mut g_known_w, mut g_all_w) = (0.0, 0.0);
        let (mut known, mut total) = (0u32, 0u32);
        for def in FACTORS
            .iter()
            .filter(|f| f.group == group && f.scoring != Scoring::Info)
        {
            let w = settings.factor_weight(def.id).factor();
            if w == 0.0 {
                continue;
            }
            total += 1;
            g_all_w += w;
            let s = app
                .factors
                .get(def.id)
                .and_then(|v| factors::score(def, &v.value, today));
            match (s, settings.unknown) {
                (Some(s), _) => {
                    known += 1;
                    g_known_w += w;
                    num += w * s;
                    den += w;
                }
                (None, UnknownPolicy::CountAsZero) => den += w,
                (None, UnknownPolicy::Ignore) => {}
            }
        }
        let value = (den > 0.0).then(|| num / den);
        if let Some(v) = value {
            if gw > 0.0 {
                total_num += gw * v;
                total_den += gw;
            }
        }
        known_weight += gw * g_known_w;
        all_weight += gw * g_all_w;
        groups.push(GroupScore {
            group,
            assessed: true,
            value,
            coverage: ratio(g_known_w, g_all_w),
            known,
            total,
        });
    }
    let coverage = ratio(known_weight, all_weight);
    let value = (total_den > 0.0 && coverage >= settings.min_coverage && known_weight > 0.0)
        .then(|| total_num / total_den);
    Score {
        value,
        coverage,
        groups,
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}
