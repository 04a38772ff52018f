//! `apply` and `plan`: load and convert the files, read the live stack, decide the
//! changeset, plan through the plugin, confirm, send, follow, summarize.

use super::{ApplyArgs, Cli, TargetArgs, connect_manager, load_plugin};
use crate::apply::{self, Action, Changeset, Kind, Live};
use crate::endpoint::Engine;
use crate::follow::{self, Display, End, Prediction, Target};
use crate::project::{self, ComposeOptions, Desired, Disk};
use serde_json::{Value, json};
use stackplan_core::plan::file::sha256_hex;
use stackplan_core::swarm::ApiVersion;
use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

macro_rules! say {
    ($($arg:tt)*) => {{
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, $($arg)*);
        let _ = out.flush();
    }};
}

/// The format of the host's plan file.
const PLAN_KIND: &str = "stackplan-host-plan";

/// Everything a plan is made of.
struct Planned {
    stack: String,
    cwd: String,
    compose: ComposeOptions,
    desired: Desired,
    live: Live,
    set: Changeset,
    /// The plugin's plan result (`plan_file`, `output`).
    plugin_plan: Value,
    plugin_sha256: String,
    predictions: BTreeMap<String, Prediction>,
}

fn compose_of(t: &TargetArgs) -> ComposeOptions {
    ComposeOptions {
        files: t.files.clone(),
        project_name: t.project_name.clone(),
        project_directory: t.project_directory.clone(),
        env_files: t.env_files.clone(),
        profiles: t.profiles.clone(),
    }
}

fn cwd() -> Result<String, String> {
    std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .map_err(|e| format!("the current directory: {e}"))
}

async fn make_plan(
    cli: &Cli,
    engine: &Engine,
    stack: &str,
    compose: ComposeOptions,
    cwd: String,
    prune: bool,
) -> Result<Planned, String> {
    let api = ApiVersion::new(engine.api_version.0, engine.api_version.1);
    let desired = project::load(&compose, stack, &cwd, project::process_env(), api, &Disk)?;
    let live = Live::read(engine, stack)
        .await
        .map_err(|e| format!("reading stack {stack}: {e}"))?;
    let set = apply::changeset(&desired.stack, &live, prune);

    let plugin = load_plugin(cli.plugin.as_ref(), cli.plugin_cache.as_ref())?;
    let keys: Vec<String> = desired
        .stack
        .services
        .iter()
        .map(|s| s.key.clone())
        .collect();
    let request = project::plan_request(&desired.input, stack, &live, &[], &engine.server_version);
    let answer = plugin
        .call(request.to_string().as_bytes())
        .map_err(|e| e.to_string())?;
    let answer: Value =
        serde_json::from_slice(&answer).map_err(|e| format!("the plugin's answer: {e}"))?;
    if answer["ok"] != true {
        return Err(format!(
            "the plugin could not plan: {}",
            answer["error"]["message"].as_str().unwrap_or("?")
        ));
    }
    let plugin_plan = answer["result"].clone();
    let mut predictions = BTreeMap::new();
    for service in plugin_plan["plan_file"]["plan"]["services"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let key = service["name"].as_str().unwrap_or_default();
        if let Some(p) = Prediction::from_plan(service).filter(|_| keys.iter().any(|k| k == key)) {
            predictions.insert(format!("{stack}_{key}"), p);
        }
    }
    Ok(Planned {
        stack: stack.to_owned(),
        cwd,
        compose,
        desired,
        live,
        set,
        plugin_plan,
        plugin_sha256: plugin.sha256().to_owned(),
        predictions,
    })
}

fn render(p: &Planned) {
    say!("{}", apply::render_changeset(&p.stack, &p.set).trim_end());
    let updated: Vec<&str> = p
        .set
        .writes()
        .filter(|s| s.kind == Kind::Service && s.action == Action::Update)
        .map(|s| s.name.as_str())
        .collect();
    for name in &updated {
        match p.predictions.get(*name) {
            Some(pred) => say!(
                "  rollout of {name}: healthy release completes at {}; unhealthy release: {}",
                pred.completed_at_s
                    .map_or("?".into(), |s| format!("{s:.0} s")),
                pred.unhealthy_outcome.as_deref().unwrap_or("?")
            ),
            None => say!("  rollout of {name}: no prediction"),
        }
    }
    if let Some(text) = p.plugin_plan["output"].as_str().filter(|_| {
        p.set
            .writes()
            .all(|s| s.kind != Kind::Service || s.action == Action::Create)
            && p.set.writes().next().is_some()
    }) {
        // A new stack: the plugin's rendering (the one `stackplan plan` prints) is exact.
        say!("\n{}", text.trim_end());
    }
    say!("(plan made by plugin {})", p.plugin_sha256);
}

fn plan_document(p: &Planned) -> Value {
    let live_versions = |list: &[Value], name_at: &str| -> BTreeMap<String, u64> {
        list.iter()
            .filter_map(|o| {
                Some((
                    o.pointer(name_at)?.as_str()?.to_owned(),
                    o["Version"]["Index"].as_u64()?,
                ))
            })
            .collect()
    };
    json!({
        "kind": PLAN_KIND,
        "version": 1,
        "stack": p.stack,
        "working_directory": p.cwd,
        "compose": {
            "files": p.compose.files,
            "project_name": p.compose.project_name,
            "project_directory": p.compose.project_directory,
            "env_files": p.compose.env_files,
            "profiles": p.compose.profiles,
        },
        "inputs": p.desired.read.iter()
            .map(|(path, bytes)| json!({"path": path, "sha256": sha256_hex(bytes)}))
            .collect::<Vec<_>>(),
        "desired_sha256": desired_sha(&p.desired),
        "live": {
            "services": live_versions(&p.live.services, "/Spec/Name"),
        },
        "steps": p.set.steps.iter().map(|s| json!({
            "kind": s.kind.as_str(), "name": s.name, "action": s.action.as_str(),
            "version": s.version, "changes": s.changes,
        })).collect::<Vec<_>>(),
        "plugin_sha256": p.plugin_sha256,
        "plan": p.plugin_plan["plan_file"],
    })
}

/// sha256 of what the files convert to (the environment is part of it, through
/// interpolation), secret data included.
fn desired_sha(d: &Desired) -> String {
    let mut view = d.stack.engine_spec();
    let data: Vec<String> = d
        .stack
        .secrets
        .iter()
        .map(|s| sha256_hex(&s.data))
        .collect();
    view["secret_data"] = json!(data);
    sha256_hex(view.to_string().as_bytes())
}

/// What moved since the plan file was written (empty: it is current).
fn moved(plan: &Value, now: &Planned) -> Vec<String> {
    let mut out = Vec::new();
    let read: BTreeMap<&str, String> = now
        .desired
        .read
        .iter()
        .map(|(p, b)| (p.as_str(), sha256_hex(b)))
        .collect();
    for input in plan["inputs"].as_array().into_iter().flatten() {
        let path = input["path"].as_str().unwrap_or_default();
        let planned = input["sha256"].as_str().unwrap_or_default();
        match read.get(path) {
            None => out.push(format!("input {path} is no longer read (or is gone)")),
            Some(sha) if sha != planned => out.push(format!(
                "input {path} changed (sha256 {} at planning, {} now)",
                &planned[..12.min(planned.len())],
                &sha[..12]
            )),
            Some(_) => {}
        }
    }
    for path in read.keys() {
        let known = plan["inputs"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|i| i["path"] == *path);
        if !known {
            out.push(format!("input {path} is read now but was not at planning"));
        }
    }
    if out.is_empty() && plan["desired_sha256"] != desired_sha(&now.desired).as_str() {
        out.push(
            "the desired specs changed with the same files (the environment used for \
             interpolation differs)"
                .into(),
        );
    }
    let planned: BTreeMap<String, u64> = plan["live"]["services"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
                .collect()
        })
        .unwrap_or_default();
    let current = now.set.service_versions(&now.live);
    for (name, version) in &planned {
        match current.get(name) {
            None => out.push(format!(
                "live service {name} was removed since (it had version {version})"
            )),
            Some(v) if v != version => out.push(format!(
                "live service {name} moved from version {version} to {v}"
            )),
            Some(_) => {}
        }
    }
    for name in current.keys().filter(|n| !planned.contains_key(*n)) {
        out.push(format!("live service {name} appeared since"));
    }
    if plan["plugin_sha256"] != now.plugin_sha256.as_str() {
        out.push(format!(
            "the plugin changed (planned with {}, now {})",
            plan["plugin_sha256"].as_str().unwrap_or("?"),
            now.plugin_sha256
        ));
    }
    out
}

pub(super) async fn plan_only(
    cli: &Cli,
    target: &TargetArgs,
    out: Option<&PathBuf>,
) -> Result<u8, String> {
    let stack = target.stack.clone().ok_or("--stack NAME is required")?;
    let engine = connect_manager(cli).await?;
    let p = make_plan(
        cli,
        &engine,
        &stack,
        compose_of(target),
        cwd()?,
        target.prune,
    )
    .await?;
    render(&p);
    if !p.set.blockers.is_empty() {
        return Ok(2);
    }
    if let Some(path) = out {
        let text = serde_json::to_string_pretty(&plan_document(&p))
            .map_err(|e| format!("the plan file: {e}"))?;
        std::fs::write(path, text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        say!("plan written to {}", path.display());
    }
    Ok(0)
}

pub(super) async fn apply(cli: &Cli, args: &ApplyArgs) -> Result<u8, String> {
    let (stack, compose, cwd, prune, plan_file) = match &args.plan {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let doc: Value = serde_json::from_str(&text)
                .map_err(|e| format!("{}: not a plan file: {e}", path.display()))?;
            if doc["kind"] != PLAN_KIND || doc["version"] != 1 {
                return Err(format!(
                    "{}: not a stackplan-host plan file (write one with `stackplan-host plan \
                     --out`)",
                    path.display()
                ));
            }
            let strings = |v: &Value| -> Vec<String> {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            };
            let c = &doc["compose"];
            let compose = ComposeOptions {
                files: strings(&c["files"]),
                project_name: c["project_name"].as_str().map(str::to_owned),
                project_directory: c["project_directory"].as_str().map(str::to_owned),
                env_files: strings(&c["env_files"]),
                profiles: strings(&c["profiles"]),
            };
            if let Some(s) = &args.target.stack
                && doc["stack"] != s.as_str()
            {
                return Err(format!(
                    "the plan file is for stack {}, not {s}",
                    doc["stack"]
                ));
            }
            let prune = doc["steps"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| s["action"] == "remove");
            (
                doc["stack"].as_str().unwrap_or_default().to_owned(),
                compose,
                doc["working_directory"].as_str().unwrap_or("/").to_owned(),
                prune || args.target.prune,
                Some(doc),
            )
        }
        None => (
            args.target
                .stack
                .clone()
                .ok_or("--stack NAME is required (or --plan FILE)")?,
            compose_of(&args.target),
            cwd()?,
            args.target.prune,
            None,
        ),
    };
    let engine = connect_manager(cli).await?;
    let p = make_plan(cli, &engine, &stack, compose, cwd, prune).await?;
    if let Some(doc) = &plan_file {
        let moved = moved(doc, &p);
        if !moved.is_empty() {
            eprintln!(
                "error: the plan file is stale; nothing was sent. What moved:\n  {}\nMake a new \
                 plan with `stackplan-host plan --out`.",
                moved.join("\n  ")
            );
            return Ok(2);
        }
    }
    render(&p);
    if !p.set.blockers.is_empty() {
        eprintln!("error: the stack cannot be applied as it is; nothing was sent");
        return Ok(2);
    }
    if p.set.is_empty() {
        say!("\nNothing to change: no write was sent.");
        // A rollout still under way (e.g. an earlier apply was interrupted): follow it.
        let running: Vec<Target> = p
            .live
            .services
            .iter()
            .filter(|s| {
                matches!(
                    s["UpdateStatus"]["State"].as_str(),
                    Some("updating" | "rollback_started")
                )
            })
            .filter_map(|s| {
                Some(Target {
                    name: s["Spec"]["Name"].as_str()?.to_owned(),
                    id: s["ID"].as_str()?.to_owned(),
                    action: Action::Update,
                    previous_started_at: None,
                    prediction: None,
                })
            })
            .collect();
        if running.is_empty() || args.detach {
            return Ok(0);
        }
        say!(
            "Swarm is still rolling out {}: following.",
            running
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let outcomes = follow::follow(
            &engine,
            &running,
            follow::now(),
            Duration::from_secs(args.progress_timeout),
            &Display {
                bars: std::io::stdout().is_terminal(),
            },
            &|| false,
        )
        .await;
        say!("{}", follow::summary(&outcomes).trim_end());
        return Ok(outcomes.iter().map(|o| o.end.code()).max().unwrap_or(0));
    }
    if !args.yes && plan_file.is_none() {
        if !std::io::stdin().is_terminal() {
            eprintln!("error: stdin is not a terminal: pass --yes to apply without confirmation");
            return Ok(2);
        }
        print!("\nApply these changes to stack {stack}? [y/N] ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            say!("Nothing was sent.");
            return Ok(1);
        }
    }

    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::SeqCst);
            }
        });
    }
    let is_interrupted = || interrupted.load(Ordering::SeqCst);
    let previous: BTreeMap<String, Option<String>> = p
        .live
        .services
        .iter()
        .filter_map(|s| {
            Some((
                s["Spec"]["Name"].as_str()?.to_owned(),
                s["UpdateStatus"]["StartedAt"].as_str().map(str::to_owned),
            ))
        })
        .collect();
    let sent_at = follow::now();
    say!("");
    let sent = apply::execute(&engine, &p.set, &p.live, &is_interrupted, &mut |s| {
        say!(
            "{} {} {}{}",
            match s.action {
                Action::Create => "created",
                Action::Update => "updated",
                Action::Remove => "removed",
                Action::Unchanged => "kept",
            },
            s.kind.as_str(),
            s.name,
            if s.warnings.is_empty() {
                String::new()
            } else {
                format!(" (Engine warnings: {})", s.warnings.join("; "))
            }
        );
    })
    .await;
    let (sent, send_error) = match sent {
        Ok(sent) => (sent, None),
        Err((sent, e)) => (sent, Some(e)),
    };
    if let Some(e) = &send_error {
        eprintln!("error: {e}");
    }
    let targets: Vec<Target> = sent
        .iter()
        .filter(|s| s.kind == Kind::Service && matches!(s.action, Action::Create | Action::Update))
        .map(|s| Target {
            name: s.name.clone(),
            id: s.id.clone(),
            action: s.action,
            previous_started_at: previous.get(&s.name).cloned().flatten(),
            prediction: p.predictions.get(&s.name).cloned(),
        })
        .collect();
    if args.detach || targets.is_empty() {
        if args.detach && !targets.is_empty() {
            say!(
                "Detached: Swarm rolls out {} service(s); follow with `stackplan-host status {stack}`.",
                targets.len()
            );
        }
        return Ok(if send_error.is_some() { 2 } else { 0 });
    }
    let display = Display {
        bars: std::io::stdout().is_terminal(),
    };
    let outcomes = follow::follow(
        &engine,
        &targets,
        sent_at,
        Duration::from_secs(args.progress_timeout),
        &display,
        &is_interrupted,
    )
    .await;
    let failed: Vec<&follow::Outcome> = outcomes.iter().filter(|o| o.end.code() != 0).collect();
    let mut code = outcomes.iter().map(|o| o.end.code()).max().unwrap_or(0);
    if send_error.is_some() {
        code = 2;
    }
    say!("{}", follow::summary(&outcomes).trim_end());
    for o in outcomes.iter().filter(|o| o.completed_at.is_some()) {
        if let Some(at) = o.completed_at {
            say!(
                "{}: Swarm recorded the outcome at {at:.3}, reported {:.3} s later ({})",
                o.name,
                o.reported_at - at,
                if o.by_event {
                    "read on its event"
                } else {
                    "read at a resync"
                }
            );
        }
    }
    if is_interrupted() {
        say!(
            "Interrupted: what was sent stays sent and Swarm goes on; re-run the same apply to \
             converge (it sends only what still differs)."
        );
        return Ok(2);
    }
    if args.rollback_stack_on_failure && (!failed.is_empty() || send_error.is_some()) {
        let updated: Vec<String> = outcomes
            .iter()
            .filter(|o| o.action == Action::Update && o.end == End::Converged)
            .map(|o| o.name.clone())
            .collect();
        if updated.is_empty() {
            say!(
                "--rollback-stack-on-failure: no service this apply updated had converged; \
                 nothing to roll back"
            );
        } else {
            say!(
                "--rollback-stack-on-failure: {} failed; rolling back what this apply updated: {}",
                failed
                    .iter()
                    .map(|o| o.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                updated.join(", ")
            );
            let outcomes = crate::swarm::rollback(
                &engine,
                &stack,
                &updated,
                false,
                Duration::from_secs(args.progress_timeout.max(60)),
            )
            .await?;
            say!(
                "{}",
                crate::swarm::render_rollback(&stack, &outcomes).trim_end()
            );
        }
        code = code.max(1);
    }
    Ok(code)
}
