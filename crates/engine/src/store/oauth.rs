//! OAuth grants grouped into apps across instances, the analyst's decisions, and the grants a
//! ban revokes. An app's key is `<connector app>:<app id, or name when the vendor gives no
//! id>`.

use super::Store;
use crate::backend::OAuthStore;
use crate::Result;
use async_trait::async_trait;

/// An app's grants summed up (one row per app key).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppGrants {
    pub app: String,
    pub app_ref: String,
    pub name: String,
    pub app_id: Option<String>,
    pub users: i64,
    pub org_wide: bool,
    pub instances: String,
    pub grants: i64,
    pub first_seen_ms: Option<i64>,
    pub last_seen_ms: Option<i64>,
    pub publisher: Option<String>,
    pub verified_publisher: Option<String>,
    /// The tenant that owns the app registration (Microsoft's own for first-party apps).
    pub owner_tenant: Option<String>,
    pub status: Option<String>,
}

/// One grant of an app, for a ban.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantRow {
    pub instance_id: String,
    pub instance_name: String,
    pub external_id: String,
    pub kind: String,
    pub principal: Option<String>,
    pub raw: String,
}

/// The key of an app: connector app and app reference.
pub fn app_key(app: &str, app_ref: &str) -> String {
    format!("{app}:{app_ref}")
}

const APP_REF: &str = "COALESCE(g.app_id, g.app_name)";

#[async_trait]
impl OAuthStore for Store {
    async fn oauth_apps(&self) -> Result<Vec<AppGrants>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT i.app, {APP_REF} AS app_ref, max(g.app_name) AS name, max(g.app_id) AS app_id, \
             count(DISTINCT g.principal) AS users, \
             max(g.principal IS NULL) AS org_wide, \
             group_concat(DISTINCT i.name) AS instances, count(*) AS grants, \
             min(COALESCE(g.first_seen_ms, g.last_seen_ms)) AS first_seen_ms, \
             max(g.last_seen_ms) AS last_seen_ms, \
             max(json_extract(g.raw, '$.client.publisherName')) AS publisher, \
             max(json_extract(g.raw, '$.client.verifiedPublisher.displayName')) AS verified_publisher, \
             max(json_extract(g.raw, '$.client.appOwnerOrganizationId')) AS owner_tenant, \
             (SELECT status FROM oauth_app_decisions d WHERE d.app_key = i.app || ':' || {APP_REF}) AS status \
             FROM oauth_grants g JOIN connector_instances i ON i.instance_id = g.instance_id \
             GROUP BY i.app, app_ref \
             UNION ALL \
             SELECT d.app, substr(d.app_key, length(d.app) + 2), d.name, NULL, 0, 0, '', 0, NULL, \
             d.updated_at_ms, NULL, NULL, NULL, d.status FROM oauth_app_decisions d \
             WHERE NOT EXISTS (SELECT 1 FROM oauth_grants g JOIN connector_instances i \
             ON i.instance_id = g.instance_id WHERE i.app || ':' || {APP_REF} = d.app_key)"
        )))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn oauth_app_permissions(&self) -> Result<Vec<(String, String, String)>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT i.app || ':' || {APP_REF}, g.kind, j.value \
             FROM oauth_grants g JOIN connector_instances i ON i.instance_id = g.instance_id, \
             json_each(g.scopes) j ORDER BY 1, 3"
        )))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn oauth_app_grants(&self, key: &str) -> Result<Vec<GrantRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT g.instance_id, i.name AS instance_name, g.external_id, g.kind, g.principal, g.raw \
             FROM oauth_grants g JOIN connector_instances i ON i.instance_id = g.instance_id \
             WHERE i.app || ':' || {APP_REF} = ? ORDER BY i.name, g.external_id"
        )))
        .bind(key)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn set_oauth_app_status(
        &self,
        (key, app, name): (&str, &str, &str),
        status: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        match status {
            Some(s) => {
                sqlx::query(
                    "INSERT INTO oauth_app_decisions (app_key, app, name, status, updated_at_ms) \
                     VALUES (?, ?, ?, ?, ?) ON CONFLICT (app_key) DO UPDATE SET status = excluded.status, \
                     name = excluded.name, updated_at_ms = excluded.updated_at_ms",
                )
                .bind(key)
                .bind(app)
                .bind(name)
                .bind(s)
                .bind(now_ms)
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM oauth_app_decisions WHERE app_key = ?")
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    async fn remove_grant(&self, instance_id: &str, external_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM oauth_grants WHERE instance_id = ? AND external_id = ?")
            .bind(instance_id)
            .bind(external_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
