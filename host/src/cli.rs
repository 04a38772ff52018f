//! The command line: parses flags, wires the pieces, renders, returns the exit code
//! (0 fine, 1 a stack problem was found, 2 an error).

use crate::endpoint::{self, Engine, Selection};
use crate::plugin::{self, Plugin, SANDBOX};
use crate::{nodes, swarm};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

mod apply_cmd;

/// Writes to stdout and ignores a closed pipe (`stackplan-host … | head` must not panic).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

macro_rules! out_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

#[derive(Parser, Debug)]
#[command(
    name = "stackplan-host",
    version,
    about = "Plans, applies, follows and rolls back Docker Swarm stacks through stackplan's \
             WebAssembly core"
)]
pub struct Cli {
    /// Daemon socket to connect to (like docker -H), e.g. unix:///var/run/docker.sock or
    /// tcp://host:2376.
    #[arg(short = 'H', long = "host", global = true)]
    host: Option<String>,
    /// Name of the docker context to use (overrides DOCKER_HOST and the current context).
    #[arg(long, global = true)]
    context: Option<String>,
    /// Use TLS and verify the remote (ca.pem, cert.pem, key.pem from DOCKER_CERT_PATH).
    #[arg(long, global = true)]
    tlsverify: bool,
    /// The plugin module (default: STACKPLAN_PLUGIN, then stackplan-plugin.wasm next to
    /// this binary or in ../plugin/).
    #[arg(long, global = true)]
    plugin: Option<PathBuf>,
    /// Where compiled plugin modules are cached (default: STACKPLAN_CACHE_DIR,
    /// $XDG_CACHE_HOME/stackplan, ~/.cache/stackplan).
    #[arg(long, global = true)]
    plugin_cache: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Load the plugin and report what it is: sha256, cache use, time to ready, core version.
    Plugin {
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Send this request (a JSON file in the core's API envelope, `-` for stdin) instead
        /// of `version`; prints the response, and the call's time on stderr.
        #[arg(long)]
        request: Option<PathBuf>,
        /// Plan these Compose files through the plugin as a new stack (no Engine needed:
        /// what `apply` asks the plugin, with nothing live), print the plan, and the
        /// load/convert and plugin times on stderr. Repeatable, in order.
        #[arg(short = 'f', long = "file", value_name = "FILE")]
        files: Vec<String>,
    },
    /// Per service: image, mode, running/desired, UpdateStatus, effective update/rollback
    /// settings (defaults marked), healthcheck, whether a previous spec exists.
    Status {
        stack: String,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Server-side rollback of every service of the stack that has a previous spec (or only
    /// --service S); explains those that cannot be rolled back.
    Rollback {
        stack: String,
        /// Only this service (repeatable); the stack prefix is optional.
        #[arg(long = "service", short = 's')]
        services: Vec<String>,
        /// Start the rollbacks and return without waiting for them.
        #[arg(short, long)]
        detach: bool,
        /// Stop waiting after this many seconds (Swarm goes on).
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
    /// Plan the stack live → desired, show it, then create/update/remove exactly what changed
    /// (in `docker stack deploy`'s order) and follow the rollouts.
    Apply(ApplyArgs),
    /// Plan only: show what `apply` would send, and save it with `--out` for `apply --plan`.
    Plan {
        #[command(flatten)]
        target: TargetArgs,
        /// Write the plan file here (`apply --plan FILE` refuses it once anything moved).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Managers, quorum and failures tolerated, leader, reachability, availability, uneven
    /// task spread.
    Nodes {
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Drain a node (availability drain): shows which tasks move and refuses (unless
    /// --force) when a service would lose its last eligible node or its room.
    Drain(NodeArgs),
    /// Make a node active again (its global services' tasks return; replicated ones do not).
    Activate(NodeArgs),
    /// Make a worker a manager.
    Promote(NodeArgs),
    /// Make a manager a worker; refused (unless --force) when it would lose the quorum.
    Demote(NodeArgs),
    /// Spread a replicated service's tasks again: `docker service update --force` through
    /// the Engine API (TaskTemplate.ForceUpdate + 1), followed live.
    Rebalance {
        /// The service (full name, e.g. mystack_web, or ID).
        service: String,
        /// Also set the service's update parallelism (as `--update-parallelism`).
        #[arg(long)]
        parallelism: Option<u64>,
        /// Restart the tasks even when the spread is already even.
        #[arg(long)]
        force: bool,
        /// Send and return without following.
        #[arg(short, long)]
        detach: bool,
        /// No progress for this many seconds is reported as stalled.
        #[arg(long, default_value_t = 120)]
        progress_timeout: u64,
    },
}

/// A node maintenance step.
#[derive(clap::Args, Debug, Clone)]
pub struct NodeArgs {
    /// The node: hostname, ID or unique ID prefix.
    node: String,
    /// Follow until Swarm has done it (tasks moved, role changed).
    #[arg(short, long)]
    wait: bool,
    /// Stop waiting after this many seconds (Swarm goes on).
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Do it even when it would leave a service without an eligible node or lose the quorum.
    #[arg(long)]
    force: bool,
}

/// The Compose files and the stack (the Compose options are `docker compose`'s).
#[derive(clap::Args, Debug, Clone)]
pub struct TargetArgs {
    /// Compose configuration files (repeatable, in order).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    files: Vec<String>,
    /// Project name (interpolation's COMPOSE_PROJECT_NAME; the stack name is --stack).
    #[arg(short = 'p', long = "project-name")]
    project_name: Option<String>,
    /// Specify a profile to enable (repeatable).
    #[arg(long = "profile")]
    profiles: Vec<String>,
    /// Specify an alternate environment file (repeatable).
    #[arg(long = "env-file")]
    env_files: Vec<String>,
    /// Specify an alternate working directory.
    #[arg(long = "project-directory")]
    project_directory: Option<String>,
    /// The stack (its objects carry the com.docker.stack.namespace label).
    #[arg(long)]
    stack: Option<String>,
    /// Remove services of the stack that are no longer in the files.
    #[arg(long)]
    prune: bool,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ApplyArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// Apply this plan file (from `stackplan-host plan --out`): refused when its inputs or
    /// the live versions moved since.
    #[arg(long)]
    plan: Option<PathBuf>,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(short = 'y', long)]
    yes: bool,
    /// Send the changes and return without following the rollouts.
    #[arg(short, long)]
    detach: bool,
    /// A rollout with no progress for this many seconds is reported as stalled.
    #[arg(long, default_value_t = 120)]
    progress_timeout: u64,
    /// When a rollout fails, roll back the services this apply already updated.
    #[arg(long)]
    rollback_stack_on_failure: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

/// Runs the command line; returns the exit code.
pub fn run(args: Vec<String>) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the I/O runtime: {e}");
            return 2;
        }
    };
    match runtime.block_on(execute(cli)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            2
        }
    }
}

async fn execute(cli: Cli) -> Result<u8, String> {
    match &cli.command {
        Command::Plugin {
            request: Some(file),
            ..
        } => plugin_request(&cli, file),
        Command::Plugin {
            request: None,
            files,
            ..
        } if !files.is_empty() => plugin_plan_files(&cli, files),
        Command::Plugin {
            format,
            request: None,
            ..
        } => plugin_info(&cli, *format),
        Command::Status { stack, format } => {
            let engine = connect_manager(&cli).await?;
            let services = swarm::stack_services(&engine, stack)
                .await
                .map_err(|e| format!("listing the services of {stack}: {e}"))?;
            if services.is_empty() {
                eprintln!("Nothing found in stack: {stack}");
                return Ok(1);
            }
            let statuses: Vec<_> = services
                .iter()
                .map(|s| swarm::service_status(s, stack))
                .collect();
            match format {
                Format::Json => out!(
                    "{}",
                    pretty(&serde_json::json!({ "stack": stack, "services": statuses }))
                ),
                Format::Human => out_raw!("{}", swarm::render_status(stack, &statuses)),
            }
            Ok(0)
        }
        Command::Rollback {
            stack,
            services,
            detach,
            timeout,
        } => {
            let engine = connect_manager(&cli).await?;
            let outcomes = swarm::rollback(
                &engine,
                stack,
                services,
                *detach,
                Duration::from_secs(*timeout),
            )
            .await?;
            out_raw!("{}", swarm::render_rollback(stack, &outcomes));
            Ok(u8::from(outcomes.iter().any(|o| o.problem)))
        }
        Command::Apply(args) => apply_cmd::apply(&cli, args).await,
        Command::Plan { target, out } => apply_cmd::plan_only(&cli, target, out.as_ref()).await,
        Command::Nodes { format } => {
            let engine = connect_manager(&cli).await?;
            let report = swarm::nodes(&engine)
                .await
                .map_err(|e| format!("reading the nodes: {e}"))?;
            match format {
                Format::Json => out!("{}", pretty(&report)),
                Format::Human => out_raw!("{}", swarm::render_nodes(&report)),
            }
            Ok(0)
        }
        Command::Drain(args) => node_step(&cli, nodes::Step::Drain, args).await,
        Command::Activate(args) => node_step(&cli, nodes::Step::Activate, args).await,
        Command::Promote(args) => node_step(&cli, nodes::Step::Promote, args).await,
        Command::Demote(args) => node_step(&cli, nodes::Step::Demote, args).await,
        Command::Rebalance {
            service,
            parallelism,
            force,
            detach,
            progress_timeout,
        } => {
            let engine = connect_manager(&cli).await?;
            nodes::rebalance(
                &engine,
                service,
                *parallelism,
                *force,
                *detach,
                Duration::from_secs(*progress_timeout),
            )
            .await
        }
    }
}

async fn node_step(cli: &Cli, step: nodes::Step, args: &NodeArgs) -> Result<u8, String> {
    let engine = connect_manager(cli).await?;
    nodes::node_step(
        &engine,
        step,
        &args.node,
        args.force,
        args.wait.then(|| Duration::from_secs(args.timeout)),
    )
    .await
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// Resolves the endpoint like the docker CLI, connects, and requires a Swarm manager.
pub(crate) async fn connect_manager(cli: &Cli) -> Result<Engine, String> {
    let selection = Selection {
        host: cli.host.clone(),
        context: cli.context.clone(),
        tls_verify: cli.tlsverify,
    };
    let endpoint = endpoint::resolve(&selection, &|name| std::env::var(name).ok())?;
    let engine = Engine::connect(endpoint).await?;
    engine.require_manager().await?;
    Ok(engine)
}

/// Loads the plugin with the sandbox limits and the cache.
pub fn load_plugin(path: Option<&PathBuf>, cache: Option<&PathBuf>) -> Result<Plugin, String> {
    let path = match path {
        Some(p) => p.clone(),
        None => plugin::default_plugin_path().ok_or(
            "no plugin found: pass --plugin PATH or set STACKPLAN_PLUGIN (the build puts \
             stackplan-plugin.wasm in target/plugin/)",
        )?,
    };
    let cache = cache.cloned().or_else(plugin::default_cache_dir);
    Plugin::load(&path, cache.as_deref(), SANDBOX).map_err(|e| e.to_string())
}

fn plugin_info(cli: &Cli, format: Format) -> Result<u8, String> {
    let plugin = load_plugin(cli.plugin.as_ref(), cli.plugin_cache.as_ref())?;
    let answer = plugin
        .call(br#"{"api_version":1,"op":"version"}"#)
        .map_err(|e| e.to_string())?;
    let answer: serde_json::Value =
        serde_json::from_slice(&answer).map_err(|e| format!("the plugin's answer: {e}"))?;
    let ready = plugin.readiness();
    let info = serde_json::json!({
        "sha256": plugin.sha256(),
        "cached": ready.cached,
        "ready_ms": ready.elapsed.as_secs_f64() * 1000.0,
        "cache_file": ready.cache_file,
        "version": answer,
        "limits": {
            "memory_bytes": SANDBOX.memory_bytes,
            "call_time_ms": SANDBOX.call_time.as_millis() as u64,
            "stack_bytes": SANDBOX.stack_bytes,
            "response_bytes": SANDBOX.response_bytes,
        },
    });
    match format {
        Format::Json => out!("{}", pretty(&info)),
        Format::Human => out!(
            "plugin sha256 {}\nready in {:.1} ms ({})\ncore answers: {}",
            plugin.sha256(),
            ready.elapsed.as_secs_f64() * 1000.0,
            if ready.cached {
                "compiled module from the cache"
            } else {
                "compiled now, cached for next time"
            },
            info["version"]
        ),
    }
    Ok(0)
}

/// `plugin --request FILE`: one call, the response on stdout, the timings on stderr.
fn plugin_request(cli: &Cli, file: &PathBuf) -> Result<u8, String> {
    let request = if file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| format!("reading the request from stdin: {e}"))?;
        bytes
    } else {
        std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?
    };
    let plugin = load_plugin(cli.plugin.as_ref(), cli.plugin_cache.as_ref())?;
    let started = std::time::Instant::now();
    let response = plugin.call(&request).map_err(|e| e.to_string())?;
    let call_time = started.elapsed();
    out!("{}", String::from_utf8_lossy(&response));
    eprintln!(
        "plugin {}: ready in {:.1} ms ({}), call {:.1} ms, {} bytes in, {} bytes out",
        plugin.sha256(),
        plugin.readiness().elapsed.as_secs_f64() * 1000.0,
        if plugin.readiness().cached {
            "cached"
        } else {
            "compiled"
        },
        call_time.as_secs_f64() * 1000.0,
        request.len(),
        response.len()
    );
    let ok = serde_json::from_slice::<serde_json::Value>(&response).is_ok_and(|v| v["ok"] == true);
    Ok(if ok { 0 } else { 1 })
}

/// `plugin -f FILE…`: load and convert the files as `apply` does, plan them through the
/// plugin against an empty live stack, print the plan; the times on stderr.
fn plugin_plan_files(cli: &Cli, files: &[String]) -> Result<u8, String> {
    use crate::project::{self, ComposeOptions, Disk};
    let started = std::time::Instant::now();
    let compose = ComposeOptions {
        files: files.to_vec(),
        ..ComposeOptions::default()
    };
    let cwd = std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .map_err(|e| format!("the current directory: {e}"))?;
    let api = stackplan_core::swarm::ApiVersion::new(
        endpoint::MAX_API_VERSION.0,
        endpoint::MAX_API_VERSION.1,
    );
    let stack = "bench";
    let desired = project::load(&compose, stack, &cwd, project::process_env(), api, &Disk)?;
    let live = crate::apply::Live::default();
    let request = project::plan_request(&desired.input, stack, &live, &[], "")
        .to_string()
        .into_bytes();
    let loaded = started.elapsed();
    let plugin = load_plugin(cli.plugin.as_ref(), cli.plugin_cache.as_ref())?;
    let call_started = std::time::Instant::now();
    let response = plugin.call(&request).map_err(|e| e.to_string())?;
    let call_time = call_started.elapsed();
    let answer: serde_json::Value =
        serde_json::from_slice(&response).map_err(|e| format!("the plugin's answer: {e}"))?;
    if answer["ok"] != true {
        return Err(format!(
            "the plugin could not plan: {}",
            answer["error"]["message"].as_str().unwrap_or("?")
        ));
    }
    out_raw!(
        "{}",
        answer["result"]["output"].as_str().unwrap_or_default()
    );
    eprintln!(
        "plan of {} service(s): load+convert {:.1} ms, plugin ready in {:.1} ms ({}), plan \
         call {:.1} ms ({} bytes in, {} bytes out), total {:.1} ms",
        desired.stack.services.len(),
        loaded.as_secs_f64() * 1000.0,
        plugin.readiness().elapsed.as_secs_f64() * 1000.0,
        if plugin.readiness().cached {
            "cached"
        } else {
            "compiled"
        },
        call_time.as_secs_f64() * 1000.0,
        request.len(),
        response.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(0)
}
