//! Policy evaluation over the normalised store.
//!
//! An [`Evaluator`] is fed activities in batches (oldest first within a batch) and turns the
//! enabled policies' matches into [`NewMatch`]es: one per policy and subject, with the records
//! as evidence. Live evaluation records them (the store skips records it already holds, so
//! evaluating the same data twice raises nothing new) and learns each user's baseline; a
//! policy test collects them in memory and learns nothing.
//!
//! Thresholds ("N matching activities by one user within T") keep, per policy and user, the
//! matching activities of the last 2T in memory; what happened before the first one seen in a
//! run is read back from the store once, so a window that straddles two scans still counts.
//! Memory grows with the number of users, not of activities.

pub mod geo;
pub mod sigma;
pub mod state;
pub mod templates;

// FxHash, not SipHash (a tenth of the evaluation's time): the keys are the tenant's own user
// names and values; colliding on purpose would take thousands of crafted accounts, and would
// only slow an evaluation down.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::net::IpAddr;

use crate::backend::{text_has_word, BaselineRow, EvalActivity, Network, NewMatch, PlaceRow};
use crate::backend::{Backend, Recorded};
use crate::domain::investigate::{ActivityCategory, ActivityOutcome};
use crate::domain::policies::{
    ActivityCondition, AnomalySettings, Detection, Entity, EntityKind, EvaluationSummary, Evidence,
    IpCondition, IpRange, IpTag, Policy, PolicyDefinition, PolicyScope, PolicyTest, TestMatch,
    Threshold,
};
use crate::{Error, Result};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// The analyst's IP ranges, ready to test addresses against.
#[derive(Debug, Clone, Default)]
pub struct Ranges(Vec<(Network, IpTag)>);

impl Ranges {
    pub fn new(ranges: &[IpRange]) -> Ranges {
        Ranges(
            ranges
                .iter()
                .filter_map(|r| Some((Network::parse(&r.cidr).ok()?, r.tag)))
                .collect(),
        )
    }

    fn tags(&self, ip: IpAddr) -> Vec<IpTag> {
        if self.0.is_empty() {
            return Vec::new();
        }
        let mut tags: Vec<IpTag> = self
            .0
            .iter()
            .filter(|(n, _)| n.contains_addr(ip))
            .map(|(_, t)| *t)
            .collect();
        tags.dedup();
        tags
    }
}

/// An activity with what is known of its address.
struct Seen<'a> {
    a: &'a EvalActivity,
    category: ActivityCategory,
    outcome: ActivityOutcome,
    /// A public address (not private, loopback, …).
    public: bool,
    country: Option<&'static str>,
    asn: Option<u32>,
    as_name: Option<&'static str>,
    tags: Vec<IpTag>,
}

impl Seen<'_> {
    fn trusted(&self) -> bool {
        self.tags
            .iter()
            .any(|t| matches!(t, IpTag::Corporate | IpTag::Vpn))
    }

    fn key(&self) -> String {
        format!("activity:{}:{}", self.a.instance_id, self.a.event_id)
    }

    fn summary(&self) -> String {
        let a = self.a;
        let mut s = format!(
            "{} by {}",
            a.action,
            a.actor.as_deref().unwrap_or("someone")
        );
        if let Some(t) = a.target.as_deref().filter(|t| !t.is_empty()) {
            s.push_str(&format!(" on {t}"));
        }
        if self.outcome == ActivityOutcome::Failure {
            s.push_str(" (failed)");
        }
        if let Some(ip) = &a.ip {
            s.push_str(&format!(" from {ip}"));
            let mut place = Vec::new();
            if let Some(c) = self.country {
                place.push(geo::country_label(c));
            }
            if let Some(n) = self.asn {
                place.push(match self.as_name {
                    Some(name) => format!("AS{n} {name}"),
                    None => format!("AS{n}"),
                });
            }
            if !place.is_empty() {
                s.push_str(&format!(" ({})", place.join(", ")));
            }
        }
        s
    }

    fn evidence(&self) -> (String, Evidence) {
        (
            self.key(),
            Evidence {
                kind: "activity".into(),
                instance_id: Some(self.a.instance_id.clone()),
                ref_id: self.a.event_id.clone(),
                occurred_at_ms: self.a.occurred_at_ms,
                summary: self.summary(),
            },
        )
    }

    /// The account, the address, its country and the instance; the object when `object`.
    fn entities(&self, object: bool) -> Vec<Entity> {
        let a = self.a;
        let inst = Some(a.instance_id.clone());
        let mut out = Vec::new();
        if let Some(actor) = &a.actor {
            out.push(Entity {
                kind: EntityKind::Account,
                id: actor.clone(),
                label: actor.clone(),
                instance_id: inst.clone(),
            });
        }
        if let Some(ip) = &a.ip {
            out.push(Entity {
                kind: EntityKind::Ip,
                id: ip.clone(),
                label: ip.clone(),
                instance_id: None,
            });
        }
        if let Some(c) = self.country {
            out.push(Entity {
                kind: EntityKind::Country,
                id: c.to_owned(),
                label: geo::country_label(c),
                instance_id: None,
            });
        }
        if object {
            if let Some(t) = a.target.as_deref().filter(|t| !t.is_empty()) {
                let kind = match self.category {
                    ActivityCategory::File | ActivityCategory::Sharing => EntityKind::File,
                    _ => EntityKind::Account,
                };
                out.push(Entity {
                    kind,
                    id: t.to_owned(),
                    label: t.to_owned(),
                    instance_id: inst.clone(),
                });
            }
        }
        out.push(Entity {
            kind: EntityKind::Instance,
            id: a.instance_id.clone(),
            label: a.app.clone(),
            instance_id: inst,
        });
        out
    }
}

/// An activity condition, compiled.
#[derive(Debug, Clone)]
pub struct ActivityMatcher {
    c: ActivityCondition,
    network: Option<Network>,
    words: Vec<String>,
    actions: HashSet<String>,
}

impl ActivityMatcher {
    pub fn new(c: &ActivityCondition) -> Result<ActivityMatcher> {
        let network = c
            .filter
            .ip
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(Network::parse)
            .transpose()?;
        Ok(ActivityMatcher {
            network,
            words: c
                .filter
                .text
                .as_deref()
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_lowercase)
                .collect(),
            actions: c.actions.iter().map(|a| a.trim().to_lowercase()).collect(),
            c: c.clone(),
        })
    }

    fn matches(&self, s: &Seen) -> bool {
        let f = &self.c.filter;
        let a = s.a;
        let eq = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| have == Some(w))
        };
        eq(&f.instance_id, Some(&a.instance_id))
            && eq(&f.app, Some(&a.app))
            && eq(&f.user, a.actor.as_deref())
            && eq(&f.action, Some(&a.action))
            && eq(&f.object, a.target.as_deref())
            && f.category.is_none_or(|c| c == s.category)
            && f.outcome.is_none_or(|o| o == s.outcome)
            && f.since_ms.is_none_or(|t| a.occurred_at_ms >= t)
            && f.until_ms.is_none_or(|t| a.occurred_at_ms < t)
            && self
                .network
                .is_none_or(|n| a.ip.as_deref().is_some_and(|ip| n.contains(ip)))
            && (self.actions.is_empty()
                || self
                    .actions
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(&a.action)))
            && self.words.iter().all(|w| {
                [
                    a.actor.as_deref(),
                    Some(a.action.as_str()),
                    a.target.as_deref(),
                ]
                .into_iter()
                .flatten()
                .any(|t| text_has_word(t, w))
            })
            && ip_matches(&self.c.ip, s)
    }
}

fn ip_matches(c: &IpCondition, s: &Seen) -> bool {
    if c.is_empty() {
        return true;
    }
    if s.a.ip.is_none() {
        return false;
    }
    (c.tagged.is_empty() || c.tagged.iter().any(|t| s.tags.contains(t)))
        && (c.not_tagged.is_empty()
            || (s.public && !c.not_tagged.iter().any(|t| s.tags.contains(t))))
        && (c.countries.is_empty()
            || s.country
                .is_some_and(|cc| c.countries.iter().any(|w| w.eq_ignore_ascii_case(cc))))
}

fn in_scope(scope: &PolicyScope, a: &EvalActivity) -> bool {
    let actor = a.actor.as_deref().unwrap_or("");
    (scope.apps.is_empty() || scope.apps.contains(&a.app))
        && (scope.instance_ids.is_empty() || scope.instance_ids.contains(&a.instance_id))
        && (scope.users.is_empty() || scope.users.iter().any(|u| u.eq_ignore_ascii_case(actor)))
        && !scope
            .exclude_users
            .iter()
            .any(|u| u.eq_ignore_ascii_case(actor))
}

/// What a policy does with activities.
enum Rule {
    Activity(ActivityMatcher, Option<Threshold>),
    Anomaly(Detection, AnomalySettings, Option<ActivityMatcher>),
    /// A Sigma rule (matched through [`Evaluator::sigma`]).
    Sigma,
}

struct Compiled {
    p: Policy,
    rule: Rule,
}

/// Where a threshold window's earlier activities come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookback {
    /// Live: the activities evaluated before (rowid at most this; 0: none).
    Evaluated(i64),
    /// A range or a test: the activities before the range starts (the range itself is read
    /// in time order).
    Before(i64),
}

/// A matching activity kept for a threshold window.
struct Hit {
    t: i64,
    key: String,
    evidence: Evidence,
}

/// The matching activities of one policy and user in the last 2T.
#[derive(Default)]
struct Window {
    /// Sorted by time.
    hits: Vec<Hit>,
    keys: HashSet<String>,
    /// Matching activities before this time are not in `hits` (they may be in the store).
    covered_from: i64,
    /// Keys already handed out as evidence in this run.
    emitted: HashSet<String>,
}

/// What is known of a user.
#[derive(Default)]
struct User {
    first_seen: Option<i64>,
    countries: HashMap<String, (i64, i64)>,
    asns: HashMap<String, (i64, i64)>,
    place: Option<PlaceRow>,
    dirty: HashSet<(&'static str, String)>,
    place_dirty: bool,
}

/// `n` in decimal, written into `buf` (no allocation).
fn decimal(n: u32, buf: &mut [u8; 10]) -> &str {
    let (mut i, mut n) = (buf.len(), n);
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

impl User {
    /// Learns `value` of `kind` at `t` (allocating only for what is new or to be written).
    fn learned(&mut self, kind: &'static str, value: &str, t: i64) -> bool {
        let map = match kind {
            "country" => &mut self.countries,
            "asn" => &mut self.asns,
            _ => return false,
        };
        let (new, e) = match map.get_mut(value) {
            Some(e) => (false, e),
            None => (true, map.entry(value.to_owned()).or_insert((t, t))),
        };
        // Written when learned, when first seen moves earlier, or when last seen moves on by
        // a day: not on every activity.
        let changed = new || t < e.0 || t >= e.1 + DAY_MS;
        e.0 = e.0.min(t);
        e.1 = e.1.max(t);
        if changed {
            self.dirty.insert((kind, value.to_owned()));
        }
        new
    }
}

/// Feeds activities through the enabled activity policies.
pub struct Evaluator<'s> {
    store: &'s dyn Backend,
    ranges: Ranges,
    policies: Vec<Compiled>,
    /// The Sigma rules of `policies`, by source.
    sigma: std::sync::Arc<sigma::Rules>,
    windows: HashMap<(usize, String), Window>,
    users: HashMap<String, User>,
    /// Whether users' baselines are read from and written to the store (live) or only
    /// kept in memory (a policy test).
    persist: bool,
    /// Only learn users' baselines (a test's warm-up before its period).
    pub learn_only: bool,
    /// What a threshold window may read back from the store.
    pub lookback: Lookback,
    /// Per user: what was read back once, from when (see [`Evaluator::earlier`]).
    prior: HashMap<String, (i64, Vec<EvalActivity>)>,
    /// The longest threshold window, ms.
    longest_window: i64,
    matches: Vec<NewMatch>,
    pub activities: u64,
    pub hits: u64,
}

impl<'s> Evaluator<'s> {
    /// An evaluator of `policies` (those not on activities are left out).
    pub fn new(
        store: &'s dyn Backend,
        policies: &[Policy],
        ranges: &[IpRange],
        persist: bool,
    ) -> Result<Evaluator<'s>> {
        let mut compiled = Vec::new();
        let mut rules = sigma::Rules::default();
        for p in policies {
            let rule = match &p.definition {
                PolicyDefinition::Activity(c) => {
                    Rule::Activity(ActivityMatcher::new(c)?, c.threshold)
                }
                PolicyDefinition::Anomaly(c) => {
                    let m = anomaly_matcher(c.detection)?;
                    let mut settings = c.settings.clone();
                    if settings.count == 0 || settings.window_minutes == 0 {
                        let d = templates::detection_defaults(c.detection);
                        settings.count = d.count;
                        settings.window_minutes = d.window_minutes;
                    }
                    Rule::Anomaly(c.detection, settings, m)
                }
                PolicyDefinition::Sigma(c) => {
                    rules.add(compiled.len(), c);
                    Rule::Sigma
                }
                _ => continue,
            };
            compiled.push(Compiled { p: p.clone(), rule });
        }
        let longest_window = compiled
            .iter()
            .filter_map(|c| match &c.rule {
                Rule::Activity(_, Some(t)) => Some(t.window_minutes),
                Rule::Anomaly(_, s, Some(_)) if s.count > 0 => Some(s.window_minutes),
                _ => None,
            })
            .max()
            .map_or(0, |m| i64::from(m.max(1)) * MINUTE_MS);
        Ok(Evaluator {
            store,
            ranges: Ranges::new(ranges),
            policies: compiled,
            sigma: std::sync::Arc::new(rules),
            windows: HashMap::default(),
            users: HashMap::default(),
            persist,
            learn_only: false,
            lookback: Lookback::Evaluated(0),
            prior: HashMap::default(),
            longest_window,
            matches: Vec::new(),
            activities: 0,
            hits: 0,
        })
    }

    /// Whether the vendors' raw events are needed (Sigma rules read them).
    /// Which activities are read with their vendor event: those a Sigma rule may match.
    pub fn needs_raw(&self) -> crate::backend::RawNeeds {
        self.sigma.raw_needs()
    }

    fn needs_users(&self) -> bool {
        // Live evaluation always learns, so a detection enabled later knows each user.
        self.persist
            || self.policies.iter().any(|c| {
                matches!(
                    c.rule,
                    Rule::Anomaly(
                        Detection::NewCountry | Detection::NewAsn | Detection::ImpossibleTravel,
                        ..
                    )
                )
            })
    }

    fn see<'a>(&self, a: &'a EvalActivity) -> Seen<'a> {
        let facts = a
            .ip_facts
            .unwrap_or_else(|| crate::store::IpFacts::of(a.ip.as_deref()));
        Seen {
            a,
            category: ActivityCategory::parse(&a.category).unwrap_or(ActivityCategory::Other),
            outcome: a
                .outcome
                .as_deref()
                .and_then(ActivityOutcome::parse)
                .unwrap_or(ActivityOutcome::Unknown),
            public: facts.public,
            country: facts.country,
            asn: facts.asn,
            as_name: facts.as_name,
            tags: facts
                .addr
                .map(|ip| self.ranges.tags(ip))
                .unwrap_or_default(),
        }
    }

    /// Evaluates a batch (sorted oldest first by the caller or not: it is sorted here).
    pub async fn process(&mut self, batch: &mut [EvalActivity]) -> Result<()> {
        batch.sort_by_key(|a| (a.occurred_at_ms, a.rowid));
        if self.needs_users() {
            self.load_users(batch).await?;
        }
        if !self.learn_only {
            self.load_prior(batch).await?;
        }
        for a in batch.iter() {
            let seen = self.see(a);
            if self.learn_only {
                self.learn(&seen);
                continue;
            }
            self.activities += 1;
            let hits = match &a.sigma {
                Some(hits) => std::borrow::Cow::Borrowed(hits.as_slice()),
                None => std::borrow::Cow::Owned(self.sigma.of(a)),
            };
            {
                for &i in hits.iter() {
                    if in_scope(&self.policies[i].p.scope, a) {
                        self.sigma_match(i, &seen);
                    }
                }
            }
            for i in 0..self.policies.len() {
                if matches!(self.policies[i].rule, Rule::Sigma)
                    || !in_scope(&self.policies[i].p.scope, a)
                {
                    continue;
                }
                match &self.policies[i].rule {
                    Rule::Activity(m, None) => {
                        if m.matches(&seen) {
                            self.hits += 1;
                            let p = &self.policies[i].p;
                            let who = a.actor.clone().unwrap_or_else(|| "(unknown)".into());
                            let m = NewMatch {
                                policy_id: p.id.clone(),
                                policy_name: p.name.clone(),
                                severity: p.severity,
                                group_key: who.clone(),
                                title: format!("{}: {who}", p.name),
                                description: p.description.clone(),
                                entities: seen.entities(true),
                                evidence: vec![seen.evidence()],
                            };
                            self.matches.push(m);
                        }
                    }
                    Rule::Activity(m, Some(th)) => {
                        if m.matches(&seen) {
                            let th = *th;
                            self.hit(i, &seen, th.count, th.window_minutes).await?;
                        }
                    }
                    Rule::Anomaly(d, settings, m) => {
                        let (d, settings) = (*d, settings.clone());
                        match (d, m) {
                            (_, Some(m)) if settings.count > 0 && m.matches(&seen) => {
                                self.hit(i, &seen, settings.count, settings.window_minutes)
                                    .await?;
                            }
                            (Detection::NewAdminRole, Some(m)) if m.matches(&seen) => {
                                self.admin_role(i, &seen);
                            }
                            (Detection::NewCountry | Detection::NewAsn, _) => {
                                self.new_place(i, d, &settings, &seen);
                            }
                            (Detection::ImpossibleTravel, _) => {
                                self.travel(i, &settings, &seen);
                            }
                            _ => {}
                        }
                    }
                    Rule::Sigma => {}
                }
            }
            if self.needs_users() {
                self.learn(&seen);
            }
        }
        Ok(())
    }

    /// The matches found since the last call.
    pub async fn drain(&mut self) -> Result<Vec<NewMatch>> {
        Ok(std::mem::take(&mut self.matches))
    }

    /// Saves what a live evaluation learned of its users (once, at its end: a user's baseline
    /// changes with nearly every activity).
    pub async fn finish(&mut self) -> Result<()> {
        if !self.persist {
            return Ok(());
        }
        let mut rows = Vec::new();
        let mut places = Vec::new();
        for (actor, u) in self.users.iter_mut() {
            if let Some(t) = u.first_seen {
                if u.dirty.remove(&("first_seen", String::new())) {
                    rows.push(BaselineRow {
                        actor: actor.clone(),
                        kind: "first_seen".into(),
                        value: String::new(),
                        first_seen_ms: t,
                        last_seen_ms: t,
                    });
                }
            }
            for (kind, value) in u.dirty.drain() {
                let span = match kind {
                    "country" => u.countries.get(&value),
                    "asn" => u.asns.get(&value),
                    _ => None,
                };
                if let Some(&(first, last)) = span {
                    rows.push(BaselineRow {
                        actor: actor.clone(),
                        kind: kind.into(),
                        value,
                        first_seen_ms: first,
                        last_seen_ms: last,
                    });
                }
            }
            if u.place_dirty {
                u.place_dirty = false;
                if let Some(p) = &u.place {
                    places.push(p.clone());
                }
            }
        }
        if !rows.is_empty() || !places.is_empty() {
            self.store.save_baselines(&rows, &places).await?;
        }
        Ok(())
    }

    async fn load_users(&mut self, batch: &[EvalActivity]) -> Result<()> {
        let missing: Vec<String> = batch
            .iter()
            .filter_map(|a| a.actor.clone())
            .filter(|a| !self.users.contains_key(a))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        for a in &missing {
            self.users.insert(a.clone(), User::default());
        }
        if !self.persist {
            return Ok(());
        }
        let (rows, places) = self.store.baselines(&missing).await?;
        for r in rows {
            let Some(u) = self.users.get_mut(&r.actor) else {
                continue;
            };
            match r.kind.as_str() {
                "first_seen" => u.first_seen = Some(r.first_seen_ms),
                "country" => {
                    u.countries
                        .insert(r.value, (r.first_seen_ms, r.last_seen_ms));
                }
                "asn" => {
                    u.asns.insert(r.value, (r.first_seen_ms, r.last_seen_ms));
                }
                _ => {}
            }
        }
        for p in places {
            if let Some(u) = self.users.get_mut(&p.actor) {
                u.place = Some(p);
            }
        }
        Ok(())
    }

    /// Adds what an activity shows of its user to their baseline.
    fn learn(&mut self, s: &Seen) {
        let Some(actor) = &s.a.actor else {
            return;
        };
        if !self.users.contains_key(actor.as_str()) {
            self.users.insert(actor.clone(), User::default());
        }
        let Some(u) = self.users.get_mut(actor.as_str()) else {
            return;
        };
        let t = s.a.occurred_at_ms;
        if u.first_seen.is_none_or(|f| t < f) {
            u.first_seen = Some(t);
            u.dirty.insert(("first_seen", String::new()));
        }
        if !s.public || s.trusted() {
            return;
        }
        if let Some(c) = s.country {
            u.learned("country", c, t);
            let ip = s.a.ip.as_deref().unwrap_or_default();
            match &mut u.place {
                // The last place moves on; its strings are overwritten in place.
                Some(p) if t >= p.at_ms => {
                    u.place_dirty = true;
                    p.at_ms = t;
                    p.ip.clear();
                    p.ip.push_str(ip);
                    p.country.clear();
                    p.country.push_str(c);
                    p.instance_id.clone_from(&s.a.instance_id);
                    p.event_id.clone_from(&s.a.event_id);
                }
                Some(_) => {}
                None => {
                    u.place_dirty = true;
                    u.place = Some(PlaceRow {
                        actor: actor.clone(),
                        at_ms: t,
                        ip: ip.to_owned(),
                        country: c.to_owned(),
                        instance_id: s.a.instance_id.clone(),
                        event_id: s.a.event_id.clone(),
                    });
                }
            }
        }
        if let Some(n) = s.asn {
            let mut buf = [0u8; 10];
            u.learned("asn", decimal(n, &mut buf), t);
        }
    }

    /// Whether the user is past their learning period at `t`.
    fn learned_user(&self, actor: &str, t: i64, days: u32) -> bool {
        self.users
            .get(actor)
            .and_then(|u| u.first_seen)
            .is_some_and(|f| t >= f + i64::from(days) * DAY_MS)
    }

    fn new_place(&mut self, i: usize, d: Detection, s: &AnomalySettings, seen: &Seen) {
        let Some(actor) = seen.a.actor.as_deref() else {
            return;
        };
        if !seen.public || seen.trusted() {
            return;
        }
        let t = seen.a.occurred_at_ms;
        let mut buf = [0u8; 10];
        let value: &str = match d {
            Detection::NewCountry => match seen.country {
                Some(c) => c,
                None => return,
            },
            _ => match seen.asn {
                Some(n) => decimal(n, &mut buf),
                None => return,
            },
        };
        let known = self.users.get(actor).is_some_and(|u| match d {
            Detection::NewCountry => u.countries.contains_key(value),
            _ => u.asns.contains_key(value),
        });
        if known || !self.learned_user(actor, t, s.learning_days) {
            return;
        }
        let label = match (d, seen.asn, seen.as_name) {
            (Detection::NewCountry, _, _) => geo::country_label(value),
            (_, Some(n), Some(name)) => format!("AS{n} ({name})"),
            (_, Some(n), None) => format!("AS{n}"),
            _ => value.to_owned(),
        };
        let (actor, value) = (actor.to_owned(), value.to_owned());
        self.hits += 1;
        let p = &self.policies[i].p;
        let what = if d == Detection::NewCountry {
            "a country"
        } else {
            "a network"
        };
        self.matches.push(NewMatch {
            policy_id: p.id.clone(),
            policy_name: p.name.clone(),
            severity: p.severity,
            group_key: format!("{actor}|{value}"),
            title: format!("{actor} acted from {label}, {what} new for them"),
            description: format!(
                "{} {actor} had not acted from {label} before: {}.",
                p.description,
                seen.summary()
            ),
            entities: seen.entities(false),
            evidence: vec![seen.evidence()],
        });
    }

    fn travel(&mut self, i: usize, s: &AnomalySettings, seen: &Seen) {
        let (Some(actor), Some(country)) = (seen.a.actor.as_deref(), seen.country) else {
            return;
        };
        if !seen.public || seen.trusted() {
            return;
        }
        let Some(prev) = self.users.get(actor).and_then(|u| u.place.as_ref()) else {
            return;
        };
        if prev.country == country || Some(prev.ip.as_str()) == seen.a.ip.as_deref() {
            return;
        }
        let prev = prev.clone();
        let Some(km) = geo::distance_km(&prev.country, country) else {
            return;
        };
        let t = seen.a.occurred_at_ms;
        let hours = ((t - prev.at_ms).abs() as f64 / 3_600_000.0).max(1.0 / 60.0);
        if km < f64::from(s.min_distance_km) || km / hours <= f64::from(s.max_speed_kmh) {
            return;
        }
        self.hits += 1;
        let p = &self.policies[i].p;
        let minutes = (t - prev.at_ms).abs() / MINUTE_MS;
        let before = Evidence {
            kind: "activity".into(),
            instance_id: Some(prev.instance_id.clone()),
            ref_id: prev.event_id.clone(),
            occurred_at_ms: prev.at_ms,
            summary: format!(
                "{actor} was in {} (from {})",
                geo::country_label(&prev.country),
                prev.ip
            ),
        };
        self.matches.push(NewMatch {
            policy_id: p.id.clone(),
            policy_name: p.name.clone(),
            severity: p.severity,
            group_key: actor.to_owned(),
            title: format!(
                "Impossible travel: {actor} in {} and {} {minutes} min apart",
                geo::country_label(&prev.country),
                geo::country_label(country)
            ),
            description: format!(
                "{actor} acted from {} ({}) and {minutes} minutes later from {} ({}): about \
                 {:.0} km, which needs {:.0} km/h. {}",
                geo::country_label(&prev.country),
                prev.ip,
                geo::country_label(country),
                seen.a.ip.as_deref().unwrap_or(""),
                km,
                km / hours,
                p.description
            ),
            entities: seen.entities(false),
            evidence: vec![
                (
                    format!("activity:{}:{}", prev.instance_id, prev.event_id),
                    before,
                ),
                seen.evidence(),
            ],
        });
    }

    fn sigma_match(&mut self, i: usize, seen: &Seen) {
        self.hits += 1;
        let p = &self.policies[i].p;
        let PolicyDefinition::Sigma(c) = &p.definition else {
            return;
        };
        let who = seen.a.actor.clone().unwrap_or_else(|| "(unknown)".into());
        let mut description = p.description.clone();
        if !c.false_positives.is_empty() {
            description.push_str(&format!(
                " Known false positives: {}.",
                c.false_positives.join("; ")
            ));
        }
        description.push_str(&format!(
            " Sigma rule by {} (Detection Rule License 1.1).",
            c.author
        ));
        self.matches.push(NewMatch {
            policy_id: p.id.clone(),
            policy_name: p.name.clone(),
            severity: p.severity,
            group_key: who.clone(),
            title: format!("{}: {who}", p.name),
            description,
            entities: seen.entities(true),
            evidence: vec![seen.evidence()],
        });
    }

    fn admin_role(&mut self, i: usize, seen: &Seen) {
        self.hits += 1;
        let p = &self.policies[i].p;
        let who = seen
            .a
            .target
            .clone()
            .filter(|t| !t.is_empty())
            .or_else(|| seen.a.actor.clone())
            .unwrap_or_else(|| "(unknown)".into());
        self.matches.push(NewMatch {
            policy_id: p.id.clone(),
            policy_name: p.name.clone(),
            severity: p.severity,
            group_key: who.clone(),
            title: format!("Administrator role given: {who}"),
            description: format!("{} {}.", p.description, seen.summary()),
            entities: seen.entities(true),
            evidence: vec![seen.evidence()],
        });
    }

    /// A matching activity of a threshold policy: raises when `count` fall within `minutes`.
    async fn hit(&mut self, i: usize, seen: &Seen<'_>, count: u32, minutes: u32) -> Result<()> {
        self.hits += 1;
        let Some(actor) = seen.a.actor.clone() else {
            return Ok(());
        };
        let span = i64::from(minutes.max(1)) * MINUTE_MS;
        let t = seen.a.occurred_at_ms;
        let key = (i, actor.clone());
        let need_from = t - span;
        let look_back = match self.windows.get(&key) {
            None => Some((need_from, t)),
            Some(w) if need_from < w.covered_from => Some((need_from, w.covered_from)),
            Some(_) => None,
        };
        if let Some((from, to)) = look_back {
            // What this user did before, from the store (once per run and user, unless an
            // activity arrives late).
            let earlier = self.earlier(&actor, from, to).await?;
            let mut found = Vec::new();
            for e in &earlier {
                let s = self.see(e);
                if in_scope(&self.policies[i].p.scope, e) && self.rule_matches(i, &s) {
                    let (k, ev) = s.evidence();
                    found.push(Hit {
                        t: e.occurred_at_ms,
                        key: k,
                        evidence: ev,
                    });
                }
            }
            let w = self.windows.entry(key.clone()).or_insert_with(|| Window {
                covered_from: to,
                ..Window::default()
            });
            for h in found {
                w.insert(h);
            }
            w.covered_from = w.covered_from.min(from);
        }
        let (k, ev) = seen.evidence();
        let Some(w) = self.windows.get_mut(&key) else {
            return Ok(());
        };
        w.insert(Hit {
            t,
            key: k,
            evidence: ev,
        });
        let fresh = w.check(t, span, count as usize);
        // Keep the last 2T.
        let newest = w.hits.last().map_or(t, |h| h.t);
        let keep_from = newest - 2 * span;
        if w.hits.first().is_some_and(|h| h.t < keep_from) {
            let cut = w.hits.partition_point(|h| h.t < keep_from);
            for h in w.hits.drain(..cut) {
                w.keys.remove(&h.key);
                w.emitted.remove(&h.key);
            }
            w.covered_from = w.covered_from.max(keep_from);
        }
        if fresh.is_empty() {
            return Ok(());
        }
        let p = &self.policies[i].p;
        self.matches.push(NewMatch {
            policy_id: p.id.clone(),
            policy_name: p.name.clone(),
            severity: p.severity,
            group_key: actor.clone(),
            title: format!("{}: {actor}", p.name),
            description: format!(
                "{} {actor} did {count} or more of these within {minutes} minutes.",
                p.description
            ),
            entities: seen.entities(false),
            evidence: fresh,
        });
        Ok(())
    }

    /// Reads back, in a few statements, what the batch's users new to this run did in the
    /// longest threshold window before the batch (see [`Evaluator::earlier`], which then
    /// answers from memory).
    async fn load_prior(&mut self, batch: &[EvalActivity]) -> Result<()> {
        if self.longest_window == 0 {
            return Ok(());
        }
        let (Some(t0), Some(t1)) = (
            batch.first().map(|a| a.occurred_at_ms),
            batch.last().map(|a| a.occurred_at_ms),
        ) else {
            return Ok(());
        };
        // Up to the batch's end: activities evaluated before that happened later than this
        // batch are late arrivals, rare enough to be left out of a window.
        let (until, max_rowid) = match self.lookback {
            Lookback::Evaluated(0) => return Ok(()),
            Lookback::Evaluated(mark) => (t1 + 1, mark),
            Lookback::Before(since) => (since.min(t1 + 1), i64::MAX),
        };
        let start = t0 - self.longest_window;
        if start >= until {
            return Ok(());
        }
        let new: Vec<String> = batch
            .iter()
            .filter_map(|a| a.actor.as_deref())
            .filter(|a| !self.prior.contains_key(*a))
            .collect::<HashSet<_>>()
            .into_iter()
            .map(str::to_owned)
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        let rows = self
            .store
            .actors_activities(&new, start, until, max_rowid)
            .await?;
        for a in &new {
            self.prior.insert(a.clone(), (start, Vec::new()));
        }
        for r in rows {
            if let Some(actor) = r.actor.clone() {
                if let Some((_, list)) = self.prior.get_mut(&actor) {
                    list.push(r);
                }
            }
        }
        Ok(())
    }

    /// The user's activities in `[from, to)` that this run does not read itself: in a live
    /// evaluation, those evaluated before (rowid ≤ the marks); in a range or a test, those
    /// before the range. One query per user and run serves every threshold policy (it reads
    /// from the longest window before the first one asked).
    async fn earlier(&mut self, actor: &str, from: i64, to: i64) -> Result<Vec<EvalActivity>> {
        let (to, max_rowid) = match self.lookback {
            Lookback::Evaluated(0) => return Ok(Vec::new()),
            Lookback::Evaluated(mark) => (to, mark),
            Lookback::Before(since) if from >= since => return Ok(Vec::new()),
            Lookback::Before(since) => (to.min(since), i64::MAX),
        };
        if let Some((cached_from, rows)) = self.prior.get(actor) {
            if from >= *cached_from {
                return Ok(rows
                    .iter()
                    .filter(|a| a.occurred_at_ms >= from && a.occurred_at_ms < to)
                    .cloned()
                    .collect());
            }
        }
        let start = from.min(to - self.longest_window);
        let rows = self
            .store
            .user_activities(actor, start, to - 1, max_rowid)
            .await?;
        let out = rows
            .iter()
            .filter(|a| a.occurred_at_ms >= from && a.occurred_at_ms < to)
            .cloned()
            .collect();
        let limit = match self.lookback {
            Lookback::Before(since) => since,
            Lookback::Evaluated(_) => i64::MAX,
        };
        self.prior.insert(
            actor.to_owned(),
            (
                start,
                rows.into_iter()
                    .filter(|a| a.occurred_at_ms < limit)
                    .collect(),
            ),
        );
        Ok(out)
    }

    fn rule_matches(&self, i: usize, s: &Seen) -> bool {
        match &self.policies[i].rule {
            Rule::Activity(m, _) | Rule::Anomaly(_, _, Some(m)) => m.matches(s),
            Rule::Anomaly(_, _, None) | Rule::Sigma => false,
        }
    }
}

impl Window {
    fn insert(&mut self, h: Hit) {
        if !self.keys.insert(h.key.clone()) {
            return;
        }
        let at = self.hits.partition_point(|x| (x.t, &x.key) < (h.t, &h.key));
        self.hits.insert(at, h);
    }

    /// The hits of every window of `span` holding `t` and at least `count` hits, not yet
    /// handed out.
    fn check(&mut self, t: i64, span: i64, count: usize) -> Vec<(String, Evidence)> {
        let lo = self.hits.partition_point(|h| h.t < t - span);
        let hi = self.hits.partition_point(|h| h.t <= t);
        let mut take: Vec<usize> = Vec::new();
        for s in lo..hi {
            let start = self.hits[s].t;
            let end = self.hits.partition_point(|h| h.t <= start + span);
            if end - s >= count {
                take.extend(s..end);
            }
        }
        take.sort_unstable();
        take.dedup();
        let mut out = Vec::new();
        for i in take {
            let h = &self.hits[i];
            if self.emitted.insert(h.key.clone()) {
                out.push((h.key.clone(), h.evidence.clone()));
            }
        }
        out
    }
}

/// The activities a detection counts.
fn anomaly_matcher(d: Detection) -> Result<Option<ActivityMatcher>> {
    use crate::domain::investigate::ActivityFilter;
    let cond = |filter: ActivityFilter, actions: &[&str]| ActivityCondition {
        filter,
        actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        ..ActivityCondition::default()
    };
    let c = match d {
        Detection::MassDownload => cond(ActivityFilter::default(), templates::DOWNLOAD_ACTIONS),
        Detection::MassDeletion => cond(ActivityFilter::default(), templates::DELETE_ACTIONS),
        Detection::MassSharing => cond(
            ActivityFilter {
                category: Some(ActivityCategory::Sharing),
                ..ActivityFilter::default()
            },
            &[],
        ),
        Detection::FailedSignIns => cond(
            ActivityFilter {
                category: Some(ActivityCategory::SignIn),
                outcome: Some(ActivityOutcome::Failure),
                ..ActivityFilter::default()
            },
            &[],
        ),
        Detection::NewAdminRole => cond(ActivityFilter::default(), templates::ADMIN_ROLE_ACTIONS),
        _ => return Ok(None),
    };
    ActivityMatcher::new(&c).map(Some)
}

/// Activities read per batch.
const BATCH: u32 = 5_000;

/// The enabled policies evaluated on activities.
async fn activity_policies(store: &dyn Backend) -> Result<Vec<Policy>> {
    Ok(store
        .policies()
        .await?
        .into_iter()
        .filter(|p| p.enabled && templates::on_activities(p.kind))
        .collect())
}

/// Evaluates the activities stored since the last evaluation with every enabled policy,
/// records the alerts, and moves the marks past what was read.
pub async fn evaluate_new(
    shared: &crate::backend::SharedBackend,
    now_ms: i64,
) -> Result<EvaluationSummary> {
    let store: &dyn Backend = &**shared;
    let started = std::time::Instant::now();
    let policies = activity_policies(store).await?;
    let ranges = store.ip_ranges().await?;
    let mut ev = Evaluator::new(store, &policies, &ranges, true)?;
    let marks = store.evaluation_marks().await?;
    let mut cursor = marks.values().copied().min().unwrap_or(0);
    ev.lookback = Lookback::Evaluated(cursor);
    let mut summary = EvaluationSummary {
        policies: policies.len() as u32,
        ..EvaluationSummary::default()
    };
    // The next batch is read while this one is evaluated (two cores: SQLite and the
    // policies work side by side).
    // Three stages side by side: reading (SQLite), the Sigma rules (no state: any thread),
    // and the policies that keep state (this task).
    let (tx, mut read) = tokio::sync::mpsc::channel::<Result<Vec<EvalActivity>>>(2);
    let reader = {
        let (store, raw, mut at) = (shared.clone(), ev.needs_raw(), cursor);
        tokio::spawn(async move {
            loop {
                match store.activities_after(at, BATCH, &raw).await {
                    Ok(b) if b.is_empty() => return,
                    Ok(b) => {
                        at = b.last().map_or(at, |a| a.rowid);
                        if tx.send(Ok(b)).await.is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                }
            }
        })
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<EvalActivity>>>(2);
    let matcher = {
        let rules = ev.sigma.clone();
        tokio::task::spawn_blocking(move || {
            while let Some(batch) = read.blocking_recv() {
                let batch = batch.map(|mut b| {
                    for a in &mut b {
                        a.sigma = Some(rules.of(a));
                        a.raw = None;
                        a.ip_facts = Some(crate::store::IpFacts::of(a.ip.as_deref()));
                    }
                    b
                });
                if tx.blocking_send(batch).is_err() {
                    return;
                }
            }
        })
    };
    while let Some(batch) = rx.recv().await {
        let batch = batch?;
        let Some(last) = batch.last() else {
            break;
        };
        cursor = last.rowid;
        let mut fresh: Vec<EvalActivity> = batch
            .into_iter()
            .filter(|a| marks.get(&a.instance_id).is_some_and(|m| a.rowid > *m))
            .collect();
        ev.process(&mut fresh).await?;
        let found = ev.drain().await?;
        summary.matches += found.len() as u64;
        let done = record(store, &found, now_ms).await?;
        summary.alerts_raised += done.raised.len() as u32;
        summary.alerts_updated += done.updated.len() as u32;
    }
    let _ = reader.await;
    let _ = matcher.await;
    // What was learned, then the marks: a run that dies before this is evaluated again
    // (what it recorded is not recorded twice).
    ev.finish().await?;
    // Everything up to the cursor is read, for every instance.
    let moved: Vec<(String, i64)> = marks.keys().map(|i| (i.clone(), cursor)).collect();
    crate::backend::retry_busy(|| store.set_evaluation_marks(&moved, now_ms)).await?;
    summary.activities = ev.activities;
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

/// Evaluates again the activities that occurred in `[since_ms, until_ms)` (what was already
/// recorded is not raised twice). Users' baselines are not learned again.
pub async fn evaluate_range(
    store: &dyn Backend,
    since_ms: i64,
    until_ms: i64,
    now_ms: i64,
) -> Result<EvaluationSummary> {
    let started = std::time::Instant::now();
    let policies = activity_policies(store).await?;
    let ranges = store.ip_ranges().await?;
    let mut ev = Evaluator::new(store, &policies, &ranges, false)?;
    ev.lookback = Lookback::Before(since_ms);
    let mut summary = EvaluationSummary {
        policies: policies.len() as u32,
        ..EvaluationSummary::default()
    };
    warm_up(store, &mut ev, since_ms).await?;
    let mut after = None;
    loop {
        let mut batch = store
            .activities_in(since_ms, until_ms, after, BATCH, &ev.needs_raw())
            .await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = Some((last.occurred_at_ms, last.rowid));
        ev.process(&mut batch).await?;
        let found = ev.drain().await?;
        summary.matches += found.len() as u64;
        let done = record(store, &found, now_ms).await?;
        summary.alerts_raised += done.raised.len() as u32;
        summary.alerts_updated += done.updated.len() as u32;
    }
    summary.activities = ev.activities;
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

/// How far before a test's period users' baselines are learned from.
const WARM_UP_DAYS: i64 = 30;

/// Learns users' baselines from the 30 days before `since_ms` (for detections that need
/// them), without raising anything.
async fn warm_up(store: &dyn Backend, ev: &mut Evaluator<'_>, since_ms: i64) -> Result<()> {
    if !ev.needs_users() {
        return Ok(());
    }
    ev.learn_only = true;
    let mut after = None;
    loop {
        let mut batch = store
            .activities_in(
                since_ms - WARM_UP_DAYS * DAY_MS,
                since_ms,
                after,
                BATCH,
                &Vec::new(),
            )
            .await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = Some((last.occurred_at_ms, last.rowid));
        ev.process(&mut batch).await?;
    }
    ev.learn_only = false;
    Ok(())
}

/// What `policy` would have raised over the last `days` (nothing is recorded or learned).
pub async fn test_policy(
    store: &dyn Backend,
    policy: &Policy,
    days: u32,
    now_ms: i64,
) -> Result<PolicyTest> {
    let since_ms = now_ms - i64::from(days) * DAY_MS;
    let ranges = store.ip_ranges().await?;
    let mut ev = Evaluator::new(store, std::slice::from_ref(policy), &ranges, false)?;
    ev.lookback = Lookback::Before(since_ms);
    warm_up(store, &mut ev, since_ms).await?;
    let mut test = TestCollector::default();
    let mut after = None;
    loop {
        let mut batch = store
            .activities_in(since_ms, now_ms + 1, after, BATCH, &ev.needs_raw())
            .await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = Some((last.occurred_at_ms, last.rowid));
        ev.process(&mut batch).await?;
        for m in ev.drain().await? {
            test.add(m);
        }
    }
    Ok(test.finish(days, ev.activities))
}

/// What a test found, grouped as alerts would be.
#[derive(Default)]
struct TestCollector {
    groups: Vec<(String, TestMatch, HashSet<String>)>,
    records: u64,
}

impl TestCollector {
    fn add(&mut self, m: NewMatch) {
        let at = match self.groups.iter().position(|(g, _, _)| *g == m.group_key) {
            Some(at) => at,
            None => {
                self.groups.push((
                    m.group_key.clone(),
                    TestMatch {
                        title: m.title.clone(),
                        entities: Vec::new(),
                        evidence: Vec::new(),
                    },
                    HashSet::default(),
                ));
                self.groups.len() - 1
            }
        };
        let (_, tm, keys) = &mut self.groups[at];
        for e in m.entities {
            if !tm.entities.contains(&e) {
                tm.entities.push(e);
            }
        }
        for (k, e) in m.evidence {
            if keys.insert(k) {
                self.records += 1;
                if tm.evidence.len() < 20 {
                    tm.evidence.push(e);
                }
            }
        }
    }

    fn finish(self, days: u32, activities: u64) -> PolicyTest {
        PolicyTest {
            matches: self.groups.len() as u32,
            records: self.records,
            sample: self
                .groups
                .into_iter()
                .take(20)
                .map(|(_, m, _)| m)
                .collect(),
            days,
            activities,
        }
    }
}

/// A test's result from matches found on state (files, apps, reports).
pub fn summarize_test(found: Vec<NewMatch>, days: u32, activities: u64) -> PolicyTest {
    let mut test = TestCollector::default();
    for m in found {
        test.add(m);
    }
    test.finish(days, activities)
}

/// Records matches (live) and returns what was raised and updated.
pub async fn record(store: &dyn Backend, matches: &[NewMatch], now_ms: i64) -> Result<Recorded> {
    if matches.is_empty() {
        return Ok(Recorded::default());
    }
    let merged = merge(matches);
    crate::backend::retry_busy(|| store.record_matches(&merged, now_ms)).await
}

/// The entities an alert lists at most (its evidence holds every record).
pub const MAX_ENTITIES: usize = 50;

/// Matches of one policy and subject as one: their evidence together, entities once (at most
/// [`MAX_ENTITIES`]), the last title and description. One alert write per subject and batch.
pub fn merge(matches: &[NewMatch]) -> Vec<NewMatch> {
    let mut out: Vec<NewMatch> = Vec::new();
    let mut at: HashMap<(&str, &str), usize> = HashMap::default();
    for m in matches {
        match at.get(&(m.policy_id.as_str(), m.group_key.as_str())) {
            Some(&i) => {
                let into = &mut out[i];
                into.evidence.extend(m.evidence.iter().cloned());
                for e in &m.entities {
                    if into.entities.len() < MAX_ENTITIES && !into.entities.contains(e) {
                        into.entities.push(e.clone());
                    }
                }
                into.title.clone_from(&m.title);
                into.description.clone_from(&m.description);
            }
            None => {
                at.insert((m.policy_id.as_str(), m.group_key.as_str()), out.len());
                let mut first = m.clone();
                first.entities.truncate(MAX_ENTITIES);
                out.push(first);
            }
        }
    }
    out
}

/// Checks a policy definition before it is saved.
pub fn validate(def: &PolicyDefinition) -> Result<()> {
    let bad = |m: &str| Err(Error::Validation(m.to_owned()));
    match def {
        PolicyDefinition::Activity(c) => {
            ActivityMatcher::new(c)?;
            if let Some(t) = c.threshold {
                if t.count < 2 {
                    return bad("a threshold needs at least 2 activities");
                }
                if t.window_minutes == 0 || t.window_minutes > 7 * 24 * 60 {
                    return bad("a threshold's window is 1 minute to 7 days");
                }
            }
            for cc in &c.ip.countries {
                if geo::country(&cc.to_ascii_uppercase()).is_none() {
                    return Err(Error::Validation(format!(
                        "\"{cc}\" is not an ISO 3166 country code"
                    )));
                }
            }
            Ok(())
        }
        PolicyDefinition::Anomaly(a) => {
            let s = &a.settings;
            if s.count == 1 || s.window_minutes > 7 * 24 * 60 {
                return bad("a detection counts at least 2 activities within at most 7 days");
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
