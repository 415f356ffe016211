//! Investigation: the activity log (filters, keyset pages).

use std::path::{Path, PathBuf};

use super::{now_ms, Engine};
use crate::backend::{decode_cursor, encode_cursor, ActivityKey, FileKey};
use crate::domain::investigate::{
    ActivityDetail, ActivityExport, ActivityFilter, ActivityPage, ExportFormat, FileDetail,
    FileFilter, FilePage, PeoplePage, PersonFilter, SavedActivityQuery,
};
use crate::investigate_export::ExportSink;
use crate::{Error, Result};

/// Rows per page when the caller does not say; the most a page holds.
pub const DEFAULT_PAGE: u32 = 100;
pub const MAX_PAGE: u32 = 1_000;
/// The page saved activity-log queries belong to.
const ACTIVITY_QUERIES: &str = "activities";
/// Rows an export reads per statement.
const EXPORT_PAGE: usize = 2_000;

impl Engine {
    /// A page of the activity log across instances, newest first. `cursor` is the
    /// `next_cursor` of the page before; rows that arrive meanwhile never shift a page.
    pub async fn activities(
        &self,
        filter: &ActivityFilter,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<ActivityPage> {
        let after = cursor
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(ActivityKey::decode)
            .transpose()?;
        let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE) as usize;
        let (items, next) = self.store.activities_page(filter, after, limit).await?;
        Ok(ActivityPage {
            items,
            next_cursor: next.map(|k| k.encode()),
        })
    }

    /// One event of the activity log with the vendor's raw record.
    pub async fn activity(&self, instance_id: &str, event_id: &str) -> Result<ActivityDetail> {
        let (row, raw) = self
            .store
            .activity(instance_id, event_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("activity {event_id} of {instance_id}")))?;
        Ok(ActivityDetail { row, raw })
    }

    /// The query plan SQLite chooses for a filter (first page, or a page after a cursor), one
    /// line per step: how the indexes serve the activity log.
    pub async fn activities_query_plan(
        &self,
        filter: &ActivityFilter,
        paged: bool,
    ) -> Result<Vec<String>> {
        self.store.activities_plan(filter, paged).await
    }

    /// Writes every event `filter` selects to `path`, newest first, as CSV or JSON. Streams
    /// page by page (memory does not grow with the log) into `path` + `.part`, renamed over
    /// `path` only when complete: a failed export never leaves half a file under the name the
    /// analyst chose.
    pub async fn export_activities(
        &self,
        filter: &ActivityFilter,
        format: ExportFormat,
        path: &Path,
    ) -> Result<ActivityExport> {
        let part = {
            let mut p = path.as_os_str().to_owned();
            p.push(".part");
            PathBuf::from(p)
        };
        let rows = match self.write_export(filter, format, &part).await {
            Ok(rows) => rows,
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                return Err(e);
            }
        };
        std::fs::rename(&part, path).map_err(|source| Error::File {
            path: path.to_path_buf(),
            source,
        })?;
        let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        Ok(ActivityExport {
            path: path.display().to_string(),
            rows,
            bytes,
        })
    }

    async fn write_export(
        &self,
        filter: &ActivityFilter,
        format: ExportFormat,
        part: &Path,
    ) -> Result<u64> {
        let mut sink = ExportSink::create(part, format)?;
        let mut after = None;
        loop {
            let next = match format {
                ExportFormat::Csv => {
                    let (page, next) = self
                        .store
                        .activities_page(filter, after, EXPORT_PAGE)
                        .await?;
                    for row in &page {
                        sink.row(row, "")?;
                    }
                    next
                }
                ExportFormat::Json => {
                    let (page, next) = self
                        .store
                        .activities_page_raw(filter, after, EXPORT_PAGE)
                        .await?;
                    for (row, raw) in &page {
                        sink.row(row, raw)?;
                    }
                    next
                }
            };
            match next {
                Some(k) => after = Some(k),
                None => break,
            }
        }
        sink.finish()
    }

    /// The activity-log queries the analyst saved, by name. A query whose filter this build
    /// cannot read is left out (and logged), never applied half-read.
    pub async fn activity_queries(&self) -> Result<Vec<SavedActivityQuery>> {
        let rows = self.store.saved_queries(ACTIVITY_QUERIES).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| match serde_json::from_str(&r.filter) {
                Ok(filter) => Some(SavedActivityQuery {
                    id: r.id,
                    name: r.name,
                    filter,
                    updated_at_ms: r.updated_at_ms,
                }),
                Err(e) => {
                    tracing::warn!(query = %r.name, error = %e, "saved query unreadable");
                    None
                }
            })
            .collect())
    }

    /// Saves `filter` under `name`, replacing a query of that name.
    pub async fn save_activity_query(
        &self,
        name: &str,
        filter: &ActivityFilter,
    ) -> Result<SavedActivityQuery> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(Error::Validation(
                "a saved query needs a name of 1 to 120 characters".into(),
            ));
        }
        // Check the filter as a page would: a bad network or cursor fails here, not later.
        self.store.activities_page(filter, None, 1).await?;
        let json = serde_json::to_string(filter)
            .map_err(|e| Error::Validation(format!("saved query: {e}")))?;
        let now = now_ms();
        let id = self
            .store
            .save_query(ACTIVITY_QUERIES, name, &json, now)
            .await?;
        Ok(SavedActivityQuery {
            id,
            name: name.to_owned(),
            filter: filter.clone(),
            updated_at_ms: now,
        })
    }

    /// Deletes a saved query.
    pub async fn delete_activity_query(&self, id: i64) -> Result<()> {
        if self.store.delete_query(ACTIVITY_QUERIES, id).await? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("saved query {id}")))
        }
    }

    /// A page of people (accounts correlated across instances), in key order.
    pub async fn people(
        &self,
        filter: &PersonFilter,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<PeoplePage> {
        let after = cursor
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(decode_person_cursor)
            .transpose()?;
        let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE) as usize;
        let (items, next) = self
            .store
            .people_page(filter, after.as_deref(), limit, now_ms())
            .await?;
        Ok(PeoplePage {
            items,
            next_cursor: next.map(|k| encode_person_cursor(&k)),
        })
    }

    /// Links an account to a person (by the person's key), overriding the rule; `None` undoes
    /// the link. Both go to the audit log.
    pub async fn link_account(
        &self,
        instance_id: &str,
        external_id: &str,
        person: Option<&str>,
    ) -> Result<()> {
        let person = person.map(str::trim);
        if let Some(p) = person {
            if p.is_empty() || p.chars().count() > 320 {
                return Err(Error::Validation(
                    "a person is named by a key of 1 to 320 characters (an e-mail address)".into(),
                ));
            }
        }
        let person = person.map(str::to_lowercase);
        let now = now_ms();
        if !self
            .store
            .link_account(instance_id, external_id, person.as_deref(), now)
            .await?
        {
            return Err(Error::NotFound(format!(
                "account {external_id} of instance {instance_id}"
            )));
        }
        let subject = format!("{instance_id}/{external_id}");
        match &person {
            Some(p) => {
                self.store
                    .audit("person.link", &subject, &format!("linked to {p}"), now)
                    .await?
            }
            None => {
                self.store
                    .audit(
                        "person.unlink",
                        &subject,
                        "back to the correlation rule",
                        now,
                    )
                    .await?
            }
        }
        Ok(())
    }

    /// The query plan of the people query (for the index test).
    pub async fn people_query_plan(
        &self,
        filter: &PersonFilter,
        paged: bool,
    ) -> Result<Vec<String>> {
        self.store.people_plan(filter, paged).await
    }

    /// A page of files (and repositories) across instances, newest modified first.
    pub async fn files(
        &self,
        filter: &FileFilter,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<FilePage> {
        let after = cursor
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| {
                FileKey::decode(c).ok_or_else(|| {
                    Error::Validation("this cursor is not one the files list gave".into())
                })
            })
            .transpose()?;
        let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE) as usize;
        let (items, next) = self
            .store
            .files_page(filter, after.as_ref(), limit, now_ms())
            .await?;
        Ok(FilePage {
            items,
            next_cursor: next.map(|k| k.encode()),
        })
    }

    /// One file with its collaborators and the vendor's record.
    pub async fn file(&self, instance_id: &str, external_id: &str) -> Result<FileDetail> {
        let (row, collaborators, raw) = self
            .store
            .file(instance_id, external_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("file {external_id} of {instance_id}")))?;
        Ok(FileDetail {
            row,
            collaborators,
            raw,
        })
    }

    /// The query plan of the files query (for the index test).
    pub async fn files_query_plan(&self, filter: &FileFilter, paged: bool) -> Result<Vec<String>> {
        self.store.files_plan(filter, paged).await
    }

    /// Stores pages of records for an instance exactly as a scan does (the one writer every
    /// scan goes through: categories, person keys, last activity, text index). For imports of
    /// records read elsewhere and for the investigation benchmark.
    pub async fn write_records(
        &self,
        instance_id: &str,
        resource: &str,
        pages: &[&cloudwarden_connectors::model::Records],
    ) -> Result<()> {
        if self.store.instance(instance_id).await?.is_none() {
            return Err(Error::NotFound(format!("instance {instance_id}")));
        }
        let pages: Vec<(&cloudwarden_connectors::model::Records, Option<&str>)> =
            pages.iter().map(|r| (*r, None)).collect();
        self.store
            .store_pages(instance_id, &pages, resource, None, None, now_ms())
            .await
    }
}

/// A people cursor: the last key of the page before, opaque.
fn encode_person_cursor(key: &str) -> String {
    encode_cursor("p1", &[key])
}

fn decode_person_cursor(cursor: &str) -> Result<String> {
    decode_cursor(cursor, "p1", 1)
        .and_then(|p| p.into_iter().next())
        .ok_or_else(|| Error::Validation("this cursor is not one the people list gave".into()))
}
