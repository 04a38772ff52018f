//! The `stackplan` command line as a library: [`run`] takes the argument vector, the
//! environment and the working directory, and writes to the given streams. The binary is a
//! thin `main` over it; tests call it in-process with a case's exact arguments and environment.
//!
//! It reads files and the environment, calls the core, and prints. Global Compose options
//! (`-f`, `-p`, `--profile`, `--env-file`, `--project-directory`) are accepted before or after
//! the sub-command, as with `docker compose`.

pub mod fs;
mod lint_config;
mod playground;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indexmap::IndexMap;
use stackplan_core::error::{Error, ErrorKind};
use stackplan_core::loader::{self, Loaded};
use stackplan_core::options::{self, ProjectRequest};
use stackplan_core::render::{self, RenderOptions};
use stackplan_core::source::SourceSet;
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
    Plan(PlanArgs),
    /// Check the merged stack against Compose and Swarm rules (update, rollback, healthcheck, stack deploy)
    Lint(LintArgs),
    /// Print the documentation of a lint rule (by id or name)
    Explain(ExplainArgs),
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
    /// Docker Engine version on the nodes
    #[arg(long, value_name = "MAJOR.MINOR")]
    engine_version: Option<String>,
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
    /// Docker Engine major version on the nodes (27+ probes every 5s during start_period)
    #[arg(long, value_name = "MAJOR", default_value_t = 27)]
    engine_version: u32,
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

impl PlanArgs {
    fn timing(&self) -> Result<stackplan_core::rollout::Timing, String> {
        let ms = |flag: &str, text: &str| {
            stackplan_core::loader::project::parse_compose_duration(text)
                .ok()
                .and_then(|ns| u64::try_from(ns / 1_000_000).ok())
                .ok_or_else(|| format!("--{flag} {text}: not a duration (like 1s, 500ms)"))
        };
        Ok(stackplan_core::rollout::Timing {
            start_new_ms: ms("start-latency", &self.start_latency)?,
            start_ready_ms: ms("ready-latency", &self.ready_latency)?,
            sigterm_exit_ms: ms("sigterm-exit", &self.sigterm_exit)?,
            probe_ms: ms("probe-duration", &self.probe_duration)?,
            ..stackplan_core::rollout::Timing::default()
        })
    }
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
        Command::Explain(args) => run_explain(&args, io),
        Command::Playground(args) => playground::run(&args, io),
    }
}

fn request(project: &ProjectArgs, config: &ConfigArgs, io: &Io<'_>) -> ProjectRequest {
    ProjectRequest {
        files: project.files.clone(),
        project_name: project.project_name.clone(),
        project_directory: project.project_directory.clone(),
        env_files: project.env_files.clone(),
        profiles: project.profiles.clone(),
        cwd: io.cwd.clone(),
        os_env: io.env.clone(),
        no_interpolate: config.no_interpolate,
        no_normalize: config.no_normalize,
        no_path_resolution: config.no_path_resolution,
    }
}

fn report(error: &Error, sources: Option<&SourceSet>, io: &mut Io<'_>) -> u8 {
    let place = error
        .origin
        .as_ref()
        .and_then(|o| sources.and_then(|s| s.locate(o)));
    match place {
        Some(place) => writeln!(io.stderr, "error: {place}: {}", error.message),
        None => writeln!(io.stderr, "error: {}", error.message),
    }
    .ok();
    match error.kind {
        ErrorKind::Invalid => 1,
        ErrorKind::Io => 2,
    }
}

fn run_config(project: &ProjectArgs, args: &ConfigArgs, io: &mut Io<'_>) -> u8 {
    let request = request(project, args, io);
    let files = fs::DiskFiles {
        max_bytes: project.max_file_size,
    };
    let mut opts = match options::resolve(&request, &files) {
        Ok(o) => o,
        Err(e) => return report(&e, None, io),
    };
    opts.limits.max_file_bytes = usize::try_from(project.max_file_size).unwrap_or(usize::MAX);
    opts.selected_services = args.service_names.clone();
    let loaded: Loaded = match loader::load(&opts, &files) {
        Ok(l) => l,
        Err(failure) => return report(&failure.error, Some(&failure.sources), io),
    };
    for warning in &loaded.warnings {
        let _ = writeln!(io.stderr, "warning: {}", warning.message);
    }
    if args.quiet {
        return 0;
    }
    let text = if args.services {
        service_names(&loaded)
    } else if args.images {
        images(&loaded, &opts.project_name)
    } else {
        let render_opts = RenderOptions {
            escape_dollar: opts.interpolate,
            origins: args.origins.then_some(&loaded.sources),
        };
        match (args.format, args.origins) {
            (Format::Json, false) => render::to_json(&loaded.project, &render_opts) + "\n",
            (Format::Json, true) => {
                let _ = writeln!(io.stderr, "error: --origins needs the YAML format");
                return 2;
            }
            (Format::Yaml, _) => render::to_yaml(&loaded.project, &render_opts),
        }
    };
    write_output(args.output.as_deref(), &text, io)
}

fn service_names(loaded: &Loaded) -> String {
    let mut out = String::new();
    if let Some(services) = loaded.project.get("services").and_then(|s| s.as_map()) {
        for name in services.keys() {
            out.push_str(&name.name);
            out.push('\n');
        }
    }
    out
}

fn images(loaded: &Loaded, project: &str) -> String {
    let mut out = String::new();
    if let Some(services) = loaded.project.get("services").and_then(|s| s.as_map()) {
        for (name, service) in services {
            let image = service
                .get("image")
                .and_then(|i| i.as_str())
                .map_or_else(|| format!("{project}-{}", name.name), str::to_owned);
            out.push_str(&image);
            out.push('\n');
        }
    }
    out
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

/// Loads one file set with the shared project options.
fn load_project(
    project: &ProjectArgs,
    files: &[String],
    io: &mut Io<'_>,
    print_warnings: bool,
) -> Result<Loaded, u8> {
    let mut args = project.clone();
    args.files = files.to_vec();
    let request = ProjectRequest {
        files: args.files.clone(),
        project_name: args.project_name.clone(),
        project_directory: args.project_directory.clone(),
        env_files: args.env_files.clone(),
        profiles: args.profiles.clone(),
        cwd: io.cwd.clone(),
        os_env: io.env.clone(),
        ..ProjectRequest::default()
    };
    let disk = fs::DiskFiles {
        max_bytes: project.max_file_size,
    };
    let mut opts = options::resolve(&request, &disk).map_err(|e| report(&e, None, io))?;
    opts.limits.max_file_bytes = usize::try_from(project.max_file_size).unwrap_or(usize::MAX);
    let loaded = loader::load(&opts, &disk)
        .map_err(|failure| report(&failure.error, Some(&failure.sources), io))?;
    if print_warnings {
        for warning in &loaded.warnings {
            let _ = writeln!(io.stderr, "warning: {}", warning.message);
        }
    }
    Ok(loaded)
}

fn run_plan(project: &ProjectArgs, args: &PlanArgs, io: &mut Io<'_>) -> u8 {
    let mut scenarios = Vec::new();
    for text in &args.scenarios {
        match stackplan_core::rollout::Scenario::parse(text) {
            Ok(s) => scenarios.push(s),
            Err(e) => {
                let _ = writeln!(io.stderr, "error: --scenario {text}: {e}");
                return 2;
            }
        }
    }
    let timing = match args.timing() {
        Ok(t) => t,
        Err(message) => {
            let _ = writeln!(io.stderr, "error: {message}");
            return 2;
        }
    };
    let desired = match load_project(project, &project.files, io, true) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let current = if args.from_files.is_empty() {
        None
    } else {
        match load_project(project, &args.from_files, io, false) {
            Ok(l) => Some(l),
            Err(code) => return code,
        }
    };
    let opts = stackplan_core::plan::PlanOptions {
        scenarios,
        services: args.services.clone(),
        engine_major_version: args.engine_version,
        nodes: args.nodes.max(1),
        timing,
    };
    let plan = stackplan_core::plan::plan(current.as_ref(), &desired, &opts);
    let changes = plan.changes;
    let text = match args.format {
        PlanFormat::Human => stackplan_core::plan::render::human(&plan),
        PlanFormat::Markdown => stackplan_core::plan::render::markdown(&plan),
        PlanFormat::Svg => stackplan_core::plan::svg::svg(&plan),
        PlanFormat::Json => {
            let document = stackplan_core::plan::PlanFile {
                stackplan_version: env!("CARGO_PKG_VERSION").to_owned(),
                core_sha256: core_fingerprint(),
                inputs: input_hashes(&desired, current.as_ref()),
                plan,
            };
            serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
        }
    };
    let status = write_output(args.output.as_deref(), &text, io);
    if status != 0 {
        return status;
    }
    if args.detailed_exitcode && changes {
        2
    } else {
        0
    }
}

/// sha256 of every file a plan was made from, so a host can refuse a stale plan.
fn input_hashes(
    desired: &Loaded,
    current: Option<&Loaded>,
) -> Vec<stackplan_core::plan::InputFile> {
    use sha2::{Digest, Sha256};
    let mut entries = Vec::new();
    for (role, loaded) in [("desired", Some(desired)), ("current", current)] {
        let Some(loaded) = loaded else { continue };
        for id in 0..loaded.sources.len() {
            if let Some(file) = loaded.sources.get(id as u32) {
                entries.push(stackplan_core::plan::InputFile {
                    role: role.to_owned(),
                    path: file.path.clone(),
                    sha256: format!("{:x}", Sha256::digest(file.text.as_bytes())),
                });
            }
        }
    }
    entries
}

/// A fingerprint of the planner: the sha256 of this binary's version and build of the core.
fn core_fingerprint() -> String {
    use sha2::{Digest, Sha256};
    format!(
        "{:x}",
        Sha256::digest(concat!("stackplan-core ", env!("CARGO_PKG_VERSION")).as_bytes())
    )
}

fn run_explain(args: &ExplainArgs, io: &mut Io<'_>) -> u8 {
    match stackplan_core::lint::find_rule(&args.rule) {
        Some(rule) => {
            let _ = writeln!(
                io.stdout,
                "# {} {} ({:?}, default {:?})\n",
                rule.id, rule.name, rule.family, rule.severity
            );
            let _ = writeln!(io.stdout, "{}", rule.doc.trim_end());
            0
        }
        None => {
            let _ = writeln!(
                io.stderr,
                "error: no rule {:?} (see `stackplan lint --list-rules`)",
                args.rule
            );
            2
        }
    }
}

fn list_rules(io: &mut Io<'_>) -> u8 {
    for rule in stackplan_core::lint::RULES {
        let _ = writeln!(
            io.stdout,
            "{}  {:<40} {:<8} {}",
            rule.id,
            rule.name,
            format!("{:?}", rule.severity).to_lowercase(),
            rule.summary
        );
    }
    0
}

fn run_lint(project: &ProjectArgs, args: &LintArgs, io: &mut Io<'_>) -> u8 {
    use stackplan_core::lint::{self, Severity, render};
    if args.list_rules {
        return list_rules(io);
    }
    let loaded = match load_project(project, &project.files, io, false) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let mut opts = lint::LintOptions::default();
    let config_path = match &args.config {
        Some(path) => Some(std::path::PathBuf::from(
            stackplan_core::fspath::absolutize(&io.cwd, path),
        )),
        None => loaded
            .sources
            .get(0)
            .map(|f| std::path::PathBuf::from(stackplan_core::fspath::dir(&f.path)))
            .and_then(|dir| lint_config::discover(&dir)),
    };
    if let Some(path) = &config_path
        && let Err(message) = lint_config::load(path, &mut opts)
    {
        let _ = writeln!(io.stderr, "error: {message}");
        return 2;
    }
    if let Some(t) = args.target {
        opts.target = Some(match t {
            LintTarget::Swarm => lint::Target::Swarm,
            LintTarget::Compose => lint::Target::Compose,
        });
    }
    if let Some(v) = &args.engine_version {
        match lint_config::parse_engine_version(v) {
            Some(version) => opts.engine_version = version,
            None => {
                let _ = writeln!(
                    io.stderr,
                    "error: --engine-version {v}: expected MAJOR.MINOR such as 27.0"
                );
                return 2;
            }
        }
    }
    if let Some(n) = args.nodes {
        opts.nodes = n.max(1);
    }
    let diagnostics = lint::lint(&loaded, &opts);
    let github = io.env.get("GITHUB_ACTIONS").is_some_and(|v| v == "true");
    let format = args.format.unwrap_or(if github {
        LintFormat::Github
    } else {
        LintFormat::Human
    });
    let text = match format {
        LintFormat::Human => {
            let color = !io.env.contains_key("NO_COLOR")
                && (io.stdout_is_terminal
                    || io.env.get("STACKPLAN_COLOR").is_some_and(|v| v == "always"));
            render::human::render(
                &diagnostics,
                &loaded.sources,
                render::human::HumanOptions {
                    color,
                    summary: true,
                },
            )
        }
        LintFormat::Json => render::json::render(&diagnostics, &loaded.sources),
        LintFormat::Sarif => render::sarif::render(&diagnostics, &loaded.sources),
        LintFormat::Github => render::github::render(&diagnostics, &loaded.sources),
    };
    let status = write_output(args.output.as_deref(), &text, io);
    if status != 0 {
        return status;
    }
    let floor = if args.deny.is_some() {
        Severity::Warning
    } else {
        Severity::Error
    };
    u8::from(lint::has_at_least(&diagnostics, floor))
}
