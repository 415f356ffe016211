//! Investigation: the activity log (filters, keyset pages).

use super::Engine;
use crate::domain::investigate::{ActivityDetail, ActivityFilter, ActivityPage};
use crate::store::ActivityKey;
use crate::{Error, Result};

/// Rows per page when the caller does not say; the most a page holds.
pub const DEFAULT_PAGE: u32 = 100;
pub const MAX_PAGE: u32 = 1_000;

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
}
