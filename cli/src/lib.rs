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
mod exit;
pub mod fs;
mod live;
mod output;
mod playground;
mod stdin;

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
    long_about = "Merge Compose files exactly like `docker compose config`, lint them for Swarm, and preview rollouts.\n\nExit status: 0 success, 1 invalid input (or a failing lint finding), 2 usage or I/O error, 141 stdout closed early. plan --detailed-exitcode: 0 no change, 1 any error, 2 changes.",
    bin_name = "stackplan"
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

impl ProjectArgs {
    /// Whether any Compose option was given (they mean nothing to `explain`).
    fn names_a_project(&self) -> bool {
        !self.files.is_empty()
            || self.project_name.is_some()
            || !self.profiles.is_empty()
            || !self.env_files.is_empty()
            || self.project_directory.is_some()
    }
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
    /// Also fail (exit 1) on warnings: `--deny warnings`
    #[arg(long, value_name = "warnings", hide_possible_values = true)]
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
    /// Nodes in the Swarm (at least 1)
    #[arg(long, value_name = "N", value_parser = node_count)]
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
    /// Output format [default: from the -o file's extension (.json, .md, .svg), else human]
    #[arg(long, value_enum)]
    format: Option<PlanFormat>,
    /// Write the plan to a file; a JSON plan records the sha256 of every input and of stackplan
    #[arg(short, long, value_name = "FILE")]
    output: Option<String>,
    /// Exit 0 when nothing changes, 2 when something does, 1 on error
    #[arg(long)]
    detailed_exitcode: bool,
    /// Docker Engine version on the nodes (27 and 27.0 alike; 27+ probes every 5s during start_period)
    #[arg(long, value_name = "MAJOR.MINOR", default_value = "27", value_parser = engine_version)]
    engine_version: EngineVersion,
    /// Nodes in the Swarm: a count (identical active nodes, node1 the manager), or a file:
    /// the JSON `docker node inspect` prints, or the TOML inventory (see README)
    #[arg(long, value_name = "N|FILE", default_value = "1", value_parser = nodes_arg)]
    nodes: NodesArg,
    /// Preview draining NODE (`docker node update --availability drain`); repeatable
    #[arg(long, value_name = "NODE")]
    drain: Vec<String>,
    /// Preview setting NODE active again (no automatic rebalance); repeatable
    #[arg(long, value_name = "NODE")]
    activate: Vec<String>,
    /// Preview NODE losing power: its tasks rescheduled once it is Down, quorum; repeatable
    #[arg(long = "node-down", value_name = "NODE")]
    node_down: Vec<String>,
    /// Preview `docker node promote NODE`; repeatable
    #[arg(long, value_name = "NODE")]
    promote: Vec<String>,
    /// Preview `docker node demote NODE`; repeatable
    #[arg(long, value_name = "NODE")]
    demote: Vec<String>,
    /// Time from placing a new task to its container starting (pull, create, start)
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1s",
        allow_hyphen_values = true
    )]
    start_latency: String,
    /// Time for an already prepared task to start (stop-first, delayed restarts)
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "200ms",
        allow_hyphen_values = true
    )]
    ready_latency: String,
    /// Time an application takes to exit after SIGTERM
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "100ms",
        allow_hyphen_values = true
    )]
    sigterm_exit: String,
    /// Duration of one healthcheck probe
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "100ms",
        allow_hyphen_values = true
    )]
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
#[command(group(clap::ArgGroup::new("listing").multiple(false)))]
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
    #[arg(short, long, group = "listing")]
    quiet: bool,
    /// Print the service names, one per line
    #[arg(long, group = "listing")]
    services: bool,
    /// Print the image names, one per line
    #[arg(long, group = "listing")]
    images: bool,
    /// Print the profile names, one per line
    #[arg(long = "profiles", id = "list_profiles", group = "listing")]
    list_profiles: bool,
    /// Print the volume names, one per line
    #[arg(long, group = "listing")]
    volumes: bool,
    /// Print model variables and default values
    #[arg(long, group = "listing")]
    variables: bool,
    /// Print the service config hash, one per line ("*" for every service, or a,b)
    #[arg(long, value_name = "SERVICES", group = "listing")]
    hash: Option<String>,
    /// Accepted like docker compose's (config changes nothing anyway)
    #[arg(long)]
    dry_run: bool,
    /// Don't check model consistency (undefined networks, depends_on, ...): may print an invalid project
    #[arg(long)]
    no_consistency: bool,
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
/// the docker CLI passes the plugin name as the first argument. Also says whether it was
/// invoked as a plugin (the usage line then says `docker stackplan`).
fn plugin_args(mut argv: Vec<String>) -> (Vec<String>, bool) {
    let invoked_as_plugin = argv
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .is_some_and(|n| n.to_string_lossy().starts_with("docker-"));
    if invoked_as_plugin && argv.get(1).is_some_and(|a| a == "stackplan") {
        argv.remove(1);
    }
    (argv, invoked_as_plugin)
}

/// Where a run reads its context from and writes to.
pub struct Io<'a> {
    pub env: IndexMap<String, String>,
    pub cwd: String,
    /// What `-f -` reads (read at most once, whole, into memory).
    pub stdin: &'a mut dyn std::io::Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    /// Whether stdout is a terminal (colours are used only then, and never with `NO_COLOR`).
    pub stdout_is_terminal: bool,
    /// Whether stderr is a terminal (colours in usage errors, same rules).
    pub stderr_is_terminal: bool,
}

impl Io<'_> {
    /// Whether to colour output going to a stream that is (or is not) a terminal: never with
    /// a non-empty `NO_COLOR` or `STACKPLAN_COLOR=never`, always with `STACKPLAN_COLOR=always`,
    /// else only on a terminal.
    pub fn color(&self, terminal: bool) -> bool {
        if self.env.get("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return false;
        }
        match self.env.get("STACKPLAN_COLOR").map(String::as_str) {
            Some("always") => true,
            Some("never") => false,
            _ => terminal,
        }
    }
}

/// A run's exit status and everything it printed.
pub struct Captured {
    pub status: u8,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the command line with its output captured (for tests and embedders): exactly `env` as
/// the environment, `cwd` as the working directory, stdin empty, stdout not a terminal.
pub fn run_captured(argv: Vec<String>, env: IndexMap<String, String>, cwd: &str) -> Captured {
    run_captured_with_stdin(argv, env, cwd, b"")
}

/// [`run_captured`] with `stdin` as standard input.
pub fn run_captured_with_stdin(
    argv: Vec<String>,
    env: IndexMap<String, String>,
    cwd: &str,
    stdin: &[u8],
) -> Captured {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut input = stdin;
    let status = {
        let mut io = Io {
            env,
            cwd: cwd.to_owned(),
            stdin: &mut input,
            stdout: &mut stdout,
            stderr: &mut stderr,
            stdout_is_terminal: false,
            stderr_is_terminal: false,
        };
        run(argv, &mut io)
    };
    Captured {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs the command line; returns the exit status (see [`exit`] and the README's table).
pub fn run(argv: Vec<String>, io: &mut Io<'_>) -> u8 {
    let detailed = exit::detailed_requested(&argv);
    let (argv, as_plugin) = plugin_args(argv);
    if argv
        .get(1)
        .is_some_and(|a| a == "docker-cli-plugin-metadata")
    {
        let metadata = serde_json::json!({
            "SchemaVersion": "0.1.0",
            "Vendor": "stackplan",
            "Version": env!("CARGO_PKG_VERSION"),
            "ShortDescription": "Merge, lint and plan Compose stacks for Swarm",
            "URL": "https://github.com/stackplan/stackplan"
        });
        return output::to_stdout(io, format!("{metadata}\n").as_bytes());
    }
    if let Some(status) = completions::intercept(&argv, io, <Cli as clap::CommandFactory>::command)
    {
        return status;
    }
    let mut command = <Cli as clap::CommandFactory>::command();
    if as_plugin {
        command = command.bin_name("docker stackplan");
    }
    let cli = match command
        .try_get_matches_from_mut(argv)
        .and_then(|matches| <Cli as clap::FromArgMatches>::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e, detailed, io),
    };
    if let Command::Explain(_) = cli.command
        && cli.project.names_a_project()
    {
        let e = command.error(
            clap::error::ErrorKind::ArgumentConflict,
            "explain documents a lint rule and reads no Compose files: drop -f, -p, --profile, --env-file and --project-directory",
        );
        return usage_error(&e, detailed, io);
    }
    match cli.command {
        Command::Config(args) => run_config(&cli.project, &args, io),
        Command::Plan(args) => run_plan(&cli.project, &args, io),
        Command::Lint(args) => run_lint(&cli.project, &args, io),
        Command::Explain(args) => run_explain(&args, io),
        Command::EngineSpec(args) => engine_spec::run(&cli.project, &args, io),
        Command::Playground(args) => playground::run(&args, io),
    }
}

/// A clap error (or `--help`/`--version`), coloured only for a terminal.
fn usage_error(e: &clap::Error, detailed: bool, io: &mut Io<'_>) -> u8 {
    let to_stderr = e.use_stderr();
    let styled = e.render();
    let terminal = if to_stderr {
        io.stderr_is_terminal
    } else {
        io.stdout_is_terminal
    };
    let text = if io.color(terminal) {
        styled.ansi().to_string()
    } else {
        styled.to_string()
    };
    if !to_stderr {
        return output::to_stdout(io, text.as_bytes());
    }
    let _ = write!(io.stderr, "{text}");
    if detailed {
        exit::detailed_error(exit::USAGE_OR_IO)
    } else {
        exit::USAGE_OR_IO
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
    call_reading(project, operation, io).map(|(output, _)| output)
}

/// [`call`], also answering which files it read from disk (absolute paths), so that `-o`
/// can refuse to replace one. `-f -` (and `--from-file -`) is read from stdin first.
fn call_reading(
    project: &ProjectArgs,
    mut operation: api::Operation,
    io: &mut Io<'_>,
) -> Result<(api::Output, Vec<String>), u8> {
    stdin::attach(&mut operation, project.max_file_size, io)?;
    let disk = fs::DiskFiles::new(project.max_file_size);
    let files = fs::Recording::new(&disk);
    let response = api::handle_with_files(
        api::Request {
            api_version: api::API_VERSION,
            operation,
        },
        &files,
    );
    match (response.result, response.error) {
        (Some(output), None) => Ok((output, files.read_paths())),
        (_, error) => {
            let error = error.unwrap_or_else(|| {
                api::ApiError::new(api::ApiErrorKind::Internal, "the core gave no answer")
            });
            let _ = writeln!(io.stderr, "error: {}", error.display());
            Err(match error.kind {
                api::ApiErrorKind::InvalidInput => exit::INVALID,
                _ => exit::USAGE_OR_IO,
            })
        }
    }
}

/// `path` relative to the working directory when inside it (as messages name files).
fn relative_to_cwd(cwd: &str, path: &str) -> String {
    let prefix = format!("{}/", cwd.trim_end_matches('/'));
    path.strip_prefix(&prefix).unwrap_or(path).to_owned()
}

fn print_warnings(warnings: &[api::LoadWarning], io: &mut Io<'_>) {
    for warning in warnings {
        let _ = writeln!(io.stderr, "warning: {}", warning.message);
    }
}

fn run_config(project: &ProjectArgs, args: &ConfigArgs, io: &mut Io<'_>) -> u8 {
    // At most one of these is set (clap's `listing` group): none is silently dropped.
    let output = if args.quiet {
        api::ConfigOutput::None
    } else if args.services {
        api::ConfigOutput::ServiceNames
    } else if args.images {
        api::ConfigOutput::Images
    } else if args.list_profiles {
        api::ConfigOutput::Profiles
    } else if args.volumes {
        api::ConfigOutput::Volumes
    } else if args.variables {
        api::ConfigOutput::Variables
    } else if args.hash.is_some() {
        api::ConfigOutput::Hashes
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
        no_consistency: args.no_consistency,
        hash_services: match args.hash.as_deref() {
            None | Some("*") => Vec::new(),
            Some(list) => list.split(',').map(str::to_owned).collect(),
        },
    };
    let (result, read) = match call_reading(project, api::Operation::Config(request), io) {
        Ok((api::Output::Config(result), read)) => (result, read),
        Ok(_) => return unexpected(io),
        Err(status) => return status,
    };
    print_warnings(&result.warnings, io);
    match &result.output {
        Some(text) => output::emit(io, args.output.as_deref(), text, &read),
        None => exit::OK,
    }
}

/// The core answered with another operation's result: a bug, reported as one.
fn unexpected(io: &mut Io<'_>) -> u8 {
    let _ = writeln!(
        io.stderr,
        "error: internal: the core answered another operation"
    );
    exit::USAGE_OR_IO
}

/// Prints `text` to stdout or writes it to the `-o` file atomically (for sub-commands that
/// read no files; the others pass what they read to [`output::emit`]).
#[allow(dead_code)] // for the sub-commands other branches add
fn write_output(path: Option<&str>, text: &str, io: &mut Io<'_>) -> u8 {
    output::emit(io, path, text, &[])
}

fn run_plan(project: &ProjectArgs, args: &PlanArgs, io: &mut Io<'_>) -> u8 {
    match plan(project, args, io) {
        Ok(changes) if args.detailed_exitcode && changes => exit::CHANGES,
        Ok(_) => exit::OK,
        Err(status) if args.detailed_exitcode => exit::detailed_error(status),
        Err(status) => status,
    }
}

/// The plan format a `-o` file's name asks for: `plan -o plan.json` writes the plan file
/// (with the inputs' hashes), not the terminal text under a `.json` name.
fn format_of_output(output: Option<&str>) -> PlanFormat {
    let extension = output
        .and_then(|o| std::path::Path::new(o).extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("json") => PlanFormat::Json,
        Some("md" | "markdown") => PlanFormat::Markdown,
        Some("svg") => PlanFormat::Svg,
        _ => PlanFormat::Human,
    }
}

/// Runs `plan`: whether the deploy changes anything, or the exit status of its failure.
fn plan(project: &ProjectArgs, args: &PlanArgs, io: &mut Io<'_>) -> Result<bool, u8> {
    // stdin can be read once: `-f -` and `--from-file -` share one read (the Compose text), but
    // the live services and the live networks are other documents; refuse two readers rather
    // than give one of them nothing.
    let compose_from_stdin = project
        .files
        .iter()
        .chain(&args.from_files)
        .any(|f| f == "-");
    let stdin_readers = usize::from(compose_from_stdin)
        + [&args.from_live, &args.live_networks]
            .iter()
            .filter(|p| p.as_deref() == Some("-"))
            .count();
    if stdin_readers > 1 {
        let _ = writeln!(
            io.stderr,
            "error: only one input can be read from stdin (`-`); {stdin_readers} ask for it"
        );
        return Err(exit::USAGE_OR_IO);
    }
    let live = match &args.from_live {
        Some(path) => Some(live::services(path, project.max_file_size, io)?),
        None => None,
    };
    let live_names = match &args.live_networks {
        Some(path) => live::names(path, project.max_file_size, io)?,
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
        nodes: match &args.nodes {
            NodesArg::Count(n) => Some(*n),
            NodesArg::File(_) => None,
        },
        nodes_file: match &args.nodes {
            NodesArg::File(path) => Some(path.clone()),
            NodesArg::Count(_) => None,
        },
        inventory: None,
        tasks: None,
        maintenance: maintenance_steps(args),
        format: match args
            .format
            .unwrap_or_else(|| format_of_output(args.output.as_deref()))
        {
            PlanFormat::Human => api::PlanFormat::Human,
            PlanFormat::Json => api::PlanFormat::Json,
            PlanFormat::Markdown => api::PlanFormat::Markdown,
            PlanFormat::Svg => api::PlanFormat::Svg,
        },
    };
    let (result, read) = match call_reading(project, api::Operation::Plan(request), io)? {
        (api::Output::Plan(result), read) => (result, read),
        _ => return Err(unexpected(io)),
    };
    let plan = &result.plan_file.plan;
    if let Some(missing) = args
        .services
        .iter()
        .find(|name| !plan.services.iter().any(|s| &s.name == *name))
    {
        let _ = writeln!(io.stderr, "error: no such service: {missing}");
        return Err(exit::INVALID);
    }
    print_warnings(&result.warnings, io);
    let text = result.output.as_deref().unwrap_or_default();
    match output::emit(io, args.output.as_deref(), text, &read) {
        exit::OK => Ok(result.plan_file.plan.changes),
        status => Err(status),
    }
}

fn run_explain(args: &ExplainArgs, io: &mut Io<'_>) -> u8 {
    let request = api::ExplainRequest {
        rule: args.rule.clone(),
    };
    let response = api::handle(api::Request {
        api_version: api::API_VERSION,
        operation: api::Operation::Explain(request),
    });
    match (response.result, response.error) {
        (Some(api::Output::Explain(doc)), _) => output::to_stdout(io, doc.output.as_bytes()),
        (_, Some(error)) => {
            let _ = writeln!(io.stderr, "error: {}", error.display());
            exit::USAGE_OR_IO
        }
        _ => unexpected(io),
    }
}

fn run_lint(project: &ProjectArgs, args: &LintArgs, io: &mut Io<'_>) -> u8 {
    if args.list_rules {
        return match call(project, api::Operation::Rules {}, io) {
            Ok(api::Output::Rules(rules)) => output::to_stdout(io, rules.output.as_bytes()),
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
    let color = args.output.is_none() && io.color(io.stdout_is_terminal);
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
    let (result, read) = match call_reading(project, api::Operation::Lint(request), io) {
        Ok((api::Output::Lint(result), read)) => (result, read),
        Ok(_) => return unexpected(io),
        Err(status) => return status,
    };
    let text = result.output.as_deref().unwrap_or_default();
    match output::emit(io, args.output.as_deref(), text, &read) {
        // The files did not load: the report (json/sarif/github) holds the error; exit as
        // for it.
        exit::OK => match &result.load_error {
            Some(error) => {
                let _ = writeln!(io.stderr, "error: {}", error.display());
                match error.kind {
                    api::ApiErrorKind::InvalidInput => exit::INVALID,
                    _ => exit::USAGE_OR_IO,
                }
            }
            None => u8::from(result.failed),
        },
        status => status,
    }
}

/// `plan --nodes`: a count, or a node inventory file.
#[derive(Clone, Debug, PartialEq, Eq)]
enum NodesArg {
    Count(u32),
    File(String),
}

/// `plan --nodes`: all digits is a count (at least 1), anything else a file.
fn nodes_arg(text: &str) -> Result<NodesArg, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        node_count(text).map(NodesArg::Count)
    } else if text.is_empty() {
        Err("expected a number of nodes or a node inventory file".to_owned())
    } else {
        Ok(NodesArg::File(text.to_owned()))
    }
}

/// The maintenance flags in a fixed order: promote, demote, drain, activate, node-down (each
/// flag's nodes in the order given). The API takes any order.
fn maintenance_steps(args: &PlanArgs) -> Vec<api::MaintenanceStep> {
    let mut steps = Vec::new();
    steps.extend(
        args.promote
            .iter()
            .cloned()
            .map(api::MaintenanceStep::Promote),
    );
    steps.extend(
        args.demote
            .iter()
            .cloned()
            .map(api::MaintenanceStep::Demote),
    );
    steps.extend(args.drain.iter().cloned().map(api::MaintenanceStep::Drain));
    steps.extend(
        args.activate
            .iter()
            .cloned()
            .map(api::MaintenanceStep::Activate),
    );
    steps.extend(
        args.node_down
            .iter()
            .cloned()
            .map(api::MaintenanceStep::NodeDown),
    );
    steps
}

/// `--nodes`: a whole number, at least 1 (lint and plan alike).
fn node_count(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(0) => Err("a Swarm has at least 1 node".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "expected a whole number of nodes (1 or more), not {text:?}"
        )),
    }
}

/// `--engine-version`: `MAJOR` or `MAJOR.MINOR` (27 and 27.0 are the same).
fn engine_version(text: &str) -> Result<EngineVersion, String> {
    EngineVersion::parse(text)
        .ok_or_else(|| format!("expected MAJOR or MAJOR.MINOR such as 27 or 27.0, not {text:?}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_definition_is_consistent() {
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
