//! The Renkei record types as forms: each type's fields (`docs/record-types.md`, schemas in
//! `docs/schemas/`), how each is typed in, and their labels' catalogue keys.

use renkei_model::stix::renkei_types::{
    CATEGORIES, FORUM_POST, FRAUD_ACCOUNT, INCIDENT_REPORT, MALWARE_REPORT,
};

use crate::web::i18n::t;
use crate::web::session::Ctx;

/// How a field is typed in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Input {
    Line,
    Text,
    /// A UTC date and time (`datetime-local`), stored as a STIX timestamp.
    Time,
    /// Comma-separated values, stored as a list.
    List,
    Choice(&'static [&'static str]),
}

pub(super) struct Field {
    pub name: &'static str,
    /// Its label's catalogue key.
    pub label: &'static str,
    pub input: Input,
    pub required: bool,
}

const fn field(name: &'static str, label: &'static str, input: Input, required: bool) -> Field {
    Field {
        name,
        label,
        input,
        required,
    }
}

pub(super) struct Kind {
    pub slug: &'static str,
    pub stix_type: &'static str,
    /// Its title's catalogue key.
    pub title: &'static str,
    pub fields: &'static [Field],
}

const CATEGORY: Field = field(
    "category",
    "submit.f_category",
    Input::Choice(CATEGORIES),
    true,
);

pub(super) const KINDS: &[Kind] = &[
    Kind {
        slug: "malware-report",
        stix_type: MALWARE_REPORT,
        title: "submit.kind_malware_report",
        fields: &[
            field("name", "submit.f_name", Input::Line, true),
            CATEGORY,
            field("description", "submit.f_description", Input::Text, false),
            field("first_seen", "submit.f_first_seen", Input::Time, false),
            field("last_seen", "submit.f_last_seen", Input::Time, false),
            field(
                "infection_vectors",
                "submit.f_infection_vectors",
                Input::List,
                false,
            ),
            field(
                "victim_sectors",
                "submit.f_victim_sectors",
                Input::List,
                false,
            ),
            field("behaviour", "submit.f_behaviour", Input::Text, false),
        ],
    },
    Kind {
        slug: "forum-post",
        stix_type: FORUM_POST,
        title: "submit.kind_forum_post",
        fields: &[
            field("site", "submit.f_site", Input::Line, true),
            field("site_url", "submit.f_site_url", Input::Line, false),
            field("thread_title", "submit.f_thread_title", Input::Line, false),
            field("post_url", "submit.f_post_url", Input::Line, false),
            field("posted", "submit.f_posted", Input::Time, true),
            field("author_name", "submit.f_author_name", Input::Line, false),
            field("content", "submit.f_content", Input::Text, true),
            field("language", "submit.f_language", Input::Line, false),
            CATEGORY,
        ],
    },
    Kind {
        slug: "fraud-account",
        stix_type: FRAUD_ACCOUNT,
        title: "submit.kind_fraud_account",
        fields: &[
            field(
                "account_type",
                "submit.f_account_type",
                Input::Choice(&["bank", "crypto"]),
                true,
            ),
            CATEGORY,
            field(
                "institution_name",
                "submit.f_institution_name",
                Input::Line,
                false,
            ),
            field(
                "institution_code",
                "submit.f_institution_code",
                Input::Line,
                false,
            ),
            field("branch_name", "submit.f_branch_name", Input::Line, false),
            field("branch_code", "submit.f_branch_code", Input::Line, false),
            field(
                "account_kind",
                "submit.f_account_kind",
                Input::Choice(&["ordinary", "current", "savings"]),
                false,
            ),
            field(
                "account_number",
                "submit.f_account_number",
                Input::Line,
                false,
            ),
            field("holder_name", "submit.f_holder_name", Input::Line, false),
            field("chain", "submit.f_chain", Input::Line, false),
            field("address", "submit.f_address", Input::Line, false),
            field("fraud_types", "submit.f_fraud_types", Input::List, false),
            field("first_seen", "submit.f_first_seen", Input::Time, false),
            field("last_seen", "submit.f_last_seen", Input::Time, false),
            field("description", "submit.f_description", Input::Text, false),
        ],
    },
    Kind {
        slug: "incident-report",
        stix_type: INCIDENT_REPORT,
        title: "submit.kind_incident_report",
        fields: &[
            field("name", "submit.f_name", Input::Line, true),
            field("agreement_id", "submit.f_agreement_id", Input::Line, true),
            CATEGORY,
            field("description", "submit.f_description", Input::Text, false),
            field("occurred", "submit.f_occurred", Input::Time, false),
            field("detected", "submit.f_detected", Input::Time, false),
            field(
                "affected_sectors",
                "submit.f_affected_sectors",
                Input::List,
                false,
            ),
            field("impact", "submit.f_impact", Input::Text, false),
            field(
                "status",
                "submit.f_status",
                Input::Choice(&["open", "contained", "closed"]),
                false,
            ),
        ],
    },
];

/// A choice's label key: `submit.v_<value>`.
pub(super) fn choice_label(cx: &Ctx, value: &str) -> &'static str {
    let key = match value {
        "individual" => "submit.v_individual",
        "overall" => "submit.v_overall",
        "technical" => "submit.v_technical",
        "bank" => "submit.v_bank",
        "crypto" => "submit.v_crypto",
        "ordinary" => "submit.v_ordinary",
        "current" => "submit.v_current",
        "savings" => "submit.v_savings",
        "open" => "submit.v_open",
        "contained" => "submit.v_contained",
        _ => "submit.v_closed",
    };
    t(cx.lang, key)
}

/// The label of a record type's field (for problems), the name itself if unknown.
pub(super) fn label_of(cx: &Ctx, name: &str) -> &'static str {
    KINDS
        .iter()
        .flat_map(|k| k.fields)
        .find(|f| f.name == name)
        .map_or(t(cx.lang, "submit.f_object"), |f| t(cx.lang, f.label))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;

    /// The labels are looked up by key from the table, which the catalogue scan cannot see.
    #[test]
    fn every_label_is_translated() {
        let mut keys: Vec<&str> = KINDS.iter().map(|k| k.title).collect();
        keys.extend(KINDS.iter().flat_map(|k| k.fields).map(|f| f.label));
        for lang in [Lang::Ja, Lang::En] {
            for key in &keys {
                assert_ne!(t(lang, key), *key, "{key} is not translated");
            }
            for k in KINDS {
                for f in k.fields {
                    if let Input::Choice(values) = f.input {
                        for v in values {
                            let key: &'static str =
                                Box::leak(format!("submit.v_{v}").into_boxed_str());
                            assert_ne!(t(lang, key), key);
                        }
                    }
                }
            }
        }
    }
}
