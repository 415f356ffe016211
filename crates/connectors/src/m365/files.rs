//! OneDrive and SharePoint: sites → drives → the items of each drive (delta), with the
//! sharing permissions of shared items.

use std::collections::{HashMap, HashSet};

use futures_util::StreamExt;
use serde_json::value::RawValue;
use serde_json::Value;
use url::Url;

use super::*;

/// Drives read at once.
const DRIVES_IN_FLIGHT: usize = 8;
/// Drives finished between two keeps of the delta links.
const KEEP_EVERY_DRIVES: usize = 32;

/// A document library or OneDrive.
#[derive(Debug, Clone)]
struct Drive {
    id: String,
    web_url: String,
    owner: Option<String>,
}

/// The full paths of a drive's folders by id (`""` for the root), filled as its pages are
/// read; shared by the tasks reading its pages (one at a time).
type Paths = std::sync::Arc<std::sync::Mutex<HashMap<String, String>>>;

fn lock(paths: &Paths) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
    paths
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An item's parent's id.
fn parent_id(item: &Value) -> Option<String> {
    ptr(item, "/parentReference/id")
}

/// The full path of a folder read by itself: its `parentReference.path`
/// (`/drives/{id}/root:/A/B`, or `/drive/root:`; percent-encoded, itemreference.md) decoded,
/// and its name; `""` for the root.
fn folder_path(folder: &Value) -> String {
    if folder.get("root").is_some() {
        return String::new();
    }
    let parent = ptr(folder, "/parentReference/path").unwrap_or_default();
    let parent = parent
        .split_once("root:")
        .map_or("", |(_, p)| p)
        .trim_end_matches('/');
    let parent = percent_encoding::percent_decode_str(parent).decode_utf8_lossy();
    format!("{parent}/{}", text(folder, "name").unwrap_or_default())
}

/// The key of a drive's pending replacement (the time its full re-read began) in the kept
/// state, beside the drives' delta links.
fn resync_key(drive: &str) -> String {
    format!("resync:{drive}")
}

/// What a delta request prefers (driveitem-delta.md): items whose sharing changed, marked
/// `@microsoft.graph.sharedChanged` — "requires you to use Prefer:
/// deltashowremovedasdeleted and Prefer: deltatraversepermissiongaps … joined together in a
/// single header". Processing permissions this way needs Sites.FullControl.All for
/// application permissions, per the same page.
const DELTA_PREFER: &str =
    "deltashowremovedasdeleted, deltatraversepermissiongaps, deltashowsharingchanges";

/// A delta page of a drive, mapped.
struct DrivePage {
    records: Records,
    next: Option<Url>,
    delta: Option<Url>,
}

/// Reads the drives of one page of sites, several at once.
struct DriveReader<'a> {
    m365: &'a M365,
    ctx: &'a Ctx,
    /// `ctx.http` with the delta preferences.
    delta_http: crate::http::Http,
    dir: &'a std::sync::Arc<Directory>,
    sites_url: &'a str,
    /// The next page of sites (where the cursor points once every drive here is read).
    after: Option<&'a Url>,
    drives: &'a [Drive],
}

impl DriveReader<'_> {
    /// Reads `drives[first..]`: each from its kept delta link (only the changes since the last
    /// scan) or from its start; an expired link (410) reads the drive again from where the
    /// answer's `Location` says (else its start) and, for `resyncChangesApplyDifferences`
    /// ("Replace any local items with the server's version (including deletes)"), drops what
    /// the re-read did not return; a drive removed or closed meanwhile (403/404) is named in
    /// a note and skipped.
    async fn read(
        &self,
        first: usize,
        links: &mut HashMap<String, String>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let mut in_flight = futures_util::stream::FuturesUnordered::new();
        // Drives begun and not read to their end, with their folders' paths.
        let mut open: std::collections::BTreeMap<usize, Paths> = Default::default();
        let mut next_drive = first;
        // Drives finished whose delta links are not kept yet.
        let mut unsaved = 0;
        // Drives already read again in full in this run after a 410 (a second 410 is not
        // followed again).
        let mut resynced_now = std::collections::HashSet::new();
        loop {
            while open.len() < DRIVES_IN_FLIGHT && next_drive < self.drives.len() {
                let drive = &self.drives[next_drive];
                let url = match links.get(&drive.id) {
                    Some(link) => parse_url(link)?,
                    None => self.start_url(drive)?,
                };
                let paths = Paths::default();
                in_flight.push(self.page(next_drive, url, &paths));
                open.insert(next_drive, paths);
                next_drive += 1;
            }
            let Some((i, url, page)) = in_flight.next().await else {
                if unsaved > 0 {
                    sink.keep(serde_json::to_string(&links).unwrap_or_default())
                        .await?;
                }
                return Ok(());
            };
            let drive = &self.drives[i];
            let paths = open.get(&i).cloned().unwrap_or_default();
            let mut page = match page {
                Ok(p) => p,
                Err(Error::Gone { code, location, .. })
                    if url != self.start_url(drive)? && resynced_now.insert(i) =>
                {
                    // driveitem-delta.md: the `Location` header has "a new nextLink that
                    // starts a fresh delta enumeration from scratch" (same host only: the
                    // token goes with it).
                    let fresh =
                        match crate::paging::odata_link_of(&url, location.as_deref(), "Location") {
                            Ok(Some(u)) => u,
                            _ => self.start_url(drive)?,
                        };
                    // Both codes tell a syncing client what to do with its local changes;
                    // a read-only copy has none, so either way the service's items are the
                    // truth: what the re-read does not return is gone. The pending
                    // replacement is kept (with the link gone) before reading, so a killed
                    // scan that reads the drive again from its start still applies it.
                    links.remove(&drive.id);
                    links
                        .entry(resync_key(&drive.id))
                        .or_insert_with(|| now_ms().to_string());
                    sink.keep(serde_json::to_string(&links).unwrap_or_default())
                        .await?;
                    sink.note(format!(
                        "the change token of {} expired ({code}); it was read again in full and files it no longer has were removed",
                        drive.web_url
                    ));
                    lock(&paths).clear();
                    in_flight.push(self.page(i, fresh, &paths));
                    continue;
                }
                Err(Error::Forbidden(_) | Error::Status { status: 404, .. }) => {
                    links.remove(&drive.id);
                    sink.note(format!("the drive {} could not be read", drive.web_url));
                    open.remove(&i);
                    continue;
                }
                Err(e) => return Err(e),
            };
            match &page.next {
                Some(next) => in_flight.push(self.page(i, next.clone(), &paths)),
                None => {
                    open.remove(&i);
                    // A drive read in full while a replacement was pending: apply it.
                    let pending = links.remove(&resync_key(&drive.id));
                    if let Some(since_ms) = pending.and_then(|s| s.parse().ok()) {
                        page.records.resynced.push(Resync {
                            container: drive.id.clone(),
                            since_ms,
                        });
                        unsaved += 1;
                    }
                }
            }
            // Every drive before the first open one is read to its end.
            let lowest = open.keys().next().copied().unwrap_or(next_drive);
            let cursor = match self.drives.get(lowest) {
                Some(d) => Position {
                    drive_id: Some(d.id.clone()),
                    ..Position::at("drives", Some(&parse_url(self.sites_url)?), lowest)
                },
                None => Position::at("drives", self.after, 0),
            };
            sink.page(page.records, cursor.encode()).await?;
            if let Some(link) = page.delta.filter(|_| page.next.is_none()) {
                links.insert(drive.id.clone(), link.to_string());
                unsaved += 1;
            }
            // The links are kept every few drives (the whole map each time), and at the end:
            // a drive finished since the last keep is read in full again after a kill, never
            // skipped.
            if unsaved >= KEEP_EVERY_DRIVES {
                sink.keep(serde_json::to_string(&links).unwrap_or_default())
                    .await?;
                unsaved = 0;
            }
        }
    }

    fn start_url(&self, drive: &Drive) -> Result<Url> {
        self.m365
            .url(&format!("drives/{}/root/delta", drive.id), &[])
    }

    /// One delta page of drive `i`, read, with the permissions of its shared items, and mapped
    /// on its own task.
    fn page(
        &self,
        i: usize,
        url: Url,
        paths: &Paths,
    ) -> impl std::future::Future<Output = (usize, Url, Result<DrivePage>)> {
        let (m365, http, auth) = (
            self.m365.clone(),
            self.delta_http.clone(),
            self.ctx.auth.clone(),
        );
        let (drive, dir, paths) = (self.drives[i].clone(), self.dir.clone(), paths.clone());
        let task = tokio::spawn({
            let url = url.clone();
            async move {
                m365.drive_page(&http, &auth, &drive, &dir, &paths, &url)
                    .await
            }
        });
        async move {
            let page = match task.await {
                Ok(p) => p,
                Err(e) => Err(Error::Config(format!("drive reader: {e}"))),
            };
            (i, url, page)
        }
    }
}

impl M365 {
    /// The object ids of the tenant's guests (user-list.md: `$filter` on userType with
    /// `eq`): a grantee named only by id is external if it is one. Without permission to
    /// list users, guests are known by their addresses alone (noted).
    async fn guests(&self, ctx: &Ctx, sink: &mut dyn Sink) -> Result<HashSet<String>> {
        let url = self.url(
            "users",
            &[
                ("$filter", "userType eq 'Guest'"),
                ("$select", "id"),
                ("$top", PAGE),
            ],
        )?;
        match self.all(ctx, url).await {
            Ok(list) => Ok(list.iter().filter_map(|u| text(u, "id")).collect()),
            Err(Error::Forbidden(_)) => {
                sink.note("guests are recognised by their addresses only: grant User.Read.All to recognise guest accounts shared with".into());
                Ok(HashSet::new())
            }
            Err(e) => Err(e),
        }
    }

    /// The tenant's verified domains: collaborators outside them are external.
    async fn domains(&self, ctx: &Ctx) -> Result<Vec<String>> {
        let resp = ctx
            .http
            .get(
                &self.url(
                    "organization",
                    &[("$select", "id,displayName,verifiedDomains")],
                )?,
                &ctx.auth,
            )
            .await?;
        Ok(values(&resp)?
            .iter()
            .flat_map(|o| {
                o.get("verifiedDomains")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|d| text(d, "name"))
            })
            .map(|d| d.to_ascii_lowercase())
            .collect())
    }

    /// The first page of sites: every site with application permissions (OneDrive personal
    /// sites included); the searchable ones for a signed-in user, as `sites/getAllSites`
    /// supports application permissions only (site-getallsites.md: delegated "Not
    /// supported"; such a call is denied with 403 `accessDenied`). Neither page documents
    /// `$top`: pages are the service's size.
    pub(super) fn sites_url(&self) -> Result<Url> {
        const SELECT: &str = "id,name,displayName,webUrl";
        if self.delegated {
            // site-search.md: `GET /sites?search={query}`.
            self.url("sites", &[("search", "*"), ("$select", SELECT)])
        } else {
            self.url("sites/getAllSites", &[("$select", SELECT)])
        }
    }

    /// Sites → drives → the items of each drive (delta), with the permissions of shared items.
    /// The drives of a sites page are read several at once (a page of one drive at a time per
    /// drive); one stored page per delta page. The cursor names the sites page and the first
    /// drive not yet read to its end (by index and id): a resumed scan reads that drive and
    /// the ones after it again (drives finished meanwhile from their kept delta links).
    pub(super) async fn scan_files(
        &self,
        ctx: &Ctx,
        pos: Option<Position>,
        kept: Option<&str>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let dir = std::sync::Arc::new(Directory {
            domains: self.domains(ctx).await?,
            guests: self.guests(ctx, sink).await?,
            delegated: self.delegated,
        });
        let delta_http = ctx.http.with_headers(&[("prefer", DELTA_PREFER)])?;
        // The delta link of every drive read to its end: the next scan reads only changes.
        let mut links: HashMap<String, String> = kept
            .and_then(|k| serde_json::from_str(k).ok())
            .unwrap_or_default();
        let mut pos = match pos.filter(|p| p.stage == "drives" && p.url.is_some()) {
            Some(p) => p,
            None => {
                if self.delegated {
                    sink.note(
                        "signed in as a user, only SharePoint sites are listed and each file's sharing is what that user may see (collaborators are never removed on it): users' OneDrives and complete sharing need the app registration's application permissions (client credentials)".into(),
                    );
                }
                Position::at("drives", Some(&self.sites_url()?), 0)
            }
        };
        while let Some(sites_url) = pos.url.clone() {
            let resp = ctx.http.get(&parse_url(&sites_url)?, &ctx.auth).await?;
            let after = odata_next(&resp)?;
            let drives = self.site_drives(ctx, &take_values(resp)?, sink).await?;
            // Resuming: the drive by id (libraries come and go), else by index.
            let first = pos
                .drive_id
                .as_deref()
                .and_then(|id| drives.iter().position(|d| d.id == id))
                .unwrap_or(pos.index);
            let reader = DriveReader {
                m365: self,
                ctx,
                delta_http: delta_http.clone(),
                dir: &dir,
                sites_url: &sites_url,
                after: after.as_ref(),
                drives: &drives,
            };
            reader.read(first, &mut links, sink).await?;
            pos = Position::at("drives", after.as_ref(), 0);
        }
        Ok(())
    }

    /// One delta page of a drive, with the permissions of its shared items (several at once),
    /// mapped to files with their full paths; items reported deleted are listed as such.
    async fn drive_page(
        &self,
        http: &crate::http::Http,
        auth: &crate::http::Auth,
        drive: &Drive,
        dir: &Directory,
        paths: &Paths,
        url: &Url,
    ) -> Result<DrivePage> {
        let resp = http.get_raw(url, auth).await?;
        let page = RawPage::parse(&resp)?;
        let mut deleted = Vec::new();
        // Each item decoded for its fields; its text is kept as the file's raw JSON.
        let mut items: Vec<(Value, &RawValue)> = Vec::with_capacity(page.value.len());
        for raw in &page.value {
            let item: Value = serde_json::from_str(raw.get()).map_err(|e| Error::Decode {
                url: resp.url.path().to_owned(),
                message: format!("a drive item: {e}"),
            })?;
            if item.get("deleted").is_some() {
                deleted.extend(text(&item, "id"));
            } else if item.get("root").is_some() {
                if let Some(id) = text(&item, "id") {
                    lock(paths).insert(id, String::new());
                }
            } else {
                items.push((item, raw));
            }
        }
        self.resolve_paths(http, auth, drive, paths, &items).await?;
        let shared: Vec<String> = items
            .iter()
            .map(|(i, _)| i)
            .filter(|i| i.get("shared").is_some())
            .filter_map(|i| text(i, "id"))
            .collect();
        let mut perms: HashMap<String, Result<Vec<Value>>> = futures_util::stream::iter(shared)
            .map(|item: String| {
                let url = self.url(
                    &format!("drives/{}/items/{item}/permissions", drive.id),
                    &[],
                );
                async move {
                    let list = match url {
                        Ok(u) => read_all(http, auth, u).await,
                        Err(e) => Err(e),
                    };
                    (item, list)
                }
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
        let mut records = Records {
            deleted_files: deleted,
            ..Records::default()
        };
        let known = lock(paths);
        for (item, raw) in items {
            let id = text(&item, "id").unwrap_or_default();
            let permissions = match perms.remove(&id) {
                Some(Ok(p)) => Some(p),
                Some(Err(Error::Forbidden(_) | Error::Status { status: 404, .. })) | None => None,
                // A 401 or a cancel keeps its meaning (renew and continue, stop).
                Some(Err(e)) => return Err(e),
            };
            let path = match (
                parent_id(&item).and_then(|p| known.get(&p)),
                text(&item, "name"),
            ) {
                (Some(parent), Some(name)) => format!("{parent}/{name}"),
                (None, Some(name)) => name,
                _ => String::new(),
            };
            records.files.push(file_item(
                &item,
                raw,
                permissions.as_deref(),
                dir,
                drive,
                path,
            ));
        }
        Ok(DrivePage {
            records,
            next: page.next(&resp)?,
            delta: page.delta(&resp)?,
        })
    }

    /// Makes the full path of every folder of `items` and of every item's parent known.
    /// Delta answers carry no `parentReference.path` (driveitem-delta.md: "The
    /// parentReference property on items won't include a value for path … track items by
    /// id"): paths are built from parent ids as pages arrive — a full read lists parents
    /// before their children — and a parent not seen in this scan (an incremental read) is
    /// read by itself, whose `parentReference.path` a plain item read does carry.
    async fn resolve_paths(
        &self,
        http: &crate::http::Http,
        auth: &crate::http::Auth,
        drive: &Drive,
        paths: &Paths,
        items: &[(Value, &RawValue)],
    ) -> Result<()> {
        // The folders of this page: id → (parent id, name).
        let folders: HashMap<String, (Option<String>, String)> = items
            .iter()
            .map(|(i, _)| i)
            .filter(|i| i.get("folder").is_some())
            .filter_map(|i| Some((text(i, "id")?, (parent_id(i), text(i, "name")?))))
            .collect();
        let unknown: Vec<String> = {
            let known = lock(paths);
            items
                .iter()
                .filter_map(|(i, _)| parent_id(i))
                .filter(|p| !known.contains_key(p) && !folders.contains_key(p))
                .collect::<HashSet<_>>()
                .into_iter()
                .collect()
        };
        let read: Vec<Result<(String, String)>> = futures_util::stream::iter(unknown)
            .map(|id| async move {
                let url = self.url(
                    &format!("drives/{}/items/{id}", drive.id),
                    &[("$select", "id,name,parentReference,root")],
                )?;
                let folder = http.get(&url, auth).await?.body;
                Ok((id, folder_path(&folder)))
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
        let mut known = lock(paths);
        for r in read {
            match r {
                Ok((id, path)) => {
                    known.insert(id, path);
                }
                // A parent gone meanwhile: its children keep their bare names.
                Err(Error::Forbidden(_) | Error::Status { status: 404, .. }) => {}
                Err(e) => return Err(e),
            }
        }
        // This page's folders, each after its parent (in any order on the page).
        let mut todo: Vec<&String> = folders.keys().collect();
        while !todo.is_empty() {
            let before = todo.len();
            todo.retain(|id| {
                let (parent, name) = &folders[*id];
                let base = match parent {
                    Some(p) => match known.get(p) {
                        Some(base) => base.clone(),
                        None => return true,
                    },
                    None => String::new(),
                };
                known.insert((*id).clone(), format!("{base}/{name}"));
                false
            });
            if todo.len() == before {
                // Parents that could not be read: the folders are named from where known.
                for id in todo.drain(..) {
                    known.insert(id.clone(), format!("/{}", folders[id].1));
                }
            }
        }
        Ok(())
    }

    /// The drives of a page of sites, in order (listed several sites at once). A site whose
    /// drives cannot be read is named in a note.
    async fn site_drives(
        &self,
        ctx: &Ctx,
        sites: &[Value],
        sink: &mut dyn Sink,
    ) -> Result<Vec<Drive>> {
        let urls: Vec<Result<Url>> = sites
            .iter()
            .map(|site| {
                let site_id = text(site, "id").unwrap_or_default();
                self.url(
                    &format!("sites/{site_id}/drives"),
                    &[("$select", "id,name,driveType,webUrl,owner")],
                )
            })
            .collect();
        let lists: Vec<Result<Vec<Value>>> = futures_util::stream::iter(urls)
            .map(|url| async move {
                match url {
                    Ok(u) => joined(spawn_all(ctx, u)).await,
                    Err(e) => Err(e),
                }
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
        let mut drives = Vec::new();
        for (site, list) in sites.iter().zip(lists) {
            match list {
                Ok(list) => drives.extend(list.iter().map(|d| {
                    Drive {
                        id: text(d, "id").unwrap_or_default(),
                        web_url: text(d, "webUrl").unwrap_or_default(),
                        owner: ptr(d, "/owner/user/email")
                            .or_else(|| ptr(d, "/owner/user/displayName"))
                            .or_else(|| ptr(d, "/owner/group/displayName")),
                    }
                })),
                Err(Error::Forbidden(_) | Error::Status { status: 404, .. }) => {
                    sink.note(format!(
                        "the drives of {} could not be read",
                        text(site, "webUrl")
                            .unwrap_or_else(|| text(site, "id").unwrap_or_default())
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(drives)
    }
}

/// What classifying a grantee needs.
#[derive(Debug, Default)]
pub(super) struct Directory {
    /// The tenant's verified domains: an address outside them is external.
    pub domains: Vec<String>,
    /// The object ids of the tenant's guests (B2B): a `user` grantee has no address to go by.
    pub guests: HashSet<String>,
    /// Signed in as a user: a permission list shows only what that user may see
    /// (driveitem-list-permissions.md: "For a non-owner caller, only the sharing permissions
    /// that apply to the caller are returned"), so it is never taken as complete.
    pub delegated: bool,
}

impl Directory {
    /// Whether an address is outside the organisation: a guest UPN (`#EXT#`) or a domain
    /// that is not one of the tenant's verified domains (nor below one).
    fn outside(&self, address: &str) -> bool {
        let a = address.to_ascii_lowercase();
        if a.contains("#ext#") {
            return true;
        }
        let Some((_, domain)) = a.rsplit_once('@') else {
            return false;
        };
        !self
            .domains
            .iter()
            .any(|d| domain == d || domain.ends_with(&format!(".{d}")))
    }
}

/// Who one identity of a `sharePointIdentitySet` is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Who {
    /// A person, group or app, by a name an analyst knows.
    Named { account: String, external: bool },
    /// Every member of the organisation ("Everyone except external users", "Everyone").
    Organisation,
}

/// The identities of a `sharePointIdentitySet` (sharepointidentityset.md): `user`, `group`,
/// `application`, `device` (identity: `displayName`, `id`; `email` where SharePoint adds
/// it), `siteUser`, `siteGroup` (sharePointIdentity: also `loginName`), `sharePointGroup`.
/// A guest is a `user` whose id is a guest's, or whose address or login is outside
/// (`#EXT#`, a domain not verified, SharePoint's `urn:spo:guest#` for someone without an
/// account).
fn identities(set: &Value, dir: &Directory) -> Vec<Who> {
    let mut out = Vec::new();
    let Some(map) = set.as_object() else {
        return out;
    };
    for (kind, id) in map {
        let name = || text(id, "email").or_else(|| text(id, "displayName"));
        match kind.as_str() {
            "user" => {
                let guest = text(id, "id").is_some_and(|i| dir.guests.contains(&i));
                if let Some(account) = name().or_else(|| text(id, "id")) {
                    let external = guest || text(id, "email").is_some_and(|e| dir.outside(&e));
                    out.push(Who::Named { account, external });
                }
            }
            "siteUser" => {
                let login = text(id, "loginName").unwrap_or_default();
                // `i:0#.f|membership|ann@contoso.com`, `urn:spo:guest#eve@fabrikam.com`.
                let tail = login.rsplit('|').next().unwrap_or_default();
                let from_login = Some(tail.strip_prefix("urn:spo:guest#").unwrap_or(tail))
                    .filter(|l| l.contains('@'))
                    .map(str::to_owned);
                let account = text(id, "email")
                    .or(from_login)
                    .or_else(|| text(id, "displayName"));
                if let Some(account) = account {
                    let external = login.to_ascii_lowercase().contains("#ext#")
                        || login.starts_with("urn:spo:guest")
                        || dir.outside(&account);
                    out.push(Who::Named { account, external });
                }
            }
            "siteGroup" | "sharePointGroup" => {
                let login = text(id, "loginName").unwrap_or_default();
                // "Everyone except external users" and "Everyone" are claims, not groups of
                // people: they open the item to the whole organisation.
                if login.contains("spo-grid-all-users") || login.starts_with("c:0(.s|true") {
                    out.push(Who::Organisation);
                } else if let Some(account) = text(id, "displayName") {
                    out.push(Who::Named {
                        account,
                        external: false,
                    });
                }
            }
            "group" => {
                if let Some(account) = name() {
                    out.push(Who::Named {
                        account,
                        external: false,
                    });
                }
            }
            "application" => {
                if let Some(app) = text(id, "displayName").or_else(|| text(id, "id")) {
                    out.push(Who::Named {
                        account: format!("{app} (app)"),
                        external: false,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// A drive item as a file, its sharing level from its permissions: an anonymous link is
/// public; a grantee outside the organisation (a guest, an address outside the verified
/// domains) makes it external; an organisation link or "Everyone except external users"
/// internal; else private. Without readable permissions, the item's `shared.scope` decides.
/// `path` is the item's full path in its drive (`/Folder/file.docx`).
fn file_item(
    item: &Value,
    raw: &RawValue,
    permissions: Option<&[Value]>,
    dir: &Directory,
    drive: &Drive,
    path: String,
) -> FileItem {
    let mut collaborators = Vec::new();
    let mut link_scopes = HashSet::new();
    let mut organisation = false;
    for p in permissions.unwrap_or_default() {
        let roles: Vec<&str> = p
            .get("roles")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if roles.contains(&"owner") {
            continue;
        }
        if let Some(scope) = ptr(p, "/link/scope") {
            link_scopes.insert(scope);
        }
        let permission = if roles.contains(&"write") {
            "write"
        } else {
            "read"
        };
        let mut who: Vec<Who> = p
            .get("grantedToV2")
            .map(|s| identities(s, dir))
            .unwrap_or_default();
        for set in p
            .get("grantedToIdentitiesV2")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            who.extend(identities(set, dir));
        }
        // An invitation not yet redeemed names only the address.
        if who.is_empty() {
            if let Some(email) = ptr(p, "/invitation/email") {
                who.push(Who::Named {
                    external: dir.outside(&email),
                    account: email,
                });
            }
        }
        for w in who {
            match w {
                Who::Organisation => organisation = true,
                Who::Named { account, external } => {
                    match collaborators
                        .iter_mut()
                        .find(|c: &&mut Collaborator| c.account == account)
                    {
                        // The widest access a person has.
                        Some(c) if permission == "write" => c.permission = "write".into(),
                        Some(_) => {}
                        None => collaborators.push(Collaborator {
                            external,
                            permission: permission.into(),
                            account,
                        }),
                    }
                }
            }
        }
    }
    let shared_scope = ptr(item, "/shared/scope");
    let sharing = if link_scopes.contains("anonymous")
        || (permissions.is_none() && shared_scope.as_deref() == Some("anonymous"))
    {
        Sharing::Public
    } else if collaborators.iter().any(|c| c.external) {
        Sharing::External
    } else if organisation
        || link_scopes.contains("organization")
        || (permissions.is_none() && shared_scope.as_deref() == Some("organization"))
    {
        Sharing::Internal
    } else {
        Sharing::Private
    };
    let external_id = text(item, "id").unwrap_or_default();
    let url = text(item, "webUrl");
    let owner = ptr(item, "/createdBy/user/email")
        .or_else(|| drive.owner.clone())
        .or_else(|| ptr(item, "/createdBy/user/displayName"));
    let modified_at_ms = ms(item.get("lastModifiedDateTime"));
    // The item as received, with the permissions read for it.
    let raw = match permissions {
        Some(p) => Raw::with_field(raw, "permissions", p),
        None => Raw::from_json(raw),
    };
    // Every collaborator is known when the whole list was read (an application's view;
    // a signed-in user's is only theirs), or when the item is not shared at all.
    let complete = !dir.delegated && (permissions.is_some() || item.get("shared").is_none());
    FileItem {
        external_id,
        name: if path.is_empty() {
            text(item, "id").unwrap_or_default()
        } else {
            path
        },
        url,
        owner,
        sharing,
        collaborators_complete: complete,
        collaborators,
        container: Some(drive.id.clone()),
        modified_at_ms,
        raw,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use serde_json::json;

    use super::*;

    fn dir(delegated: bool) -> Directory {
        Directory {
            domains: vec!["contoso.com".into(), "contoso.onmicrosoft.com".into()],
            guests: HashSet::from(["guest-id".to_owned()]),
            delegated,
        }
    }

    fn drive() -> Drive {
        Drive {
            id: "d1".into(),
            web_url: "https://contoso.sharepoint.com/sites/x/Shared%20Documents".into(),
            owner: None,
        }
    }

    /// The sharing level and collaborators of an item with `perms` (besides its owner).
    fn level(perms: &[Value], dir: &Directory) -> FileItem {
        let item = json!({"id": "1", "name": "a.docx", "createdBy": {"user": {"email": "ann@contoso.com"}},
            "shared": {"scope": "users"}});
        let owner = json!({"id": "o", "roles": ["owner"], "grantedToV2": {"user": {"email": "ann@contoso.com"}}});
        let mut all = vec![owner];
        all.extend(perms.iter().cloned());
        let text = serde_json::value::to_raw_value(&item).unwrap();
        file_item(
            &item,
            &text,
            Some(&all),
            dir,
            &drive(),
            "/Docs/a.docx".into(),
        )
    }

    #[test]
    fn sharing_levels_from_every_grantee_kind() {
        let d = dir(false);
        let direct = |set: Value| json!({"id": "p", "roles": ["write"], "grantedToV2": set});
        let cases = [
            // A member by address, by SharePoint login, a SharePoint group, an app, an
            // Entra group: private.
            (
                direct(
                    json!({"user": {"email": "bob@contoso.com", "id": "u1", "displayName": "Bob"}}),
                ),
                Sharing::Private,
                Some(("bob@contoso.com", false)),
            ),
            (
                direct(
                    json!({"siteUser": {"displayName": "Bob", "id": "12", "loginName": "i:0#.f|membership|bob@contoso.com"}}),
                ),
                Sharing::Private,
                Some(("bob@contoso.com", false)),
            ),
            (
                direct(
                    json!({"siteGroup": {"displayName": "Project Members", "id": "5", "loginName": "Project Members"}}),
                ),
                Sharing::Private,
                Some(("Project Members", false)),
            ),
            (
                direct(json!({"application": {"displayName": "Records Sync", "id": "a1"}})),
                Sharing::Private,
                Some(("Records Sync (app)", false)),
            ),
            (
                direct(json!({"group": {"displayName": "Finance", "id": "g1"}})),
                Sharing::Private,
                Some(("Finance", false)),
            ),
            // A guest known only by id, a guest login with #EXT#, an outside address, an
            // address without an account: external.
            (
                direct(json!({"user": {"displayName": "Eve", "id": "guest-id"}})),
                Sharing::External,
                Some(("Eve", true)),
            ),
            (
                direct(
                    json!({"siteUser": {"displayName": "Eve", "id": "13", "loginName": "i:0#.f|membership|eve_fabrikam.com#ext#@contoso.onmicrosoft.com"}}),
                ),
                Sharing::External,
                Some(("eve_fabrikam.com#ext#@contoso.onmicrosoft.com", true)),
            ),
            (
                direct(json!({"user": {"email": "eve@fabrikam.com", "displayName": "Eve"}})),
                Sharing::External,
                Some(("eve@fabrikam.com", true)),
            ),
            (
                json!({"id": "i", "roles": ["read"], "invitation": {"email": "max@wingtip.com", "signInRequired": true}}),
                Sharing::External,
                Some(("max@wingtip.com", true)),
            ),
            (
                json!({"id": "l", "roles": ["read"], "link": {"scope": "users", "type": "view"},
                "grantedToIdentitiesV2": [{"siteUser": {"displayName": "x@wingtip.com", "loginName": "urn:spo:guest#x@wingtip.com"}}]}),
                Sharing::External,
                Some(("x@wingtip.com", true)),
            ),
            // A subdomain of a verified domain is inside.
            (
                direct(json!({"user": {"email": "it@eu.contoso.com"}})),
                Sharing::Private,
                Some(("it@eu.contoso.com", false)),
            ),
            // "Everyone except external users" and organisation links: internal.
            (
                direct(
                    json!({"siteGroup": {"displayName": "Everyone except external users", "id": "9",
                "loginName": "c:0-.f|rolemanager|spo-grid-all-users/6e3a"}}),
                ),
                Sharing::Internal,
                None,
            ),
            (
                json!({"id": "l", "roles": ["read"], "link": {"scope": "organization", "type": "view"}}),
                Sharing::Internal,
                None,
            ),
            (
                json!({"id": "a", "roles": ["read"], "link": {"scope": "anonymous", "type": "view"}}),
                Sharing::Public,
                None,
            ),
        ];
        for (perm, want, who) in cases {
            let f = level(std::slice::from_ref(&perm), &d);
            assert_eq!(f.sharing, want, "{perm}");
            match who {
                Some((account, external)) => {
                    assert_eq!(f.collaborators.len(), 1, "{perm}");
                    assert_eq!(f.collaborators[0].account, account, "{perm}");
                    assert_eq!(f.collaborators[0].external, external, "{perm}");
                }
                None => assert!(f.collaborators.is_empty(), "{perm}"),
            }
            assert!(f.collaborators_complete);
            assert_eq!(f.container.as_deref(), Some("d1"));
        }
    }

    #[test]
    fn a_signed_in_users_view_of_permissions_is_never_complete() {
        let f = level(&[], &dir(true));
        assert!(!f.collaborators_complete);
        let f = level(&[], &dir(false));
        assert!(f.collaborators_complete);
    }

    #[test]
    fn the_raw_json_is_the_item_as_received_with_its_permissions() {
        let d = dir(false);
        let item = json!({"id": "1", "name": "a.docx", "shared": {"scope": "users"}});
        let text = serde_json::value::to_raw_value(&item).unwrap();
        let perms = [
            json!({"id": "p", "roles": ["write"], "grantedToV2": {"user": {"email": "bob@contoso.com"}}}),
        ];
        let f = file_item(&item, &text, Some(&perms), &d, &drive(), "/a.docx".into());
        let mut expected = item.clone();
        expected["permissions"] = json!(perms);
        assert_eq!(f.raw.value(), expected);
        assert_eq!(f.name, "/a.docx");

        // Permissions unreadable: the item's shared facet decides; kept as received.
        let anon_text = r#"{"id":"2", "name":"b", "shared":{"scope":"anonymous"}}"#;
        let anon_raw = serde_json::value::RawValue::from_string(anon_text.into()).unwrap();
        let anon_item: Value = serde_json::from_str(anon_text).unwrap();
        let f = file_item(&anon_item, &anon_raw, None, &d, &drive(), "/b".into());
        assert_eq!(f.sharing, Sharing::Public);
        assert!(
            !f.collaborators_complete,
            "a shared item whose permissions were not read"
        );
        assert_eq!(f.raw.as_str(), anon_text);
    }

    #[test]
    fn folder_paths_from_an_item_read() {
        let f = json!({"id": "f", "name": "B", "parentReference": {"path": "/drives/d1/root:/A"}});
        assert_eq!(folder_path(&f), "/A/B");
        // Percent-encoded, as Graph writes it; the name is not.
        let f = json!({"id": "f", "name": "Q1 plan", "parentReference": {"path": "/drives/d1/root:/Client%20Work/Archive%20(old)"}});
        assert_eq!(folder_path(&f), "/Client Work/Archive (old)/Q1 plan");
        let top = json!({"id": "f", "name": "A", "parentReference": {"path": "/drive/root:"}});
        assert_eq!(folder_path(&top), "/A");
        assert_eq!(folder_path(&json!({"id": "r", "root": {}})), "");
    }
}
