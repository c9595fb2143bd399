//! One module per subcommand.

pub mod admin;
pub mod bench;
pub mod import;
pub mod migrate;
pub mod serve;
pub mod verify;
