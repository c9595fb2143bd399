//! One module per subcommand.

pub mod admin;
pub mod bench;
pub mod export;
pub mod import;
pub mod migrate;
pub mod product;
pub mod serve;
pub mod verify;
