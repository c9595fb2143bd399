//! STIX identifiers (`<type>--<UUID>`) and type names.

use std::fmt;

use uuid::Uuid;

/// A STIX identifier, e.g. `indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f`.
///
/// Checked on construction: a valid type name, two hyphens, and an RFC 4122 UUID (versions 1–5,
/// RFC 4122 variant), which is what the OASIS JSON schemas accept.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StixId {
    text: Box<str>,
    type_len: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StixIdError {
    #[error("`{0}` is not a STIX identifier (<type>--<uuid>)")]
    Shape(String),
    #[error("`{0}`: {1}")]
    TypeName(String, TypeNameError),
    #[error("`{0}`: the UUID part is not an RFC 4122 UUID of version 1 to 5")]
    Uuid(String),
}

impl StixId {
    pub fn parse(s: &str) -> Result<Self, StixIdError> {
        let shown = || s.chars().take(120).collect::<String>();
        let Some(pos) = s.find("--") else {
            return Err(StixIdError::Shape(shown()));
        };
        // The type part itself may not contain "--", so the first "--" is the separator.
        let (ty, rest) = (&s[..pos], &s[pos + 2..]);
        check_type_name(ty).map_err(|e| StixIdError::TypeName(shown(), e))?;
        if !is_stix_uuid(rest) {
            return Err(StixIdError::Uuid(shown()));
        }
        Ok(StixId {
            text: s.into(),
            type_len: pos,
        })
    }

    /// Builds an id from a type name and a UUID the caller created.
    pub fn new(ty: &str, uuid: Uuid) -> Result<Self, StixIdError> {
        Self::parse(&format!("{ty}--{uuid}"))
    }

    pub fn object_type(&self) -> &str {
        &self.text[..self.type_len]
    }

    pub fn uuid(&self) -> Uuid {
        // Checked in `parse`.
        Uuid::parse_str(&self.text[self.type_len + 2..]).unwrap_or(Uuid::nil())
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for StixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for StixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StixId({})", self.text)
    }
}

impl serde::Serialize for StixId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for StixId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        StixId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TypeNameError {
    #[error("a type name must be 3 to 250 characters long")]
    Length,
    #[error(
        "a type name may only contain a-z, 0-9 and single hyphens, and must start with a letter and not end with a hyphen"
    )]
    Characters,
}

/// STIX 2.1 §3.1: type names are 3–250 characters of `a-z`, `0-9` and `-`, no `--`.
/// The JSON schemas further require a leading letter and no trailing hyphen.
pub fn check_type_name(ty: &str) -> Result<(), TypeNameError> {
    if ty.len() < 3 || ty.len() > 250 {
        return Err(TypeNameError::Length);
    }
    let b = ty.as_bytes();
    let ok_chars = b
        .iter()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
    if !ok_chars || !b[0].is_ascii_lowercase() || b[b.len() - 1] == b'-' || ty.contains("--") {
        return Err(TypeNameError::Characters);
    }
    Ok(())
}

/// `xxxxxxxx-xxxx-Vxxx-Nxxx-xxxxxxxxxxxx` with V in 1..=5 and N in 8..=b.
fn is_stix_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 36 {
        return false;
    }
    for (i, c) in b.iter().enumerate() {
        let dash = matches!(i, 8 | 13 | 18 | 23);
        if dash != (*c == b'-') {
            return false;
        }
        if !dash && !c.is_ascii_hexdigit() {
            return false;
        }
    }
    matches!(b[14], b'1'..=b'5') && matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_ids() {
        for ok in [
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "x-renkei-forum-post--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
            "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        ] {
            let id = StixId::parse(ok).unwrap();
            assert_eq!(id.as_str(), ok);
        }
        let id = StixId::parse("attack-pattern--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").unwrap();
        assert_eq!(id.object_type(), "attack-pattern");
    }

    #[test]
    fn refuses_invalid_ids() {
        for bad in [
            "indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b17d44cbf938f98ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3",
            "indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f",
            "Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "in--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "x--y--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator---8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "",
        ] {
            assert!(StixId::parse(bad).is_err(), "{bad}");
        }
    }
}
