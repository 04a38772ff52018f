//! The typed Swarm model: Engine API objects in the Engine's own JSON naming, the conversion
//! of a loaded Compose project into what `docker stack deploy` sends, and every default
//! docker/cli, the Engine and swarmkit apply ([`defaults`]).

mod base64;
pub mod defaults;
pub mod types;

pub use types::*;
pub mod convert;
pub mod diff;
mod interpolate;

pub use convert::{ApiVersion, ConvertError, ConvertOptions, Stack, StackService, convert};
