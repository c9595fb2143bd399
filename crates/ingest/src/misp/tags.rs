//! MISP tags → handling: `tlp:*` and `PAP:*` (MISP taxonomy names, any case) become the
//! predefined TLP 2.0 and PAP marking ids; every other tag becomes a STIX label.

use renkei_model::handling::{Pap, Tlp};
use renkei_model::stix::markings::{pap_marking_id, tlp_marking_id};

/// What a list of tags says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Handling {
    pub tlp: Option<Tlp>,
    pub pap: Option<Pap>,
    /// Tags that are neither TLP nor PAP, as written.
    pub labels: Vec<String>,
}

/// Two tags name different levels of the same scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Conflict {
    pub what: &'static str,
    pub tags: String,
}

impl Handling {
    /// Reads tags; two different TLP (or PAP) levels are a conflict. Unknown `tlp:` values
    /// (e.g. `tlp:ex:chr`) stay labels.
    pub fn from_tags(tags: &[String]) -> Result<Handling, Conflict> {
        let mut out = Handling::default();
        let mut tlp_tags: Vec<&str> = Vec::new();
        let mut pap_tags: Vec<&str> = Vec::new();
        for tag in tags {
            if let Some(tlp) = tlp_of(tag) {
                tlp_tags.push(tag);
                if out.tlp.is_some_and(|t| t != tlp) {
                    return Err(Conflict {
                        what: "TLP",
                        tags: tlp_tags.join(", "),
                    });
                }
                out.tlp = Some(tlp);
            } else if let Some(pap) = pap_of(tag) {
                pap_tags.push(tag);
                if out.pap.is_some_and(|p| p != pap) {
                    return Err(Conflict {
                        what: "PAP",
                        tags: pap_tags.join(", "),
                    });
                }
                out.pap = Some(pap);
            } else if !out.labels.contains(tag) {
                out.labels.push(tag.clone());
            }
        }
        Ok(out)
    }

    /// This handling refined by a more specific one (an attribute's over its event's): its
    /// TLP and PAP win where set; labels are the union.
    pub fn refined_by(&self, specific: &Handling) -> Handling {
        let mut labels = self.labels.clone();
        for l in &specific.labels {
            if !labels.contains(l) {
                labels.push(l.clone());
            }
        }
        Handling {
            tlp: specific.tlp.or(self.tlp),
            pap: specific.pap.or(self.pap),
            labels,
        }
    }

    /// The strictest of two handlings (for one STIX object built from several attributes).
    pub fn strictest(&self, other: &Handling) -> Handling {
        let mut h = self.refined_by(other);
        h.tlp = match (self.tlp, other.tlp) {
            (Some(a), Some(b)) => Some(if a.rank() >= b.rank() { a } else { b }),
            (a, b) => a.or(b),
        };
        h.pap = match (self.pap, other.pap) {
            (Some(a), Some(b)) => Some(if a.rank() >= b.rank() { a } else { b }),
            (a, b) => a.or(b),
        };
        h
    }

    /// The marking ids for `object_marking_refs` (TLP first), empty when the tags say nothing:
    /// Renkei then applies the provider's defaults.
    pub fn marking_refs(&self) -> Vec<&'static str> {
        self.tlp
            .map(tlp_marking_id)
            .into_iter()
            .chain(self.pap.map(pap_marking_id))
            .collect()
    }
}

fn tlp_of(tag: &str) -> Option<Tlp> {
    let level = strip_prefix_ignore_case(tag, "tlp:")?;
    Some(
        match level.trim_matches('"').to_ascii_lowercase().as_str() {
            "clear" | "white" => Tlp::Clear,
            "green" => Tlp::Green,
            "amber" => Tlp::Amber,
            "amber+strict" => Tlp::AmberStrict,
            "red" => Tlp::Red,
            _ => return None,
        },
    )
}

fn pap_of(tag: &str) -> Option<Pap> {
    let level = strip_prefix_ignore_case(tag, "pap:")?;
    Some(
        match level.trim_matches('"').to_ascii_lowercase().as_str() {
            "clear" | "white" => Pap::Clear,
            "green" => Pap::Green,
            "amber" => Pap::Amber,
            "red" => Pap::Red,
            _ => return None,
        },
    )
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn reads_levels_in_any_case() {
        let h = Handling::from_tags(&tags(&["TLP:Amber+Strict", "pap:white", "phishing"])).unwrap();
        assert_eq!(h.tlp, Some(Tlp::AmberStrict));
        assert_eq!(h.pap, Some(Pap::Clear));
        assert_eq!(h.labels, ["phishing"]);
        assert_eq!(
            Handling::from_tags(&tags(&["tlp:white"])).unwrap().tlp,
            Some(Tlp::Clear)
        );
        assert_eq!(
            Handling::from_tags(&tags(&["tlp:ex:chr"])).unwrap().labels,
            ["tlp:ex:chr"]
        );
    }

    #[test]
    fn same_level_twice_is_fine_two_levels_conflict() {
        assert!(Handling::from_tags(&tags(&["tlp:red", "TLP:RED"])).is_ok());
        let c = Handling::from_tags(&tags(&["tlp:green", "tlp:amber"])).unwrap_err();
        assert_eq!(c.what, "TLP");
        assert!(Handling::from_tags(&tags(&["PAP:RED", "pap:green"])).is_err());
    }

    #[test]
    fn specific_overrides_and_strictest_wins() {
        let event = Handling::from_tags(&tags(&["tlp:amber", "PAP:GREEN"])).unwrap();
        let attr = Handling::from_tags(&tags(&["tlp:red"])).unwrap();
        let h = event.refined_by(&attr);
        assert_eq!((h.tlp, h.pap), (Some(Tlp::Red), Some(Pap::Green)));
        let green = Handling::from_tags(&tags(&["tlp:green"])).unwrap();
        assert_eq!(event.refined_by(&green).tlp, Some(Tlp::Green));
        assert_eq!(event.strictest(&green).tlp, Some(Tlp::Amber));
    }
}
