//! The `stackplan` command line as a library: [`run`] takes the argument vector, the
//! environment and the working directory, and writes to the given streams. The binary is a
//! thin `main` over it; tests call it in-process with a case's exact arguments and environment.
//!
//! It maps the arguments to one [`stackplan_core::api`] request, lets the core read the files
//! it needs from disk ([`fs::DiskFiles`]), and prints the response: option resolution,
//! loading, linting, planning, the plan file and the renderers all live in the core. Global Compose options
//! (`-f`, `-p`, `--profile`, `--env-file`, `--project-directory`) are accepted before or after
//! the sub-command, as with `docker compose`.

mod completions;
mod engine_spec;
pub mod fs;
mod live;
mod playground;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indexmap::IndexMap;
use stackplan_core::api;
use stackplan_core::options::EngineVersion;
use std::io::Write;

#[derive(Parser, Debug)]
#[command(
    name = "stackplan",
    version,
    about = "Merge, lint and plan Docker Compose stacks for Docker Swarm",
    long_about = "Merge Compose files exactly like `docker compose config`, lint them for Swarm, and preview rollouts.\n\nExit status: 0 success, 1 invalid input, 2 usage or I/O error."
)]
struct Cli {
    #[command(flatten)]
    project: ProjectArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options shared by every sub-command, named as `docker compose` names them.
#[derive(Args, Debug, Clone)]
struct ProjectArgs {
    /// Compose configuration files (repeatable; later files override earlier ones)
    #[arg(short = 'f', long = "file", global = true, value_name = "FILE")]
    files: Vec<String>,
    /// Project name
    #[arg(short = 'p', long = "project-name", global = true, value_name = "NAME")]
    project_name: Option<String>,
    /// Specify a profile to enable (repeatable)
    #[arg(long = "profile", global = true, value_name = "PROFILE")]
    profiles: Vec<String>,
    /// Specify an alternate environment file (repeatable)
    #[arg(long = "env-file", global = true, value_name = "FILE")]
    env_files: Vec<String>,
    /// Specify an alternate working directory (default: the folder of the first file)
    #[arg(long = "project-directory", global = true, value_name = "DIR")]
    project_directory: Option<String>,
    /// Refuse input files larger than this many bytes
    #[arg(long = "max-file-size", global = true, value_name = "BYTES", default_value_t = 64 * 1024 * 1024, env = "STACKPLAN_MAX_FILE_SIZE")]
    max_file_size: u64,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse, resolve and render the Compose files in canonical format (like `docker compose config`)
    Config(ConfigArgs),
    /// Preview a deploy: what changes per service, and Swarm's rolling update and rollback step by step
    Plan(Box<PlanArgs>),
    /// Check the merged stack against Compose and Swarm rules (update, rollback, healthcheck, stack deploy)
    Lint(LintArgs),
    /// Print the documentation of a lint rule (by id or name)
    Explain(ExplainArgs),
    /// Print the Engine objects `docker stack deploy` creates (networks, configs, secrets, service specs) as JSON
    EngineSpec(engine_spec::EngineSpecArgs),
    /// Serve the browser playground (built by scripts/build-wasm) on 127.0.0.1
    Playground(playground::PlaygroundArgs),
}

#[derive(Args, Debug)]
struct LintArgs {
    /// Rule profile: swarm (default when any service has deploy keys) or compose
    #[arg(long, value_enum)]
    target: Option<LintTarget>,
    /// Output format (default: github when GITHUB_ACTIONS=true, else human)
    #[arg(long, value_enum)]
    format: Option<LintFormat>,
    /// Exit 1 on warnings too
    #[arg(long, value_name = "warnings")]
    deny: Option<DenyLevel>,
    /// Lint configuration file (default: .stackplan.toml from the first file's folder up to the repository root)
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
    /// List every rule and exit
    #[arg(long)]
    list_rules: bool,
    /// Docker Engine version on the nodes (27 and 27.0 alike)
    #[arg(long, value_name = "MAJOR.MINOR", value_parser = engine_version)]
    engine_version: Option<EngineVersion>,
    /// Nodes in the Swarm
    #[arg(long, value_name = "N")]
    nodes: Option<u32>,
    /// Write the report to a file
    #[arg(short, long, value_name = "FILE")]
    output: Option<String>,
}

#[derive(Args, Debug)]
struct ExplainArgs {
    /// Rule id (SP105) or name (failure-action-default-pause)
    rule: String,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LintTarget {
    Swarm,
    Compose,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LintFormat {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum DenyLevel {
    Warnings,
}

#[derive(Args, Debug)]
struct PlanArgs {
    /// The currently deployed file set (repeatable, in -f order); without it, nothing is deployed
    #[arg(long = "from-file", value_name = "FILE")]
    from_files: Vec<String>,
    /// Plan from what a Swarm runs: the JSON `docker service inspect` prints for the stack's services (- for stdin)
    #[arg(long = "from-live", value_name = "FILE", conflicts_with = "from_files")]
    from_live: Option<String>,
    /// Network names for the live specs' network IDs: the JSON `docker network inspect` prints
    #[arg(long = "live-networks", value_name = "FILE", requires = "from_live")]
    live_networks: Option<String>,
    /// Stack name (default: the live services' com.docker.stack.namespace label, else the project name)
    #[arg(long, value_name = "NAME")]
    stack: Option<String>,
    /// Only these services (repeatable)
    #[arg(long = "service", value_name = "SERVICE")]
    services: Vec<String>,
    /// Scenario to simulate (repeatable): healthy, unhealthy, unhealthy-after=DUR,
    /// crash-after=DUR[:CODE], unschedulable; modifier ,exit0-on-sigterm. Default: healthy and unhealthy
    #[arg(long = "scenario", value_name = "NAME")]
    scenarios: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    format: PlanFormat,
    /// Write the plan to a file; a JSON plan records the sha256 of every input and of stackplan
    #[arg(short, long, value_name = "FILE")]
    output: Option<String>,
    /// Exit 0 when nothing changes, 2 when something does, 1 on error
    #[arg(long)]
    detailed_exitcode: bool,
    /// Docker Engine version on the nodes (27 and 27.0 alike; 27+ probes every 5s during start_period)
    #[arg(long, value_name = "MAJOR.MINOR", default_value = "27", value_parser = engine_version)]
    engine_version: EngineVersion,
    /// Nodes in the Swarm (global services run one task per node)
    #[arg(long, value_name = "N", default_value_t = 1)]
    nodes: u32,
    /// Time from placing a new task to its container starting (pull, create, start)
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    start_latency: String,
    /// Time for an already prepared task to start (stop-first, delayed restarts)
    #[arg(long, value_name = "DURATION", default_value = "200ms")]
    ready_latency: String,
    /// Time an application takes to exit after SIGTERM
    #[arg(long, value_name = "DURATION", default_value = "100ms")]
    sigterm_exit: String,
    /// Duration of one healthcheck probe
    #[arg(long, value_name = "DURATION", default_value = "100ms")]
    probe_duration: String,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum PlanFormat {
    Human,
    Json,
    Markdown,
    Svg,
}

#[derive(Args, Debug)]
struct ConfigArgs {
    /// Format the output
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    format: Format,
    /// Don't interpolate environment variables
    #[arg(long)]
    no_interpolate: bool,
    /// Don't normalize the compose model
    #[arg(long)]
    no_normalize: bool,
    /// Don't resolve file paths
    #[arg(long)]
    no_path_resolution: bool,
    /// Only validate the configuration, don't print anything
    #[arg(short, long)]
    quiet: bool,
    /// Print the service names, one per line
    #[arg(long)]
    services: bool,
    /// Print the image names, one per line
    #[arg(long)]
    images: bool,
    /// Annotate each value of the YAML output with the file:line that set it
    #[arg(long)]
    origins: bool,
    /// Save to file (default to stdout)
    #[arg(short, long, value_name = "FILE")]
    output: Option<String>,
    /// Only these services (and what they depend on)
    #[arg(value_name = "SERVICE")]
    service_names: Vec<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Yaml,
    Json,
}

/// The argument vector with the Docker CLI plugin protocol handled: as `docker-stackplan`,
/// the docker CLI passes the plugin name as the first argument.
fn plugin_args(mut argv: Vec<String>) -> Vec<String> {
    let invoked_as_plugin = argv
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .is_some_and(|n| n.to_string_lossy().starts_with("docker-"));
    if invoked_as_plugin && argv.get(1).is_some_and(|a| a == "stackplan") {
        argv.remove(1);
    }
    argv
}

/// Where a run reads its context from and writes to.
pub struct Io<'a> {
    pub env: IndexMap<String, String>,
    pub cwd: String,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    /// Whether stdout is a terminal (colours are used only then, and never with `NO_COLOR`).
    pub stdout_is_terminal: bool,
}

/// A run's exit status and everything it printed.
pub struct Captured {
    pub status: u8,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the command line with its output captured (for tests and embedders): exactly `env` as
/// the environment, `cwd` as the working directory, stdout not a terminal.
pub fn run_captured(argv: Vec<String>, env: IndexMap<String, String>, cwd: &str) -> Captured {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let status = {
        let mut io = Io {
            env,
            cwd: cwd.to_owned(),
            stdout: &mut stdout,
            stderr: &mut stderr,
            stdout_is_terminal: false,
        };
        run(argv, &mut io)
    };
    Captured {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs the command line; returns the exit status (0 ok, 1 invalid input, 2 usage or I/O).
pub fn run(argv: Vec<String>, io: &mut Io<'_>) -> u8 {
    let argv = plugin_args(argv);
    if argv
        .get(1)
        .is_some_and(|a| a == "docker-cli-plugin-metadata")
    {
        let _ = writeln!(
            io.stdout,
            "{}",
            serde_json::json!({
                "SchemaVersion": "0.1.0",
                "Vendor": "stackplan",
                "Version": env!("CARGO_PKG_VERSION"),
                "ShortDescription": "Merge, lint and plan Compose stacks for Swarm",
                "URL": "https://github.com/stackplan/stackplan"
            })
        );
        return 0;
    }
    if let Some(status) = completions::intercept(&argv, io, <Cli as clap::CommandFactory>::command)
    {
        return status;
    }
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let rendered = e.render().ansi().to_string();
            if e.use_stderr() {
                let _ = write!(io.stderr, "{rendered}");
                return 2;
            }
            let _ = write!(io.stdout, "{rendered}");
            return 0;
        }
    };
    match cli.command {
        Command::Config(args) => run_config(&cli.project, &args, io),
        Command::Plan(args) => run_plan(&cli.project, &args, io),
        Command::Lint(args) => run_lint(&cli.project, &args, io),
        Command::Explain(args) => run_explain(&cli.project, &args, io),
        Command::EngineSpec(args) => engine_spec::run(&cli.project, &args, io),
        Command::Playground(args) => playground::run(&args, io),
    }
}

/// The project part of every request: the Compose options, the environment and the working
/// directory. No files: the core reads the ones it needs through [`fs::DiskFiles`].
fn project_input(project: &ProjectArgs, io: &Io<'_>) -> api::ProjectInput {
    api::ProjectInput {
        compose_files: project.files.clone(),
        env_files: project.env_files.clone(),
        environment: io.env.clone(),
        project_name: project.project_name.clone(),
        project_directory: project.project_directory.clone(),
        profiles: project.profiles.clone(),
        working_directory: Some(io.cwd.clone()),
        max_file_bytes: Some(project.max_file_size),
        ..api::ProjectInput::default()
    }
}

/// Sends one operation to the core, reading files from disk; an error is printed and
/// becomes the exit status (1 invalid input, 2 anything else).
fn call(
    project: &ProjectArgs,
    operation: api::Operation,
    io: &mut Io<'_>,
) -> Result<api::Output, u8> {
    let disk = fs::DiskFiles::new(project.max_file_size);
    let response = api::handle_with_files(
        api::Request {
            api_version: api::API_VERSION,
            operation,
        },
        &disk,
    );
    match (response.result, response.error) {
        (Some(output), None) => Ok(output),
        (_, error) => {
            let error = error.unwrap_or_else(|| {
                api::ApiError::new(api::ApiErrorKind::Internal, "the core gave no answer")
            });
            let _ = writeln!(io.stderr, "error: {}", error.display());
            Err(match error.kind {
                api::ApiErrorKind::InvalidInput => 1,
                _ => 2,
            })
        }
    }
}

fn print_warnings(warnings: &[api::LoadWarning], io: &mut Io<'_>) {
    for warning in warnings {
        let _ = writeln!(io.stderr, "warning: {}", warning.message);
    }
}

fn run_config(project: &ProjectArgs, args: &ConfigArgs, io: &mut Io<'_>) -> u8 {
    let output = if args.quiet {
        api::ConfigOutput::None
    } else if args.services {
        api::ConfigOutput::ServiceNames
    } else if args.images {
        api::ConfigOutput::Images
    } else {
        match args.format {
            Format::Yaml => api::ConfigOutput::Yaml,
            Format::Json => api::ConfigOutput::Json,
        }
    };
    let request = api::ConfigRequest {
        project: project_input(project, io),
        services: args.service_names.clone(),
        output,
        origins: args.origins,
        no_interpolate: args.no_interpolate,
        no_normalize: args.no_normalize,
        no_path_resolution: args.no_path_resolution,
    };
    let result = match call(project, api::Operation::Config(request), io) {
        Ok(api::Output::Config(result)) => result,
        Ok(_) => return unexpected(io),
        Err(status) => return status,
    };
    print_warnings(&result.warnings, io);
    match &result.output {
        Some(text) => write_output(args.output.as_deref(), text, io),
        None => 0,
    }
}

/// The core answered with another operation's result: a bug, reported as one.
fn unexpected(io: &mut Io<'_>) -> u8 {
    let _ = writeln!(
        io.stderr,
        "error: internal: the core answered another operation"
    );
    2
}

fn write_output(path: Option<&str>, text: &str, io: &mut Io<'_>) -> u8 {
    let result = match path {
        Some(path) => {
            let target = stackplan_core::fspath::absolutize(&io.cwd, path);
            std::fs::write(&target, text).map_err(|e| format!("cannot write {path}: {e}"))
        }
        None => io
            .stdout
            .write_all(text.as_bytes())
            .and_then(|()| io.stdout.flush())
            .map_err(|e| format!("cannot write to stdout: {e}")),
    };
    match result {
        Ok(()) => 0,
        Err(message) => {
            let _ = writeln!(io.stderr, "error: {message}");
            2
        }
    }
}

fn run_plan(project: &ProjectArgs, args: &PlanArgs, io: &mut Io<'_>) -> u8 {
    let live = match &args.from_live {
        Some(path) => match live::services(path, project.max_file_size, io) {
            Ok(services) => Some(services),
            Err(status) => return status,
        },
        None => None,
    };
    let live_names = match &args.live_networks {
        Some(path) => match live::names(path, project.max_file_size, io) {
            Ok(names) => names,
            Err(status) => return status,
        },
        None => Default::default(),
    };
    let request = api::PlanRequest {
        live,
        live_names,
        stack: args.stack.clone(),
        project: project_input(project, io),
        from_files: args.from_files.clone(),
        services: args.services.clone(),
        scenarios: args.scenarios.clone(),
        timing: api::TimingInput {
            start_latency: Some(args.start_latency.clone()),
            ready_latency: Some(args.ready_latency.clone()),
            sigterm_exit: Some(args.sigterm_exit.clone()),
            probe_duration: Some(args.probe_duration.clone()),
        },
        engine_version: Some(args.engine_version),
        nodes: Some(args.nodes),
        format: match args.format {
            PlanFormat::Human => api::PlanFormat::Human,
            PlanFormat::Json => api::PlanFormat::Json,
            PlanFormat::Markdown => api::PlanFormat::Markdown,
            PlanFormat::Svg => api::PlanFormat::Svg,
        },
    };
    let result = match call(project, api::Operation::Plan(request), io) {
        Ok(api::Output::Plan(result)) => result,
        Ok(_) => return unexpected(io),
        Err(status) => return status,
    };
    print_warnings(&result.warnings, io);
    let status = write_output(
        args.output.as_deref(),
        result.output.as_deref().unwrap_or_default(),
        io,
    );
    if status != 0 {
        return status;
    }
    if args.detailed_exitcode && result.plan_file.plan.changes {
        2
    } else {
        0
    }
}

fn run_explain(project: &ProjectArgs, args: &ExplainArgs, io: &mut Io<'_>) -> u8 {
    let request = api::ExplainRequest {
        rule: args.rule.clone(),
    };
    match call(project, api::Operation::Explain(request), io) {
        Ok(api::Output::Explain(doc)) => {
            let _ = write!(io.stdout, "{}", doc.output);
            0
        }
        Ok(_) => unexpected(io),
        Err(status) => status,
    }
}

fn run_lint(project: &ProjectArgs, args: &LintArgs, io: &mut Io<'_>) -> u8 {
    if args.list_rules {
        return match call(project, api::Operation::Rules {}, io) {
            Ok(api::Output::Rules(rules)) => {
                let _ = write!(io.stdout, "{}", rules.output);
                0
            }
            Ok(_) => unexpected(io),
            Err(status) => status,
        };
    }
    let github = io.env.get("GITHUB_ACTIONS").is_some_and(|v| v == "true");
    let format = args.format.unwrap_or(if github {
        LintFormat::Github
    } else {
        LintFormat::Human
    });
    let color = !io.env.contains_key("NO_COLOR")
        && (io.stdout_is_terminal || io.env.get("STACKPLAN_COLOR").is_some_and(|v| v == "always"));
    let request = api::LintRequest {
        project: project_input(project, io),
        target: args.target.map(|t| match t {
            LintTarget::Swarm => api::LintTarget::Swarm,
            LintTarget::Compose => api::LintTarget::Compose,
        }),
        engine_version: args.engine_version,
        nodes: args.nodes,
        config_file: args.config.clone(),
        discover_config: true,
        format: match format {
            LintFormat::Human => api::LintFormat::Human,
            LintFormat::Json => api::LintFormat::Json,
            LintFormat::Sarif => api::LintFormat::Sarif,
            LintFormat::Github => api::LintFormat::Github,
        },
        color,
        deny_warnings: args.deny.is_some(),
        ..api::LintRequest::default()
    };
    let result = match call(project, api::Operation::Lint(request), io) {
        Ok(api::Output::Lint(result)) => result,
        Ok(_) => return unexpected(io),
        Err(status) => return status,
    };
    let status = write_output(
        args.output.as_deref(),
        result.output.as_deref().unwrap_or_default(),
        io,
    );
    if status != 0 {
        return status;
    }
    u8::from(result.failed)
}

/// `--engine-version`: `MAJOR` or `MAJOR.MINOR` (27 and 27.0 are the same).
fn engine_version(text: &str) -> Result<EngineVersion, String> {
    EngineVersion::parse(text)
        .ok_or_else(|| format!("expected MAJOR or MAJOR.MINOR such as 27 or 27.0, not {text:?}"))
}
