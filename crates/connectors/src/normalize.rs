//! What every connector's events mean in one vocabulary: the activity category and outcome the
//! activity log filters on. Each vendor module maps its own action names
//! ([`crate::github::categorize`], [`crate::m365::categorize`]); the engine stores the result
//! beside the vendor's words, which stay in the raw event.

use serde::{Deserialize, Serialize};

/// What kind of thing an activity is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    SignIn,
    Admin,
    File,
    Sharing,
    Mail,
    Oauth,
    Repository,
    Membership,
    Other,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::SignIn,
        Category::Admin,
        Category::File,
        Category::Sharing,
        Category::Mail,
        Category::Oauth,
        Category::Repository,
        Category::Membership,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::SignIn => "sign_in",
            Category::Admin => "admin",
            Category::File => "file",
            Category::Sharing => "sharing",
            Category::Mail => "mail",
            Category::Oauth => "oauth",
            Category::Repository => "repository",
            Category::Membership => "membership",
            Category::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Whether an activity succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        [Outcome::Success, Outcome::Failure, Outcome::Unknown]
            .into_iter()
            .find(|o| o.as_str() == s)
    }

    /// The vendor's word for a result (`Succeeded`, `success`, `failure`, `Failed`, `True`…).
    pub fn from_vendor(word: Option<&str>) -> Outcome {
        let Some(w) = word.map(str::trim).filter(|w| !w.is_empty()) else {
            return Outcome::Unknown;
        };
        let w = w.to_ascii_lowercase();
        if ["success", "succeeded", "successful", "true", "ok", "0"].contains(&w.as_str()) {
            Outcome::Success
        } else if w.starts_with("fail")
            || ["false", "denied", "error", "timeout"].contains(&w.as_str())
        {
            Outcome::Failure
        } else {
            Outcome::Unknown
        }
    }
}

/// The category of `action` for a connector `app` (`github`, `m365`); `Other` when unknown.
pub fn categorize(app: &str, action: &str) -> Category {
    match app {
        "github" => crate::github::categorize(action),
        "m365" => crate::m365::categorize(action),
        _ => Category::Other,
    }
}

/// The first category whose patterns match `action`: `prefix*`, `*suffix`, `*part*` or the
/// exact word, compared without case.
pub(crate) fn first_match(action: &str, table: &[(Category, &[&str])]) -> Category {
    let a = action.trim().to_ascii_lowercase();
    for (category, patterns) in table {
        for p in *patterns {
            let p = p.to_ascii_lowercase();
            let hit = match (p.strip_prefix('*'), p.strip_suffix('*')) {
                (Some(rest), _) if rest.ends_with('*') => a.contains(rest.trim_end_matches('*')),
                (Some(suffix), None) => a.ends_with(suffix),
                (None, Some(prefix)) => a.starts_with(prefix),
                _ => a == p,
            };
            if hit {
                return *category;
            }
        }
    }
    Category::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_from_vendor_words() {
        assert_eq!(Outcome::from_vendor(Some("Succeeded")), Outcome::Success);
        assert_eq!(Outcome::from_vendor(Some("success")), Outcome::Success);
        assert_eq!(Outcome::from_vendor(Some("failure")), Outcome::Failure);
        assert_eq!(Outcome::from_vendor(Some("Failed")), Outcome::Failure);
        assert_eq!(
            Outcome::from_vendor(Some("PartiallySucceeded")),
            Outcome::Unknown
        );
        assert_eq!(Outcome::from_vendor(None), Outcome::Unknown);
    }

    #[test]
    fn vendor_actions_map_to_categories() {
        use Category::*;
        for (app, action, want) in [
            ("github", "org.add_member", Membership),
            ("github", "team.add_member", Membership),
            ("github", "repo.create", Repository),
            ("github", "git.clone", Repository),
            ("github", "oauth_authorization.create", Oauth),
            ("github", "integration_installation.create", Oauth),
            ("github", "org.update_default_repository_permission", Admin),
            ("github", "org.sso_response", SignIn),
            ("github", "copilot.something_new", Other),
            ("m365", "Sign-in", SignIn),
            ("m365", "Sign-in failed", SignIn),
            ("m365", "UserLoggedIn", SignIn),
            ("m365", "FileDownloaded", File),
            ("m365", "FileAccessed", File),
            ("m365", "SharingSet", Sharing),
            ("m365", "AnonymousLinkCreated", Sharing),
            ("m365", "SharingInvitationCreated", Sharing),
            ("m365", "MailItemsAccessed", Mail),
            ("m365", "New-InboxRule", Mail),
            ("m365", "Consent to application", Oauth),
            ("m365", "Add member to group", Membership),
            ("m365", "Add member to role", Admin),
            ("m365", "Update user", Admin),
            ("m365", "Something else", Other),
            ("slack", "anything", Other),
        ] {
            assert_eq!(categorize(app, action), want, "{app} {action}");
        }
    }

    #[test]
    fn categories_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
    }
}
