//! `github.com/mattn/go-shellwords.Parse` (v1.0.12, `ParseEnv` and `ParseBacktick` off), as
//! compose-go's `types.ShellCommand` applies it to a *string* `command` or `entrypoint`.

use super::UnitError;

/// go-shellwords v1.0.12 `Parse(line)` with the package defaults (no environment expansion,
/// no backtick/`$(...)` execution).
///
/// Where compose uses it: only for `command` and `entrypoint` given as a YAML string
/// (a list is taken verbatim). A string healthcheck `test` is **not** split; compose turns
/// it into `["CMD-SHELL", s]`.
///
/// It is *not* a POSIX shell lexer. Rules (verified on the oracle):
/// * words are separated by unquoted space, `\t`, `\r`, `\n`;
/// * `\` escapes the next character (any character, also inside double quotes: `"\a"` is
///   `a`, and there is no `\n`/`\t` translation); inside single quotes it is literal;
/// * quotes are removed and may be glued to other text (`"a"b"c"` is `abc`); `""` is an
///   empty word;
/// * backticks and `$(`…`)` are kept literally but protect spaces (`a $( b ) c` gives
///   `$( b )` as one word); quotes inside `$(…)` are kept;
/// * **the first unquoted `;`, `&`, `|`, `<` or `>` ends parsing** and the rest of the line
///   is dropped silently: `echo hi && echo bye` is `["echo", "hi"]`. If the word before a
///   `>` starts with a digit it is dropped too (`cmd 2>f` is `["cmd"]`);
/// * an unquoted `(` not preceded by `$` is an error, and an unquoted `)` *toggles* the
///   `$(` state, so `echo )` is an error but `echo ) x )` gives `["echo", ") x )"]`;
/// * an unterminated quote, backtick or `$(`, or a trailing lone `\`, is an error. The only error text is `invalid command line string`.
/// * `#` is not a comment.
pub fn split_shell_words(line: &str) -> Result<Vec<String>, UnitError> {
    let invalid = || UnitError::new("invalid command line string");
    let mut args: Vec<String> = Vec::new();
    let mut buf = String::new();
    let (mut escaped, mut double_quoted, mut single_quoted) = (false, false, false);
    let (mut back_quote, mut dollar_quote) = (false, false);
    // Go's `got != argNo`: whether `buf` holds a word (possibly empty, from quotes).
    let mut got = false;

    for r in line.chars() {
        if escaped {
            buf.push(r);
            escaped = false;
            got = true;
            continue;
        }
        if r == '\\' {
            if single_quoted {
                buf.push(r);
            } else {
                escaped = true;
            }
            continue;
        }
        if matches!(r, ' ' | '\t' | '\r' | '\n') {
            if single_quoted || double_quoted || back_quote || dollar_quote {
                buf.push(r);
            } else if got {
                args.push(std::mem::take(&mut buf));
                got = false;
            }
            continue;
        }
        match r {
            '`' if !single_quoted && !double_quoted && !dollar_quote => {
                back_quote = !back_quote;
            }
            ')' if !single_quoted && !double_quoted && !back_quote => {
                dollar_quote = !dollar_quote;
            }
            '(' if !single_quoted && !double_quoted && !back_quote => {
                if !dollar_quote && buf.ends_with('$') {
                    dollar_quote = true;
                    buf.push('(');
                    continue;
                }
                return Err(invalid());
            }
            '"' if !single_quoted && !dollar_quote => {
                if double_quoted {
                    got = true;
                }
                double_quoted = !double_quoted;
                continue;
            }
            '\'' if !double_quoted && !dollar_quote => {
                if single_quoted {
                    got = true;
                }
                single_quoted = !single_quoted;
                continue;
            }
            ';' | '&' | '|' | '<' | '>'
                if !(single_quoted || double_quoted || back_quote || dollar_quote) =>
            {
                if r == '>' && buf.as_bytes().first().is_some_and(u8::is_ascii_digit) {
                    got = false;
                }
                break;
            }
            _ => {}
        }
        got = true;
        buf.push(r);
    }

    if got {
        args.push(buf);
    }
    if escaped || single_quoted || double_quoted || back_quote || dollar_quote {
        return Err(invalid());
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Vec<String> {
        match split_shell_words(s) {
            Ok(v) => v,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn is_err(s: &str) -> bool {
        split_shell_words(s) == Err(UnitError::new("invalid command line string"))
    }

    #[test]
    fn corpus_ov_command_shell_quoting() {
        // command: 'sh -c "echo \"hi there\" && ls -l" ''single q'''
        assert_eq!(
            ok(r#"sh -c "echo \"hi there\" && ls -l" 'single q'"#),
            ["sh", "-c", "echo \"hi there\" && ls -l", "single q"]
        );
    }

    #[test]
    fn oracle_operators_truncate() {
        assert_eq!(ok("echo hi && echo bye"), ["echo", "hi"]);
        assert_eq!(ok("a;b c"), ["a"]);
        assert_eq!(ok("cmd 2>f x"), ["cmd"]);
        assert_eq!(ok("cmd 2x>f"), ["cmd"]);
        assert_eq!(ok("x > y"), ["x"]);
        assert_eq!(ok("9>x"), Vec::<String>::new());
        assert_eq!(ok("\"a;b\" c|d"), ["a;b", "c"]);
        assert_eq!(ok("$(a; b) c"), ["$(a; b)", "c"]);
    }

    #[test]
    fn oracle_quoting() {
        assert_eq!(ok("echo $(date) x"), ["echo", "$(date)", "x"]);
        assert_eq!(ok("a `b c` d"), ["a", "`b c`", "d"]);
        assert_eq!(ok("\"\" x"), ["", "x"]);
        assert_eq!(ok(r"a\\ b"), ["a\\", "b"]);
        assert_eq!(ok(r#""a\\nb""#), ["a\\nb"]);
        assert_eq!(ok(r"'a\b'"), ["a\\b"]);
        assert_eq!(ok(""), Vec::<String>::new());
        assert_eq!(ok("  "), Vec::<String>::new());
        assert_eq!(ok(r"a\\"), ["a\\"]);
        assert_eq!(ok("x#y # z"), ["x#y", "#", "z"]);
        assert_eq!(ok("\"a\"b\"c\""), ["abc"]);
        assert_eq!(ok("a\tb"), ["a", "b"]);
        assert_eq!(ok("\u{e9} \u{fc}"), ["\u{e9}", "\u{fc}"]);
        assert_eq!(ok("a $( b ) c"), ["a", "$( b )", "c"]);
        assert_eq!(ok("$(a \"b\" c)"), ["$(a \"b\" c)"]);
        assert_eq!(ok("x \"$(y\""), ["x", "$(y"]);
        assert_eq!(ok("echo ) x )"), ["echo", ") x )"]);
        assert_eq!(ok(r"a\nb \tc"), ["anb", "tc"]);
        assert_eq!(ok(r"\\"), ["\\"]);
        assert_eq!(ok(r#""\\""#), ["\\"]);
        assert_eq!(ok("''"), [""]);
        assert_eq!(ok("' '"), [" "]);
        assert_eq!(ok("a\r\nb"), ["a", "b"]);
        assert_eq!(ok(r"$(a \) b)"), ["$(a ) b)"]);
        assert_eq!(ok(r"$(a \) b)"), ["$(a ) b)"]);
    }

    #[test]
    fn oracle_errors() {
        assert!(is_err("echo )"));
        assert!(is_err("echo (a)"));
        assert!(is_err("unterminated \""));
        assert!(is_err("$(a b) $(c"));
        assert!(is_err(r"$(a \\) b)"));
        assert!(is_err("a$((b))"));
        assert!(is_err("'abc"));
        assert!(is_err("`abc"));
        assert!(is_err("\"a\\"));
        assert!(is_err("a\\"));
        assert!(is_err("a \\"));
    }
}
