//! Microsoft Graph's v1.0 service schema (CSDL), read from the file Microsoft publishes
//! (`../shared/testdata/apis/microsoft_graph/cleanMetadata-v1.0.xml`, msgraph-metadata, MIT):
//! entity sets, singletons, entity and complex types with their properties and navigation
//! properties, derived types and bound functions. The fake Graph refuses what it does not
//! name, and the contract check ([`super::contract`]) judges every request a connector sends
//! by it — so neither agrees with a mistake of ours about the API.

use std::collections::HashMap;
use std::sync::OnceLock;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Where the schema file is: `CLOUDWARDEN_GRAPH_CSDL`, else beside the checkout
/// (`../shared`, as CI has it).
pub fn default_path() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("CLOUDWARDEN_GRAPH_CSDL") {
        return p.into();
    }
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/apis/microsoft_graph/cleanMetadata-v1.0.xml")
}

/// The schema, read once per process from [`default_path`]. Panics when the file is missing:
/// the fake and the contract test cannot judge requests without it.
#[allow(clippy::panic)]
pub fn v1() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = default_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => Schema::parse(&text),
            Err(e) => panic!(
                "Microsoft Graph's v1.0 schema {} cannot be read ({e}); it comes with ../shared \
                 beside the checkout, or set CLOUDWARDEN_GRAPH_CSDL",
                path.display()
            ),
        }
    })
}

/// A type as a property, parameter or set refers to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeRef {
    /// The full name (`microsoft.graph.user`, `Edm.String`).
    pub name: String,
    pub collection: bool,
}

impl TypeRef {
    fn parse(text: &str, aliases: &HashMap<String, String>) -> TypeRef {
        let (inner, collection) = match text
            .strip_prefix("Collection(")
            .and_then(|t| t.strip_suffix(')'))
        {
            Some(inner) => (inner, true),
            None => (text, false),
        };
        TypeRef {
            name: full_name(inner, aliases),
            collection,
        }
    }
}

/// `graph.user` → `microsoft.graph.user` (the schema's aliases resolved).
fn full_name(name: &str, aliases: &HashMap<String, String>) -> String {
    match name.rsplit_once('.') {
        Some((ns, local)) => match aliases.get(ns) {
            Some(full) => format!("{full}.{local}"),
            None => name.to_owned(),
        },
        None => name.to_owned(),
    }
}

/// A member of a structured type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub ty: TypeRef,
    pub navigation: bool,
}

/// An entity or complex type.
#[derive(Debug, Clone, Default)]
pub struct StructType {
    pub base: Option<String>,
    pub entity: bool,
    /// By name, as the schema spells it.
    pub members: HashMap<String, Member>,
}

/// A bound function or action: what it is bound to and what it returns.
#[derive(Debug, Clone)]
pub struct Operation {
    pub binding: TypeRef,
    pub returns: Option<TypeRef>,
    pub action: bool,
    /// The parameters after the binding parameter.
    pub parameters: Vec<String>,
}

/// Microsoft Graph's service schema.
#[derive(Debug, Default)]
pub struct Schema {
    pub types: HashMap<String, StructType>,
    /// Enum type names (full).
    pub enums: std::collections::HashSet<String>,
    /// Base type → the types derived directly from it.
    pub derived: HashMap<String, Vec<String>>,
    /// Entity sets (collections) and singletons of the entity container, by name.
    pub roots: HashMap<String, TypeRef>,
    /// Bound functions and actions by name (unqualified), every overload.
    pub operations: HashMap<String, Vec<Operation>>,
    /// Lower-cased names of roots and operations → their names (Graph matches paths
    /// case-insensitively).
    folded: HashMap<String, String>,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| a.value.into_owned())
}

/// What the reader is inside of.
enum Open {
    Type(String),
    Operation {
        name: String,
        action: bool,
        bound: bool,
        params: Vec<TypeRef>,
        names: Vec<String>,
        returns: Option<TypeRef>,
    },
    Other,
}

impl Schema {
    /// Reads a CSDL document (`edmx:Edmx`). Unknown elements are skipped.
    pub fn parse(xml: &str) -> Schema {
        // Every alias of every schema in the document (`graph`, `self` …).
        let mut aliases = HashMap::new();
        let mut reader = Reader::from_str(xml);
        while let Ok(ev) = reader.read_event() {
            match ev {
                Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Schema" => {
                    if let (Some(ns), Some(alias)) = (attr(&e, "Namespace"), attr(&e, "Alias")) {
                        aliases.insert(alias, ns);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        let mut schema = Schema::default();
        let mut namespace = String::new();
        let mut stack: Vec<Open> = Vec::new();
        let mut reader = Reader::from_str(xml);
        loop {
            let (e, empty) = match reader.read_event() {
                Ok(Event::Start(e)) => (e, false),
                Ok(Event::Empty(e)) => (e, true),
                Ok(Event::End(_)) => {
                    if let Some(open) = stack.pop() {
                        schema.close(open);
                    }
                    continue;
                }
                Ok(Event::Eof) | Err(_) => break,
                Ok(_) => continue,
            };
            let local = e.local_name();
            let open = match local.as_ref() {
                "Schema" => {
                    namespace = attr(&e, "Namespace").unwrap_or_default();
                    Open::Other
                }
                kind @ ("EntityType" | "ComplexType") => {
                    let name = format!("{namespace}.{}", attr(&e, "Name").unwrap_or_default());
                    let base = attr(&e, "BaseType").map(|b| full_name(&b, &aliases));
                    if let Some(b) = &base {
                        schema
                            .derived
                            .entry(b.clone())
                            .or_default()
                            .push(name.clone());
                    }
                    schema.types.insert(
                        name.clone(),
                        StructType {
                            base,
                            entity: kind == "EntityType",
                            members: HashMap::new(),
                        },
                    );
                    Open::Type(name)
                }
                kind @ ("Property" | "NavigationProperty") => {
                    if let (Some(Open::Type(owner)), Some(name), Some(ty)) =
                        (stack.last(), attr(&e, "Name"), attr(&e, "Type"))
                    {
                        if let Some(t) = schema.types.get_mut(owner) {
                            t.members.insert(
                                name,
                                Member {
                                    ty: TypeRef::parse(&ty, &aliases),
                                    navigation: kind == "NavigationProperty",
                                },
                            );
                        }
                    }
                    Open::Other
                }
                "EnumType" => {
                    schema.enums.insert(format!(
                        "{namespace}.{}",
                        attr(&e, "Name").unwrap_or_default()
                    ));
                    Open::Other
                }
                kind @ ("Function" | "Action") => Open::Operation {
                    name: attr(&e, "Name").unwrap_or_default(),
                    action: kind == "Action",
                    bound: attr(&e, "IsBound").as_deref() == Some("true"),
                    params: Vec::new(),
                    names: Vec::new(),
                    returns: None,
                },
                "Parameter" => {
                    if let (Some(Open::Operation { params, names, .. }), Some(name), Some(ty)) =
                        (stack.last_mut(), attr(&e, "Name"), attr(&e, "Type"))
                    {
                        params.push(TypeRef::parse(&ty, &aliases));
                        names.push(name);
                    }
                    Open::Other
                }
                "ReturnType" => {
                    if let (Some(Open::Operation { returns, .. }), Some(ty)) =
                        (stack.last_mut(), attr(&e, "Type"))
                    {
                        *returns = Some(TypeRef::parse(&ty, &aliases));
                    }
                    Open::Other
                }
                kind @ ("EntitySet" | "Singleton") => {
                    let ty = attr(
                        &e,
                        if kind == "EntitySet" {
                            "EntityType"
                        } else {
                            "Type"
                        },
                    );
                    if let (Some(name), Some(ty)) = (attr(&e, "Name"), ty) {
                        schema.roots.insert(
                            name,
                            TypeRef {
                                name: full_name(&ty, &aliases),
                                collection: kind == "EntitySet",
                            },
                        );
                    }
                    Open::Other
                }
                _ => Open::Other,
            };
            if empty {
                schema.close(open);
            } else {
                stack.push(open);
            }
        }
        let names: Vec<String> = schema
            .roots
            .keys()
            .chain(schema.operations.keys())
            .cloned()
            .collect();
        for n in names {
            schema.folded.entry(n.to_ascii_lowercase()).or_insert(n);
        }
        schema
    }

    /// Registers a bound operation when its element closes.
    fn close(&mut self, open: Open) {
        if let Open::Operation {
            name,
            action,
            bound: true,
            mut params,
            names,
            returns,
        } = open
        {
            if !params.is_empty() {
                let binding = params.remove(0);
                self.operations.entry(name).or_default().push(Operation {
                    binding,
                    returns,
                    action,
                    parameters: names.into_iter().skip(1).collect(),
                });
            }
        }
    }

    /// `ty` and its base types, nearest first.
    pub fn lineage<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let mut next = Some(ty);
        std::iter::from_fn(move || {
            let cur = next?;
            next = self.types.get(cur).and_then(|t| t.base.as_deref());
            Some(cur)
        })
    }

    /// Whether `ty` is `base` or derives from it.
    pub fn is_a(&self, ty: &str, base: &str) -> bool {
        self.lineage(ty).any(|t| t == base)
    }

    /// Every type derived from `ty`, at any depth (not `ty` itself).
    pub fn descendants(&self, ty: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut todo = vec![ty];
        while let Some(t) = todo.pop() {
            for d in self.derived.get(t).into_iter().flatten() {
                out.push(d.as_str());
                todo.push(d.as_str());
            }
        }
        out
    }

    /// A member of `ty` or of one of its base types (names compared case-insensitively, as
    /// Graph does).
    pub fn member(&self, ty: &str, name: &str) -> Option<&Member> {
        self.lineage(ty).find_map(|t| {
            let members = &self.types.get(t)?.members;
            members.get(name).or_else(|| {
                members
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, m)| m)
            })
        })
    }

    /// A member of `ty`, its base types or a type derived from it (a `$select` on a
    /// collection of `directoryObject` may name `user` properties).
    pub fn member_in_family(&self, ty: &str, name: &str) -> Option<&Member> {
        self.member(ty, name).or_else(|| {
            self.descendants(ty).into_iter().find_map(|d| {
                let members = &self.types.get(d)?.members;
                members
                    .iter()
                    .find_map(|(k, m)| k.eq_ignore_ascii_case(name).then_some(m))
            })
        })
    }

    /// The overload of bound operation `name` (unqualified, or qualified by a namespace)
    /// that binds to `ty` (`collection` or single), or to one of its base types.
    pub fn operation(&self, name: &str, ty: &str, collection: bool) -> Option<&Operation> {
        let local = name.rsplit('.').next().unwrap_or(name);
        let ops = self.operations.get(local).or_else(|| {
            let name = self.folded.get(&local.to_ascii_lowercase())?;
            self.operations.get(name)
        })?;
        // The nearest binding wins (an operation bound to `user` before one bound to
        // `directoryObject`).
        self.lineage(ty).find_map(|t| {
            ops.iter()
                .find(|o| o.binding.name == t && o.binding.collection == collection)
        })
    }

    /// An entity set or singleton.
    pub fn root(&self, name: &str) -> Option<&TypeRef> {
        self.roots.get(name).or_else(|| {
            let name = self.folded.get(&name.to_ascii_lowercase())?;
            self.roots.get(name)
        })
    }

    /// Whether `name` is a type of the schema (structured or enum) or an `Edm` primitive.
    pub fn has_type(&self, name: &str) -> bool {
        name.starts_with("Edm.") || self.types.contains_key(name) || self.enums.contains(name)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn reads_graphs_published_schema() {
        let s = v1();
        assert!(s.types.len() > 2_000, "{} types", s.types.len());
        let users = s.root("users").unwrap();
        assert_eq!(users.name, "microsoft.graph.user");
        assert!(users.collection);
        assert!(!s.root("me").unwrap().collection);
        // user → directoryObject → entity; `id` is inherited.
        assert!(s.is_a("microsoft.graph.user", "microsoft.graph.directoryObject"));
        assert!(s.member("microsoft.graph.user", "id").is_some());
        let sia = s.member("microsoft.graph.user", "signInActivity").unwrap();
        assert_eq!(sia.ty.name, "microsoft.graph.signInActivity");
        // Beta-only properties are absent from v1.0.
        assert!(s
            .member("microsoft.graph.servicePrincipal", "publisherName")
            .is_none());
        assert!(s
            .member("microsoft.graph.servicePrincipal", "verifiedPublisher")
            .is_some());
        // Aliases of other schemas resolve (`self.` in microsoft.graph.security).
        let queries = s
            .member("microsoft.graph.security.auditCoreRoot", "queries")
            .unwrap();
        assert_eq!(queries.ty.name, "microsoft.graph.security.auditLogQuery");
        assert!(queries.navigation && queries.ty.collection);
        // Bound functions: getAllSites on a collection of sites, delta on one driveItem.
        assert!(s
            .operation("getAllSites", "microsoft.graph.site", true)
            .is_some());
        assert!(s
            .operation("delta", "microsoft.graph.driveItem", false)
            .is_some());
        assert!(s
            .operation("getAllSites", "microsoft.graph.site", false)
            .is_none());
        // A derived type's member is found through its base.
        assert!(s
            .member_in_family("microsoft.graph.directoryObject", "userPrincipalName")
            .is_some());
        assert!(s
            .member("microsoft.graph.directoryObject", "userPrincipalName")
            .is_none());
    }
}
