//! The effective Cloud App Catalog: the built-in catalog with the analyst's custom and edited
//! apps on top, the matcher over both, and scores under the analyst's score metric.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use cloudwarden_catalog::factors::{self, FactorDef, Group, Scoring, FACTORS};
use cloudwarden_catalog::model::{
    self, App, CategoryRef, DomainRole, DomainRule, FactorValue, MatchKind, Method, Sourced, Value,
};
use cloudwarden_catalog::score::{self, Score, ScoreSettings, UnknownPolicy};
use cloudwarden_catalog::{categories, Catalog, Matcher, Source};

use crate::backend::{CustomAppRow, OverrideRow};
use crate::domain::catalog::*;
use crate::{Error, Result};

/// Source id of analyst-entered values.
pub const ANALYST_SOURCE: &str = "analyst";

/// The catalog as the analyst sees it, rebuilt whenever custom apps, overrides or the score
/// metric change.
#[derive(Debug)]
pub struct Effective {
    share_alike_overlay: bool,
    apps: Vec<App>,
    by_id: HashMap<String, usize>,
    custom: HashSet<String>,
    builtin_ids: HashSet<String>,
    matcher: Matcher,
    settings: ScoreSettings,
    scores: Vec<Score>,
    overrides: HashMap<String, OverrideRow>,
    sources: Vec<Source>,
}

impl Effective {
    pub fn build(
        custom_rows: &[CustomAppRow],
        override_rows: Vec<OverrideRow>,
        settings: ScoreSettings,
        share_alike_overlay: bool,
        today: &str,
    ) -> Result<Effective> {
        let builtin = Catalog::builtin().map_err(Error::Validation)?;
        let mut apps = builtin.apps.clone();
        let mut sources = builtin.sources.clone();
        if share_alike_overlay {
            let overlay = Catalog::probo_overlay().map_err(Error::Validation)?;
            for app in &mut apps {
                for (id, value) in overlay.factors.get(&app.id).into_iter().flatten() {
                    app.factors
                        .entry(id.clone())
                        .or_insert_with(|| value.clone());
                }
            }
            sources.push(overlay.source);
        }
        let mut by_id: HashMap<String, usize> = apps
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.clone(), i))
            .collect();
        let builtin_ids: HashSet<String> = by_id.keys().cloned().collect();
        let mut custom = HashSet::new();
        let mut custom_apps = Vec::new();
        for row in custom_rows {
            let app: App = serde_json::from_str(&row.app_json).map_err(|e| {
                Error::Validation(format!(
                    "stored custom app {} is unreadable: {e}",
                    row.app_id
                ))
            })?;
            custom.insert(app.id.clone());
            custom_apps.push(app);
        }
        // Edited built-ins leave the list; every custom app goes last so its domains win.
        let replaced: HashSet<&str> = custom_apps.iter().map(|a| a.id.as_str()).collect();
        apps.retain(|a| !replaced.contains(a.id.as_str()));
        apps.extend(custom_apps);
        by_id.clear();
        by_id.extend(apps.iter().enumerate().map(|(i, a)| (a.id.clone(), i)));
        let matcher = Matcher::new(
            &apps,
            cloudwarden_catalog::PUBLIC_SUFFIX_LIST,
            &builtin.shared,
        )
        .map_err(Error::Validation)?;
        let mut settings = settings;
        settings.not_assessed = score::not_assessed(&apps);
        let scores = apps
            .iter()
            .map(|a| score::score(a, &settings, today))
            .collect();
        sources.push(Source {
            id: ANALYST_SOURCE.into(),
            name: "Analyst".into(),
            license: "—".into(),
            url: String::new(),
            commit: String::new(),
            as_of: today.into(),
            attribution: "Entered by an analyst of this installation, with a citation".into(),
        });
        Ok(Effective {
            share_alike_overlay,
            apps,
            by_id,
            custom,
            builtin_ids,
            matcher,
            settings,
            scores,
            overrides: override_rows
                .into_iter()
                .map(|o| (o.app_id.clone(), o))
                .collect(),
            sources,
        })
    }

    pub fn app(&self, id: &str) -> Option<&App> {
        self.by_id.get(id).map(|&i| &self.apps[i])
    }

    pub fn apps(&self) -> &[App] {
        &self.apps
    }

    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// The displayed score of app `i`: the override, else the computed score (1 decimal).
    pub fn score_of(&self, i: usize) -> Option<f64> {
        let app = &self.apps[i];
        match self.overrides.get(&app.id) {
            Some(o) => Some(round1(o.score)),
            None => self.scores[i].value.map(round1),
        }
    }

    /// How much the displayed score of app `i` rests on (see [`Confidence`]).
    pub fn confidence_of(&self, i: usize) -> Confidence {
        if self.overrides.contains_key(&self.apps[i].id) {
            return Confidence::High;
        }
        match self.scores[i].value {
            None => Confidence::NotEnoughData,
            Some(_) if self.scores[i].coverage < CONFIDENT_COVERAGE => Confidence::Low,
            Some(_) => Confidence::High,
        }
    }

    pub fn summary(&self, i: usize) -> AppSummary {
        let app = &self.apps[i];
        AppSummary {
            id: app.id.clone(),
            name: app.name.clone(),
            category: app.category().map(|c| categories::name(c).to_owned()),
            score: self.score_of(i),
            confidence: self.confidence_of(i),
        }
    }

    /// The summary of the app with this id (name, category, current score).
    pub fn summary_of(&self, id: &str) -> Option<AppSummary> {
        self.by_id.get(id).map(|&i| self.summary(i))
    }

    /// The summary of the app serving `host`, if any.
    pub fn match_host(&self, host: &str) -> Option<AppSummary> {
        self.matcher
            .lookup(host)
            .map(|h| self.summary(h.app as usize))
    }

    pub fn stats(&self) -> CatalogStats {
        let mut categories_count: BTreeMap<String, u32> = BTreeMap::new();
        for app in &self.apps {
            if let Some(c) = app.category() {
                *categories_count
                    .entry(categories::name(c).to_owned())
                    .or_default() += 1;
            }
        }
        CatalogStats {
            apps: count(self.apps.len()),
            domains: count(self.apps.iter().map(|a| a.domains.len()).sum()),
            categories: categories_count,
            sources: self
                .sources
                .iter()
                .filter(|s| s.id != ANALYST_SOURCE)
                .map(|s| SourceSummary {
                    id: s.id.clone(),
                    license: s.license.clone(),
                    as_of: s.as_of.clone(),
                })
                .collect(),
        }
    }

    pub fn sources(&self) -> Vec<SourceInfo> {
        self.sources
            .iter()
            .filter(|s| s.id != ANALYST_SOURCE)
            .map(source_info)
            .collect()
    }

    /// The apps matching `q`, each with its tag from `tags`.
    pub fn search(
        &self,
        q: &AppQuery,
        tags: &HashMap<String, crate::domain::discovery::AppTag>,
    ) -> AppPage {
        let text = q
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_lowercase);
        // What the search text matched, per app: (rank, what) — lower ranks first.
        let mut matched: HashMap<usize, (u8, String)> = HashMap::new();
        let mut hits: Vec<usize> = (0..self.apps.len())
            .filter(|&i| {
                let app = &self.apps[i];
                if let Some(t) = &text {
                    let Some(hit) = text_match(app, t) else {
                        return false;
                    };
                    matched.insert(i, hit);
                }
                if q.tag.is_some() && tags.get(&app.id) != q.tag.as_ref() {
                    return false;
                }
                if let Some(cat) = q.category.as_deref().filter(|c| !c.is_empty()) {
                    if !app.categories.iter().any(|c| c.id == cat) {
                        return false;
                    }
                }
                if q.score_min.is_some() || q.score_max.is_some() {
                    let Some(s) = self.score_of(i) else {
                        return false;
                    };
                    if q.score_min.is_some_and(|m| s < m) || q.score_max.is_some_and(|m| s > m) {
                        return false;
                    }
                }
                q.factors.iter().all(|f| factor_matches(app, f))
            })
            .collect();
        let name = |i: &usize| self.apps[*i].name.to_lowercase();
        match q.sort {
            // With search text, the best match first: the name itself, then names that start
            // with it, other names, aliases, vendors and domains.
            AppSort::Name if text.is_some() && !q.descending => {
                hits.sort_by_cached_key(|i| (matched.get(i).map_or(u8::MAX, |m| m.0), name(i)))
            }
            AppSort::Name => hits.sort_by_cached_key(name),
            AppSort::Score => hits.sort_by(|a, b| {
                // Confident scores first, then low-confidence ones; unscored apps always last.
                let (sa, sb) = (self.score_of(*a), self.score_of(*b));
                let rank = |i: usize| match self.confidence_of(i) {
                    Confidence::High => 0,
                    Confidence::Low => 1,
                    Confidence::NotEnoughData => 2,
                };
                rank(*a)
                    .cmp(&rank(*b))
                    .then(match (sa, sb) {
                        (Some(x), Some(y)) => {
                            let o = x.total_cmp(&y);
                            if q.descending {
                                o.reverse()
                            } else {
                                o
                            }
                        }
                        (Some(_), None) => std::cmp::Ordering::Less,
                        (None, Some(_)) => std::cmp::Ordering::Greater,
                        (None, None) => std::cmp::Ordering::Equal,
                    })
                    .then_with(|| name(a).cmp(&name(b)))
            }),
            AppSort::Category => hits.sort_by_cached_key(|i| {
                (
                    self.apps[*i]
                        .category()
                        .map(|c| categories::name(c).to_owned())
                        .unwrap_or_else(|| "~".into()),
                    name(i),
                )
            }),
            AppSort::Coverage => hits.sort_by(|a, b| {
                self.scores[*a]
                    .coverage
                    .total_cmp(&self.scores[*b].coverage)
                    .then_with(|| name(a).cmp(&name(b)))
            }),
        }
        if q.descending && q.sort != AppSort::Score {
            hits.reverse();
        }
        let total = count(hits.len());
        let limit = if q.limit == 0 { 100 } else { q.limit.min(1000) } as usize;
        let rows = hits
            .into_iter()
            .skip(q.offset as usize)
            .take(limit)
            .map(|i| {
                let app = &self.apps[i];
                AppRow {
                    id: app.id.clone(),
                    name: app.name.clone(),
                    vendor: app.vendor.as_ref().map(|v| v.value.clone()),
                    category: app.category().map(|c| categories::name(c).to_owned()),
                    score: self.score_of(i),
                    coverage: round2(self.scores[i].coverage),
                    confidence: self.confidence_of(i),
                    tag: tags.get(&app.id).copied(),
                    domains: app
                        .domains
                        .iter()
                        .filter(|d| d.role != DomainRole::Service && d.attributes())
                        .take(5)
                        .map(|d| d.pattern.clone())
                        .collect(),
                    custom: self.custom.contains(&app.id),
                    overridden: self.overrides.contains_key(&app.id),
                    matched: matched.get(&i).map(|m| m.1.clone()),
                }
            })
            .collect();
        AppPage { total, rows }
    }

    /// The full record of app `id`, with its tag from `tags`.
    pub fn detail(
        &self,
        id: &str,
        tags: &HashMap<String, crate::domain::discovery::AppTag>,
    ) -> Result<AppDetail> {
        let &i = self
            .by_id
            .get(id)
            .ok_or_else(|| Error::NotFound(format!("app {id}")))?;
        let app = &self.apps[i];
        let computed = &self.scores[i];
        let source = |id: &str| self.sources.iter().find(|s| s.id == id).map(source_info);
        let groups = Group::ALL
            .iter()
            .map(|&g| {
                let gs = computed.groups.iter().find(|x| x.group == g);
                GroupView {
                    group: group_id(g).into(),
                    name: g.name().into(),
                    weight: weight_out(self.settings.group_weight(g)),
                    score: gs.and_then(|x| x.value).map(round2),
                    coverage: gs.map(|x| round2(x.coverage)).unwrap_or(0.0),
                    assessed: gs.is_none_or(|x| x.assessed),
                    factors: FACTORS
                        .iter()
                        .filter(|f| f.group == g)
                        .map(|def| {
                            let v = app.factors.get(def.id);
                            FactorView {
                                id: def.id.into(),
                                name: def.name.into(),
                                description: def.description.into(),
                                weight: weight_out(self.settings.factor_weight(def.id)),
                                value: v.map(|v| display_value(&v.value)),
                                score: v
                                    .and_then(|v| factors::score(def, &v.value, &self.today()))
                                    .map(round2),
                                detail: v.map(|v| v.detail.clone()).unwrap_or_default(),
                                source: v.and_then(|v| source(&v.source)),
                                reference: v.and_then(|v| v.reference.clone()),
                                as_of: v.map(|v| v.as_of.clone()),
                                method: v.map(|v| method_name(v.method).into()),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(AppDetail {
            id: app.id.clone(),
            name: app.name.clone(),
            aliases: app.aliases.clone(),
            vendor: app.vendor.as_ref().map(|v| SourcedText {
                value: v.value.clone(),
                source: v.source.clone(),
            }),
            domains: app
                .domains
                .iter()
                .map(|d| DomainView {
                    pattern: d.pattern.clone(),
                    match_kind: match d.kind {
                        MatchKind::Exact => "exact".into(),
                        MatchKind::Suffix => "suffix".into(),
                    },
                    role: d.role.as_str().into(),
                    sources: d.sources.clone(),
                    trust: d.trust.as_str().into(),
                    attributes: d.attributes(),
                    why: d.trust.explain().into(),
                    kept_out_of_block_lists: self.matcher.block_exclusion(d),
                })
                .collect(),
            categories: app
                .categories
                .iter()
                .map(|c| CategoryView {
                    id: c.id.clone(),
                    name: categories::name(&c.id).into(),
                    source: c.source.clone(),
                    source_value: c.source_value.clone(),
                })
                .collect(),
            score: self.score_of(i),
            computed_score: computed.value.map(round1),
            coverage: round2(computed.coverage),
            confidence: self.confidence_of(i),
            tag: tags.get(&app.id).copied(),
            score_override: self.overrides.get(&app.id).map(|o| ScoreOverride {
                score: o.score,
                note: o.note.clone(),
                created_at_ms: o.created_at_ms as f64,
            }),
            groups,
            links: app
                .links
                .iter()
                .map(|l| LinkView {
                    kind: l.kind.clone(),
                    url: l.url.clone(),
                    source: l.source.clone(),
                })
                .collect(),
            custom: self.custom.contains(&app.id),
            edits_builtin: self.custom.contains(&app.id) && self.builtin_ids.contains(&app.id),
        })
    }

    fn today(&self) -> String {
        self.sources
            .iter()
            .find(|s| s.id == ANALYST_SOURCE)
            .map(|s| s.as_of.clone())
            .unwrap_or_default()
    }

    pub fn categories(&self) -> Vec<CategoryInfo> {
        let mut counts: HashMap<&str, u32> = HashMap::new();
        for app in &self.apps {
            for c in &app.categories {
                *counts.entry(c.id.as_str()).or_default() += 1;
            }
        }
        categories::CATEGORIES
            .iter()
            .map(|(id, name)| CategoryInfo {
                id: (*id).into(),
                name: (*name).into(),
                apps: counts.get(id).copied().unwrap_or(0),
            })
            .collect()
    }

    pub fn metric(&self) -> ScoreMetric {
        let mut known: HashMap<&str, u32> = HashMap::new();
        for app in &self.apps {
            for f in app.factors.keys() {
                *known.entry(f.as_str()).or_default() += 1;
            }
        }
        ScoreMetric {
            groups: Group::ALL
                .iter()
                .map(|&g| GroupWeight {
                    group: group_id(g).into(),
                    name: g.name().into(),
                    weight: weight_out(self.settings.group_weight(g)),
                    default_weight: weight_out(score::default_group_weight(g)),
                })
                .collect(),
            factors: FACTORS
                .iter()
                .filter(|f| f.scoring != Scoring::Info)
                .map(|f| FactorWeight {
                    id: f.id.into(),
                    name: f.name.into(),
                    group: group_id(f.group).into(),
                    weight: weight_out(self.settings.factor_weight(f.id)),
                    default_weight: weight_out(f.weight),
                    known_apps: known.get(f.id).copied().unwrap_or(0),
                })
                .collect(),
            unknown_as_zero: self.settings.unknown == UnknownPolicy::CountAsZero,
            min_coverage: self.settings.min_coverage,
            share_alike_overlay: self.share_alike_overlay,
        }
    }

    /// Whether an app id is a built-in app.
    pub fn is_builtin(&self, id: &str) -> bool {
        self.builtin_ids.contains(id)
    }
}

/// Share of the weighted factors a computed score must rest on to be shown as confident.
pub const CONFIDENT_COVERAGE: f64 = 0.5;

/// Apps from an export file, validated: a name, at least one domain, known categories and
/// factors, and a citation for every factor value.
pub fn parse_export(json: &str) -> Result<Vec<App>> {
    #[derive(serde::Deserialize)]
    struct Export {
        format: u32,
        apps: Vec<App>,
    }
    let doc: Export = serde_json::from_str(json)
        .map_err(|e| Error::Validation(format!("not a Cloudwarden custom-apps export: {e}")))?;
    if doc.format != 1 {
        return Err(Error::Validation(format!(
            "unsupported export format {}",
            doc.format
        )));
    }
    for app in &doc.apps {
        model::check_app_id(&app.id).map_err(|e| Error::Validation(e.0))?;
        model::check_app_name(&app.name)
            .map_err(|e| Error::Validation(format!("app {}: {e}", app.id)))?;
        let what = app.name.as_str();
        if app.domains.is_empty() {
            return Err(Error::Validation(format!(
                "{what}: an app needs at least one domain"
            )));
        }
        for rule in &app.domains {
            model::check_domain_pattern(&rule.pattern)
                .map_err(|e| Error::Validation(format!("{what}: {e}")))?;
        }
        if let Some(c) = app.categories.iter().find(|c| !categories::is_known(&c.id)) {
            return Err(Error::Validation(format!(
                "{what}: unknown category {}",
                c.id
            )));
        }
        for (id, f) in &app.factors {
            if factors::def(id).is_none() {
                return Err(Error::Validation(format!("{what}: unknown factor {id}")));
            }
            if f.reference.as_deref().is_none_or(|r| r.trim().is_empty()) {
                return Err(Error::Validation(format!(
                    "{what}: factor {id} has no citation"
                )));
            }
        }
    }
    Ok(doc.apps)
}

/// Every factor with the values a filter or form accepts.
pub fn factor_infos() -> Vec<FactorInfo> {
    FACTORS
        .iter()
        .map(|f| FactorInfo {
            id: f.id.into(),
            name: f.name.into(),
            group: group_id(f.group).into(),
            description: f.description.into(),
            values: accepted_values(f),
        })
        .collect()
}

fn accepted_values(def: &FactorDef) -> Vec<String> {
    match def.scoring {
        Scoring::Boolean | Scoring::PositiveOnly => vec!["yes".into(), "no".into()],
        Scoring::Levels(_, _) if def.id == "password_max_length" => vec!["number".into()],
        Scoring::Levels(table, _) if table.iter().any(|(k, _)| *k == "true") => {
            vec!["yes".into(), "no".into()]
        }
        Scoring::Levels(table, _) => table.iter().map(|(k, _)| (*k).to_owned()).collect(),
        Scoring::Recency(_) => vec!["date".into()],
        Scoring::Info => vec!["text".into()],
    }
}

/// The score metric from what the analyst edited.
pub fn settings_from_metric(metric: &ScoreMetric) -> Result<ScoreSettings> {
    if !(0.0..=1.0).contains(&metric.min_coverage) {
        return Err(Error::Validation(
            "minimum coverage must be between 0 and 1".into(),
        ));
    }
    let mut s = ScoreSettings {
        unknown: if metric.unknown_as_zero {
            UnknownPolicy::CountAsZero
        } else {
            UnknownPolicy::Ignore
        },
        min_coverage: metric.min_coverage,
        ..ScoreSettings::default()
    };
    for g in &metric.groups {
        let group = Group::ALL
            .into_iter()
            .find(|x| group_id(*x) == g.group)
            .ok_or_else(|| Error::Validation(format!("unknown factor group {}", g.group)))?;
        if weight_in(g.weight) != score::default_group_weight(group) {
            s.group_weights.insert(group, weight_in(g.weight));
        }
    }
    for f in &metric.factors {
        let def = factors::def(&f.id)
            .ok_or_else(|| Error::Validation(format!("unknown factor {}", f.id)))?;
        if weight_in(f.weight) != def.weight {
            s.factor_weights.insert(def.id.into(), weight_in(f.weight));
        }
    }
    Ok(s)
}

/// Validates an analyst's app and turns it into a catalog record.
pub fn app_from_input(input: &CustomAppInput, id: String, today: &str) -> Result<App> {
    let name = input.name.trim();
    model::check_app_name(name).map_err(|e| Error::Validation(e.0))?;
    let mut domains = Vec::new();
    for raw in &input.domains {
        let raw = raw.trim().to_ascii_lowercase();
        if raw.is_empty() {
            continue;
        }
        let (pattern, kind) = match raw.strip_prefix('=') {
            Some(host) => (host.to_owned(), MatchKind::Exact),
            None => (
                raw.strip_prefix("*.").unwrap_or(&raw).to_owned(),
                MatchKind::Suffix,
            ),
        };
        if let Err(e) = model::check_domain_pattern(&pattern) {
            return Err(Error::Validation(format!(
                "{e} (e.g. example.com, *.example.com, =files.example.com)"
            )));
        }
        if !domains
            .iter()
            .any(|d: &DomainRule| d.pattern == pattern && d.kind == kind)
        {
            domains.push(DomainRule {
                pattern,
                kind,
                role: if domains.is_empty() {
                    DomainRole::Primary
                } else {
                    DomainRole::Additional
                },
                sources: vec![ANALYST_SOURCE.into()],
                trust: model::Trust::Analyst,
            });
        }
    }
    if domains.is_empty() {
        return Err(Error::Validation(
            "the app needs at least one domain".into(),
        ));
    }
    let mut cats = Vec::new();
    for c in &input.categories {
        if !categories::is_known(c) {
            return Err(Error::Validation(format!("unknown category {c}")));
        }
        cats.push(CategoryRef {
            id: c.clone(),
            source: ANALYST_SOURCE.into(),
            source_value: c.clone(),
        });
    }
    let mut factor_values = BTreeMap::new();
    for f in &input.factors {
        let def = factors::def(&f.factor)
            .ok_or_else(|| Error::Validation(format!("unknown factor {}", f.factor)))?;
        let citation = f.citation.trim();
        if citation.is_empty() {
            return Err(Error::Validation(format!(
                "{}: a citation (URL or document) is required",
                def.name
            )));
        }
        let value = parse_factor_value(def, f.value.trim())?;
        factor_values.insert(
            def.id.to_owned(),
            FactorValue {
                value,
                detail: vec![],
                source: ANALYST_SOURCE.into(),
                reference: Some(citation.to_owned()),
                as_of: today.to_owned(),
                method: Method::Analyst,
            },
        );
    }
    Ok(App {
        id,
        name: name.to_owned(),
        aliases: vec![],
        vendor: input
            .vendor
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| Sourced {
                value: v.to_owned(),
                source: ANALYST_SOURCE.into(),
            }),
        domains,
        categories: cats,
        factors: factor_values,
        links: vec![],
    })
}

fn parse_factor_value(def: &FactorDef, v: &str) -> Result<Value> {
    let bad = || {
        Error::Validation(format!(
            "{}: \"{v}\" is not one of {}",
            def.name,
            accepted_values(def).join(", ")
        ))
    };
    let lower = v.to_ascii_lowercase();
    let boolean = || match lower.as_str() {
        "yes" | "true" => Ok(Value::Bool(true)),
        "no" | "false" => Ok(Value::Bool(false)),
        _ => Err(bad()),
    };
    match def.scoring {
        Scoring::Boolean | Scoring::PositiveOnly => boolean(),
        Scoring::Levels(_, _) if def.id == "password_max_length" => v
            .parse::<u32>()
            .map(|n| Value::Number(f64::from(n)))
            .map_err(|_| bad()),
        Scoring::Levels(table, _) if table.iter().any(|(k, _)| *k == "true") => boolean(),
        Scoring::Levels(table, _) => table
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(v))
            .map(|(k, _)| Value::Text((*k).into()))
            .ok_or_else(bad),
        Scoring::Info if !v.is_empty() => Ok(Value::Text(v.to_owned())),
        Scoring::Info => Err(bad()),
        Scoring::Recency(_) => {
            let ok = v.len() == 10
                && v.as_bytes()[4] == b'-'
                && v.as_bytes()[7] == b'-'
                && v.replace('-', "").bytes().all(|b| b.is_ascii_digit());
            if ok {
                Ok(Value::Text(v.to_owned()))
            } else {
                Err(bad())
            }
        }
    }
}

fn factor_matches(app: &App, f: &FactorFilter) -> bool {
    let v = app.factors.get(&f.factor);
    match (f.value.as_str(), v) {
        ("unknown", v) => v.is_none(),
        ("known", v) => v.is_some(),
        (_, None) => false,
        ("yes", Some(v)) => v.value == Value::Bool(true),
        ("no", Some(v)) => v.value == Value::Bool(false),
        (want, Some(v)) => matches!(&v.value, Value::Text(t) if t.eq_ignore_ascii_case(want)),
    }
}

fn display_value(v: &Value) -> String {
    match v {
        Value::Bool(true) => "Yes".into(),
        Value::Bool(false) => "No".into(),
        Value::Number(n) => format!("{n}"),
        Value::Text(t) => t.clone(),
    }
}

fn source_info(s: &Source) -> SourceInfo {
    SourceInfo {
        id: s.id.clone(),
        name: s.name.clone(),
        license: s.license.clone(),
        url: s.url.clone(),
        as_of: s.as_of.clone(),
        attribution: s.attribution.clone(),
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::CuratedList => "curated-list",
        Method::AuthoritativeList => "authoritative-list",
        Method::VendorAsserted => "vendor-asserted",
        Method::Measured => "measured",
        Method::Analyst => "analyst",
    }
}

pub fn group_id(g: Group) -> &'static str {
    match g {
        Group::General => "general",
        Group::Security => "security",
        Group::Compliance => "compliance",
        Group::Legal => "legal",
    }
}

fn weight_out(w: factors::Weight) -> Weight {
    match w {
        factors::Weight::Ignored => Weight::Ignored,
        factors::Weight::Low => Weight::Low,
        factors::Weight::Medium => Weight::Medium,
        factors::Weight::High => Weight::High,
        factors::Weight::VeryHigh => Weight::VeryHigh,
    }
}

fn weight_in(w: Weight) -> factors::Weight {
    match w {
        Weight::Ignored => factors::Weight::Ignored,
        Weight::Low => factors::Weight::Low,
        Weight::Medium => factors::Weight::Medium,
        Weight::High => factors::Weight::High,
        Weight::VeryHigh => factors::Weight::VeryHigh,
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Shared handle to the current effective catalog.
pub type Shared = Arc<Effective>;

/// What the search text `t` (lower case) matches in `app`: `(rank, what)`, lower ranks first.
/// Related, unverified domains do not count: they are not the app's.
fn text_match(app: &App, t: &str) -> Option<(u8, String)> {
    let name = app.name.to_lowercase();
    if name == t {
        return Some((0, "name".into()));
    }
    if name.starts_with(t) {
        return Some((1, "name".into()));
    }
    if name.contains(t) {
        return Some((2, "name".into()));
    }
    if let Some(a) = app.aliases.iter().find(|a| a.to_lowercase().contains(t)) {
        return Some((3, format!("alias: {a}")));
    }
    if let Some(v) = app
        .vendor
        .as_ref()
        .filter(|v| v.value.to_lowercase().contains(t))
    {
        return Some((4, format!("vendor: {}", v.value)));
    }
    app.domains
        .iter()
        .filter(|d| d.attributes())
        .find(|d| d.pattern.contains(t) || t.ends_with(&format!(".{}", d.pattern)))
        .map(|d| (5, format!("domain: {}", d.pattern)))
}
