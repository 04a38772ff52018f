//! `stackplan completions bash|zsh|fish|powershell|elvish` (clap_complete) and `stackplan man`
//! (the roff man page, clap_mangen): both generated from the same clap definition as the
//! parser, so they cannot drift from the flags. Handled before the main parser, like the
//! Docker plugin metadata, so that the command definition stays the one in `lib.rs`.

use crate::Io;
use clap_complete::Shell;

const USAGE: &str = "usage: stackplan completions bash|zsh|fish|powershell|elvish\n       stackplan man [SUBCOMMAND | --list]\n";

/// Runs `completions`/`man` if `argv` asks for one of them; `None` otherwise.
pub fn intercept(argv: &[String], io: &mut Io<'_>, command: fn() -> clap::Command) -> Option<u8> {
    match argv.get(1).map(String::as_str) {
        Some("completions") => Some(completions(&argv[2..], io, command())),
        Some("man") if argv.len() == 2 => Some(man(io, command())),
        Some("man") if argv.len() == 3 => Some(man_of(&argv[2], io, command())),
        _ => None,
    }
}

fn completions(args: &[String], io: &mut Io<'_>, mut command: clap::Command) -> u8 {
    let shell = match args {
        [one] if one == "-h" || one == "--help" => {
            let _ = write!(io.stdout, "Print a shell completion script\n\n{USAGE}");
            return 0;
        }
        [one] => one.parse::<Shell>().ok(),
        _ => None,
    };
    let Some(shell) = shell else {
        let _ = write!(
            io.stderr,
            "error: stackplan completions needs one shell: bash, zsh, fish, powershell or elvish\n{USAGE}"
        );
        return 2;
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "stackplan", &mut script);
    if io.stdout.write_all(&script).is_err() {
        return 2;
    }
    0
}

fn man(io: &mut Io<'_>, command: clap::Command) -> u8 {
    let mut page = Vec::new();
    if clap_mangen::Man::new(command.name("stackplan"))
        .render(&mut page)
        .is_err()
    {
        return 2;
    }
    if io.stdout.write_all(&page).is_err() {
        return 2;
    }
    0
}

/// `stackplan man SUBCOMMAND`: the page `stackplan-SUBCOMMAND(1)`, so packagers can install one
/// page per sub-command (`scripts/build-man`); `stackplan man --list` names them.
fn man_of(name: &str, io: &mut Io<'_>, command: clap::Command) -> u8 {
    let subcommands: Vec<&clap::Command> = command
        .get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
        .collect();
    if name == "--list" {
        for sub in &subcommands {
            let _ = writeln!(io.stdout, "{}", sub.get_name());
        }
        return 0;
    }
    let Some(sub) = subcommands.iter().find(|c| c.get_name() == name) else {
        let _ = write!(
            io.stderr,
            "error: stackplan has no sub-command `{name}` (stackplan man --list names them)\n{USAGE}"
        );
        return 2;
    };
    let page_name = format!("stackplan-{name}");
    // `display_name` (not `name`, which wants a static string) is what the NAME section and the
    // title print; `bin_name` is what SYNOPSIS prints, so the page reads `stackplan plan …`.
    let sub = (*sub)
        .clone()
        .display_name(page_name.clone())
        .bin_name(format!("stackplan {name}"));
    let mut page = Vec::new();
    if clap_mangen::Man::new(sub)
        .title(page_name)
        .source(concat!("stackplan ", env!("CARGO_PKG_VERSION")))
        .render(&mut page)
        .is_err()
    {
        return 2;
    }
    if io.stdout.write_all(&page).is_err() {
        return 2;
    }
    0
}
