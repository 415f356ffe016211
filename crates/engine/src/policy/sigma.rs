//! Community detections: Sigma rules (the SigmaHQ format) run on the vendor's own events.
//!
//! Parsing and matching are `rsigma-parser` and `rsigma-eval`. A rule applies to one log
//! source Cloudwarden reads (its `logsource` product and service):
//!
//! | Sigma logsource | what Cloudwarden reads | field names |
//! |---|---|---|
//! | `github` / `audit` | the organisation audit log (GitHub connector) | the event's own |
//! | `azure` / `auditlogs` | Entra ID directory audits (Microsoft Graph `directoryAudit`) | Azure Monitor's, mapped below |
//! | `azure` / `signinlogs` | Entra ID sign-ins (Graph `signIn`) | Azure Monitor's, mapped below |
//! | `m365` / `audit` | the unified audit log (Graph `auditLogRecord`; the record in `auditData`) | the record's own |
//!
//! A rule for another log source, or naming a field the source's events do not have as
//! Cloudwarden reads them, is *not applicable*, with the reason; it is never silently
//! dropped. Each event is turned into one object whose keys are the rule's field names
//! (values taken from the vendor's JSON through the mapping), then matched.

use std::collections::{HashMap, HashSet};

use rsigma_eval::event::JsonEvent;
use rsigma_parser::ast::{ConditionExpr, Detection, Quantifier, SelectorPattern, SigmaRule};
use rsigma_parser::value::SigmaValue;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::domain::policies::{Severity, SigmaCondition};

/// The log sources Sigma rules can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    GithubAudit,
    EntraAudit,
    EntraSignIn,
    M365Audit,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::GithubAudit => "GitHub audit log",
            Source::EntraAudit => "Entra ID audit log",
            Source::EntraSignIn => "Entra ID sign-in log",
            Source::M365Audit => "Microsoft 365 unified audit log",
        }
    }

    /// The source a rule's `logsource` names, or why none applies.
    pub fn of_rule(product: Option<&str>, service: Option<&str>) -> Result<Source, String> {
        let p = product.unwrap_or("").to_ascii_lowercase();
        let s = service.unwrap_or("").to_ascii_lowercase();
        match (p.as_str(), s.as_str()) {
            ("github", "audit") => Ok(Source::GithubAudit),
            ("azure", "auditlogs") => Ok(Source::EntraAudit),
            ("azure", "signinlogs") => Ok(Source::EntraSignIn),
            ("m365", "audit") => Ok(Source::M365Audit),
            _ => Err(format!(
                "Cloudwarden does not read {} logs (it reads GitHub's audit log, Entra ID's \
                 audit and sign-in logs and Microsoft 365's unified audit log)",
                match (p.is_empty(), s.is_empty()) {
                    (false, false) => format!("{p}/{s}"),
                    (false, true) => p.clone(),
                    (true, false) => s.clone(),
                    (true, true) => "unnamed".into(),
                }
            )),
        }
    }

    /// The source of a stored activity's raw event, told by the top-level keys it `has`.
    pub fn of_event(app: &str, has: impl Fn(&str) -> bool) -> Option<Source> {
        match app {
            "github" => Some(Source::GithubAudit),
            "m365" if has("activityDisplayName") => Some(Source::EntraAudit),
            "m365" if has("auditData") || has("auditLogRecordType") => Some(Source::M365Audit),
            "m365" if has("userPrincipalName") && has("status") => Some(Source::EntraSignIn),
            _ => None,
        }
    }

    /// Where a rule's field is in the vendor's JSON (a dot path), or `None` when the source's
    /// events do not have it.
    pub fn path(self, field: &str) -> Option<String> {
        let f = field.to_ascii_lowercase();
        let p = match self {
            Source::GithubAudit => {
                return GITHUB_FIELDS
                    .contains(&f.as_str())
                    .then(|| field.to_owned());
            }
            Source::M365Audit => {
                return M365_AUDIT_FIELDS
                    .iter()
                    .find(|k| k.eq_ignore_ascii_case(field))
                    .map(|k| format!("auditData.{k}"));
            }
            Source::EntraAudit => match f.as_str() {
                "properties.message" | "operationname" | "activitydisplayname" => {
                    "activityDisplayName"
                }
                "category" => "category",
                "status" | "properties.result" | "result" => "result",
                "loggedbyservice" => "loggedByService",
                "resultreason" | "failure_status_reason" => "resultReason",
                "operationtype" => "operationType",
                "targetresources" | "target" | "properties.targetresources" => "targetResources",
                "targetresources.type" => "targetResources.type",
                "targetresources.displayname" => "targetResources.displayName",
                "targetresources.userprincipalname" => "targetResources.userPrincipalName",
                "targetresources.modifiedproperties" => "targetResources.modifiedProperties",
                "targetresources.modifiedproperties.newvalue" => {
                    "targetResources.modifiedProperties.newValue"
                }
                "targetresources.modifiedproperties.oldvalue" => {
                    "targetResources.modifiedProperties.oldValue"
                }
                "targetresources.modifiedproperties.displayname" => {
                    "targetResources.modifiedProperties.displayName"
                }
                "initiatedby.user.userprincipalname" => "initiatedBy.user.userPrincipalName",
                "initiatedby.app.displayname" => "initiatedBy.app.displayName",
                _ => return None,
            },
            Source::EntraSignIn => match f.as_str() {
                "resulttype" => "status.errorCode",
                "resultdescription" => "status.failureReason",
                "status" => "status.errorCode",
                "authenticationrequirement" => "authenticationRequirement",
                "username" | "userprincipalname" => "userPrincipalName",
                "riskstate" => "riskState",
                "riskleveldurationsignin" | "risklevelduringsignin" => "riskLevelDuringSignIn",
                "resourcedisplayname" => "resourceDisplayName",
                "appdisplayname" => "appDisplayName",
                "clientapp" | "clientappused" => "clientAppUsed",
                "ipaddress" => "ipAddress",
                "conditionalaccessstatus" => "conditionalAccessStatus",
                "devicedetail.trusttype" => "deviceDetail.trustType",
                "devicedetail.iscompliant" => "deviceDetail.isCompliant",
                "devicedetail.ismanaged" => "deviceDetail.isManaged",
                "devicedetail.deviceid" => "deviceDetail.deviceId",
                "devicedetail.operatingsystem" => "deviceDetail.operatingSystem",
                "location.countryorregion" => "location.countryOrRegion",
                "isinteractive" => "isInteractive",
                _ => return None,
            },
        };
        Some(p.to_owned())
    }
}

/// The fields of GitHub's organisation audit events (docs.github.com, "Reviewing the audit
/// log for your organization" and the REST `GET /orgs/{org}/audit-log` schema).
const GITHUB_FIELDS: &[&str] = &[
    "action",
    "actor",
    "actor_id",
    "actor_ip",
    "actor_location.country_code",
    "business",
    "business_id",
    "created_at",
    "@timestamp",
    "_document_id",
    "operation_type",
    "org",
    "org_id",
    "repo",
    "repo_id",
    "repository",
    "repository_public",
    "team",
    "user",
    "user_id",
    "user_agent",
    "visibility",
    "permission",
    "public_repo",
    "transport_protocol",
    "transport_protocol_name",
    "programmatic_access_type",
    "token_scopes",
    "hashed_token",
    "external_identity_nameid",
    "external_identity_username",
    "name",
    "config.url",
];

/// Fields of the unified audit log's common schema (Office 365 Management Activity API
/// schema: common, SharePoint, Exchange and Entra ID records).
const M365_AUDIT_FIELDS: &[&str] = &[
    "Operation",
    "Workload",
    "ResultStatus",
    "ObjectId",
    "UserId",
    "UserKey",
    "UserType",
    "RecordType",
    "ClientIP",
    "ApplicationId",
    "SourceFileName",
    "SourceFileExtension",
    "SiteUrl",
    "TargetUserOrGroupName",
    "TargetUserOrGroupType",
    "EventSource",
    "ItemType",
    "UserAgent",
    "Parameters",
    "MailboxOwnerUPN",
    "LogonType",
];

/// The field names a detection uses (`None` in the list: a keyword search).
fn fields(d: &Detection, out: &mut Vec<Option<String>>) {
    match d {
        Detection::AllOf(items) => out.extend(items.iter().map(|i| i.field.name.clone())),
        Detection::AnyOf(ds) | Detection::And(ds) => ds.iter().for_each(|d| fields(d, out)),
        Detection::Keywords(_) => out.push(None),
        Detection::ArrayMatch { field, .. } => out.push(Some(field.clone())),
        Detection::Conditional { named, .. } => named.values().for_each(|d| fields(d, out)),
    }
}

/// Activities a rule can match, by their action (lower case); `None`: any action.
type Actions = Option<HashSet<String>>;

impl Source {
    /// Whether a rule's field is the one the activity's `action` is taken from (GitHub's
    /// `action`, a directory audit's `activityDisplayName`, a unified audit record's
    /// `Operation`).
    fn is_action_field(self, field: &str) -> bool {
        let f = field.to_ascii_lowercase();
        match self {
            Source::GithubAudit => f == "action",
            Source::EntraAudit => matches!(
                f.as_str(),
                "properties.message" | "operationname" | "activitydisplayname"
            ),
            Source::M365Audit => f == "operation",
            Source::EntraSignIn => false,
        }
    }

    /// The actions every event of the source has, when the source alone narrows them
    /// (Entra ID sign-ins are `Sign-in` or `Sign-in failed`).
    fn own_actions(self) -> Actions {
        match self {
            Source::EntraSignIn => Some(["sign-in".to_owned(), "sign-in failed".to_owned()].into()),
            _ => None,
        }
    }
}

/// The actions an event must have for `d` to match it, when `d` says (an exact,
/// wildcard-free value of the action field required); `None` otherwise.
fn detection_actions(source: Source, d: &Detection) -> Actions {
    match d {
        // AND-linked: any item on the action field narrows it.
        Detection::AllOf(items) => items.iter().find_map(|i| {
            let name = i.field.name.as_deref()?;
            if !source.is_action_field(name) || !i.field.modifiers.is_empty() {
                return None;
            }
            i.values
                .iter()
                .map(|v| match v {
                    SigmaValue::String(s) if !s.contains_wildcards() => {
                        s.as_plain().map(|p| p.to_lowercase())
                    }
                    _ => None,
                })
                .collect::<Option<HashSet<String>>>()
        }),
        Detection::AnyOf(ds) => union(ds.iter().map(|d| detection_actions(source, d))),
        Detection::And(ds) => ds.iter().find_map(|d| detection_actions(source, d)),
        _ => None,
    }
}

/// Every set, joined; `None` when any is `None` (or there is none).
fn union(sets: impl Iterator<Item = Actions>) -> Actions {
    let mut out: Option<HashSet<String>> = None;
    for s in sets {
        out.get_or_insert_with(HashSet::new).extend(s?);
    }
    out
}

/// Names matching a selector's pattern (`selection_*`, `them`).
fn selected<'a>(rule: &'a SigmaRule, pattern: &SelectorPattern) -> Vec<&'a String> {
    rule.detection
        .named
        .keys()
        .filter(|n| match pattern {
            SelectorPattern::Them => !n.starts_with('_'),
            SelectorPattern::Pattern(p) => match p.strip_suffix('*') {
                Some(prefix) => n.starts_with(prefix),
                None => *n == p,
            },
        })
        .collect()
}

/// The actions an event must have for the condition to hold; `None`: it does not say.
fn condition_actions(source: Source, rule: &SigmaRule, c: &ConditionExpr) -> Actions {
    let named = |n: &str| {
        rule.detection
            .named
            .get(n)
            .and_then(|d| detection_actions(source, d))
    };
    match c {
        ConditionExpr::Identifier(n) => named(n),
        ConditionExpr::And(cs) => cs.iter().find_map(|c| condition_actions(source, rule, c)),
        ConditionExpr::Or(cs) => union(cs.iter().map(|c| condition_actions(source, rule, c))),
        ConditionExpr::Not(_) => None,
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            let names = selected(rule, pattern);
            match quantifier {
                Quantifier::All => names.iter().find_map(|n| named(n)),
                Quantifier::Any | Quantifier::Count(_) => union(names.iter().map(|n| named(n))),
            }
        }
    }
}

/// The actions an event must have for the rule to match it (`None`: any).
pub fn rule_actions(source: Source, rule: &SigmaRule) -> Actions {
    let by_rule = union(
        rule.detection
            .conditions
            .iter()
            .map(|c| condition_actions(source, rule, c)),
    );
    by_rule.or_else(|| source.own_actions())
}

/// A rule as read from YAML, checked against the sources.
pub struct Parsed {
    pub rule: SigmaRule,
    pub source: Source,
}

/// Reads one rule file: the rule and its source, or why it is not applicable (`Err(Ok)`) or
/// not valid (`Err(Err)`).
pub fn parse(yaml: &str) -> Result<Parsed, Result<(String, String), String>> {
    let coll = rsigma_parser::parse_sigma_yaml(yaml).map_err(|e| Err(e.to_string()))?;
    if !coll.errors.is_empty() {
        return Err(Err(coll.errors.join("; ")));
    }
    if !coll.correlations.is_empty() && coll.rules.is_empty() {
        return Err(Ok((
            "correlation rule".into(),
            "correlation rules (counts over events) are not run yet; use a policy threshold".into(),
        )));
    }
    let Some(rule) = coll.rules.into_iter().next() else {
        return Err(Err("no rule in the file".into()));
    };
    let title = rule.title.clone();
    let ls = &rule.logsource;
    let source = Source::of_rule(ls.product.as_deref(), ls.service.as_deref())
        .map_err(|reason| Ok((title.clone(), reason)))?;
    let mut used = Vec::new();
    for d in rule.detection.named.values() {
        fields(d, &mut used);
    }
    for f in used.into_iter().flatten() {
        if source.path(&f).is_none() {
            return Err(Ok((
                title,
                format!(
                    "the {} as Cloudwarden reads it has no field \"{f}\"",
                    source.label()
                ),
            )));
        }
    }
    // The matcher must accept it too.
    let mut probe = rsigma_eval::Engine::new();
    probe.add_rule(&rule).map_err(|e| Err(e.to_string()))?;
    Ok(Parsed { rule, source })
}

/// A Sigma level as a severity.
pub fn severity(level: Option<&str>) -> Severity {
    match level.unwrap_or("medium") {
        "informational" | "low" => Severity::Low,
        "high" | "critical" => Severity::High,
        _ => Severity::Medium,
    }
}

/// The policy condition of a parsed rule.
pub fn condition(yaml: &str, p: &Parsed) -> SigmaCondition {
    let r = &p.rule;
    SigmaCondition {
        yaml: yaml.to_owned(),
        rule_id: r.id.clone(),
        author: r.author.clone().unwrap_or_else(|| "unknown".into()),
        logsource: format!(
            "{}/{}",
            r.logsource.product.as_deref().unwrap_or(""),
            r.logsource.service.as_deref().unwrap_or("")
        ),
        references: r.references.clone(),
        false_positives: r.falsepositives.clone(),
    }
}

/// The value at a dot path; arrays along the way give every member's value.
fn at(v: &Value, path: &str) -> Option<Value> {
    let mut current = vec![v];
    for part in path.split('.') {
        let mut next = Vec::new();
        for c in current {
            match c {
                Value::Object(m) => {
                    if let Some(x) = m.get(part) {
                        next.push(x);
                    }
                }
                Value::Array(items) => {
                    for i in items {
                        if let Some(x) = i.get(part) {
                            next.push(x);
                        }
                    }
                }
                _ => {}
            }
        }
        current = next;
    }
    let mut flat = Vec::new();
    for c in current {
        match c {
            Value::Array(items) => flat.extend(items.iter().cloned()),
            other => flat.push(other.clone()),
        }
    }
    match flat.len() {
        0 => None,
        1 => flat.pop(),
        _ => Some(Value::Array(flat)),
    }
}

/// Numbers and booleans as text: Azure Monitor's fields are strings where Graph's are not
/// (`ResultType: '50126'` against `status.errorCode: 50126`).
fn textual(v: Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Array(a) => Value::Array(a.into_iter().map(textual).collect()),
        other => other,
    }
}

/// Rules compiled per source, and which policy each belongs to.
#[derive(Default)]
pub struct Rules {
    /// Per source: the compiled rules, and the fields they use with where each is in the
    /// vendor's JSON.
    engines: HashMap<Source, (rsigma_eval::Engine, Vec<(String, String)>)>,
    /// Per source: rule key (id or title) → policy indexes.
    owners: HashMap<(Source, String), Vec<usize>>,
    /// Per source: the actions (lower case) its rules can match; `None`: any.
    actions: HashMap<Source, Actions>,
}

fn rule_key(id: Option<&str>, title: &str) -> String {
    id.map_or_else(|| format!("title:{title}"), |i| format!("id:{i}"))
}

impl Rules {
    /// Adds the rule of policy `index`; an unparsable or inapplicable rule is skipped (it
    /// was reported when imported).
    pub fn add(&mut self, index: usize, c: &SigmaCondition) {
        let Ok(p) = parse(&c.yaml) else {
            return;
        };
        let key = rule_key(p.rule.id.as_deref(), &p.rule.title);
        let (engine, known) = self
            .engines
            .entry(p.source)
            .or_insert_with(|| (rsigma_eval::Engine::new(), Vec::new()));
        let owners = self.owners.entry((p.source, key)).or_default();
        if owners.is_empty() {
            if engine.add_rule(&p.rule).is_err() {
                return;
            }
            let wanted = rule_actions(p.source, &p.rule);
            let slot = self
                .actions
                .entry(p.source)
                .or_insert_with(|| Some(HashSet::new()));
            match (slot.as_mut(), wanted) {
                (Some(all), Some(w)) => all.extend(w),
                _ => *slot = None,
            }
            let mut used = Vec::new();
            for d in p.rule.detection.named.values() {
                fields(d, &mut used);
            }
            for f in used.into_iter().flatten() {
                if known.iter().any(|(k, _)| *k == f) {
                    continue;
                }
                if let Some(path) = p.source.path(&f) {
                    known.push((f, path));
                }
            }
        }
        owners.push(index);
    }

    /// The sources an app's events come from.
    fn sources(app: &str) -> &'static [Source] {
        match app {
            "github" => &[Source::GithubAudit],
            "m365" => &[Source::EntraAudit, Source::EntraSignIn, Source::M365Audit],
            _ => &[],
        }
    }

    /// Whether a rule may match an activity of `app` with `action`: the event need not be
    /// read, let alone parsed, when none may.
    pub fn may_match(&self, app: &str, action: &str) -> bool {
        let sources = Self::sources(app);
        if sources.is_empty() {
            return false;
        }
        // Lower case without allocating (actions are short and ASCII).
        let mut buf = [0u8; 64];
        let owned;
        let lower: &str = if action.len() <= buf.len() && action.is_ascii() {
            for (d, b) in buf.iter_mut().zip(action.bytes()) {
                *d = b.to_ascii_lowercase();
            }
            std::str::from_utf8(&buf[..action.len()]).unwrap_or_default()
        } else {
            owned = action.to_lowercase();
            &owned
        };
        sources.iter().any(|s| match self.actions.get(s) {
            None => false,
            Some(None) => true,
            Some(Some(set)) => set.contains(lower),
        })
    }

    /// What raw events the rules need: for each app, every event (`None`) or those with
    /// these actions (lower case).
    pub fn raw_needs(&self) -> Vec<(&'static str, Option<Vec<String>>)> {
        let mut out = Vec::new();
        for app in ["github", "m365"] {
            let mut needs: Option<Option<HashSet<String>>> = None;
            for s in Self::sources(app) {
                match (self.actions.get(s), needs.as_mut()) {
                    (None, _) => {}
                    (Some(None), _) => needs = Some(None),
                    (Some(Some(set)), None) => needs = Some(Some(set.clone())),
                    (Some(Some(set)), Some(Some(acc))) => acc.extend(set.iter().cloned()),
                    (Some(Some(_)), Some(None)) => {}
                }
            }
            if let Some(n) = needs {
                out.push((
                    app,
                    n.map(|s| {
                        let mut v: Vec<String> = s.into_iter().collect();
                        v.sort();
                        v
                    }),
                ));
            }
        }
        out
    }

    /// The policies (indexes) whose rules match an activity (nothing is parsed when no rule
    /// can match its action).
    pub fn of(&self, a: &crate::backend::EvalActivity) -> Vec<usize> {
        match a.raw.as_deref() {
            Some(raw) if self.may_match(&a.app, &a.action) => self.matches(&a.app, raw),
            _ => Vec::new(),
        }
    }

    /// The policies (indexes) whose rules match the activity's raw event.
    pub fn matches(&self, app: &str, raw: &str) -> Vec<usize> {
        let found = if app == "github" {
            // GitHub's events are matched whole, with their own field names.
            serde_json::from_str::<Value>(raw).ok().and_then(|v| {
                let (engine, _) = self.engines.get(&Source::GithubAudit)?;
                Some((Source::GithubAudit, engine.evaluate(&JsonEvent::borrow(&v))))
            })
        } else {
            // Only the top level is read whole; the members the rules name are parsed on their
            // own (a sign-in's `status`, a record's `auditData`). Keys with escapes cannot be
            // borrowed: then they are owned.
            match serde_json::from_str::<rustc_hash::FxHashMap<&str, &RawValue>>(raw) {
                Ok(top) => self.evaluate_mapped(app, |k| top.get(k).copied()),
                Err(_) => serde_json::from_str::<rustc_hash::FxHashMap<String, &RawValue>>(raw)
                    .ok()
                    .and_then(|top| self.evaluate_mapped(app, |k| top.get(k).copied())),
            }
        };
        let Some((source, results)) = found else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for r in results {
            let key = rule_key(r.header.rule_id.as_deref(), &r.header.rule_title);
            if let Some(owners) = self.owners.get(&(source, key)) {
                out.extend(owners.iter().copied());
            }
        }
        out
    }

    /// The rules of the event's source run on one object keyed by the rules' own field
    /// names, its values taken from the event's top-level members (`top`).
    fn evaluate_mapped<'r>(
        &self,
        app: &str,
        top: impl Fn(&str) -> Option<&'r RawValue>,
    ) -> Option<(Source, Vec<rsigma_eval::EvaluationResult>)> {
        let source = Source::of_event(app, |k| top(k).is_some())?;
        let (engine, used) = self.engines.get(&source)?;
        let mut parsed: Vec<(&str, Value)> = Vec::new();
        let mut mapped = Map::new();
        for (field, path) in used {
            let (first, rest) = path.split_once('.').unwrap_or((path, ""));
            let i = match parsed.iter().position(|(k, _)| *k == first) {
                Some(i) => i,
                None => {
                    let Some(v) = top(first).and_then(|r| serde_json::from_str(r.get()).ok())
                    else {
                        continue;
                    };
                    parsed.push((first, v));
                    parsed.len() - 1
                }
            };
            let value = &parsed[i].1;
            let x = if rest.is_empty() {
                Some(value.clone())
            } else {
                at(value, rest)
            };
            if let Some(x) = x {
                mapped.insert(field.clone(), textual(x));
            }
        }
        let mapped = Value::Object(mapped);
        Some((source, engine.evaluate(&JsonEvent::borrow(&mapped))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RULE: &str = r#"
title: Github Delete Action Invoked
id: 16a71777-0b2e-4db7-9888-9d59cb75200b
author: Muhammad Faisal (@faisalusuf)
logsource:
    product: github
    service: audit
detection:
    selection:
        action:
            - 'repo.destroy'
            - 'project.delete'
    condition: selection
falsepositives:
    - Validate the deletion activity is permitted.
level: medium
"#;

    #[test]
    fn a_github_rule_matches_its_actions_only() {
        let p = match parse(RULE) {
            Ok(p) => p,
            Err(e) => panic!("{e:?}"),
        };
        assert_eq!(p.source, Source::GithubAudit);
        let c = condition(RULE, &p);
        assert_eq!(c.author, "Muhammad Faisal (@faisalusuf)");
        let mut rules = Rules::default();
        rules.add(7, &c);
        let hit = json!({"action": "repo.destroy", "actor": "mallory"}).to_string();
        let miss = json!({"action": "repo.create", "actor": "mallory"}).to_string();
        assert_eq!(rules.matches("github", &hit), vec![7]);
        assert!(rules.matches("github", &miss).is_empty());
        assert!(rules.matches("m365", &hit).is_empty());
    }

    #[test]
    fn only_the_actions_a_rule_names_are_read() {
        let p = match parse(RULE) {
            Ok(p) => p,
            Err(e) => panic!("{e:?}"),
        };
        let mut rules = Rules::default();
        rules.add(0, &condition(RULE, &p));
        assert!(
            rules.may_match("github", "Repo.Destroy"),
            "Sigma is case-insensitive"
        );
        assert!(!rules.may_match("github", "repo.create"));
        assert!(!rules.may_match("m365", "repo.destroy"));
        assert_eq!(
            rules.raw_needs(),
            vec![(
                "github",
                Some(vec!["project.delete".to_owned(), "repo.destroy".to_owned()])
            )]
        );
        // A rule that does not name the action (or negates it) needs every event.
        let any = r#"
title: Any actor from a country
logsource: { product: github, service: audit }
detection:
    selection:
        actor_location.country_code: 'KP'
    filter:
        action: 'repo.create'
    condition: selection and not filter
level: low
"#;
        let p = match parse(any) {
            Ok(p) => p,
            Err(e) => panic!("{e:?}"),
        };
        rules.add(1, &condition(any, &p));
        assert!(rules.may_match("github", "repo.create"));
        assert_eq!(rules.raw_needs(), vec![("github", None)]);
        // Sign-in rules read sign-ins only.
        let yaml = "title: s\nlogsource: {product: azure, service: signinlogs}\ndetection:\n  sel:\n    ResultType: 50126\n  condition: sel\n";
        let p = match parse(yaml) {
            Ok(p) => p,
            Err(e) => panic!("{e:?}"),
        };
        rules.add(2, &condition(yaml, &p));
        assert!(rules.may_match("m365", "Sign-in failed"));
        assert!(!rules.may_match("m365", "FileDownloaded"));
    }

    #[test]
    fn azure_fields_map_onto_graph_events() {
        let yaml = r#"
title: Sign-in failure bad password
id: 5f521e4b-0000-4000-8000-000000000001
author: test
logsource: { product: azure, service: signinlogs }
detection:
    selection:
        ResultType: 50126
        ResultDescription|contains: 'password'
    condition: selection
level: low
"#;
        let p = match parse(yaml) {
            Ok(p) => p,
            Err(e) => panic!("{e:?}"),
        };
        let mut rules = Rules::default();
        rules.add(0, &condition(yaml, &p));
        let ev = json!({"userPrincipalName": "a@b.c", "status": {"errorCode": 50126,
            "failureReason": "Invalid username or password."}})
        .to_string();
        assert_eq!(rules.matches("m365", &ev), vec![0]);
        assert_eq!(severity(Some("critical")), Severity::High);
    }

    #[test]
    fn other_sources_and_unknown_fields_are_not_applicable() {
        let okta = "title: x\nlogsource: {product: okta, service: okta}\ndetection:\n  sel:\n    eventType: a\n  condition: sel\n";
        assert!(matches!(parse(okta), Err(Ok((_, r))) if r.contains("okta/okta")));
        let odd = "title: y\nlogsource: {product: azure, service: signinlogs}\ndetection:\n  sel:\n    Nonsense: a\n  condition: sel\n";
        assert!(matches!(parse(odd), Err(Ok((_, r))) if r.contains("\"Nonsense\"")));
        assert!(matches!(parse("title: [unclosed"), Err(Err(_))));
    }
}
