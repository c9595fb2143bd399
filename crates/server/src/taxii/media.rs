//! Content negotiation (TAXII 2.1 §1.6.8, §3.1): `application/taxii+json;version=2.1`, and
//! the unversioned form meaning "the latest version", are always acceptable.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_TYPE};

pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

/// One media range of an `Accept` header, or a `Content-Type`.
struct MediaRange {
    essence: String,
    version: Option<String>,
    q_zero: bool,
}

fn parse_range(s: &str) -> Option<MediaRange> {
    let mut parts = s.split(';');
    let essence = parts.next()?.trim().to_ascii_lowercase();
    if essence.is_empty() {
        return None;
    }
    let mut version = None;
    let mut q_zero = false;
    for p in parts {
        let (k, v) = p.split_once('=')?;
        let k = k.trim().to_ascii_lowercase();
        let v = v.trim().trim_matches('"');
        match k.as_str() {
            "version" => version = Some(v.to_owned()),
            "q" => q_zero = v.parse::<f32>().is_ok_and(|q| q == 0.0),
            _ => {}
        }
    }
    Some(MediaRange {
        essence,
        version,
        q_zero,
    })
}

fn is_taxii_21(r: &MediaRange) -> bool {
    r.essence == "application/taxii+json" && r.version.as_deref().is_none_or(|v| v == "2.1")
}

/// Whether the client accepts TAXII 2.1 content. A missing `Accept` means anything; `*/*` and
/// `application/*` are honoured (curl sends `*/*`). The manifest endpoint also lists the STIX
/// media type.
pub fn accepts_taxii(headers: &HeaderMap, allow_stix: bool) -> bool {
    let values: Vec<&str> = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        return true;
    }
    values
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(parse_range)
        .filter(|r| !r.q_zero)
        .any(|r| {
            is_taxii_21(&r)
                || r.essence == "*/*"
                || r.essence == "application/*"
                || (allow_stix
                    && r.essence == "application/stix+json"
                    && r.version.as_deref().is_none_or(|v| v == "2.1"))
        })
}

/// Whether a POST body is declared as a TAXII 2.1 envelope.
pub fn is_taxii_content(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_range)
        .is_some_and(|r| is_taxii_21(&r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn negotiation() {
        assert!(accepts_taxii(
            &accept("application/taxii+json;version=2.1"),
            false
        ));
        assert!(accepts_taxii(&accept("application/taxii+json"), false));
        assert!(accepts_taxii(
            &accept("Application/TAXII+json; version=\"2.1\""),
            false
        ));
        assert!(accepts_taxii(
            &accept("application/json, application/taxii+json;version=2.1"),
            false
        ));
        assert!(accepts_taxii(&accept("*/*"), false));
        assert!(accepts_taxii(&HeaderMap::new(), false));
        assert!(!accepts_taxii(&accept("application/json"), false));
        assert!(!accepts_taxii(
            &accept("application/taxii+json;version=2.0"),
            false
        ));
        assert!(!accepts_taxii(
            &accept("application/taxii+json;version=2.1;q=0"),
            false
        ));
        assert!(!accepts_taxii(
            &accept("application/stix+json;version=2.1"),
            false
        ));
        assert!(accepts_taxii(
            &accept("application/stix+json;version=2.1"),
            true
        ));
    }
}
