//! TAXII query parameters (§3.4), parsed strictly: malformed or repeated parameters are a 400
//! naming the parameter; `match[<field>]` fields the endpoint does not define are ignored, as
//! the specification allows.

use renkei_model::stix::{StixId, Timestamp, check_type_name};
use renkei_store::VersionFilter;

use crate::error::ApiError;

/// Which endpoint the parameters are for; decides which ones apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Objects,
    Manifest,
    Object,
    Versions,
    Delete,
}

impl Endpoint {
    fn allows(&self, name: &str) -> bool {
        use Endpoint::*;
        match name {
            "added_after" | "limit" | "next" => *self != Delete,
            "match[id]" | "match[type]" => matches!(self, Objects | Manifest),
            "match[version]" => matches!(self, Objects | Manifest | Object | Delete),
            "match[spec_version]" => true,
            _ => false,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Endpoint::Objects => "objects",
            Endpoint::Manifest => "manifest",
            Endpoint::Object => "object",
            Endpoint::Versions => "versions",
            Endpoint::Delete => "delete",
        }
    }
}

/// Most values one `match[…]` parameter may list.
const MAX_VALUES: usize = 1_000;

/// The parsed filters of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub added_after: Option<Timestamp>,
    pub limit: Option<usize>,
    pub next: Option<String>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    pub versions: Option<VersionFilter>,
    pub spec_versions: Option<Vec<String>>,
}

fn bad(param: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(
        "invalid_parameter",
        format!("Invalid query parameter `{param}`"),
    )
    .with_description(why.to_string())
}

fn list<'a>(param: &str, value: &'a str) -> Result<Vec<&'a str>, ApiError> {
    let items: Vec<&str> = value.split(',').collect();
    if items.iter().any(|s| s.is_empty()) {
        return Err(bad(
            param,
            "values are separated by single commas, without spaces, and may not be empty",
        ));
    }
    if items.len() > MAX_VALUES {
        return Err(bad(param, format!("at most {MAX_VALUES} values")));
    }
    Ok(items)
}

/// Parses a query string for `endpoint`.
pub fn parse(query: Option<&str>, endpoint: Endpoint) -> Result<Filters, ApiError> {
    let mut f = Filters::default();
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let name = name.as_ref();
        if !endpoint.allows(name) {
            continue;
        }
        if seen.iter().any(|s| s == name) {
            return Err(bad(name, "may only be given once"));
        }
        seen.push(name.to_owned());
        let value = value.as_ref();
        match name {
            "added_after" => {
                f.added_after = Some(Timestamp::parse(value).map_err(|e| bad(name, e))?);
            }
            "limit" => {
                let n: u64 = value
                    .parse()
                    .map_err(|_| bad(name, "must be a positive integer"))?;
                if n == 0 || n > (1 << 53) {
                    return Err(bad(name, "must be a positive integer"));
                }
                f.limit = Some(usize::try_from(n).unwrap_or(usize::MAX));
            }
            "next" => {
                if value.is_empty() || value.len() > 256 {
                    return Err(bad(name, "is not a value this server gave out"));
                }
                f.next = Some(value.to_owned());
            }
            "match[id]" => {
                for id in list(name, value)? {
                    StixId::parse(id).map_err(|e| bad(name, e))?;
                    f.ids.push(id.to_owned());
                }
            }
            "match[type]" => {
                for ty in list(name, value)? {
                    check_type_name(ty).map_err(|e| {
                        bad(
                            name,
                            format!("`{}`: {e}", ty.chars().take(64).collect::<String>()),
                        )
                    })?;
                    f.types.push(ty.to_owned());
                }
            }
            "match[version]" => {
                let mut v = VersionFilter {
                    all: false,
                    first: false,
                    last: false,
                    exact: Vec::new(),
                };
                let items = list(name, value)?;
                for item in &items {
                    let repeated = match *item {
                        "all" => std::mem::replace(&mut v.all, true),
                        "first" => std::mem::replace(&mut v.first, true),
                        "last" => std::mem::replace(&mut v.last, true),
                        ts => {
                            let t = Timestamp::parse(ts).map_err(|e| bad(name, e))?;
                            let dup = v.exact.contains(&t);
                            v.exact.push(t);
                            dup
                        }
                    };
                    if repeated {
                        return Err(bad(name, format!("`{item}` is listed twice")));
                    }
                }
                if v.all && items.len() > 1 {
                    return Err(bad(name, "`all` cannot be combined with other versions"));
                }
                f.versions = Some(v);
            }
            "match[spec_version]" => {
                let mut svs = Vec::new();
                for sv in list(name, value)? {
                    let ok = sv.split_once('.').is_some_and(|(a, b)| {
                        !a.is_empty()
                            && !b.is_empty()
                            && a.len() <= 3
                            && b.len() <= 3
                            && (a.bytes().chain(b.bytes())).all(|c| c.is_ascii_digit())
                    });
                    if !ok {
                        return Err(bad(
                            name,
                            format!(
                                "`{}` is not a specification version such as 2.1",
                                sv.chars().take(32).collect::<String>()
                            ),
                        ));
                    }
                    svs.push(sv.to_owned());
                }
                f.spec_versions = Some(svs);
            }
            _ => {}
        }
    }
    Ok(f)
}

impl Filters {
    /// A canonical description of everything but `limit` and `next`, which a pagination
    /// cursor is bound to.
    pub fn binding(&self) -> String {
        let mut ids = self.ids.clone();
        ids.sort();
        let mut types = self.types.clone();
        types.sort();
        let versions = self.versions.as_ref().map(|v| {
            let mut exact: Vec<String> = v.exact.iter().map(|t| t.to_sortable()).collect();
            exact.sort();
            format!(
                "{}{}{}:{}",
                u8::from(v.all),
                u8::from(v.first),
                u8::from(v.last),
                exact.join(",")
            )
        });
        let mut specs = self.spec_versions.clone().unwrap_or_default();
        specs.sort();
        format!(
            "after={};ids={};types={};versions={};spec={}",
            self.added_after
                .map(|t| t.to_sortable())
                .unwrap_or_default(),
            ids.join(","),
            types.join(","),
            versions.unwrap_or_default(),
            specs.join(",")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_taxii2_client_sends() {
        let f = parse(Some("match%5Btype%5D=indicator%2Cmalware&added_after=2020-01-01T00%3A00%3A00Z&limit=100"), Endpoint::Objects).unwrap();
        assert_eq!(f.types, vec!["indicator", "malware"]);
        assert_eq!(f.limit, Some(100));
        assert!(f.added_after.is_some());
        let f = parse(
            Some("match[version]=first,2016-01-01T00:00:00.000Z,last"),
            Endpoint::Objects,
        )
        .unwrap();
        let v = f.versions.unwrap();
        assert!(v.first && v.last && !v.all && v.exact.len() == 1);
    }

    #[test]
    fn refuses_malformed_parameters() {
        for q in [
            "limit=0",
            "limit=-1",
            "limit=ten",
            "added_after=yesterday",
            "added_after=2020-01-01T00:00:00Z&added_after=2020-01-01T00:00:00Z",
            "match[type]=Indicator",
            "match[type]=indicator,,malware",
            "match[id]=indicator--nope",
            "match[version]=all,last",
            "match[version]=last,last",
            "match[version]=latest",
            "match[spec_version]=two",
        ] {
            assert!(parse(Some(q), Endpoint::Objects).is_err(), "{q}");
        }
    }

    #[test]
    fn ignores_what_the_endpoint_does_not_define() {
        let f = parse(
            Some("match[type]=Indicator&match[x_custom]=1&foo=bar"),
            Endpoint::Versions,
        )
        .unwrap();
        assert!(f.types.is_empty());
    }

    #[test]
    fn binding_ignores_limit_and_order() {
        let a = parse(Some("match[type]=a-b,c-d&limit=5"), Endpoint::Objects).unwrap();
        let b = parse(Some("limit=10&match[type]=c-d,a-b"), Endpoint::Objects).unwrap();
        assert_eq!(a.binding(), b.binding());
    }
}
