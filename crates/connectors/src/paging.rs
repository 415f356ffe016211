//! The vendors' pagination: RFC 8288 `Link` headers (GitHub, Okta, Box …), OData
//! `@odata.nextLink` / `@odata.deltaLink` (Microsoft Graph), and opaque cursors.

use url::Url;

use crate::http::Response;
use crate::{Error, Result};

/// An API base URL (`given`, else the vendor's `default`), with the trailing slash that makes
/// relative paths join below it.
pub fn base_url(given: Option<&str>, default: &str, what: &str) -> Result<Url> {
    let mut base = given
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .unwrap_or(default)
        .to_owned();
    if !base.ends_with('/') {
        base.push('/');
    }
    let url = Url::parse(&base).map_err(|e| Error::Config(format!("{what} {base}: {e}")))?;
    check_endpoint(&url, what)?;
    Ok(url)
}

/// Refuses an endpoint a credential must not be sent to: anything but `https`, except `http`
/// to a loopback address (the test fakes). A plain-http API or token URL would put tokens and
/// client secrets on the wire in clear; `file:` and other schemes are never an API.
pub fn check_endpoint(url: &Url, what: &str) -> Result<()> {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if loopback => Ok(()),
        scheme => Err(Error::Config(format!(
            "{what} {}://{}: must be https (plain http only to a loopback address such as a \
             local test server)",
            scheme,
            url.host_str().unwrap_or("")
        ))),
    }
}

/// `path` below `base`, with `query` appended.
pub fn join(base: &Url, path: &str, query: &[(&str, &str)]) -> Result<Url> {
    let mut u = base
        .join(path.trim_start_matches('/'))
        .map_err(|e| Error::Config(format!("{path}: {e}")))?;
    if !query.is_empty() {
        u.query_pairs_mut().extend_pairs(query);
    }
    Ok(u)
}

/// The `rel="next"` target of a `Link` header, resolved against the request URL. A link to
/// another origin is an error: following it would send the credential to another host.
pub fn link_next(resp: &Response) -> Result<Option<Url>> {
    let Some(next) = resp
        .header("link")
        .and_then(|h| link_rel(h, "next"))
        .and_then(|u| resp.url.join(&u).ok())
    else {
        return Ok(None);
    };
    if next.origin() != resp.url.origin() {
        return Err(Error::Decode {
            url: resp.url.path().to_owned(),
            message: format!(
                "the next page is on another host ({}); not sending the credential there",
                next.origin().ascii_serialization()
            ),
        });
    }
    Ok(Some(next))
}

/// The target of relation `rel` in a `Link` header value.
pub fn link_rel(header: &str, rel: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let mut pieces = part.split(';');
        let target = pieces.next()?.trim();
        let target = target.strip_prefix('<')?.strip_suffix('>')?;
        pieces
            .any(|p| {
                let p = p.trim();
                p.strip_prefix("rel=")
                    .map(|v| v.trim_matches('"'))
                    .is_some_and(|v| v.split_whitespace().any(|r| r == rel))
            })
            .then(|| target.to_owned())
    })
}

/// Microsoft Graph's `@odata.nextLink`. A link to another origin is refused: following it
/// would send the credential elsewhere.
pub fn odata_next(resp: &Response) -> Result<Option<Url>> {
    let key = "@odata.nextLink";
    odata_link_of(&resp.url, resp.body.get(key).and_then(|v| v.as_str()), key)
}

/// An OData link (`@odata.nextLink`, `@odata.deltaLink`; `key` names it in errors) read from
/// the page at `page`, resolved and checked like [`odata_next`].
pub fn odata_link_of(page: &Url, link: Option<&str>, key: &str) -> Result<Option<Url>> {
    let Some(s) = link else {
        return Ok(None);
    };
    let url = page.join(s).map_err(|e| Error::Decode {
        url: page.path().to_owned(),
        message: format!("{key}: {e}"),
    })?;
    if url.origin() != page.origin() {
        return Err(Error::Decode {
            url: page.path().to_owned(),
            message: format!(
                "{key} points to another host ({})",
                url.origin().ascii_serialization()
            ),
        });
    }
    Ok(Some(url))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn base_urls_are_https_or_loopback() {
        for ok in [
            "https://api.github.com",
            "https://ghe.example.com/api/v3/",
            "http://127.0.0.1:8080",
            "http://[::1]:9/",
            "http://localhost:3000",
        ] {
            assert!(base_url(Some(ok), "https://x", "API URL").is_ok(), "{ok}");
        }
        for bad in [
            "http://api.example.invalid",
            "http://10.0.0.1/api",
            "file:///etc/passwd",
            "ftp://127.0.0.1/",
            "javascript:alert(1)",
        ] {
            let e = base_url(Some(bad), "https://x", "API URL").unwrap_err();
            assert!(e.to_string().contains("must be https"), "{bad}: {e}");
        }
    }

    #[test]
    fn never_follows_a_link_to_another_host() {
        use reqwest::header::{HeaderMap, HeaderValue};
        let mut headers = HeaderMap::new();
        headers.insert(
            "link",
            HeaderValue::from_static(r#"<https://evil.example/x?page=2>; rel="next""#),
        );
        let resp = Response {
            url: Url::parse("https://api.github.com/orgs/acme/members").unwrap(),
            status: 200,
            headers: headers.clone(),
            body: serde_json::Value::Null,
        };
        assert!(link_next(&resp).is_err());
        headers.insert(
            "link",
            HeaderValue::from_static(r#"</orgs/acme/members?page=2>; rel="next""#),
        );
        let resp = Response { headers, ..resp };
        assert_eq!(
            link_next(&resp).unwrap().unwrap().as_str(),
            "https://api.github.com/orgs/acme/members?page=2"
        );
    }

    #[test]
    fn reads_github_link_headers() {
        let h = r#"<https://api.github.com/organizations/1/members?page=2>; rel="next", <https://api.github.com/organizations/1/members?page=5>; rel="last""#;
        assert_eq!(
            link_rel(h, "next").as_deref(),
            Some("https://api.github.com/organizations/1/members?page=2")
        );
        assert_eq!(
            link_rel(h, "last").as_deref(),
            Some("https://api.github.com/organizations/1/members?page=5")
        );
        assert_eq!(link_rel(h, "prev"), None);
        let audit =
            r#"<https://api.github.com/orgs/acme/audit-log?after=MS4x&before=>; rel="next""#;
        assert!(link_rel(audit, "next").unwrap().contains("after=MS4x"));
    }
}
