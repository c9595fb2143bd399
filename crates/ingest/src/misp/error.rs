//! Why a MISP event or feed could not be converted, with a stable code per kind.

use std::path::PathBuf;

/// A MISP input Renkei cannot convert at all. Problems confined to one attribute are
/// warnings of the [`Conversion`](super::Conversion) instead.
#[derive(Debug, thiserror::Error)]
pub enum MispError {
    /// The bytes are not JSON (or not UTF-8): where it breaks.
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    NotJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// A required field is missing or has the wrong shape; `path` is e.g.
    /// `Event.Attribute[3].value`.
    #[error("not a MISP event: `{path}` {message}")]
    NotMisp { path: String, message: String },
    /// A value, list or input exceeds Renkei's bounds.
    #[error("`{path}` is too large: {message}")]
    TooLarge { path: String, message: String },
    /// The event's own tags name two TLP (or two PAP) levels.
    #[error("`{path}` carries conflicting {what} tags: {tags}")]
    ConflictingMarkings {
        path: String,
        what: &'static str,
        tags: String,
    },
    /// A file of a feed folder could not be read.
    #[error("cannot read `{}`: {message}", file.display())]
    Unreadable { file: PathBuf, message: String },
    /// A file of a feed folder is not what it should be.
    #[error("in `{}`: {error}", file.display())]
    InFile {
        file: PathBuf,
        #[source]
        error: Box<MispError>,
    },
}

impl MispError {
    /// A stable, machine-readable code (the inner code for errors inside a feed file).
    pub fn code(&self) -> &'static str {
        match self {
            MispError::NotJson { .. } => "misp_not_json",
            MispError::NotMisp { .. } => "misp_not_an_event",
            MispError::TooLarge { .. } => "misp_too_large",
            MispError::ConflictingMarkings { .. } => "misp_conflicting_markings",
            MispError::Unreadable { .. } => "misp_unreadable_file",
            MispError::InFile { error, .. } => error.code(),
        }
    }

    /// The feed file this error is about, if any.
    pub fn file(&self) -> Option<&std::path::Path> {
        match self {
            MispError::Unreadable { file, .. } | MispError::InFile { file, .. } => Some(file),
            _ => None,
        }
    }

    pub(super) fn not_misp(path: &str, message: impl Into<String>) -> Self {
        MispError::NotMisp {
            path: path.to_owned(),
            message: message.into(),
        }
    }

    pub(super) fn from_json(e: &serde_json::Error) -> Self {
        MispError::NotJson {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }

    pub(super) fn in_file(self, file: PathBuf) -> Self {
        MispError::InFile {
            file,
            error: Box::new(self),
        }
    }
}
