//! The writer against the renderer it replaced ([`super::reference`]): every object of a
//! generated tenant (with hostile strings added), with and without `$select`, must give the
//! same JSON value, and the same bytes while serde_json writes maps in key order (its
//! default).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};

use super::reference as old;
use super::*;
use crate::common::json::Obj;
use crate::graph::generate::GraphSize;
use crate::graph::odata::{collection_body, entity_body, query, Next};
use crate::graph::tenant::{AuditTarget, Grantee, GranteeKind, LinkScope};

const NOW: i64 = 1_760_000_000_000;
const NASTY: &str =
    "Zoë \"Q\" O'Brien \\ back/slash \u{1}\u{1f}\t\n\r\u{8}\u{c} \u{7f} 日本 😀 <&> %+?# ";

fn tenant() -> GraphTenant {
    let mut t = GraphTenant::generate_at("contoso", 42, &GraphSize::small(), NOW);
    t.display_name = NASTY.into();
    t.users[3].display_name = NASTY.into();
    t.users[3].job_title = Some(NASTY.into());
    t.users[5].given_name = Some("x\u{0}y".into());
    t.users[6].mail = None;
    t.groups[2].description = Some(NASTY.into());
    t.groups[2].display_name = format!("G {NASTY}");
    t.sites[1].display_name = NASTY.into();
    let folder = t
        .items
        .iter()
        .position(|i| i.folder && i.parent_id.is_some())
        .unwrap();
    t.items[folder].name = format!("Fold {NASTY}");
    t.items[folder].permissions.push(Permission {
        id: NASTY.into(),
        role: AccessRole::Write,
        link: Some(LinkScope::Users),
        granted_to: vec![Grantee {
            kind: GranteeKind::User,
            user_id: None,
            display_name: NASTY.into(),
            email: "x@example.com".into(),
            login_name: Some("urn:spo:guest#x@example.com".into()),
            external: true,
        }],
        expires_at_ms: Some(NOW),
    });
    let file = t.items.iter().position(|i| !i.folder).unwrap();
    t.items[file].name = "we\"ird \\ name +%.docx".into();
    t.items[file].permissions.push(Permission {
        id: "direct".into(),
        role: AccessRole::Read,
        link: None,
        granted_to: vec![
            Grantee {
                kind: GranteeKind::User,
                user_id: None,
                display_name: "Ext".into(),
                email: "ext@example.com".into(),
                login_name: Some("urn:spo:guest#ext@example.com".into()),
                external: true,
            },
            Grantee {
                kind: GranteeKind::SiteUser,
                user_id: Some(t.users[1].id.clone()),
                display_name: NASTY.into(),
                email: String::new(),
                login_name: Some(format!("i:0#.f|membership|{NASTY}")),
                external: false,
            },
        ],
        expires_at_ms: None,
    });
    t.directory_audits[0].targets.push(AuditTarget {
        id: NASTY.into(),
        display_name: None,
        kind: "Other".into(),
        user_principal_name: Some(NASTY.into()),
    });
    t.grants[0].scopes.clear();
    t.grants[1].scopes = vec![NASTY.into()];
    t
}

/// Whether serde_json writes maps in key order, as the writer does.
fn sorted() -> bool {
    serde_json::to_string(&json!({"b": 1, "a": 2})).unwrap() == r#"{"a":2,"b":1}"#
}

fn same(new: Vec<u8>, old: &Value, what: &str) {
    let text = String::from_utf8(new).unwrap();
    let parsed: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(&parsed, old, "{what}");
    if sorted() {
        assert_eq!(text, serde_json::to_string(old).unwrap(), "{what}");
    }
}

fn object(select: Select<'_>, f: impl FnOnce(&mut Obj<'_>)) -> Vec<u8> {
    let mut w = Json::default();
    w.object_select(select, f);
    w.into_bytes()
}

/// `$select` variants: none, empty, a few fields, differently cased, and unknown ones.
fn queries() -> Vec<Query> {
    [
        "",
        "$select=",
        "$select=id,displayName",
        "$select=ID,DisplayName,signInActivity,userType,accountEnabled,createdDateTime,mail,\
         activityDateTime,initiatedBy,status,location,webUrl,parentReference,shared,size,\
         principal,roleDefinition,verifiedPublisher,scope,nothing",
    ]
    .iter()
    .map(|q| query(Some(q), 999).unwrap())
    .collect()
}

#[test]
fn directory_objects_render_as_before() {
    let t = tenant();
    for premium in [true, false] {
        let mut w = Json::default();
        organization(&mut w, &t, premium);
        same(
            w.into_bytes(),
            &old::organization(&t, premium),
            "organization",
        );
    }
    let idx = Index::new(t);
    let t = &idx.tenant;
    for q in queries() {
        let sel = q.select.as_deref();
        let cut = |v: Value| old::select(v, sel);
        for u in &t.users {
            same(
                object(sel, |o| user(o, u, sel)),
                &cut(old::user(u, Some(&q))),
                &u.id,
            );
            same(object(sel, |o| member(o, u)), &cut(old::member(u)), &u.id);
        }
        for g in &t.groups {
            same(object(sel, |o| group(o, g)), &cut(old::group(g)), &g.id);
        }
        for r in &t.role_definitions {
            same(
                object(sel, |o| role_definition(o, r)),
                &cut(old::role_definition(r)),
                &r.id,
            );
        }
        for expand in [
            "",
            "principal",
            "roleDefinition",
            " Principal , roledefinition",
        ] {
            let mut q = query(Some("$top=5"), 999).unwrap();
            q.select = sel.map(<[String]>::to_vec);
            q.expand = Some(expand.into());
            let e = Expand::of(&q);
            for a in &t.role_assignments {
                same(
                    object(sel, |o| role_assignment(o, &idx, a, e)),
                    &cut(old::role_assignment(&idx, a, &q)),
                    &a.id,
                );
            }
        }
        for sp in &t.service_principals {
            same(
                object(sel, |o| service_principal(o, sp)),
                &cut(old::service_principal(sp)),
                &sp.id,
            );
        }
        for g in &t.grants {
            same(object(sel, |o| grant(o, g)), &cut(old::grant(g)), &g.id);
        }
    }
}

#[test]
fn audit_logs_render_as_before() {
    let t = tenant();
    assert!(t
        .directory_audits
        .iter()
        .any(|e| matches!(e.initiated_by, Initiator::App { .. })));
    for q in queries() {
        let sel = q.select.as_deref();
        for e in &t.directory_audits {
            same(
                object(sel, |o| directory_audit(o, e)),
                &old::select(old::directory_audit(e), sel),
                &e.id,
            );
        }
        for e in &t.sign_ins {
            same(
                object(sel, |o| sign_in(o, e)),
                &old::select(old::sign_in(e), sel),
                &e.id,
            );
        }
    }
}

#[test]
fn sites_drives_items_and_permissions_render_as_before() {
    let idx = Index::new(tenant());
    let t = &idx.tenant;
    for q in queries() {
        let sel = q.select.as_deref();
        for s in &t.sites {
            same(
                object(sel, |o| site(o, s)),
                &old::select(old::site(s), sel),
                &s.id,
            );
        }
        for d in &t.drives {
            same(
                object(sel, |o| drive(o, &idx, d)),
                &old::select(old::drive(&idx, d), sel),
                &d.id,
            );
        }
        for i in 0..t.items.len() {
            for (modified, path) in [(None, true), (Some(NOW + 1_234), false)] {
                let view = ItemView {
                    modified,
                    shared: modified.map(|_| LinkScope::Anonymous),
                    path,
                };
                same(
                    object(sel, |o| drive_item(o, &idx, i, view)),
                    &old::select(old::drive_item(&idx, i, view), sel),
                    &t.items[i].id,
                );
            }
        }
    }
    for i in 0..t.items.len() {
        let mut w = Json::default();
        w.array(|w| permissions(w, &idx, i, &[]));
        same(
            w.into_bytes(),
            &Value::Array(old::permissions(&idx, i)),
            &t.items[i].id,
        );
    }
}

#[test]
fn collections_render_as_before() {
    let t = tenant();
    let users = &t.users[..3];
    for (link, next) in [
        (None, None),
        (
            Some(Next::Page("http://h/v1.0/users?$skiptoken=x")),
            Some("http://h/v1.0/users?$skiptoken=x"),
        ),
    ] {
        let body = collection_body("http://h/v1.0/$metadata#users", link, |w| {
            w.each(users.iter(), |w, u| w.object(|o| user(o, u, None)));
        });
        let value = users.iter().map(|u| old::user(u, None)).collect();
        same(
            body,
            &old::collection(
                "http://h/v1.0/$metadata#users".into(),
                value,
                next.map(str::to_owned),
            ),
            "collection",
        );
    }
    for q in queries() {
        let sel = q.select.as_deref();
        let u = &t.users[3];
        let mut old = old::select(old::user(u, Some(&q)), sel);
        if let Value::Object(m) = &mut old {
            m.insert("@odata.context".into(), "c#users/$entity".into());
        }
        same(
            entity_body("c#users/$entity", sel, |o| user(o, u, sel)),
            &old,
            "entity",
        );
    }
    let body = collection_body("c", Some(Next::Delta("http://h/d?token=1")), |_| {});
    same(
        body,
        &json!({"@odata.context": "c", "@odata.deltaLink": "http://h/d?token=1", "value": []}),
        "delta link",
    );
}
