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
    domains: &'a std::sync::Arc<Vec<String>>,
    sites_url: &'a str,
    /// The next page of sites (where the cursor points once every drive here is read).
    after: Option<&'a Url>,
    drives: &'a [Drive],
}

impl DriveReader<'_> {
    /// Reads `drives[first..]`: each from its kept delta link (only the changes since the last
    /// scan) or from its start; an expired link (410) reads the drive again from its start; a
    /// drive removed or closed meanwhile (403/404) is named in a note and skipped.
    async fn read(
        &self,
        first: usize,
        links: &mut HashMap<String, String>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let mut in_flight = futures_util::stream::FuturesUnordered::new();
        // Drives begun and not read to their end.
        let mut open = std::collections::BTreeSet::new();
        let mut next_drive = first;
        // Drives finished whose delta links are not kept yet.
        let mut unsaved = 0;
        loop {
            while open.len() < DRIVES_IN_FLIGHT && next_drive < self.drives.len() {
                let drive = &self.drives[next_drive];
                let url = match links.get(&drive.id) {
                    Some(link) => parse_url(link)?,
                    None => self.start_url(drive)?,
                };
                in_flight.push(self.page(next_drive, url));
                open.insert(next_drive);
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
            let page = match page {
                Ok(p) => p,
                Err(Error::Status { status: 410, .. }) if url != self.start_url(drive)? => {
                    sink.note("a drive's change token expired; it was read again in full".into());
                    links.remove(&drive.id);
                    in_flight.push(self.page(i, self.start_url(drive)?));
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
                Some(next) => in_flight.push(self.page(i, next.clone())),
                None => {
                    open.remove(&i);
                }
            }
            // Every drive before the first open one is read to its end.
            let lowest = open.first().copied().unwrap_or(next_drive);
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
    ) -> impl std::future::Future<Output = (usize, Url, Result<DrivePage>)> {
        let (m365, http, auth) = (
            self.m365.clone(),
            self.ctx.http.clone(),
            self.ctx.auth.clone(),
        );
        let (drive, domains) = (self.drives[i].clone(), self.domains.clone());
        let task = tokio::spawn({
            let url = url.clone();
            async move { m365.drive_page(&http, &auth, &drive, &domains, &url).await }
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
        let domains = std::sync::Arc::new(self.domains(ctx).await?);
        // The delta link of every drive read to its end: the next scan reads only changes.
        let mut links: HashMap<String, String> = kept
            .and_then(|k| serde_json::from_str(k).ok())
            .unwrap_or_default();
        let mut pos = match pos.filter(|p| p.stage == "drives" && p.url.is_some()) {
            Some(p) => p,
            None => {
                if self.delegated {
                    sink.note(
                        "signed in as a user, only SharePoint sites are listed: users' OneDrives need the app registration's application permissions (client credentials)".into(),
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
                domains: &domains,
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
    /// mapped to files; items reported deleted are listed as such.
    async fn drive_page(
        &self,
        http: &crate::http::Http,
        auth: &crate::http::Auth,
        drive: &Drive,
        domains: &[String],
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
            } else if item.get("root").is_none() {
                items.push((item, raw));
            }
        }
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
        for (item, raw) in items {
            let id = text(&item, "id").unwrap_or_default();
            let shared = item.get("shared").is_some();
            let permissions = match perms.remove(&id) {
                Some(Ok(p)) => Some(p),
                Some(Err(Error::Forbidden(_) | Error::Status { status: 404, .. })) | None => None,
                // A 401 or a cancel keeps its meaning (renew and continue, stop).
                Some(Err(e)) => return Err(e),
            };
            // Every collaborator is known when the permissions were read, or when the item is
            // not shared at all.
            let complete = permissions.is_some() || !shared;
            let mut file = file_item(
                &item,
                raw,
                permissions.as_deref(),
                domains,
                drive.owner.clone(),
            );
            file.collaborators_complete = complete;
            records.files.push(file);
        }
        Ok(DrivePage {
            records,
            next: page.next(&resp)?,
            delta: page.delta(&resp)?,
        })
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

/// A drive item as a file, its sharing level from its permissions: an anonymous link is
/// public; a person outside the verified domains (or a guest account) makes it external; an
/// organization link internal; else private. Without readable permissions, the item's
/// `shared.scope` decides.
fn file_item(
    item: &Value,
    raw: &RawValue,
    permissions: Option<&[Value]>,
    domains: &[String],
    drive_owner: Option<String>,
) -> FileItem {
    let external = |email: &str| {
        let e = email.to_ascii_lowercase();
        if e.contains("#ext#") {
            return true;
        }
        let Some((_, domain)) = e.rsplit_once('@') else {
            return false;
        };
        !domains
            .iter()
            .any(|d| domain == d || domain.ends_with(&format!(".{d}")))
    };
    let mut collaborators = Vec::new();
    let mut link_scopes = HashSet::new();
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
        let mut people: Vec<&Value> = Vec::new();
        if let Some(u) = p.pointer("/grantedToV2/user") {
            people.push(u);
        }
        if let Some(list) = p.get("grantedToIdentitiesV2").and_then(Value::as_array) {
            people.extend(list.iter().filter_map(|i| i.get("user")));
        }
        let mut accounts: Vec<String> = people
            .iter()
            .filter_map(|u| text(u, "email").or_else(|| text(u, "displayName")))
            .collect();
        if accounts.is_empty() {
            accounts.extend(ptr(p, "/invitation/email"));
        }
        for account in accounts {
            if collaborators
                .iter()
                .any(|c: &Collaborator| c.account == account)
            {
                continue;
            }
            collaborators.push(Collaborator {
                external: external(&account),
                permission: permission.into(),
                account,
            });
        }
    }
    let shared_scope = ptr(item, "/shared/scope");
    let sharing = if link_scopes.contains("anonymous")
        || (permissions.is_none() && shared_scope.as_deref() == Some("anonymous"))
    {
        Sharing::Public
    } else if collaborators.iter().any(|c| c.external) {
        Sharing::External
    } else if link_scopes.contains("organization")
        || (permissions.is_none() && shared_scope.as_deref() == Some("organization"))
    {
        Sharing::Internal
    } else {
        Sharing::Private
    };
    let name = match (ptr(item, "/parentReference/path"), text(item, "name")) {
        (Some(parent), Some(name)) => {
            let parent = parent.split_once(":").map_or(parent.as_str(), |(_, p)| p);
            format!("{}/{name}", parent.trim_end_matches('/'))
        }
        (None, Some(name)) => name,
        _ => text(item, "id").unwrap_or_default(),
    };
    let external_id = text(item, "id").unwrap_or_default();
    let url = text(item, "webUrl");
    let owner = ptr(item, "/createdBy/user/email")
        .or(drive_owner)
        .or_else(|| ptr(item, "/createdBy/user/displayName"));
    let modified_at_ms = ms(item.get("lastModifiedDateTime"));
    // The item as received, with the permissions read for it.
    let raw = match permissions {
        Some(p) => Raw::with_field(raw, "permissions", p),
        None => Raw::from_json(raw),
    };
    FileItem {
        external_id,
        name,
        url,
        owner,
        sharing,
        collaborators_complete: permissions.is_some(),
        collaborators,
        modified_at_ms,
        raw,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn sharing_levels_from_permissions() {
        let domains = vec![
            "contoso.com".to_owned(),
            "contoso.onmicrosoft.com".to_owned(),
        ];
        let item = json!({"id": "1", "name": "a.docx", "parentReference": {"path": "/drive/root:/Docs"},
            "createdBy": {"user": {"email": "ann@contoso.com"}}, "shared": {"scope": "users"}});
        let owner = json!({"id": "o", "roles": ["owner"], "grantedToV2": {"user": {"email": "ann@contoso.com"}}});
        let internal_user = json!({"id": "p", "roles": ["write"], "grantedToV2": {"user": {"email": "bob@contoso.com"}}});
        let guest = json!({"id": "g", "roles": ["read"], "grantedToV2": {"user": {"email": "eve@fabrikam.com"}}});
        let org_link = json!({"id": "l", "roles": ["read"], "link": {"scope": "organization", "type": "view"}});
        let anon =
            json!({"id": "a", "roles": ["read"], "link": {"scope": "anonymous", "type": "view"}});

        let text = serde_json::value::to_raw_value(&item).unwrap();
        let perms = [owner.clone(), internal_user.clone()];
        let f = file_item(&item, &text, Some(&perms), &domains, None);
        assert_eq!(f.sharing, Sharing::Private);
        assert_eq!(f.name, "/Docs/a.docx");
        assert_eq!(f.owner.as_deref(), Some("ann@contoso.com"));
        assert_eq!(f.collaborators.len(), 1);
        assert!(!f.collaborators[0].external);
        assert_eq!(f.collaborators[0].permission, "write");
        // The raw JSON is the item with the permissions read for it.
        let mut expected = item.clone();
        expected["permissions"] = json!(perms);
        assert_eq!(f.raw.value(), expected);

        let f = file_item(&item, &text, Some(&[owner.clone(), guest]), &domains, None);
        assert_eq!(f.sharing, Sharing::External);
        assert!(f.collaborators[0].external);

        let f = file_item(
            &item,
            &text,
            Some(&[owner.clone(), org_link]),
            &domains,
            None,
        );
        assert_eq!(f.sharing, Sharing::Internal);

        let f = file_item(&item, &text, Some(&[owner, anon]), &domains, None);
        assert_eq!(f.sharing, Sharing::Public);

        // Permissions unreadable: the item's shared facet decides.
        let anon_text = r#"{"id":"2", "name":"b", "shared":{"scope":"anonymous"}}"#;
        let anon_raw = serde_json::value::RawValue::from_string(anon_text.into()).unwrap();
        let anon_item: Value = serde_json::from_str(anon_text).unwrap();
        let f = file_item(&anon_item, &anon_raw, None, &domains, None);
        assert_eq!(f.sharing, Sharing::Public);
        // Kept as received, not written back.
        assert_eq!(f.raw.as_str(), anon_text);
    }
}
