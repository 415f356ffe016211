//! SharePoint and OneDrive: sites, drives, `delta` over a drive, and item permissions.
//!
//! `delta` tokens are opaque base64 of the drive, an epoch (bumped by
//! [`FakeGraph::invalidate_delta_tokens`](super::FakeGraph::invalidate_delta_tokens): old
//! tokens then answer 410 `resyncRequired`) and the change version the token stands for.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use base64::Engine as _;

use super::api::{query_or_return, FILES, SITES};
use super::auth::{Caller, Principal};
use super::odata::{
    bad_request, clauses, collection, entity, error, forbidden, item_not_found, link, option, page,
    query, Next,
};
use super::render;
use super::server::Shared;
use super::tenant::{LinkScope, Permission};

/// Edits made while the server runs ([`FakeGraph::touch_item`](super::FakeGraph::touch_item),
/// [`FakeGraph::share_item`](super::FakeGraph::share_item)).
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// Bumped by every edit.
    version: u64,
    /// Bumped when delta tokens are invalidated.
    epoch: u64,
    /// The error code of a `410` for an invalidated token (driveitem-delta.md:
    /// `resyncChangesApplyDifferences` or `resyncChangesUploadDifferences`).
    resync_code: &'static str,
    /// Per edited item: the version of its last edit and its new `lastModifiedDateTime`.
    edited: HashMap<u32, (u64, i64)>,
    /// Per item shared while the server runs: the version of the last sharing change and
    /// the permissions added. A sharing change alone does not change the item's content.
    shared: HashMap<u32, (u64, Vec<Permission>)>,
    /// Items gone without a trace a delta token could show (they are not listed again).
    removed: std::collections::HashSet<u32>,
}

impl Changes {
    pub(crate) fn touch(&mut self, item: usize, at_ms: i64) {
        self.version += 1;
        self.edited.insert(item as u32, (self.version, at_ms));
    }

    pub(crate) fn share(&mut self, item: usize, permission: Permission) {
        self.version += 1;
        let entry = self.shared.entry(item as u32).or_default();
        entry.0 = self.version;
        entry.1.push(permission);
    }

    pub(crate) fn remove(&mut self, item: usize) {
        self.removed.insert(item as u32);
    }

    pub(crate) fn invalidate(&mut self, code: &'static str) {
        self.epoch += 1;
        self.resync_code = code;
    }

    fn modified(&self, item: usize) -> Option<i64> {
        self.edited.get(&(item as u32)).map(|e| e.1)
    }

    /// The permissions added to an item while the server ran.
    pub(crate) fn added(&self, item: usize) -> &[Permission] {
        self.shared
            .get(&(item as u32))
            .map_or(&[], |s| s.1.as_slice())
    }

    /// How an item is rendered now (`path`: for item reads, not `delta`).
    fn view(&self, item: usize, path: bool) -> render::ItemView {
        render::ItemView {
            modified: self.modified(item),
            shared: self
                .added(item)
                .iter()
                .map(|p| p.link.unwrap_or(LinkScope::Users))
                .max(),
            path,
        }
    }
}

/// Where a `delta` request starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// A `@odata.deltaLink`: changes after version `since`.
    Delta {
        drive: usize,
        epoch: u64,
        since: u64,
    },
    /// A `@odata.nextLink` within a round: every item (`full`) or the changes in
    /// `(since, upto]`, from position `offset`.
    Page {
        drive: usize,
        epoch: u64,
        full: bool,
        since: u64,
        upto: u64,
        offset: usize,
    },
}

impl Token {
    fn encode(self) -> String {
        let raw = match self {
            Token::Delta {
                drive,
                epoch,
                since,
            } => format!("D.{drive}.{epoch}.{since}"),
            Token::Page {
                drive,
                epoch,
                full,
                since,
                upto,
                offset,
            } => format!(
                "P.{drive}.{epoch}.{}.{since}.{upto}.{offset}",
                if full { "f" } else { "c" }
            ),
        };
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    fn decode(s: &str) -> Option<Token> {
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim())
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        let parts: Vec<&str> = text.split('.').collect();
        let n = |i: usize| parts.get(i).and_then(|p| p.parse::<u64>().ok());
        match parts.first() {
            Some(&"D") if parts.len() == 4 => Some(Token::Delta {
                drive: n(1)? as usize,
                epoch: n(2)?,
                since: n(3)?,
            }),
            Some(&"P") if parts.len() == 7 => Some(Token::Page {
                drive: n(1)? as usize,
                epoch: n(2)?,
                full: match parts[3] {
                    "f" => true,
                    "c" => false,
                    _ => return None,
                },
                since: n(4)?,
                upto: n(5)?,
                offset: n(6)? as usize,
            }),
            _ => None,
        }
    }

    fn drive_and_epoch(self) -> (usize, u64) {
        match self {
            Token::Delta { drive, epoch, .. } | Token::Page { drive, epoch, .. } => (drive, epoch),
        }
    }
}

/// driveitem-delta.md: "HTTP 410 Gone … with an error response containing one of the error
/// codes below, and a `Location` header containing a new nextLink that starts a fresh delta
/// enumeration from scratch."
fn resync(code: &str, location: &str) -> Response {
    let message = if code == "resyncChangesUploadDifferences" {
        "Resync required. Upload any local items that the service didn't return, and upload \
         any files that differ from the server's version."
    } else {
        "Resync required. Replace any local items with the server's version (including \
         deletes) if you're sure that the service was up to date with your local changes when \
         you last sync'd. Upload any local changes that the server doesn't know about."
    };
    let mut r = error(StatusCode::GONE, code, message);
    if let Ok(v) = axum::http::HeaderValue::from_str(location) {
        r.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    r
}

/// Whether a delta request asks for items whose sharing changed (driveitem-delta.md:
/// `Prefer: deltashowsharingchanges` "requires you to use Prefer: deltashowremovedasdeleted
/// and Prefer: deltatraversepermissiongaps").
fn shows_sharing_changes(headers: &axum::http::HeaderMap) -> bool {
    let prefs: Vec<String> = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_ascii_lowercase())
        .collect();
    [
        "deltashowsharingchanges",
        "deltashowremovedasdeleted",
        "deltatraversepermissiongaps",
    ]
    .iter()
    .all(|p| prefs.iter().any(|x| x == p))
}

fn site_not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "itemNotFound",
        "Requested site could not be found",
    )
}

/// `GET /v1.0/sites?search=…`: team and communication sites whose name contains the term
/// (`*`: all of them); never personal sites.
pub(crate) async fn search_sites(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(FILES) {
        return forbidden();
    }
    let q = query_or_return!(q.as_deref(), 999);
    let term = option(&q.params, "search")
        .unwrap_or("*")
        .trim()
        .trim_matches('"')
        .to_lowercase();
    let t = &s.index.tenant;
    let rows: Vec<_> = s
        .index
        .team_sites
        .iter()
        .map(|&i| &t.sites[i as usize])
        .filter(|site| {
            term == "*"
                || term.is_empty()
                || site.display_name.to_lowercase().contains(&term)
                || site.name.to_lowercase().contains(&term)
        })
        .collect();
    page(&s.base, uri.path(), &q, "sites", &rows, |o, x| {
        render::site(o, x)
    })
}

/// `GET /v1.0/sites/getAllSites` (application permissions only): every site, OneDrives
/// included; `$filter=isPersonalSite eq true|false`.
pub(crate) async fn all_sites(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(SITES) {
        return forbidden();
    }
    // site-getallsites.md: delegated permissions "Not supported".
    if caller.principal != Principal::App {
        return error(
            StatusCode::FORBIDDEN,
            "accessDenied",
            "Access denied. You do not have permission to perform this action or access this resource.",
        );
    }
    let q = query_or_return!(q.as_deref(), 999);
    let personal = match q.filter.as_deref() {
        None => None,
        Some(f) => match clauses(f).as_deref() {
            Some([c]) if c.field.eq_ignore_ascii_case("isPersonalSite") && c.op == "eq" => {
                match c.value.to_lowercase().as_str() {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => return bad_request("Invalid filter clause"),
                }
            }
            _ => return bad_request("Invalid filter clause"),
        },
    };
    let rows: Vec<_> = s
        .index
        .tenant
        .sites
        .iter()
        .filter(|site| personal.is_none_or(|p| site.personal == p))
        .collect();
    page(&s.base, uri.path(), &q, "sites", &rows, |o, x| {
        render::site(o, x)
    })
}

/// `GET /v1.0/sites/{site_id}/drives`.
pub(crate) async fn site_drives(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(site_id): Path<String>,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(FILES) {
        return forbidden();
    }
    let q = query_or_return!(q.as_deref(), 999);
    let Some(site) = s.index.site(&site_id) else {
        return site_not_found();
    };
    let t = &s.index.tenant;
    let rows: Vec<_> = s.index.site_drives[site]
        .iter()
        .map(|&d| &t.drives[d as usize])
        .collect();
    page(&s.base, uri.path(), &q, "drives", &rows, |o, d| {
        render::drive(o, &s.index, d)
    })
}

/// `GET /v1.0/drives/{drive_id}/root/delta`: `token` (from a link, or `latest`), `$top`,
/// `$select`. Items whose only change is their sharing come back only to a request that
/// prefers `deltashowsharingchanges` (with the two preferences it requires), marked
/// `@microsoft.graph.sharedChanged`; items carry no `parentReference.path`.
pub(crate) async fn delta(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(drive_id): Path<String>,
    uri: Uri,
    headers: axum::http::HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(FILES) {
        return forbidden();
    }
    let q = query_or_return!(q.as_deref(), 999);
    let Some(d) = s.index.drive(&drive_id) else {
        return item_not_found();
    };
    let context = format!("{}/v1.0/$metadata#Collection(driveItem)", s.base);
    let changes = s.changes();
    let deltalink = |since: u64| {
        let token = Token::Delta {
            drive: d,
            epoch: changes.epoch,
            since,
        };
        link(&s.base, uri.path(), &q.params, "token", &token.encode())
    };
    let (full, since, upto, offset) = match option(&q.params, "token") {
        None => (true, 0, changes.version, 0),
        Some("latest") => {
            return collection(
                &context,
                Some(Next::Delta(&deltalink(changes.version))),
                |_| {},
            );
        }
        Some(raw) => {
            let Some(token) = Token::decode(raw) else {
                return bad_request("Invalid delta token.");
            };
            let (drive, epoch) = token.drive_and_epoch();
            if drive != d {
                return bad_request("Invalid delta token.");
            }
            if epoch != changes.epoch {
                let code = match changes.resync_code {
                    "" => "resyncChangesApplyDifferences",
                    c => c,
                };
                let fresh = format!("{}{}", s.base, uri.path());
                return resync(code, &fresh);
            }
            match token {
                Token::Delta { since, .. } => (false, since, changes.version, 0),
                Token::Page {
                    full,
                    since,
                    upto,
                    offset,
                    ..
                } => (full, since, upto, offset),
            }
        }
    };
    let edited: Vec<u32>;
    let kept: Vec<u32>;
    let list: &[u32] = if full && changes.removed.is_empty() {
        &s.index.drive_items[d]
    } else if full {
        kept = s.index.drive_items[d]
            .iter()
            .copied()
            .filter(|i| !changes.removed.contains(i))
            .collect();
        &kept
    } else {
        // driveitem-delta.md: processing permissions this way needs Sites.FullControl.All.
        let sharing = shows_sharing_changes(&headers) && caller.has_any(&["Sites.FullControl.All"]);
        let in_round =
            |i: u32, v: u64| s.index.item_drive[i as usize] as usize == d && v > since && v <= upto;
        let mut changed: Vec<(u64, u32)> = changes
            .edited
            .iter()
            .filter(|(&i, &(v, _))| in_round(i, v))
            .map(|(&i, &(v, _))| (v, i))
            .collect();
        if sharing {
            changed.extend(
                changes
                    .shared
                    .iter()
                    .filter(|(&i, (v, _))| in_round(i, *v))
                    .map(|(&i, (v, _))| (*v, i)),
            );
        }
        changed.sort_unstable();
        let mut seen = std::collections::HashSet::new();
        edited = changed
            .into_iter()
            .map(|(_, i)| i)
            .filter(|i| seen.insert(*i))
            .collect();
        &edited
    };
    let start = offset.min(list.len());
    let end = (start + q.top).min(list.len());
    let more = end < list.len();
    let url = if more {
        let token = Token::Page {
            drive: d,
            epoch: changes.epoch,
            full,
            since,
            upto,
            offset: end,
        };
        link(&s.base, uri.path(), &q.params, "token", &token.encode())
    } else {
        deltalink(upto)
    };
    let next = if more {
        Next::Page(&url)
    } else {
        Next::Delta(&url)
    };
    let select = q.select.as_deref();
    collection(&context, Some(next), |w| {
        w.each(list[start..end].iter(), |w, &i| {
            let i = i as usize;
            w.object_select(select, |o| {
                if !full && changes.shared.contains_key(&(i as u32)) {
                    o.str("@microsoft.graph.sharedChanged", "True");
                }
                render::drive_item(o, &s.index, i, changes.view(i, false));
            });
        });
    })
}

/// `GET /v1.0/drives/{drive_id}/items/{item_id}`: one item, with `parentReference.path`.
pub(crate) async fn item(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path((drive_id, item_id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Response {
    if !caller.has_any(FILES) {
        return forbidden();
    }
    let q = query_or_return!(q.as_deref(), 999);
    let Some(d) = s.index.drive(&drive_id) else {
        return item_not_found();
    };
    let Some(i) = s
        .index
        .item(&item_id)
        .filter(|&i| s.index.item_drive[i] as usize == d)
        .filter(|&i| !s.changes().removed.contains(&(i as u32)))
    else {
        return item_not_found();
    };
    let view = s.changes().view(i, true);
    let select = q.select.as_deref();
    entity(
        &format!(
            "{}/v1.0/$metadata#drives('{drive_id}')/items/$entity",
            s.base
        ),
        select,
        |o| render::drive_item(o, &s.index, i, view),
    )
}

/// `GET /v1.0/drives/{drive_id}/items/{item_id}/permissions` (`root` names the drive's root).
pub(crate) async fn item_permissions(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path((drive_id, item_id)): Path<(String, String)>,
) -> Response {
    if !caller.has_any(FILES) {
        return forbidden();
    }
    let Some(d) = s.index.drive(&drive_id) else {
        return item_not_found();
    };
    let item = if item_id.eq_ignore_ascii_case("root") {
        s.index.drive_items[d].first().map(|&i| i as usize)
    } else {
        s.index
            .item(&item_id)
            .filter(|&i| s.index.item_drive[i] as usize == d)
    };
    let Some(item) = item else {
        return item_not_found();
    };
    collection(
        &format!(
            "{}/v1.0/$metadata#drives('{drive_id}')/items('{item_id}')/permissions",
            s.base
        ),
        None,
        |w| render::permissions(w, &s.index, item, s.changes().added(item)),
    )
}

#[cfg(test)]
mod tests {
    use super::Token;

    #[test]
    fn delta_tokens_round_trip() {
        for t in [
            Token::Delta {
                drive: 3,
                epoch: 1,
                since: 42,
            },
            Token::Page {
                drive: 0,
                epoch: 0,
                full: true,
                since: 0,
                upto: 7,
                offset: 200,
            },
        ] {
            assert_eq!(Token::decode(&t.encode()), Some(t));
        }
        assert_eq!(Token::decode("latest"), None);
    }
}
