//! A read [`Event`] → STIX objects: a `report` over indicators, observables, vulnerabilities
//! and sightings. Problems confined to one attribute become warnings naming its path; the
//! attribute is then skipped, never dropped silently.

use std::collections::HashSet;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use renkei_model::stix::{Timestamp, pattern};

use super::event::{Attribute, Event, MispObject};
use super::observable::{self, File, Observed, hash_name, observables};
use super::tags::Handling;
use super::{Conversion, MispError};

/// Namespace of the ids of sightings that carry no UUID of their own.
const SIGHTING_NAMESPACE: Uuid = Uuid::from_u128(0x3f1c_9a52_7d0e_4b8a_9e61_5a2f_0c4d_b7e3);

/// Converts one event.
pub(super) fn convert(event: &Event, received: Timestamp) -> Result<Conversion, MispError> {
    let handling =
        Handling::from_tags(&event.tags).map_err(|c| MispError::ConflictingMarkings {
            path: "Event.Tag".to_owned(),
            what: c.what,
            tags: c.tags,
        })?;
    let when = event.date.or(event.timestamp).or(event.publish_timestamp);
    let created = when.unwrap_or(received);
    let mut c = Converter {
        handling,
        fallback_time: event.timestamp.unwrap_or(created),
        objects: Vec::new(),
        ids: HashSet::new(),
        notes: Vec::new(),
        warnings: Vec::new(),
    };
    if when.is_none() {
        c.warnings.push(
            "Event: no date or timestamp (as pymisp writes events no MISP server has stored); the time of import is used".to_owned(),
        );
    }
    for a in &event.attributes {
        c.attribute(a);
    }
    for o in &event.objects {
        c.object(o);
    }
    let refs: Vec<Value> = c
        .objects
        .iter()
        .filter_map(|o| o.get("id").cloned())
        .collect();
    if refs.is_empty() {
        c.warnings
            .push("Event: no attribute could be converted, so no report was written".to_owned());
        return Ok(c.finish());
    }
    let modified = event.timestamp.map_or(created, |t| t.max(created));
    let mut labels = c.handling.labels.clone();
    if let Some(l) = event.threat_level_id.and_then(threat_level) {
        labels.push(format!("misp:threat-level=\"{l}\""));
    }
    if let Some(a) = event.analysis.and_then(analysis) {
        labels.push(format!("misp:analysis=\"{a}\""));
    }
    let mut report = Map::new();
    report.insert("type".into(), "report".into());
    report.insert("spec_version".into(), "2.1".into());
    report.insert("id".into(), format!("report--{}", event.uuid).into());
    report.insert("created".into(), created.to_stix().into());
    report.insert("modified".into(), modified.to_stix().into());
    report.insert("name".into(), event.info.as_str().into());
    if !c.notes.is_empty() {
        report.insert("description".into(), c.notes.join("\n\n").into());
    }
    report.insert("report_types".into(), json!(["threat-report"]));
    let published = event.publish_timestamp.or(event.date).unwrap_or(created);
    report.insert("published".into(), published.to_stix().into());
    report.insert("object_refs".into(), refs.into());
    insert_labels_and_markings(&mut report, &labels, &c.handling);
    c.objects.insert(0, report);
    Ok(c.finish())
}

struct Converter {
    handling: Handling,
    /// For attributes without a timestamp of their own (pymisp omits it on edited ones).
    fallback_time: Timestamp,
    objects: Vec<Map<String, Value>>,
    ids: HashSet<String>,
    /// `text` and `comment` attributes, for the report's description.
    notes: Vec<String>,
    warnings: Vec<String>,
}

/// How one STIX object (or group) built from MISP is described.
struct Meta<'a> {
    id_uuid: Uuid,
    name: &'a str,
    time: Timestamp,
    description: Option<&'a str>,
    labels: Vec<String>,
    handling: Handling,
}

impl Converter {
    fn finish(self) -> Conversion {
        Conversion {
            objects: self.objects.into_iter().map(Value::Object).collect(),
            warnings: self.warnings,
        }
    }

    fn warn(&mut self, path: &str, message: impl std::fmt::Display) {
        self.warnings.push(format!("{path}: {message}"));
    }

    fn push(&mut self, object: Map<String, Value>) {
        let id = object
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        // The same observable in two attributes has the same deterministic id: kept once.
        if self.ids.insert(id) {
            self.objects.push(object);
        }
    }

    /// The attribute's handling, its tags over the event's; `None` (and a warning) on a
    /// conflict.
    fn handling_of(&mut self, a: &Attribute) -> Option<Handling> {
        match Handling::from_tags(&a.tags) {
            Ok(h) => Some(self.handling.refined_by(&h)),
            Err(c) => {
                self.warn(
                    &a.path,
                    format_args!(
                        "skipped: conflicting {} tags ({}); tag the attribute with one level",
                        c.what, c.tags
                    ),
                );
                None
            }
        }
    }

    fn labels_of(a: &Attribute, handling: &Handling) -> Vec<String> {
        let mut labels = handling.labels.clone();
        if let Some(cat) = &a.category {
            labels.push(format!("misp:category=\"{cat}\""));
        }
        labels.push(format!("misp:type=\"{}\"", a.ty));
        labels
    }

    fn attribute(&mut self, a: &Attribute) {
        let Some(handling) = self.handling_of(a) else {
            return;
        };
        let time = a.timestamp.unwrap_or(self.fallback_time);
        match a.ty.as_str() {
            "text" | "comment" => {
                self.notes.push(a.value.clone());
                self.no_sightings(a, "it became part of the report's description");
                return;
            }
            "vulnerability" => {
                self.vulnerability(a, handling, time);
                return;
            }
            _ => {}
        }
        match observable::observe(&a.ty, &a.value) {
            Ok(Some(observed)) => {
                let meta = Meta {
                    id_uuid: a.uuid,
                    name: &a.value,
                    time,
                    description: a.comment.as_deref(),
                    labels: Self::labels_of(a, &handling),
                    handling,
                };
                self.observed(&a.path, &observed, a.to_ids, &meta, &[a]);
            }
            Ok(None) => self.warn(
                &a.path,
                format_args!("skipped: MISP type `{}` is not converted", a.ty),
            ),
            Err(reason) => self.warn(
                &a.path,
                format_args!("skipped: invalid `{}` value: {reason}", a.ty),
            ),
        }
    }

    /// An indicator (to_ids) with the sightings of `sighted`, or observables.
    fn observed(
        &mut self,
        path: &str,
        o: &Observed,
        to_ids: bool,
        meta: &Meta<'_>,
        sighted: &[&Attribute],
    ) {
        let markings = meta.handling.marking_refs();
        if !to_ids {
            for sco in observables(o, &markings) {
                self.push(sco);
            }
            for a in sighted {
                self.no_sightings(a, "it is not an indicator (to_ids is false)");
            }
            return;
        }
        let pattern = observable::pattern(o);
        if let Err(e) = pattern::check(&pattern) {
            self.warn(path, format_args!("skipped: {e}"));
            return;
        }
        let id = format!("indicator--{}", meta.id_uuid);
        let t = meta.time.to_stix();
        let mut ind = Map::new();
        ind.insert("type".into(), "indicator".into());
        ind.insert("spec_version".into(), "2.1".into());
        ind.insert("id".into(), id.as_str().into());
        ind.insert("created".into(), t.as_str().into());
        ind.insert("modified".into(), t.as_str().into());
        ind.insert("name".into(), meta.name.into());
        if let Some(d) = meta.description {
            ind.insert("description".into(), d.into());
        }
        ind.insert("pattern".into(), pattern.into());
        ind.insert("pattern_type".into(), "stix".into());
        ind.insert("valid_from".into(), t.into());
        insert_labels_and_markings(&mut ind, &meta.labels, &meta.handling);
        self.push(ind);
        for a in sighted {
            self.sightings(a, &id, &markings);
        }
    }

    fn sightings(&mut self, a: &Attribute, indicator: &str, markings: &[&str]) {
        for (i, s) in a.sightings.iter().enumerate() {
            let uuid = s.uuid.unwrap_or_else(|| {
                Uuid::new_v5(&SIGHTING_NAMESPACE, format!("{}/{i}", a.uuid).as_bytes())
            });
            let t = s.date.to_stix();
            let mut o = Map::new();
            o.insert("type".into(), "sighting".into());
            o.insert("spec_version".into(), "2.1".into());
            o.insert("id".into(), format!("sighting--{uuid}").into());
            o.insert("created".into(), t.as_str().into());
            o.insert("modified".into(), t.as_str().into());
            o.insert("sighting_of_ref".into(), indicator.into());
            o.insert("count".into(), 1.into());
            o.insert("first_seen".into(), t.as_str().into());
            o.insert("last_seen".into(), t.into());
            o.insert("x_renkei_sighting_type".into(), s.kind.as_str().into());
            if !markings.is_empty() {
                o.insert("object_marking_refs".into(), json!(markings));
            }
            self.push(o);
        }
    }

    fn no_sightings(&mut self, a: &Attribute, why: &str) {
        if !a.sightings.is_empty() {
            let n = a.sightings.len();
            self.warn(
                &a.path,
                format_args!(
                    "{n} sighting(s) not converted: {why}; STIX sightings here point at indicators"
                ),
            );
        }
    }

    fn vulnerability(&mut self, a: &Attribute, handling: Handling, time: Timestamp) {
        let t = time.to_stix();
        let name = a.value.trim();
        let mut v = Map::new();
        v.insert("type".into(), "vulnerability".into());
        v.insert("spec_version".into(), "2.1".into());
        v.insert("id".into(), format!("vulnerability--{}", a.uuid).into());
        v.insert("created".into(), t.as_str().into());
        v.insert("modified".into(), t.into());
        v.insert("name".into(), name.into());
        if let Some(d) = &a.comment {
            v.insert("description".into(), d.as_str().into());
        }
        if is_cve(name) {
            v.insert(
                "external_references".into(),
                json!([{"source_name": "cve", "external_id": name.to_ascii_uppercase()}]),
            );
        }
        insert_labels_and_markings(&mut v, &Self::labels_of(a, &handling), &handling);
        self.push(v);
        self.no_sightings(a, "it is a vulnerability");
    }

    fn object(&mut self, o: &MispObject) {
        match o.name.as_str() {
            "file" => self.file_object(o),
            "domain-ip" => self.domain_ip_object(o),
            _ => {
                for a in &o.attributes {
                    self.attribute(a);
                }
            }
        }
    }

    /// The handling, time and to_ids of an object converted as one: the strictest handling
    /// and the latest time of its attributes; to_ids if any attribute says so.
    fn object_meta<'a>(&mut self, o: &'a MispObject, name: &'a str) -> Option<(Meta<'a>, bool)> {
        let mut handling: Option<Handling> = None;
        for a in &o.attributes {
            let h = self.handling_of(a)?;
            handling = Some(match handling {
                Some(prev) => prev.strictest(&h),
                None => h,
            });
        }
        let handling = handling.unwrap_or_else(|| self.handling.clone());
        let time = o
            .attributes
            .iter()
            .filter_map(|a| a.timestamp)
            .max()
            .unwrap_or(self.fallback_time);
        let mut labels = handling.labels.clone();
        labels.push(format!("misp:object=\"{}\"", o.name));
        let to_ids = o.attributes.iter().any(|a| a.to_ids);
        Some((
            Meta {
                id_uuid: o.uuid,
                name,
                time,
                description: o.comment.as_deref(),
                labels,
                handling,
            },
            to_ids,
        ))
    }

    fn file_object(&mut self, o: &MispObject) {
        let mut file = File::default();
        for a in &o.attributes {
            let relation = a.object_relation.as_deref().unwrap_or(&a.ty);
            let result = match relation {
                "filename" => observable::observe("filename", &a.value).map(|f| {
                    if let Some(Observed::File(f)) = f {
                        file.name = f.name;
                    }
                }),
                "size-in-bytes" => a
                    .value
                    .trim()
                    .parse()
                    .map(|s| file.size = Some(s))
                    .map_err(|_| "not a size in bytes".to_owned()),
                r => match hash_name(r) {
                    Some(algo) => {
                        observable::hash(r, &a.value).map(|h| file.hashes.push((algo, h)))
                    }
                    None => {
                        self.warn(
                            &a.path,
                            format_args!("not converted: `{r}` of a file object is not mapped"),
                        );
                        Ok(())
                    }
                },
            };
            if let Err(reason) = result {
                self.warn(
                    &a.path,
                    format_args!("skipped: invalid `{relation}`: {reason}"),
                );
            }
        }
        if file.name.is_none() && file.hashes.is_empty() {
            self.warn(&o.path, "skipped: a file object needs a filename or a hash");
            return;
        }
        let name = file.name.clone().unwrap_or_else(|| "file".to_owned());
        let Some((meta, to_ids)) = self.object_meta(o, &name) else {
            return;
        };
        let sighted: Vec<&Attribute> = o.attributes.iter().collect();
        self.observed(&o.path, &Observed::File(file), to_ids, &meta, &sighted);
    }

    fn domain_ip_object(&mut self, o: &MispObject) {
        let mut domain = None;
        let mut ips = Vec::new();
        for a in &o.attributes {
            let relation = a.object_relation.as_deref().unwrap_or(&a.ty);
            let result = match relation {
                "domain" | "hostname" if domain.is_none() => {
                    observable::domain(&a.value).map(|d| domain = Some(d))
                }
                "ip" | "ip-dst" | "ip-src" => observable::ip(&a.value).map(|i| ips.push(i)),
                _ => {
                    // A second domain, ports, dates…: converted one by one.
                    self.attribute(a);
                    Ok(())
                }
            };
            if let Err(reason) = result {
                self.warn(
                    &a.path,
                    format_args!("skipped: invalid `{relation}`: {reason}"),
                );
            }
        }
        let Some(domain) = domain else {
            self.warn(&o.path, "skipped: a domain-ip object needs a domain");
            return;
        };
        let name = domain.clone();
        let Some((meta, to_ids)) = self.object_meta(o, &name) else {
            return;
        };
        let sighted: Vec<&Attribute> = o.attributes.iter().collect();
        let observed = if ips.is_empty() {
            Observed::Domain(domain)
        } else {
            Observed::DomainIp { domain, ips }
        };
        self.observed(&o.path, &observed, to_ids, &meta, &sighted);
    }
}

fn insert_labels_and_markings(o: &mut Map<String, Value>, labels: &[String], h: &Handling) {
    if !labels.is_empty() {
        o.insert("labels".into(), json!(labels));
    }
    let refs = h.marking_refs();
    if !refs.is_empty() {
        o.insert("object_marking_refs".into(), json!(refs));
    }
}

fn is_cve(s: &str) -> bool {
    let mut parts = s.splitn(3, '-');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(c), Some(y), Some(n))
            if c.eq_ignore_ascii_case("cve")
                && y.len() == 4
                && y.bytes().all(|b| b.is_ascii_digit())
                && n.len() >= 4
                && n.bytes().all(|b| b.is_ascii_digit())
    )
}

fn threat_level(id: i64) -> Option<&'static str> {
    Some(match id {
        1 => "high",
        2 => "medium",
        3 => "low",
        4 => "undefined",
        _ => return None,
    })
}

fn analysis(id: i64) -> Option<&'static str> {
    Some(match id {
        0 => "initial",
        1 => "ongoing",
        2 => "completed",
        _ => return None,
    })
}
