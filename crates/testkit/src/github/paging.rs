//! GitHub's page-number pagination with RFC 8288 `Link` headers.

use crate::common::http::{param, Params};

/// `per_page` (default 30, at most 100) and `page` (default 1), read leniently as GitHub does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    pub page: usize,
    pub per_page: usize,
}

pub(crate) fn per_page(p: &Params) -> usize {
    match param(p, "per_page").and_then(|v| v.trim().parse::<usize>().ok()) {
        Some(0) | None => 30,
        Some(n) => n.min(100),
    }
}

pub(crate) fn page(p: &Params) -> Page {
    let page = param(p, "page")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    Page {
        page,
        per_page: per_page(p),
    }
}

impl Page {
    /// The positions of this page in a list of `total` items.
    pub(crate) fn range(&self, total: usize) -> std::ops::Range<usize> {
        let start = (self.page - 1).saturating_mul(self.per_page).min(total);
        start..(start + self.per_page).min(total)
    }
}

/// `base` (no query) with the request's parameters, `key` set to `value` where it was or
/// appended at the end, as GitHub writes the URLs of its `Link` headers.
pub(crate) fn url_with(base: &str, p: &Params, sets: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    let mut done = vec![false; sets.len()];
    for (k, v) in p {
        match sets.iter().position(|(s, _)| s == k) {
            Some(i) if !done[i] => {
                ser.append_pair(k, sets[i].1);
                done[i] = true;
            }
            Some(_) => {}
            None => {
                ser.append_pair(k, v);
            }
        }
    }
    for (i, (k, v)) in sets.iter().enumerate() {
        if !done[i] {
            ser.append_pair(k, v);
        }
    }
    format!("{base}?{}", ser.finish())
}

/// The `Link` header of page `pg` over `total` items: `prev`, `next`, `last`, `first`, in
/// GitHub's order, or `None` when everything fits on the first page.
pub(crate) fn link(base: &str, p: &Params, pg: &Page, total: usize) -> Option<String> {
    let last = total.div_ceil(pg.per_page).max(1);
    if pg.page == 1 && last == 1 {
        return None;
    }
    let at = |n: usize| url_with(base, p, &[("page", &n.to_string())]);
    let mut rels = Vec::new();
    if pg.page > 1 {
        rels.push(format!("<{}>; rel=\"prev\"", at((pg.page - 1).min(last))));
    }
    if pg.page < last {
        rels.push(format!("<{}>; rel=\"next\"", at(pg.page + 1)));
        rels.push(format!("<{}>; rel=\"last\"", at(last)));
    }
    if pg.page > 1 {
        rels.push(format!("<{}>; rel=\"first\"", at(1)));
    }
    Some(rels.join(", "))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::common::http::params;

    #[test]
    fn writes_githubs_link_header() {
        let p = params(Some("per_page=10&role=admin"));
        let pg = page(&p);
        assert_eq!(
            pg,
            Page {
                page: 1,
                per_page: 10
            }
        );
        assert_eq!(
            link("http://h/organizations/1/members", &p, &pg, 25).unwrap(),
            "<http://h/organizations/1/members?per_page=10&role=admin&page=2>; rel=\"next\", \
             <http://h/organizations/1/members?per_page=10&role=admin&page=3>; rel=\"last\""
        );
        let p = params(Some("page=3&per_page=10"));
        assert_eq!(
            link("http://h/x", &p, &page(&p), 25).unwrap(),
            "<http://h/x?page=2&per_page=10>; rel=\"prev\", <http://h/x?page=1&per_page=10>; rel=\"first\""
        );
        assert_eq!(
            link("http://h/x", &params(None), &page(&params(None)), 30),
            None
        );
        assert_eq!(
            page(&params(Some("per_page=1000&page=0"))),
            Page {
                page: 1,
                per_page: 100
            }
        );
    }
}
