//! Free text people type into the membership process: statements, reasons, display names,
//! token labels. Bounded, and free of control characters (which PostgreSQL may refuse and
//! terminals may act on); statements and reasons may span lines.

use crate::MembershipError;

/// An application's or a recommendation's statement.
pub const MAX_STATEMENT: usize = 4000;
/// The reason of a status change.
pub const MAX_REASON: usize = 2000;
/// A user's display name.
pub const MAX_DISPLAY_NAME: usize = 200;
/// An API token's label.
pub const MAX_LABEL: usize = 200;
/// An NDA version as written by the secretariat (`2026-11`).
pub const MAX_NDA_VERSION: usize = 64;

/// Whether the text may hold line breaks and tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// Checks a required piece of text: not blank, at most `max` characters, no control
/// characters (other than line breaks and tabs in [`Lines::Many`] text).
pub fn check_text(
    field: &'static str,
    value: &str,
    max: usize,
    lines: Lines,
) -> Result<(), MembershipError> {
    let invalid = |problem| MembershipError::InvalidText { field, problem };
    if value.trim().is_empty() {
        return Err(invalid("must not be empty"));
    }
    if value.chars().count() > max {
        return Err(invalid("is too long"));
    }
    let allowed = |c: char| lines == Lines::Many && matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(invalid("may not contain control characters"));
    }
    Ok(())
}

/// A statement (application, recommendation).
pub fn check_statement(statement: &str) -> Result<(), MembershipError> {
    check_text("statement", statement, MAX_STATEMENT, Lines::Many)
}

/// The reason of a status change: required, so a blank one is [`MembershipError::ReasonRequired`].
pub fn check_reason(reason: &str) -> Result<(), MembershipError> {
    if reason.trim().is_empty() {
        return Err(MembershipError::ReasonRequired);
    }
    check_text("reason", reason, MAX_REASON, Lines::Many)
}

pub fn check_display_name(name: &str) -> Result<(), MembershipError> {
    check_text("display_name", name, MAX_DISPLAY_NAME, Lines::One)
}

pub fn check_label(label: &str) -> Result<(), MembershipError> {
    check_text("label", label, MAX_LABEL, Lines::One)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        let long = "長".repeat(MAX_STATEMENT + 1);
        let cases: &[(&str, bool)] = &[
            ("We are a bank.", true),
            ("一行目\n二行目\tタブ", true),
            ("", false),
            ("   \n ", false),
            ("nul \u{0} byte", false),
            ("escape \u{1b}[31m", false),
            (&long, false),
        ];
        for (text, ok) in cases {
            assert_eq!(check_statement(text).is_ok(), *ok, "{text:?}");
        }
        assert!(check_display_name("二行\n目").is_err());
        assert!(check_label("a label").is_ok());
        assert_eq!(check_reason(" "), Err(MembershipError::ReasonRequired));
        assert_eq!(check_reason("x\u{0}").unwrap_err().code(), "invalid_text");
    }
}
