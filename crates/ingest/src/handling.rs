//! The handling a submitted object gets (design §4, docs/sharing.md).
//!
//! Start from the submitting organisation's defaults (or, without any, the restrictive default
//! TLP:AMBER / audience `secretariat`; or, if the object carries only a TLP marking, that TLP
//! with audience `members`); then the object's own TLP and PAP markings; then a Renkei handling
//! marking (audience, classification, uses, attribution). The object is stored with its
//! effective TLP and PAP markings, so whoever reads it sees them.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use renkei_model::handling::{Audience, Classification, Handling, Tlp};
use renkei_model::stix::StixObject;
use renkei_model::stix::markings::{KnownMarking, known_marking, with_effective_markings};
use renkei_model::stix::renkei_handling::HandlingMarking;

/// Everything besides the object that decides its handling.
#[derive(Debug, Clone)]
pub struct Context {
    /// The submitter's clearance: nobody classifies above their own.
    pub clearance: Classification,
    /// The organisation's default handling, if it set one.
    pub org_default: Option<Handling>,
    /// Marking definitions known by id (in the submission or stored and visible to the
    /// submitter), with their Renkei handling extension if they have one.
    pub markings: HashMap<String, Option<HandlingMarking>>,
    /// Marking definitions the submission defines more than once with different handling:
    /// every copy, and every object marked with one, is refused.
    pub redefined: HashSet<String>,
}

/// The outcome of deriving the handling of one object.
#[derive(Debug)]
pub enum Derived {
    /// The handling, and the object body to store (with its TLP and PAP markings).
    Ready {
        handling: Handling,
        body: Option<String>,
    },
    /// It references marking definitions not known yet.
    Unknown(Vec<String>),
}

/// Derives the handling of one object, or says why it cannot be accepted.
pub fn derive(object: &StixObject, ctx: &Context) -> Result<Derived, String> {
    let mut tlp = None;
    let mut pap = None;
    let mut renkei: Option<&HandlingMarking> = None;
    let mut unknown = Vec::new();
    let refs = object
        .object_marking_refs()
        .iter()
        .chain(object.granular_marking_refs());
    for r in object.object_marking_refs() {
        match known_marking(r.as_str()) {
            Some(KnownMarking::Tlp(t)) => {
                if tlp.is_some_and(|prev| prev != t) {
                    return Err(
                        "object_marking_refs: more than one TLP level; mark the object with one"
                            .into(),
                    );
                }
                tlp = Some(t);
            }
            Some(KnownMarking::Pap(p)) => {
                if pap.is_some_and(|prev| prev != p) {
                    return Err(
                        "object_marking_refs: more than one PAP level; mark the object with one"
                            .into(),
                    );
                }
                pap = Some(p);
            }
            None if ctx.redefined.contains(r.as_str()) => {
                return Err(format!(
                    "object_marking_refs: {r} is defined more than once in this submission, with different handling"
                ));
            }
            None => match ctx.markings.get(r.as_str()) {
                Some(Some(m)) => {
                    if renkei.is_some() {
                        return Err(
                            "object_marking_refs: more than one Renkei handling marking".into()
                        );
                    }
                    renkei = Some(m);
                }
                Some(None) => {}
                None => unknown.push(r.to_string()),
            },
        }
    }
    for r in refs.skip(object.object_marking_refs().len()) {
        if known_marking(r.as_str()).is_none() && !ctx.markings.contains_key(r.as_str()) {
            unknown.push(r.to_string());
        }
    }
    if !unknown.is_empty() {
        return Ok(Derived::Unknown(unknown));
    }
    let is_marking = object.object_type() == "marking-definition";
    let mut h = match (&ctx.org_default, tlp) {
        // Marking definitions describe how other objects are handled: whoever sees a marked
        // object must be able to read its marking, so the organisation's defaults do not apply.
        _ if is_marking => Handling {
            audience: Audience::members(),
            ..Handling::for_tlp(Tlp::Green)
        },
        (Some(d), _) => d.clone(),
        (None, Some(t)) => Handling::for_tlp(t),
        (None, None) => Handling::restrictive_default(),
    };
    if let Some(t) = tlp {
        h.tlp = t;
    }
    if let Some(p) = pap {
        h.pap = p;
    }
    if let Some(m) = renkei {
        if let Some(a) = &m.audience {
            h.audience = a.clone();
        }
        if let Some(c) = m.classification {
            h.classification = c;
        }
        if let Some(u) = m.uses {
            h.uses = u;
        }
        if let Some(a) = m.attribution {
            h.attribution = a;
        }
    }
    if h.classification > ctx.clearance {
        return Err(format!(
            "classification {} is above your clearance ({}); you cannot classify above it",
            h.classification.level(),
            ctx.clearance.level()
        ));
    }
    // Marking definitions are not themselves marked: TLP markings on them would be circular.
    let body = if is_marking {
        None
    } else {
        match with_effective_markings(object.json(), h.tlp, h.pap).map_err(|e| e.to_string())? {
            Cow::Borrowed(_) => None,
            Cow::Owned(b) => Some(b),
        }
    };
    Ok(Derived::Ready { handling: h, body })
}
