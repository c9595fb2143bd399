//! The release a product's author chooses (TLP, audience, classification, public or not) and
//! the handling it stands for, before and after publication.

use axum::http::StatusCode;
use renkei_model::handling::{
    Attribution, Audience, AudienceEntry, Classification, Handling, Pap, Tlp, Use, Uses,
};
use renkei_model::product::ProductKind;
use renkei_policy::Identity;
use serde::Deserialize;

use crate::error::ApiError;

/// Who receives a product once published, as its author chooses it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    pub tlp: Tlp,
    pub audience: Audience,
    #[serde(default)]
    pub classification: Classification,
    /// Also to the public (① and ⑥ only; TLP:CLEAR, unclassified).
    #[serde(default)]
    pub public: bool,
}

impl Release {
    /// The handling the product gets when published.
    pub(super) fn handling(&self) -> Handling {
        Handling {
            tlp: self.tlp,
            audience: self.audience.clone(),
            classification: self.classification,
            uses: if self.public {
                Uses::NONE.with(Use::Publication)
            } else {
                Uses::NONE
            },
            attribution: Attribution::Named,
            pap: Pap::Clear,
        }
    }

    /// What the author may not ask for: TLP:RED (rule 3), a provider-only audience, the public
    /// for the members-only kinds or without TLP:CLEAR and classification 0.
    pub(super) fn check(&self, kind: ProductKind, me: &Identity) -> Result<(), ApiError> {
        let bad = |d: &str| Err(super_invalid("invalid_release", "Invalid release", d));
        if self.classification > me.clearance {
            return bad("A product cannot be classified above its author's clearance.");
        }
        if self.tlp == Tlp::Red {
            return bad(
                "Products are never TLP:RED: share such information as records with named users.",
            );
        }
        if self.audience.is_provider_only() {
            return bad("A product's audience cannot be `provider`.");
        }
        if self.public {
            if !kind.may_be_public() {
                return bad("Only alerts and seminars may be released to the public.");
            }
            if self.tlp != Tlp::Clear || self.classification != Classification::UNCLASSIFIED {
                return bad("A public release must be TLP:CLEAR and unclassified.");
            }
        }
        Ok(())
    }
}

pub(super) fn super_invalid(code: &'static str, title: &str, d: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, title).with_description(d)
}

/// The handling of a product not (or no longer) published: the secretariat's alone.
pub(super) fn in_house(release: &Handling) -> Handling {
    Handling {
        audience: Audience::secretariat(),
        uses: Uses::NONE,
        ..release.clone()
    }
}

/// Members of the audience named in a release, for display (`sector:finance`, `members`…).
pub fn audience_labels(h: &Handling) -> Vec<String> {
    h.audience.entries().map(AudienceEntry::to_string).collect()
}
