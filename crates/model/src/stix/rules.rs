//! Per-type rules of STIX 2.1: which class a type belongs to, which properties it requires,
//! and the type of each property the specification defines. Custom properties and custom
//! object types are kept; only their names are checked.

use serde_json::value::RawValue;

use super::json::{JsonKind, Props};
use super::object::{
    At, Check, Invalid, as_bool, as_integer, as_list, as_props, as_ref, as_str, as_timestamp,
};

/// The broad family of a STIX object type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectClass {
    /// STIX Domain Objects (indicator, malware, report…).
    Domain,
    /// relationship and sighting.
    Relationship,
    /// STIX Cyber-observable Objects (ipv4-addr, file, url…): not versioned.
    Observable,
    /// marking-definition, language-content, extension-definition.
    Meta,
    /// A type this version of STIX does not define.
    Custom,
}

impl ObjectClass {
    pub fn as_str(&self) -> &'static str {
        match self {
            ObjectClass::Domain => "sdo",
            ObjectClass::Relationship => "sro",
            ObjectClass::Observable => "sco",
            ObjectClass::Meta => "meta",
            ObjectClass::Custom => "custom",
        }
    }
}

/// The type a property's value must have.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Str,
    Strs,
    Time,
    Bool,
    /// An integer within bounds.
    Int(i64, i64),
    /// A number (integer or float) within bounds.
    Num(f64, f64),
    /// A reference to objects of the given types (empty: any type).
    Ref(&'static [&'static str]),
    /// A reference to anything but the given types.
    RefNot(&'static [&'static str]),
    Refs(&'static [&'static str]),
    /// A dictionary (JSON object) with any values.
    Dict,
    /// A hashes dictionary: string values, keys 3–250 characters.
    Hashes,
    KillChain,
    ExternalRefs,
    GranularMarkings,
    Extensions,
    /// A list of JSON objects (checked only for shape).
    Objects,
    /// One of the given strings.
    Enum(&'static [&'static str]),
}

use Kind::*;

const IDENTITY: &[&str] = &["identity"];
const ANY: &[&str] = &[];
/// What a relationship or sighting may not point at (STIX 2.1 §5.1, §5.2).
const NOT_SDO_OR_SCO: &[&str] = &[
    "relationship",
    "sighting",
    "bundle",
    "marking-definition",
    "language-content",
    "extension-definition",
];

/// STIX 2.1 §3.8: property names no object may use.
const RESERVED_PROPERTIES: &[&str] = &[
    "severity",
    "username",
    "phone_numbers",
    "phone_number",
    "action",
];

/// Largest integer STIX allows (§2.10: representable as a signed 54-bit value).
const MAX_INT: i64 = (1 << 53) - 1;

pub(super) struct Rule {
    pub(super) ty: &'static str,
    pub(super) class: ObjectClass,
    pub(super) required: &'static [&'static str],
    pub(super) props: &'static [(&'static str, Kind)],
}

/// Properties common to SDOs and SROs (STIX 2.1 §3.2).
const COMMON_SDO: &[(&str, Kind)] = &[
    ("type", Str),
    ("spec_version", Str),
    ("id", Str),
    ("created_by_ref", Ref(IDENTITY)),
    ("created", Time),
    ("modified", Time),
    ("revoked", Bool),
    ("labels", Strs),
    ("confidence", Int(0, 100)),
    ("lang", Str),
    ("external_references", ExternalRefs),
    ("object_marking_refs", Refs(&["marking-definition"])),
    ("granular_markings", GranularMarkings),
    ("extensions", Extensions),
];

/// Properties common to SCOs (STIX 2.1 §3.2, table for SCOs).
const COMMON_SCO: &[(&str, Kind)] = &[
    ("type", Str),
    ("spec_version", Str),
    ("id", Str),
    ("object_marking_refs", Refs(&["marking-definition"])),
    ("granular_markings", GranularMarkings),
    ("defanged", Bool),
    ("extensions", Extensions),
];

const SDO_REQUIRED: &[&str] = &["type", "spec_version", "id", "created", "modified"];

macro_rules! sdo {
    ($ty:literal, [$($req:literal),*], [$($p:expr),* $(,)?]) => {
        Rule { ty: $ty, class: ObjectClass::Domain, required: &[$($req),*], props: &[$($p),*] }
    };
}
macro_rules! sco {
    ($ty:literal, [$($req:literal),*], [$($p:expr),* $(,)?]) => {
        Rule { ty: $ty, class: ObjectClass::Observable, required: &[$($req),*], props: &[$($p),*] }
    };
}

const KILL_CHAIN: (&str, Kind) = ("kill_chain_phases", KillChain);

static RULES: &[Rule] = &[
    // --- STIX Domain Objects (§4) ---
    sdo!(
        "attack-pattern",
        ["name"],
        [
            ("name", Str),
            ("description", Str),
            ("aliases", Strs),
            KILL_CHAIN
        ]
    ),
    sdo!(
        "campaign",
        ["name"],
        [
            ("name", Str),
            ("description", Str),
            ("aliases", Strs),
            ("first_seen", Time),
            ("last_seen", Time),
            ("objective", Str)
        ]
    ),
    sdo!(
        "course-of-action",
        ["name"],
        [("name", Str), ("description", Str)]
    ),
    sdo!(
        "grouping",
        ["context", "object_refs"],
        [
            ("name", Str),
            ("description", Str),
            ("context", Str),
            ("object_refs", Refs(ANY))
        ]
    ),
    sdo!(
        "identity",
        ["name"],
        [
            ("name", Str),
            ("description", Str),
            ("roles", Strs),
            ("identity_class", Str),
            ("sectors", Strs),
            ("contact_information", Str)
        ]
    ),
    sdo!(
        "incident",
        ["name"],
        [("name", Str), ("description", Str), KILL_CHAIN]
    ),
    sdo!(
        "indicator",
        ["pattern", "pattern_type", "valid_from"],
        [
            ("name", Str),
            ("description", Str),
            ("indicator_types", Strs),
            ("pattern", Str),
            ("pattern_type", Str),
            ("pattern_version", Str),
            ("valid_from", Time),
            ("valid_until", Time),
            KILL_CHAIN
        ]
    ),
    sdo!(
        "infrastructure",
        ["name"],
        [
            ("name", Str),
            ("description", Str),
            ("infrastructure_types", Strs),
            ("aliases", Strs),
            KILL_CHAIN,
            ("first_seen", Time),
            ("last_seen", Time)
        ]
    ),
    sdo!(
        "intrusion-set",
        ["name"],
        [
            ("name", Str),
            ("description", Str),
            ("aliases", Strs),
            ("first_seen", Time),
            ("last_seen", Time),
            ("goals", Strs),
            ("resource_level", Str),
            ("primary_motivation", Str),
            ("secondary_motivations", Strs)
        ]
    ),
    sdo!(
        "location",
        [],
        [
            ("name", Str),
            ("description", Str),
            ("latitude", Num(-90.0, 90.0)),
            ("longitude", Num(-180.0, 180.0)),
            ("precision", Num(0.0, f64::MAX)),
            ("region", Str),
            ("country", Str),
            ("administrative_area", Str),
            ("city", Str),
            ("street_address", Str),
            ("postal_code", Str)
        ]
    ),
    sdo!(
        "malware",
        ["is_family"],
        [
            ("name", Str),
            ("description", Str),
            ("malware_types", Strs),
            ("is_family", Bool),
            ("aliases", Strs),
            KILL_CHAIN,
            ("first_seen", Time),
            ("last_seen", Time),
            ("operating_system_refs", Refs(&["software"])),
            ("architecture_execution_envs", Strs),
            ("implementation_languages", Strs),
            ("capabilities", Strs),
            ("sample_refs", Refs(&["artifact", "file"]))
        ]
    ),
    sdo!(
        "malware-analysis",
        ["product"],
        [
            ("product", Str),
            ("version", Str),
            ("host_vm_ref", Ref(&["software"])),
            ("operating_system_ref", Ref(&["software"])),
            ("installed_software_refs", Refs(&["software"])),
            ("configuration_version", Str),
            ("modules", Strs),
            ("analysis_engine_version", Str),
            ("analysis_definition_version", Str),
            ("submitted", Time),
            ("analysis_started", Time),
            ("analysis_ended", Time),
            ("result_name", Str),
            ("result", Str),
            ("analysis_sco_refs", Refs(ANY)),
            ("sample_ref", Ref(ANY))
        ]
    ),
    sdo!(
        "note",
        ["content", "object_refs"],
        [
            ("abstract", Str),
            ("content", Str),
            ("authors", Strs),
            ("object_refs", Refs(ANY))
        ]
    ),
    sdo!(
        "observed-data",
        ["first_observed", "last_observed", "number_observed"],
        [
            ("first_observed", Time),
            ("last_observed", Time),
            ("number_observed", Int(1, 999_999_999)),
            ("objects", Dict),
            ("object_refs", Refs(ANY))
        ]
    ),
    sdo!(
        "opinion",
        ["opinion", "object_refs"],
        [
            ("explanation", Str),
            ("authors", Strs),
            (
                "opinion",
                Enum(&[
                    "strongly-disagree",
                    "disagree",
                    "neutral",
                    "agree",
                    "strongly-agree"
                ])
            ),
            ("object_refs", Refs(ANY))
        ]
    ),
    sdo!(
        "report",
        ["name", "published", "object_refs"],
        [
            ("name", Str),
            ("description", Str),
            ("report_types", Strs),
            ("published", Time),
            ("object_refs", Refs(ANY))
        ]
    ),
    sdo!(
        "threat-actor",
        ["name"],
        [
            ("name", Str),
            ("description", Str),
            ("threat_actor_types", Strs),
            ("aliases", Strs),
            ("first_seen", Time),
            ("last_seen", Time),
            ("roles", Strs),
            ("goals", Strs),
            ("sophistication", Str),
            ("resource_level", Str),
            ("primary_motivation", Str),
            ("secondary_motivations", Strs),
            ("personal_motivations", Strs)
        ]
    ),
    sdo!(
        "tool",
        ["name"],
        [
            ("name", Str),
            ("description", Str),
            ("tool_types", Strs),
            ("aliases", Strs),
            KILL_CHAIN,
            ("tool_version", Str)
        ]
    ),
    sdo!(
        "vulnerability",
        ["name"],
        [("name", Str), ("description", Str)]
    ),
    // --- STIX Relationship Objects (§5) ---
    Rule {
        ty: "relationship",
        class: ObjectClass::Relationship,
        required: &["relationship_type", "source_ref", "target_ref"],
        props: &[
            ("relationship_type", Str),
            ("description", Str),
            ("source_ref", RefNot(NOT_SDO_OR_SCO)),
            ("target_ref", RefNot(NOT_SDO_OR_SCO)),
            ("start_time", Time),
            ("stop_time", Time),
        ],
    },
    Rule {
        ty: "sighting",
        class: ObjectClass::Relationship,
        required: &["sighting_of_ref"],
        props: &[
            ("description", Str),
            ("first_seen", Time),
            ("last_seen", Time),
            ("count", Int(0, 999_999_999)),
            ("sighting_of_ref", RefNot(NOT_SDO_OR_SCO)),
            ("observed_data_refs", Refs(&["observed-data"])),
            ("where_sighted_refs", Refs(&["identity", "location"])),
            ("summary", Bool),
        ],
    },
    // --- STIX Cyber-observable Objects (§6) ---
    sco!(
        "artifact",
        [],
        [
            ("mime_type", Str),
            ("payload_bin", Str),
            ("url", Str),
            ("hashes", Hashes),
            ("encryption_algorithm", Str),
            ("decryption_key", Str)
        ]
    ),
    sco!(
        "autonomous-system",
        ["number"],
        [("number", Int(0, MAX_INT)), ("name", Str), ("rir", Str)]
    ),
    sco!(
        "directory",
        ["path"],
        [
            ("path", Str),
            ("path_enc", Str),
            ("ctime", Time),
            ("mtime", Time),
            ("atime", Time),
            ("contains_refs", Refs(&["file", "directory"]))
        ]
    ),
    sco!(
        "domain-name",
        ["value"],
        [
            ("value", Str),
            (
                "resolves_to_refs",
                Refs(&["ipv4-addr", "ipv6-addr", "domain-name"])
            )
        ]
    ),
    sco!(
        "email-addr",
        ["value"],
        [
            ("value", Str),
            ("display_name", Str),
            ("belongs_to_ref", Ref(&["user-account"]))
        ]
    ),
    sco!(
        "email-message",
        ["is_multipart"],
        [
            ("is_multipart", Bool),
            ("date", Time),
            ("content_type", Str),
            ("from_ref", Ref(&["email-addr"])),
            ("sender_ref", Ref(&["email-addr"])),
            ("to_refs", Refs(&["email-addr"])),
            ("cc_refs", Refs(&["email-addr"])),
            ("bcc_refs", Refs(&["email-addr"])),
            ("message_id", Str),
            ("subject", Str),
            ("received_lines", Strs),
            ("additional_header_fields", Dict),
            ("body", Str),
            ("body_multipart", Objects),
            ("raw_email_ref", Ref(&["artifact"]))
        ]
    ),
    sco!(
        "file",
        [],
        [
            ("hashes", Hashes),
            ("size", Int(0, MAX_INT)),
            ("name", Str),
            ("name_enc", Str),
            ("magic_number_hex", Str),
            ("mime_type", Str),
            ("ctime", Time),
            ("mtime", Time),
            ("atime", Time),
            ("parent_directory_ref", Ref(&["directory"])),
            ("contains_refs", Refs(ANY)),
            ("content_ref", Ref(&["artifact"]))
        ]
    ),
    sco!(
        "ipv4-addr",
        ["value"],
        [
            ("value", Str),
            ("resolves_to_refs", Refs(&["mac-addr"])),
            ("belongs_to_refs", Refs(&["autonomous-system"]))
        ]
    ),
    sco!(
        "ipv6-addr",
        ["value"],
        [
            ("value", Str),
            ("resolves_to_refs", Refs(&["mac-addr"])),
            ("belongs_to_refs", Refs(&["autonomous-system"]))
        ]
    ),
    sco!("mac-addr", ["value"], [("value", Str)]),
    sco!("mutex", ["name"], [("name", Str)]),
    sco!(
        "network-traffic",
        ["protocols"],
        [
            ("start", Time),
            ("end", Time),
            ("is_active", Bool),
            (
                "src_ref",
                Ref(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"])
            ),
            (
                "dst_ref",
                Ref(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"])
            ),
            ("src_port", Int(0, 65535)),
            ("dst_port", Int(0, 65535)),
            ("protocols", Strs),
            ("src_byte_count", Int(0, MAX_INT)),
            ("dst_byte_count", Int(0, MAX_INT)),
            ("src_packets", Int(0, MAX_INT)),
            ("dst_packets", Int(0, MAX_INT)),
            ("ipfix", Dict),
            ("src_payload_ref", Ref(&["artifact"])),
            ("dst_payload_ref", Ref(&["artifact"])),
            ("encapsulates_refs", Refs(&["network-traffic"])),
            ("encapsulated_by_ref", Ref(&["network-traffic"]))
        ]
    ),
    sco!(
        "process",
        [],
        [
            ("is_hidden", Bool),
            ("pid", Int(0, MAX_INT)),
            ("created_time", Time),
            ("cwd", Str),
            ("command_line", Str),
            ("environment_variables", Dict),
            ("opened_connection_refs", Refs(&["network-traffic"])),
            ("creator_user_ref", Ref(&["user-account"])),
            ("image_ref", Ref(&["file"])),
            ("parent_ref", Ref(&["process"])),
            ("child_refs", Refs(&["process"]))
        ]
    ),
    sco!(
        "software",
        ["name"],
        [
            ("name", Str),
            ("cpe", Str),
            ("swid", Str),
            ("languages", Strs),
            ("vendor", Str),
            ("version", Str)
        ]
    ),
    sco!("url", ["value"], [("value", Str)]),
    sco!(
        "user-account",
        [],
        [
            ("user_id", Str),
            ("credential", Str),
            ("account_login", Str),
            ("account_type", Str),
            ("display_name", Str),
            ("is_service_account", Bool),
            ("is_privileged", Bool),
            ("can_escalate_privs", Bool),
            ("is_disabled", Bool),
            ("account_created", Time),
            ("account_expires", Time),
            ("credential_last_changed", Time),
            ("account_first_login", Time),
            ("account_last_login", Time)
        ]
    ),
    sco!(
        "windows-registry-key",
        [],
        [
            ("key", Str),
            ("values", Objects),
            ("modified_time", Time),
            ("creator_user_ref", Ref(&["user-account"])),
            ("number_of_subkeys", Int(0, MAX_INT))
        ]
    ),
    sco!(
        "x509-certificate",
        [],
        [
            ("is_self_signed", Bool),
            ("hashes", Hashes),
            ("version", Str),
            ("serial_number", Str),
            ("signature_algorithm", Str),
            ("issuer", Str),
            ("validity_not_before", Time),
            ("validity_not_after", Time),
            ("subject", Str),
            ("subject_public_key_algorithm", Str),
            ("subject_public_key_modulus", Str),
            ("subject_public_key_exponent", Int(0, MAX_INT)),
            ("x509_v3_extensions", Dict)
        ]
    ),
    // --- Meta objects (§7) ---
    Rule {
        ty: "marking-definition",
        class: ObjectClass::Meta,
        required: &["type", "spec_version", "id", "created"],
        props: &[
            ("type", Str),
            ("spec_version", Str),
            ("id", Str),
            ("created_by_ref", Ref(IDENTITY)),
            ("created", Time),
            ("external_references", ExternalRefs),
            ("object_marking_refs", Refs(&["marking-definition"])),
            ("granular_markings", GranularMarkings),
            ("extensions", Extensions),
            ("name", Str),
            ("definition_type", Str),
            ("definition", Dict),
        ],
    },
    Rule {
        ty: "language-content",
        class: ObjectClass::Meta,
        required: &[
            "type",
            "spec_version",
            "id",
            "created",
            "modified",
            "object_ref",
            "contents",
        ],
        props: &[
            ("object_ref", RefNot(&["bundle", "language-content"])),
            ("object_modified", Time),
            ("contents", Dict),
        ],
    },
    Rule {
        ty: "extension-definition",
        class: ObjectClass::Meta,
        required: &[
            "type",
            "spec_version",
            "id",
            "created",
            "modified",
            "created_by_ref",
            "name",
            "schema",
            "version",
            "extension_types",
        ],
        props: &[
            ("name", Str),
            ("description", Str),
            ("schema", Str),
            ("version", Str),
            ("extension_types", Strs),
            ("extension_properties", Strs),
        ],
    },
];

fn rule(ty: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .chain(super::renkei_types::RULES)
        .find(|r| r.ty == ty)
}

/// The class of a type name.
pub fn classify(ty: &str) -> ObjectClass {
    rule(ty).map_or(ObjectClass::Custom, |r| r.class)
}

/// Checks everything beyond the common properties the object parser already handled.
pub(crate) fn check(ty: &str, class: ObjectClass, props: &Props) -> Check<()> {
    for (name, value) in &props.entries {
        let name = name.as_ref();
        if RESERVED_PROPERTIES.contains(&name) {
            return Err(Invalid::new(
                name,
                "is a reserved property name in STIX 2.1 (§3.8)",
            ));
        }
        match value.get() {
            "null" => {
                return Err(Invalid::new(
                    name,
                    "must not be null (leave the property out instead)",
                ));
            }
            "[]" => {
                return Err(Invalid::new(
                    name,
                    "a list must not be empty (leave the property out instead)",
                ));
            }
            _ => {}
        }
        if name == "defanged" && !matches!(class, ObjectClass::Observable | ObjectClass::Custom) {
            return Err(Invalid::new(
                name,
                "may only be used on cyber-observable objects",
            ));
        }
    }
    let Some(rule) = rule(ty) else {
        return check_custom(props);
    };
    let common: &[(&str, Kind)] = match class {
        ObjectClass::Observable => COMMON_SCO,
        _ => COMMON_SDO,
    };
    let base_required: &[&str] = match class {
        ObjectClass::Domain | ObjectClass::Relationship => SDO_REQUIRED,
        ObjectClass::Observable => &["type", "id"],
        _ => &[],
    };
    for name in base_required.iter().chain(rule.required) {
        if props.get(name).is_none() {
            return Err(Invalid::new(*name, format!("is required on {ty}")));
        }
    }
    for (name, value) in &props.entries {
        let name = name.as_ref();
        let kind = rule
            .props
            .iter()
            .chain(common)
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k);
        match kind {
            Some(kind) => check_kind(&At::Name(name), value, kind)?,
            None => check_custom_property(name)?,
        }
    }
    if class == ObjectClass::Observable {
        check_observable_value(ty, props)?;
    }
    specific(ty, props)
}

/// Rules that relate several properties of one type.
fn specific(ty: &str, props: &Props) -> Check<()> {
    let time = |name: &str| {
        props
            .get(name)
            .map(|v| as_timestamp(&At::Name(name), v))
            .transpose()
    };
    let ordered = |first: &str, last: &str, strictly: bool| -> Check<()> {
        if let (Some(a), Some(b)) = (time(first)?, time(last)?)
            && (b < a || (strictly && b == a))
        {
            let msg = if strictly {
                format!("must be later than {first}")
            } else {
                format!("must not be earlier than {first}")
            };
            return Err(Invalid::new(last, msg));
        }
        Ok(())
    };
    let has = |n: &str| props.get(n).is_some();
    match ty {
        ty if ty.starts_with(super::renkei_types::PREFIX) => {
            super::renkei_types::specific(ty, props, &ordered)?
        }
        "indicator" => {
            ordered("valid_from", "valid_until", true)?;
            let pattern_type = props
                .get("pattern_type")
                .map(|v| as_str(&At::Name("pattern_type"), v))
                .transpose()?;
            if pattern_type.as_deref() == Some("stix")
                && let Some(p) = props.get("pattern")
            {
                let pattern = as_str(&At::Name("pattern"), p)?;
                super::pattern::check(&pattern).map_err(|e| Invalid::new("pattern", e))?;
            }
        }
        "campaign" | "intrusion-set" | "threat-actor" | "infrastructure" | "sighting" => {
            ordered("first_seen", "last_seen", false)?
        }
        "observed-data" => {
            ordered("first_observed", "last_observed", false)?;
            match (has("objects"), has("object_refs")) {
                (true, true) => {
                    return Err(Invalid::new(
                        "objects",
                        "cannot be used together with object_refs",
                    ));
                }
                (false, false) => {
                    return Err(Invalid::new("object_refs", "is required on observed-data"));
                }
                _ => {}
            }
        }
        "relationship" => {
            ordered("start_time", "stop_time", true)?;
            if let Some(v) = props.get("relationship_type") {
                let rt = as_str(&At::Name("relationship_type"), v)?;
                if rt.is_empty()
                    || !rt
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                {
                    return Err(Invalid::new(
                        "relationship_type",
                        "may only contain a-z, 0-9 and hyphens",
                    ));
                }
            }
        }
        "malware" => {
            ordered("first_seen", "last_seen", false)?;
            let is_family = props
                .get("is_family")
                .map(|v| as_bool(&At::Name("is_family"), v))
                .transpose()?;
            if is_family == Some(true) && !has("name") {
                return Err(Invalid::new(
                    "name",
                    "is required on malware when is_family is true",
                ));
            }
        }
        "malware-analysis" if !has("result") && !has("analysis_sco_refs") => {
            return Err(Invalid::new(
                "result",
                "malware-analysis needs result or analysis_sco_refs",
            ));
        }
        "location" => {
            if has("latitude") != has("longitude") {
                return Err(Invalid::new(
                    "longitude",
                    "latitude and longitude go together",
                ));
            }
            if has("precision") && !has("latitude") {
                return Err(Invalid::new("precision", "needs latitude and longitude"));
            }
            if !(has("region") || has("country") || has("latitude")) {
                return Err(Invalid::new(
                    "region",
                    "a location needs region, country, or latitude and longitude",
                ));
            }
        }
        "marking-definition" => check_marking_definition(props)?,
        "file" if !has("hashes") && !has("name") => {
            return Err(Invalid::new("name", "a file needs hashes or name"));
        }
        "artifact" => match (has("payload_bin"), has("url")) {
            (true, true) => {
                return Err(Invalid::new(
                    "url",
                    "cannot be used together with payload_bin",
                ));
            }
            (false, true) if !has("hashes") => {
                return Err(Invalid::new("hashes", "is required when url is given"));
            }
            (false, false) => {
                return Err(Invalid::new(
                    "payload_bin",
                    "an artifact needs payload_bin or url",
                ));
            }
            _ => {
                if has("decryption_key") && !has("encryption_algorithm") {
                    return Err(Invalid::new("decryption_key", "needs encryption_algorithm"));
                }
            }
        },
        "network-traffic" => {
            if !has("src_ref") && !has("dst_ref") {
                return Err(Invalid::new(
                    "src_ref",
                    "network-traffic needs src_ref or dst_ref",
                ));
            }
            if props.get("is_active").is_some_and(|v| v.get() == "true") && has("end") {
                return Err(Invalid::new(
                    "end",
                    "must not be present while is_active is true",
                ));
            }
            ordered("start", "end", false)?;
        }
        "email-message" => {
            let multipart = props.get("is_multipart").is_some_and(|v| v.get() == "true");
            if multipart && has("body") {
                return Err(Invalid::new(
                    "body",
                    "must not be used when is_multipart is true (use body_multipart)",
                ));
            }
            if !multipart && has("body_multipart") {
                return Err(Invalid::new(
                    "body_multipart",
                    "must not be used when is_multipart is false",
                ));
            }
        }
        "process" | "user-account" | "windows-registry-key" | "x509-certificate"
            if props.entries.iter().all(|(k, _)| {
                matches!(
                    k.as_ref(),
                    "type"
                        | "id"
                        | "spec_version"
                        | "object_marking_refs"
                        | "granular_markings"
                        | "defanged"
                )
            }) =>
        {
            return Err(Invalid::new(
                "",
                format!("{ty} needs at least one property of its own"),
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Marking definitions: the predefined TLP and PAP ones must be sent exactly as defined, and
/// no other TLP marking may be created (STIX 2.1 §7.2.1.4).
fn check_marking_definition(props: &Props) -> Check<()> {
    let has = |n: &str| props.get(n).is_some();
    if has("modified") || has("revoked") {
        return Err(Invalid::new(
            "modified",
            "marking definitions cannot be versioned",
        ));
    }
    if !(has("extensions") || (has("definition") && has("definition_type"))) {
        return Err(Invalid::new(
            "definition",
            "a marking definition needs definition_type and definition, or an extension",
        ));
    }
    if has("definition") != has("definition_type") {
        return Err(Invalid::new(
            "definition",
            "definition and definition_type go together",
        ));
    }
    let id = props
        .get("id")
        .map(|v| as_str(&At::Name("id"), v))
        .transpose()?
        .unwrap_or_default();
    let predefined = super::markings::known_marking(&id).is_some();
    let definition_type = props
        .get("definition_type")
        .map(|v| as_str(&At::Name("definition_type"), v))
        .transpose()?;
    if definition_type.as_deref() == Some("tlp") && !predefined {
        return Err(Invalid::new(
            "definition_type",
            "only the TLP marking definitions of the STIX specification may be used; reference them by id",
        ));
    }
    if definition_type.as_deref() == Some("statement") {
        let def = as_props(
            &At::Name("definition"),
            props
                .get("definition")
                .ok_or_else(|| Invalid::new("definition", "is required"))?,
        )?;
        match def.get("statement") {
            Some(s) => {
                as_str(&At::Name("definition/statement"), s)?;
            }
            None => {
                return Err(Invalid::new(
                    "definition/statement",
                    "is required for a statement marking",
                ));
            }
        }
    }
    Ok(())
}

/// Formats the specification fixes for observable values.
fn check_observable_value(ty: &str, props: &Props) -> Check<()> {
    let Some(v) = props.get("value") else {
        return Ok(());
    };
    let value = as_str(&At::Name("value"), v)?;
    let ok = match ty {
        "ipv4-addr" => is_ipv4_cidr(&value),
        "ipv6-addr" => is_ipv6_cidr(&value),
        "mac-addr" => {
            let b = value.as_bytes();
            b.len() == 17
                && b.iter().enumerate().all(|(i, c)| {
                    if i % 3 == 2 {
                        *c == b':'
                    } else {
                        c.is_ascii_digit() || (b'a'..=b'f').contains(c)
                    }
                })
        }
        "domain-name" => is_domain_name(&value),
        "url" => is_url(&value),
        "email-addr" => {
            let parts: Vec<&str> = value.split('@').collect();
            parts.len() == 2
                && !parts[0].is_empty()
                && is_domain_name(parts[1])
                && !value.contains(['<', '>', ' '])
        }
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        let what = match ty {
            "ipv4-addr" => "an IPv4 address or CIDR block",
            "ipv6-addr" => "an IPv6 address or CIDR block",
            "mac-addr" => "a lowercase, colon-separated MAC-48 address with leading zeros",
            "domain-name" => "a domain name (RFC 1034 / RFC 5890)",
            "url" => "a URL (RFC 3986) with a scheme",
            _ => "an e-mail address without display name",
        };
        Err(Invalid::new("value", format!("must be {what}")))
    }
}

fn is_ipv4_cidr(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let octets: Vec<&str> = addr.split('.').collect();
    let addr_ok = octets.len() == 4
        && octets.iter().all(|o| {
            !o.is_empty()
                && o.len() <= 3
                && o.bytes().all(|c| c.is_ascii_digit())
                && (o.len() == 1 || !o.starts_with('0'))
                && o.parse::<u16>().is_ok_and(|n| n <= 255)
        });
    addr_ok
        && prefix.is_none_or(|p| {
            !p.is_empty()
                && p.len() <= 2
                && p.bytes().all(|c| c.is_ascii_digit())
                && p.parse::<u8>().is_ok_and(|n| n <= 32)
        })
}

fn is_ipv6_cidr(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    addr.parse::<std::net::Ipv6Addr>().is_ok()
        && prefix.is_none_or(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|c| c.is_ascii_digit())
                && p.parse::<u8>().is_ok_and(|n| n <= 128)
        })
}

/// Labels of 1–63 characters, no leading or trailing hyphen, at most 253 characters; Unicode
/// labels (U-labels, RFC 5890) are allowed as long as they hold no spaces, controls or dots.
fn is_domain_name(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| {
                    if c.is_ascii() {
                        c.is_ascii_alphanumeric() || c == '-' || c == '_'
                    } else {
                        !c.is_whitespace() && !c.is_control() && !matches!(c, '。' | '．' | '｡')
                    }
                })
        })
}

/// RFC 3986: a scheme, then no spaces, controls, quotes, backslashes or non-ASCII.
fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
    scheme_ok
        && !rest.is_empty()
        && s.bytes().all(|c| {
            c.is_ascii_graphic()
                && !matches!(
                    c,
                    b'"' | b'\\' | b'<' | b'>' | b'{' | b'}' | b'|' | b'^' | b'`'
                )
        })
}

fn check_kind(at: &At<'_>, v: &RawValue, kind: Kind) -> Check<()> {
    match kind {
        Str => as_str(at, v).map(drop),
        Strs => {
            for (i, item) in as_list(at, v)?.into_iter().enumerate() {
                as_str(&at.index(i), item)?;
            }
            Ok(())
        }
        Time => as_timestamp(at, v).map(drop),
        Bool => as_bool(at, v).map(drop),
        Int(min, max) => as_integer(at, v, min, max).map(drop),
        Num(min, max) => {
            let n: f64 = if JsonKind::of(v) == JsonKind::Number {
                serde_json::from_str(v.get()).map_err(|_| at.err("must be a number"))?
            } else {
                return Err(at.err("must be a number"));
            };
            if !(min..=max).contains(&n) {
                return Err(at.err(format!("must be between {min} and {max}")));
            }
            Ok(())
        }
        Ref(types) => as_ref(at, v, (!types.is_empty()).then_some(types)).map(drop),
        RefNot(types) => {
            let id = as_ref(at, v, None)?;
            if types.contains(&id.object_type()) {
                return Err(at.err(format!("must not refer to a {} object", id.object_type())));
            }
            Ok(())
        }
        Refs(types) => {
            for (i, item) in as_list(at, v)?.into_iter().enumerate() {
                as_ref(&at.index(i), item, (!types.is_empty()).then_some(types))?;
            }
            Ok(())
        }
        Dict => check_dictionary(at, v).map(drop),
        Hashes => {
            let p = check_dictionary(at, v)?;
            for (k, val) in &p.entries {
                let path = at.key(k);
                if k.len() < 3 {
                    return Err(path.err("hash algorithm names are at least 3 characters"));
                }
                let h = as_str(&path, val)?;
                let hex_len = match k.as_ref() {
                    "MD5" => Some(32),
                    "SHA-1" => Some(40),
                    "SHA-256" | "SHA3-256" => Some(64),
                    "SHA-512" | "SHA3-512" => Some(128),
                    _ => None,
                };
                if let Some(len) = hex_len
                    && (h.len() != len || !h.bytes().all(|c| c.is_ascii_hexdigit()))
                {
                    return Err(path.err(format!("a {k} hash is {len} hexadecimal digits")));
                }
            }
            Ok(())
        }
        KillChain => {
            for (i, item) in as_list(at, v)?.into_iter().enumerate() {
                let path = at.index(i);
                let p = as_props(&path, item)?;
                for field in ["kill_chain_name", "phase_name"] {
                    match p.get(field) {
                        Some(f) => {
                            as_str(&path.key(field), f)?;
                        }
                        None => return Err(path.key(field).err("is required")),
                    }
                }
            }
            Ok(())
        }
        ExternalRefs => {
            for (i, item) in as_list(at, v)?.into_iter().enumerate() {
                let path = at.index(i);
                let p = as_props(&path, item)?;
                match p.get("source_name") {
                    Some(s) => {
                        as_str(&path.key("source_name"), s)?;
                    }
                    None => return Err(path.key("source_name").err("is required")),
                }
                if ["description", "url", "external_id"]
                    .iter()
                    .all(|f| p.get(f).is_none())
                {
                    return Err(path.err("an external reference needs description, url or external_id besides source_name"));
                }
                for field in ["description", "url", "external_id"] {
                    if let Some(f) = p.get(field) {
                        as_str(&path.key(field), f)?;
                    }
                }
                if let Some(h) = p.get("hashes") {
                    check_kind(&path.key("hashes"), h, Hashes)?;
                }
            }
            Ok(())
        }
        GranularMarkings => {
            for (i, item) in as_list(at, v)?.into_iter().enumerate() {
                let path = at.index(i);
                let p = as_props(&path, item)?;
                match (p.get("marking_ref"), p.get("lang")) {
                    (Some(r), None) => {
                        as_ref(&path.key("marking_ref"), r, Some(&["marking-definition"]))?;
                    }
                    (None, Some(l)) => {
                        as_str(&path.key("lang"), l)?;
                    }
                    _ => {
                        return Err(path
                            .err("a granular marking needs exactly one of marking_ref and lang"));
                    }
                }
                match p.get("selectors") {
                    Some(s) => check_kind(&path.key("selectors"), s, Strs)?,
                    None => return Err(path.key("selectors").err("is required")),
                }
            }
            Ok(())
        }
        Extensions => {
            let p = check_dictionary(at, v)?;
            for (k, val) in &p.entries {
                let path = at.key(k);
                let ext = as_props(&path, val)?;
                if ext.entries.is_empty() {
                    return Err(path.err("an extension must not be empty"));
                }
                if k.starts_with("extension-definition--") {
                    super::StixId::parse(k).map_err(|e| path.err(e.to_string()))?;
                    let et = ext
                        .get("extension_type")
                        .ok_or_else(|| path.key("extension_type").err("is required"))?;
                    let et = as_str(&path.key("extension_type"), et)?;
                    if !matches!(
                        et.as_ref(),
                        "new-sdo"
                            | "new-sco"
                            | "new-sro"
                            | "property-extension"
                            | "toplevel-property-extension"
                    ) {
                        return Err(path.key("extension_type").err("must be new-sdo, new-sco, new-sro, property-extension or toplevel-property-extension"));
                    }
                } else if !(k.ends_with("-ext") && super::check_type_name(k).is_ok()) {
                    return Err(path.err("extension keys are an extension-definition id or a predefined extension name ending in -ext"));
                }
            }
            Ok(())
        }
        Objects => {
            for (i, item) in as_list(at, v)?.into_iter().enumerate() {
                as_props(&at.index(i), item)?;
            }
            Ok(())
        }
        Enum(allowed) => {
            let s = as_str(at, v)?;
            if !allowed.contains(&s.as_ref()) {
                return Err(at.err(format!("must be one of {}", allowed.join(", "))));
            }
            Ok(())
        }
    }
}

/// STIX 2.1 §2.3: dictionaries are non-empty, keys are ASCII letters, digits, `-` and `_`, at
/// most 250 characters.
fn check_dictionary<'a>(at: &At<'_>, v: &'a RawValue) -> Check<Props<'a>> {
    let p = as_props(at, v)?;
    if p.entries.is_empty() {
        return Err(at.err("a dictionary must not be empty"));
    }
    for (k, _) in &p.entries {
        if k.is_empty()
            || k.len() > 250
            || !k
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        {
            return Err(at
                .key(k)
                .err("dictionary keys are 1 to 250 characters of a-z, A-Z, 0-9, - and _"));
        }
    }
    Ok(p)
}

/// STIX 2.1 §3.1: custom property names are 3–250 characters of `a-z`, `0-9` and `_`, starting
/// with a letter (and should start with `x_`).
fn check_custom_property(name: &str) -> Check<()> {
    let b = name.as_bytes();
    let ok = (3..=250).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_');
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(
            name,
            "custom property names must be 3 to 250 characters of a-z, 0-9 and _, starting with a letter (x_ is recommended)",
        ))
    }
}

/// Objects of a type STIX does not define: the common properties keep their meaning, other
/// property names are checked. Custom domain objects need `created` and `modified` like SDOs
/// unless an extension definition declares them cyber-observables.
fn check_custom(props: &Props) -> Check<()> {
    let is_sco_like = props
        .get("extensions")
        .is_some_and(|e| e.get().contains("\"new-sco\""));
    if !is_sco_like {
        for name in ["created", "modified"] {
            if props.get(name).is_none() {
                return Err(Invalid::new(
                    name,
                    "is required on custom objects (declare them new-sco in an extension definition if they are observables)",
                ));
            }
        }
    }
    for (name, value) in &props.entries {
        let name = name.as_ref();
        if let Some((_, kind)) = COMMON_SDO
            .iter()
            .chain(COMMON_SCO)
            .find(|(n, _)| *n == name)
        {
            check_kind(&At::Name(name), value, *kind)?;
        } else {
            check_custom_property(name)?;
        }
    }
    Ok(())
}
