//! The Microsoft identity platform's sign-in errors in plain words, each tied to the field of
//! the connection form it concerns. The platform answers with `AADSTS<code>: <text> Trace ID:
//! …`; the codes below are the ones connecting an app registration can meet, with their
//! meaning from Microsoft Entra's error code reference (entra-docs,
//! `docs/identity-platform/reference-error-codes.md`). The raw text stays available as the
//! detail: Microsoft warns that codes and texts change.

use serde::Serialize;

/// The connection form field a sign-in problem concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Tenant,
    ClientId,
    ClientSecret,
    /// The app registration as a whole (consent, redirect URI): no one field.
    Registration,
}

/// A sign-in refused for a reason the analyst can fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInProblem {
    pub field: Field,
    /// What happened and what to do, in plain words.
    pub message: String,
    /// `AADSTS7000215` …
    pub code: String,
}

/// The first `AADSTS<digits>` code in `text`.
fn code_of(text: &str) -> Option<&str> {
    let at = text.find("AADSTS")?;
    let rest = &text[at + 6..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0).then(|| &rest[..digits])
}

/// The problem an identity platform error describes, if it is one an analyst can fix from
/// the connection form or the app registration.
pub fn explain(text: &str) -> Option<SignInProblem> {
    let code = code_of(text)?;
    let (field, message) = match code {
        // "Invalid client secret is provided."
        "7000215" => (
            Field::ClientSecret,
            "The client secret is wrong. Paste the secret's Value (not its Secret ID) from the app registration's Certificates & secrets.",
        ),
        // "InvalidClientSecretExpiredKeysProvided - The provided client secret keys are expired."
        "7000222" => (
            Field::ClientSecret,
            "The client secret has expired. Create a new one under Certificates & secrets and paste its Value.",
        ),
        // "The request body must contain … 'client_assertion' or 'client_secret'."
        "7000218" => (
            Field::ClientSecret,
            "A client secret is needed for this app registration (or turn on Allow public client flows to sign in without one).",
        ),
        // "UnauthorizedClient_DoesNotMatchRequest - The application wasn't found in the
        // directory/tenant."
        "700016" => (
            Field::ClientId,
            "No app registration with this Application (client) ID in this tenant. Check the ID, and that the app is registered in this tenant.",
        ),
        // "InvalidTenantName - The tenant name wasn't found in the data store."; 900023:
        // "Specified tenant identifier … is neither a valid DNS name, nor a valid external
        // domain."
        "90002" | "900023" | "900022" => (
            Field::Tenant,
            "This tenant was not found. Use the Directory (tenant) ID or a verified domain such as contoso.onmicrosoft.com.",
        ),
        // "DelegationDoesNotExist - The user or administrator hasn't consented to use the
        // application"; 90094: "AdminConsentRequired".
        "65001" | "90094" => (
            Field::Registration,
            "Admin consent is missing. In the app registration's API permissions, click Grant admin consent for the tenant (a Global Administrator or Privileged Role Administrator must do it).",
        ),
        // "UserDeclinedConsent".
        "65004" => (
            Field::Registration,
            "The consent prompt was declined. Sign in again and accept the permissions, or have an administrator grant admin consent.",
        ),
        // "InvalidReplyTo - The reply address is missing, misconfigured, or doesn't match
        // reply addresses configured for the app."
        "50011" => (
            Field::Registration,
            "The redirect URI is not registered. Add http://127.0.0.1 as a Mobile and desktop applications redirect URI; the portal refuses http addresses, so add it in the app's Manifest (replyUrlsWithType).",
        ),
        // "UserUnauthorized - … does not exist in tenant … and cannot access the application".
        "50020" => (
            Field::Registration,
            "The account that signed in is not in this tenant. Sign in with an administrator of the tenant.",
        ),
        // "InvalidResourceServicePrincipalNotFound".
        "500011" => (
            Field::Registration,
            "Microsoft Graph is not available to this tenant's app registration. Check the tenant and the national cloud's Graph and sign-in URLs.",
        ),
        _ => return None,
    };
    Some(SignInProblem {
        field,
        message: message.into(),
        code: format!("AADSTS{code}"),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_codes_a_connection_meets_are_explained() {
        let raw = "invalid_client: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID. Trace ID: 1 Correlation ID: 2 Timestamp: 2026-12-06 07:00:00Z";
        let p = explain(raw).unwrap();
        assert_eq!(p.field, Field::ClientSecret);
        assert_eq!(p.code, "AADSTS7000215");
        assert!(p.message.contains("Value"));
        for (code, field) in [
            ("7000222", Field::ClientSecret),
            ("700016", Field::ClientId),
            ("90002", Field::Tenant),
            ("900023", Field::Tenant),
            ("65001", Field::Registration),
            ("50011", Field::Registration),
        ] {
            let p = explain(&format!("x: AADSTS{code}: text")).unwrap();
            assert_eq!(p.field, field, "{code}");
        }
        assert!(explain("AADSTS12345: something else").is_none());
        assert!(explain("no code here").is_none());
    }
}
