//! `stackplan engine-spec --stack NAME`: the Engine objects `docker stack deploy` creates for
//! the files, as JSON (one `engine-spec` API request; the core converts).

use super::{Io, ProjectArgs, call, engine_version, print_warnings, project_input, unexpected};
use clap::Args;
use stackplan_core::api;
use stackplan_core::options::EngineVersion;

#[derive(Args, Debug)]
pub(crate) struct EngineSpecArgs {
    /// Stack name (as given to `docker stack deploy`): objects are named <stack>_<name>
    #[arg(long, value_name = "NAME")]
    stack: String,
    /// Docker Engine version the stack goes to (fields newer than its API are not stored)
    #[arg(long, value_name = "MAJOR.MINOR", value_parser = engine_version)]
    engine_version: Option<EngineVersion>,
    /// Write the JSON to a file
    #[arg(short, long, value_name = "FILE")]
    output: Option<String>,
}

pub(crate) fn run(project: &ProjectArgs, args: &EngineSpecArgs, io: &mut Io<'_>) -> u8 {
    let request = api::EngineSpecRequest {
        project: project_input(project, io),
        stack: args.stack.clone(),
        engine_version: args.engine_version,
    };
    let result = match call(project, api::Operation::EngineSpec(request), io) {
        Ok(api::Output::EngineSpec(result)) => result,
        Ok(_) => return unexpected(io),
        Err(status) => return status,
    };
    print_warnings(&result.warnings, io);
    super::write_output(args.output.as_deref(), &result.output, io)
}
