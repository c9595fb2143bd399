//! A normalised observable: its type, the canonical value correlation indexes, and a form to show.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::kind::ObservableType;
use crate::normalise;

/// A value in canonical form. Only [`normalise`](crate::normalise()) and
/// [`extract`](crate::extract()) make one, so `value` is always canonical for `kind`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Observable {
    kind: ObservableType,
    value: String,
    /// `None` when the display form is the value (most observables): one string, not two.
    display: Option<String>,
}

impl Observable {
    pub(crate) fn new(kind: ObservableType, value: String, display: String) -> Self {
        let display = (display != value).then_some(display);
        Observable {
            kind,
            value,
            display,
        }
    }

    /// An observable shown as its value.
    pub(crate) fn plain(kind: ObservableType, value: String) -> Self {
        Observable {
            kind,
            value,
            display: None,
        }
    }

    /// What the value is.
    pub fn kind(&self) -> ObservableType {
        self.kind
    }

    /// The canonical value: with [`kind`](Self::kind), the key correlation and lookups use.
    /// Always ASCII except for bank and branch names in bank accounts and the local part of
    /// internationalised e-mail addresses.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The form to show people: Unicode domain names (IDNA decoded), URLs with readable
    /// non-ASCII paths, bank accounts in Japanese. It may hold look-alike characters, so a UI
    /// should show [`value`](Self::value) too when the two differ.
    pub fn display(&self) -> &str {
        self.display.as_deref().unwrap_or(&self.value)
    }

    /// The host of a URL (a domain or an IP address) or the domain of an e-mail address, for
    /// pivoting; `None` for other kinds and for hosts that are not themselves observables
    /// (such as `localhost`).
    pub fn host(&self) -> Option<Observable> {
        match self.kind {
            ObservableType::Url => normalise::url::host_of(&self.value),
            ObservableType::Email => {
                let (_, domain) = self.value.rsplit_once('@')?;
                normalise::domain::normalise(domain).ok()
            }
            _ => None,
        }
    }
}

impl Serialize for Observable {
    /// `{"type": …, "value": …, "display": …}`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Observable", 3)?;
        s.serialize_field("type", &self.kind)?;
        s.serialize_field("value", &self.value)?;
        s.serialize_field("display", self.display())?;
        s.end()
    }
}
