//! `.env` / `env_file` parsing, bug-for-bug compatible with compose-go's `dotenv` package as
//! built into Docker Compose v2.26.1 (Debian's build links compose-go 2.4.8; its
//! `dotenv/parser.go` differs from the v2.0.x/v2.1.x tags only in error line numbers).
//!
//! The rules, each checked against the v2.26.1 binary (see the tests):
//!
//! * A UTF-8 BOM at the very start is dropped (`ParseWithLookup`).
//! * Between statements any Unicode whitespace is skipped; a statement starting with `#`
//!   is a comment up to the end of the line. `#` anywhere else is *not* a comment start,
//!   except ` #` (space, hash) inside an unquoted value.
//! * `export` followed by ASCII whitespace (Go's `\s`: space, tab, CR, LF, FF) is dropped.
//! * The key ends at the first `=`, `:` (YAML-ish `KEY: value` is accepted) or newline.
//!   Key characters are Unicode letters and numbers (Go's `unicode.IsLetter`/`IsNumber`),
//!   `_ . - [ ]`, and the "isSpace" set (space, tab, VT, FF, CR, U+0085, U+00A0), which is
//!   skipped while scanning; anything else (`$`, `#`, quotes, `/`, an em space...) is an
//!   error. The key is right-trimmed; a key that still contains a space is an error, while
//!   a key containing a tab is accepted as is (`A\tB=1` defines `A\tB`).
//! * Keys may start with a digit: `1A=5` is kept (the digit filter of godotenv's `Read`
//!   is not on compose's code path).
//! * `KEY` alone on a line "inherits": it takes `lookup(KEY)` and is *absent* when that is
//!   unset. Values defined earlier in the same file are not consulted for this.
//! * A last line without `=`, `:` or newline (`FOO` at EOF) is a compose-go bug: the key
//!   loop never terminates, so the key is empty and the whole text is the value: the file
//!   defines `"" = "FOO"` (the oracle prints `"": "FOO"` in a service's environment).
//! * After `=`, leading isSpace characters are skipped (so `A= #x` is `#x`).
//! * Unquoted values run to the end of the line, are cut at the first ` #`, right-trimmed
//!   of Unicode whitespace (so CRLF works) and then interpolated.
//! * Single-quoted values are literal (no escapes, no interpolation) except that `\'`
//!   yields `'`; other backslashes are kept.
//! * Double-quoted values drop the backslash of `\"`, then expand `\a \b \f \n \r \t \v
//!   \\ \"`, `\$` (literal `$`) and `\0ooo` octal escapes (other `\0…` sequences lose just
//!   the `0`; unknown escapes such as `\x41` or `\c` stay as is), then are interpolated.
//! * Quoted values may span lines. Parsing resumes *right after* the closing quote, so
//!   `A="x" B=y` defines both `A` and `B`, `A="x"junk` makes `junk` an inherited key, and
//!   `A="x" # c` is fine because the next statement is a comment.
//! * Interpolation uses compose-go's `template` rules (see [`crate::interpolate`]) and
//!   resolves a variable from `lookup` FIRST and only then from the keys defined earlier in
//!   the same file: with `A=shell` in the environment, `A=file` then `B=${A}` gives
//!   `B=shell` (compose-go's `expandVariables`).
//! * A later duplicate key overrides the earlier value (keeping the first position here).

use crate::interpolate::{self, go_quote};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// A syntax or interpolation error in an env file.
#[derive(Debug, Clone, PartialEq)]
pub struct DotenvError {
    /// 1-based line of the offending character (key character, opening quote, `$`
    /// expression, or the statement start) in the text after BOM removal.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// compose-go's wording without its `line N: ` prefix, e.g. `key cannot contain a space`,
    /// `unexpected character "$" in variable name "FOO$=1"`, `unterminated quoted value "abc`,
    /// `required variable X is missing a value: msg`, `Invalid template: "${X"`.
    pub message: String,
}

impl fmt::Display for DotenvError {
    /// `line N: message`, the shape of compose-go's parser errors. (compose-go's own line
    /// counter drifts after multi-line values and at EOF; ours is the real line.)
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for DotenvError {}

/// Everything [`parse_detailed`] finds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedEnv {
    /// The variables in file order (first definition's position, last definition's value).
    /// Values are always `Some`: compose-go has no "declared without a value" notion, a bare
    /// `KEY` whose lookup fails is simply left out.
    pub entries: Vec<(String, Option<String>)>,
    /// Variables referenced by `$X` / `${X}` in values that were unset: compose logs
    /// "The \"X\" variable is not set. Defaulting to a blank string." for each. In order,
    /// deduplicated.
    pub unset: Vec<String>,
}

/// Parses an env file (`.env`, `--env-file`, service `env_file`) with compose-go's rules: comments, blank lines,
/// `export ` prefix, `KEY=value`, `KEY: value`, single quotes (literal, no interpolation),
/// double quotes (escapes like \n, interpolation), unquoted values (trailing whitespace / inline ` #` comments),
/// multi-line quoted values, `KEY` without `=` (value from `lookup`, absent when unset),
/// CRLF, a BOM, and interpolation of `${VAR}` in values using `lookup` first and then
/// variables defined EARLIER IN THE SAME FILE (compose-go's precedence). Returns entries in
/// file order; a later duplicate key overrides. Values are never `None` (see [`ParsedEnv`]).
///
/// compose builds `lookup` as: for the project `.env`/`--env-file`s, the process
/// environment, then the variables of the env files loaded before this one; for a
/// service's `env_file`s, the service's earlier env files, then the project environment.
pub fn parse(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, Option<String>)>, DotenvError> {
    parse_detailed(text, lookup).map(|p| p.entries)
}

/// [`parse`], also returning the unset variables compose would warn about.
pub fn parse_detailed(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<ParsedEnv, DotenvError> {
    // ParseWithLookup: "seek past the UTF-8 BOM if it exists".
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser {
        text,
        lookup,
        entries: Vec::new(),
        index: BTreeMap::new(),
        unset: Vec::new(),
    };
    parser.run()?;
    Ok(ParsedEnv {
        entries: parser.entries,
        unset: parser.unset,
    })
}

struct Parser<'a> {
    text: &'a str,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    entries: Vec<(String, Option<String>)>,
    /// key -> position in `entries` (a BTreeMap: no hashing randomness in this crate).
    index: BTreeMap<String, usize>,
    unset: Vec<String>,
}

impl Parser<'_> {
    fn run(&mut self) -> Result<(), DotenvError> {
        let s = self.text;
        let mut pos = 0;
        loop {
            // getStatementStart: skip Unicode whitespace, then comment lines.
            pos = skip(s, pos, char::is_whitespace);
            if pos >= s.len() {
                return Ok(());
            }
            if s.as_bytes()[pos] == b'#' {
                match find_newline(s, pos) {
                    Some(nl) => pos = nl,
                    None => return Ok(()),
                }
                continue;
            }
            pos = self.statement(pos)?;
        }
    }

    /// One `KEY=value` / `KEY` statement starting at `start`; returns where the next one
    /// may start.
    fn statement(&mut self, start: usize) -> Result<usize, DotenvError> {
        let s = self.text;
        // compose-go matches `^export\s+` (Go `\s` = [\t\n\f\r ]), then trims "export" and
        // the isSpace set, which does not contain `\n`: `export\nFOO=1` yields an inherited
        // empty key (harmless) and then FOO.
        let src = match s[start..].strip_prefix("export") {
            Some(after) if after.starts_with(['\t', '\n', '\x0c', '\r', ' ']) => {
                skip(s, start + "export".len(), is_space)
            }
            _ => start,
        };
        if src >= s.len() {
            // `export ` at the very end of the file.
            return Err(self.error(start, "zero length string".to_owned()));
        }
        let rest = &s[src..];
        let mut terminator = None;
        for (off, ch) in rest.char_indices() {
            if is_space(ch) {
                continue;
            }
            match ch {
                '=' | ':' | '\n' => {
                    terminator = Some((off, ch));
                    break;
                }
                '_' | '.' | '-' | '[' | ']' => {}
                c if is_go_letter(c) || c.is_numeric() => {}
                c => {
                    let first_line = rest.split('\n').next().unwrap_or(rest);
                    let message = format!(
                        "unexpected character {} in variable name {}",
                        go_quote(c.encode_utf8(&mut [0; 4])),
                        go_quote(first_line)
                    );
                    return Err(self.error(src + off, message));
                }
            }
        }
        let (raw_key, value_start, inherited) = match terminator {
            Some((off, ch)) => (
                &rest[..off],
                skip(s, src + off + ch.len_utf8(), is_space),
                ch == '\n',
            ),
            // compose-go bug kept on purpose: no terminator before EOF leaves the key empty
            // and parses the whole remainder as the value.
            None => ("", src, false),
        };
        let key = raw_key.trim_end();
        if key.contains(' ') {
            return Err(self.error(src, "key cannot contain a space".to_owned()));
        }
        if inherited {
            if let Some(v) = (self.lookup)(key) {
                self.set(key, v);
            }
            return Ok(value_start);
        }
        let (value, next) = self.value(value_start)?;
        self.set(key, value);
        Ok(next)
    }

    /// compose-go's `extractVarValue` for the value starting at `at`.
    fn value(&mut self, at: usize) -> Result<(String, usize), DotenvError> {
        let s = self.text;
        let b = s.as_bytes();
        let quote = match b.get(at) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => {
                let line_end = find_newline(s, at).unwrap_or(s.len());
                let next = (line_end + 1).min(s.len());
                let mut v = &s[at..line_end];
                if let Some(cut) = v.find(" #") {
                    v = &v[..cut];
                }
                let value = self.expand(v.trim_end(), Some(at), at)?;
                return Ok((value, next));
            }
        };
        // Scan for the closing quote. A backslash escapes the quote character (and is then
        // dropped); before any other byte it is kept, so `\\` stays `\\` at this stage.
        let mut chars: Vec<u8> = Vec::new();
        let mut escaped = false;
        for (j, &c) in b.iter().enumerate().skip(at + 1) {
            if c != quote {
                if !escaped && c == b'\\' {
                    escaped = true;
                    continue;
                }
                if escaped {
                    escaped = false;
                    chars.push(b'\\');
                }
                chars.push(c);
                continue;
            }
            if escaped {
                escaped = false;
                chars.push(c);
                continue;
            }
            // Only ASCII bytes were dropped, so this is still valid UTF-8.
            let raw = String::from_utf8(chars)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            if quote == b'\'' {
                return Ok((raw, j + 1));
            }
            // Error offsets map 1:1 onto the file only when no backslash changed the text.
            let exact = !s[at + 1..j].contains('\\');
            let expanded = expand_escapes(&raw);
            let value = self.expand(&expanded, exact.then_some(at + 1), at)?;
            return Ok((value, j + 1));
        }
        let line_end = find_newline(s, at).unwrap_or(s.len());
        let message = format!("unterminated quoted value {}", &s[at..line_end]);
        Err(self.error(at, message))
    }

    /// Interpolates a value. `base` is the file offset of `value[0]` when offsets map
    /// exactly; otherwise errors point at `fallback` (the value's opening quote).
    fn expand(
        &mut self,
        value: &str,
        base: Option<usize>,
        fallback: usize,
    ) -> Result<String, DotenvError> {
        let result = {
            let lookup = self.lookup;
            let entries = &self.entries;
            let index = &self.index;
            // compose-go's expandVariables: the caller's lookup wins over the file's own keys.
            let resolve =
                |k: &str| lookup(k).or_else(|| index.get(k).and_then(|&i| entries[i].1.clone()));
            interpolate::interpolate_raw(value, &resolve)
        };
        match result {
            Ok(r) => {
                for name in r.unset {
                    if !self.unset.contains(&name) {
                        self.unset.push(name);
                    }
                }
                Ok(r.value)
            }
            Err(failure) => {
                let pos = base.map_or(fallback, |b| b + failure.offset());
                Err(self.error(pos, failure.template_error_text(value)))
            }
        }
    }

    fn set(&mut self, key: &str, value: String) {
        match self.index.get(key) {
            Some(&i) => self.entries[i].1 = Some(value),
            None => {
                self.index.insert(key.to_owned(), self.entries.len());
                self.entries.push((key.to_owned(), Some(value)));
            }
        }
    }

    /// An error at byte `pos` of the (BOM-less) text.
    fn error(&self, pos: usize, message: String) -> DotenvError {
        let pos = pos.min(self.text.len());
        let before = &self.text.as_bytes()[..pos];
        let line_start = before
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1);
        let line = 1 + before.iter().filter(|&&c| c == b'\n').count();
        let column = 1 + self
            .text
            .get(line_start..pos)
            .map_or(0, |t| t.chars().count());
        DotenvError {
            line,
            column,
            message,
        }
    }
}

/// compose-go's `isSpace`: whitespace that is not a line break (note: not the full Unicode
/// set; an em space after `=` is part of the value and inside a key is an error).
fn is_space(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ' | '\u{85}' | '\u{a0}')
}

/// First index `>= pos` whose char fails `pred` (or the end).
fn skip(s: &str, pos: usize, pred: impl Fn(char) -> bool) -> usize {
    s[pos..]
        .char_indices()
        .find(|&(_, c)| !pred(c))
        .map_or(s.len(), |(i, _)| pos + i)
}

fn find_newline(s: &str, from: usize) -> Option<usize> {
    s.as_bytes()[from..]
        .iter()
        .position(|&c| c == b'\n')
        .map(|i| from + i)
}

/// compose-go's `expandEscapes` (a regex `\\(?:[abcfnrtv$"\\]|0\d{0,3})` + Go's
/// `strconv.UnquoteChar`), applied to a double-quoted value before interpolation.
///
/// * `\a \b \f \n \r \t \v \\ \"` are the usual characters; `\$` becomes `$$` so that
///   interpolation yields a literal `$`.
/// * `\c` matches the regex but is no Go escape, so it stays `\c`.
/// * `\0` + up to three digits is rewritten to `\` + digits and then unquoted: exactly
///   three octal digits up to `\377` give that code point (`\0101` -> `A`, `\0377` -> `ÿ`);
///   anything else keeps the rewritten text, i.e. loses the `0` (`\0` -> `\`, `\01` -> `\1`,
///   `\0400` -> `\400`).
/// * Any other backslash is kept.
fn expand_escapes(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut lit = 0;
    let mut i = 0;
    while let Some(rel) = b[i..].iter().position(|&c| c == b'\\') {
        let p = i + rel;
        let Some(&c) = b.get(p + 1) else { break };
        let simple = match c {
            b'a' => Some("\x07"),
            b'b' => Some("\x08"),
            b'f' => Some("\x0c"),
            b'n' => Some("\n"),
            b'r' => Some("\r"),
            b't' => Some("\t"),
            b'v' => Some("\x0b"),
            b'"' => Some("\""),
            b'\\' => Some("\\"),
            b'$' => Some("$$"),
            _ => None,
        };
        if let Some(rep) = simple {
            out.push_str(&s[lit..p]);
            out.push_str(rep);
            lit = p + 2;
            i = p + 2;
        } else if c == b'c' {
            i = p + 2; // matched, unquoting fails, kept verbatim
        } else if c == b'0' {
            let digits_start = p + 2;
            let digits_end = digits_start
                + b[digits_start..]
                    .iter()
                    .take(3)
                    .take_while(|d| d.is_ascii_digit())
                    .count();
            let digits = &s[digits_start..digits_end];
            out.push_str(&s[lit..p]);
            match octal_char(digits) {
                Some(ch) => out.push(ch),
                None => {
                    out.push('\\');
                    out.push_str(digits);
                }
            }
            lit = digits_end;
            i = digits_end;
        } else {
            i = p + 1; // not an escape: the regex resumes at the next byte
        }
    }
    out.push_str(&s[lit..]);
    Cow::Owned(out)
}

/// Go's `\ooo` octal escape: exactly three octal digits, value at most 255.
fn octal_char(digits: &str) -> Option<char> {
    let d = digits.as_bytes();
    if d.len() != 3 || !d.iter().all(|c| (b'0'..=b'7').contains(c)) {
        return None;
    }
    let v = d.iter().fold(0u32, |acc, c| acc * 8 + u32::from(c - b'0'));
    if v > 255 {
        return None;
    }
    char::from_u32(v)
}

/// Go's `unicode.IsLetter` (general category L). Rust's `is_alphabetic` is the broader
/// Alphabetic property; the difference ("Other_Alphabetic" marks and circled letters, e.g.
/// the Devanagari vowel sign U+0947 or Ⓐ) is excluded with [`OTHER_ALPHABETIC`], so that keys
/// compose rejects (`नमस्ते=1`, `Ⓐ=1`: "unexpected character") are rejected here too.
fn is_go_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    if !c.is_alphabetic() {
        return false;
    }
    let cp = c as u32;
    OTHER_ALPHABETIC
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

/// Code points that are Alphabetic but not letters (categories Mn, Mc, So), as of Unicode
/// 14 (generated from Rust's `char::is_alphabetic` and Python's `unicodedata`). Sorted,
/// disjoint, inclusive ranges.
#[rustfmt::skip]
const OTHER_ALPHABETIC: &[(u32, u32)] = &[
    (0x0345, 0x0345), (0x0363, 0x036F), (0x05B0, 0x05BD), (0x05BF, 0x05BF),
    (0x05C1, 0x05C2), (0x05C4, 0x05C5), (0x05C7, 0x05C7), (0x0610, 0x061A),
    (0x064B, 0x0657), (0x0659, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06DC),
    (0x06E1, 0x06E4), (0x06E7, 0x06E8), (0x06ED, 0x06ED), (0x0711, 0x0711),
    (0x0730, 0x073F), (0x07A6, 0x07B0), (0x0816, 0x0817), (0x081B, 0x0823),
    (0x0825, 0x0827), (0x0829, 0x082C), (0x08D4, 0x08DF), (0x08E3, 0x08E9),
    (0x08F0, 0x0903), (0x093A, 0x093B), (0x093E, 0x094C), (0x094E, 0x094F),
    (0x0955, 0x0957), (0x0962, 0x0963), (0x0981, 0x0983), (0x09BE, 0x09C4),
    (0x09C7, 0x09C8), (0x09CB, 0x09CC), (0x09D7, 0x09D7), (0x09E2, 0x09E3),
    (0x0A01, 0x0A03), (0x0A3E, 0x0A42), (0x0A47, 0x0A48), (0x0A4B, 0x0A4C),
    (0x0A51, 0x0A51), (0x0A70, 0x0A71), (0x0A75, 0x0A75), (0x0A81, 0x0A83),
    (0x0ABE, 0x0AC5), (0x0AC7, 0x0AC9), (0x0ACB, 0x0ACC), (0x0AE2, 0x0AE3),
    (0x0AFA, 0x0AFC), (0x0B01, 0x0B03), (0x0B3E, 0x0B44), (0x0B47, 0x0B48),
    (0x0B4B, 0x0B4C), (0x0B56, 0x0B57), (0x0B62, 0x0B63), (0x0B82, 0x0B82),
    (0x0BBE, 0x0BC2), (0x0BC6, 0x0BC8), (0x0BCA, 0x0BCC), (0x0BD7, 0x0BD7),
    (0x0C00, 0x0C04), (0x0C3E, 0x0C44), (0x0C46, 0x0C48), (0x0C4A, 0x0C4C),
    (0x0C55, 0x0C56), (0x0C62, 0x0C63), (0x0C81, 0x0C83), (0x0CBE, 0x0CC4),
    (0x0CC6, 0x0CC8), (0x0CCA, 0x0CCC), (0x0CD5, 0x0CD6), (0x0CE2, 0x0CE3),
    (0x0D00, 0x0D03), (0x0D3E, 0x0D44), (0x0D46, 0x0D48), (0x0D4A, 0x0D4C),
    (0x0D57, 0x0D57), (0x0D62, 0x0D63), (0x0D81, 0x0D83), (0x0DCF, 0x0DD4),
    (0x0DD6, 0x0DD6), (0x0DD8, 0x0DDF), (0x0DF2, 0x0DF3), (0x0E31, 0x0E31),
    (0x0E34, 0x0E3A), (0x0E4D, 0x0E4D), (0x0EB1, 0x0EB1), (0x0EB4, 0x0EB9),
    (0x0EBB, 0x0EBC), (0x0ECD, 0x0ECD), (0x0F71, 0x0F83), (0x0F8D, 0x0F97),
    (0x0F99, 0x0FBC), (0x102B, 0x1036), (0x1038, 0x1038), (0x103B, 0x103E),
    (0x1056, 0x1059), (0x105E, 0x1060), (0x1062, 0x1064), (0x1067, 0x106D),
    (0x1071, 0x1074), (0x1082, 0x108D), (0x108F, 0x108F), (0x109A, 0x109D),
    (0x1712, 0x1713), (0x1732, 0x1733), (0x1752, 0x1753), (0x1772, 0x1773),
    (0x17B6, 0x17C8), (0x1885, 0x1886), (0x18A9, 0x18A9), (0x1920, 0x192B),
    (0x1930, 0x1938), (0x1A17, 0x1A1B), (0x1A55, 0x1A5E), (0x1A61, 0x1A74),
    (0x1ABF, 0x1AC0), (0x1ACC, 0x1ACE), (0x1B00, 0x1B04), (0x1B35, 0x1B43),
    (0x1B80, 0x1B82), (0x1BA1, 0x1BA9), (0x1BAC, 0x1BAD), (0x1BE7, 0x1BF1),
    (0x1C24, 0x1C36), (0x1DD3, 0x1DF4), (0x24B6, 0x24E9), (0x2DE0, 0x2DFF),
    (0xA674, 0xA67B), (0xA69E, 0xA69F), (0xA802, 0xA802), (0xA80B, 0xA80B),
    (0xA823, 0xA827), (0xA880, 0xA881), (0xA8B4, 0xA8C3), (0xA8C5, 0xA8C5),
    (0xA8FF, 0xA8FF), (0xA926, 0xA92A), (0xA947, 0xA952), (0xA980, 0xA983),
    (0xA9B4, 0xA9BF), (0xA9E5, 0xA9E5), (0xAA29, 0xAA36), (0xAA43, 0xAA43),
    (0xAA4C, 0xAA4D), (0xAA7B, 0xAA7D), (0xAAB0, 0xAAB0), (0xAAB2, 0xAAB4),
    (0xAAB7, 0xAAB8), (0xAABE, 0xAABE), (0xAAEB, 0xAAEF), (0xAAF5, 0xAAF5),
    (0xABE3, 0xABEA), (0xFB1E, 0xFB1E), (0x10376, 0x1037A), (0x10A01, 0x10A03),
    (0x10A05, 0x10A06), (0x10A0C, 0x10A0F), (0x10D24, 0x10D27), (0x10EAB, 0x10EAC),
    (0x11000, 0x11002), (0x11038, 0x11045), (0x11073, 0x11074), (0x11080, 0x11082),
    (0x110B0, 0x110B8), (0x110C2, 0x110C2), (0x11100, 0x11102), (0x11127, 0x11132),
    (0x11145, 0x11146), (0x11180, 0x11182), (0x111B3, 0x111BF), (0x111CE, 0x111CF),
    (0x1122C, 0x11234), (0x11237, 0x11237), (0x1123E, 0x1123E), (0x112DF, 0x112E8),
    (0x11300, 0x11303), (0x1133E, 0x11344), (0x11347, 0x11348), (0x1134B, 0x1134C),
    (0x11357, 0x11357), (0x11362, 0x11363), (0x11435, 0x11441), (0x11443, 0x11445),
    (0x114B0, 0x114C1), (0x115AF, 0x115B5), (0x115B8, 0x115BE), (0x115DC, 0x115DD),
    (0x11630, 0x1163E), (0x11640, 0x11640), (0x116AB, 0x116B5), (0x1171D, 0x1172A),
    (0x1182C, 0x11838), (0x11930, 0x11935), (0x11937, 0x11938), (0x1193B, 0x1193C),
    (0x11940, 0x11940), (0x11942, 0x11942), (0x119D1, 0x119D7), (0x119DA, 0x119DF),
    (0x119E4, 0x119E4), (0x11A01, 0x11A0A), (0x11A35, 0x11A39), (0x11A3B, 0x11A3E),
    (0x11A51, 0x11A5B), (0x11A8A, 0x11A97), (0x11C2F, 0x11C36), (0x11C38, 0x11C3E),
    (0x11C92, 0x11CA7), (0x11CA9, 0x11CB6), (0x11D31, 0x11D36), (0x11D3A, 0x11D3A),
    (0x11D3C, 0x11D3D), (0x11D3F, 0x11D41), (0x11D43, 0x11D43), (0x11D47, 0x11D47),
    (0x11D8A, 0x11D8E), (0x11D90, 0x11D91), (0x11D93, 0x11D96), (0x11EF3, 0x11EF6),
    (0x16F4F, 0x16F4F), (0x16F51, 0x16F87), (0x16F8F, 0x16F92), (0x16FF0, 0x16FF1),
    (0x1BC9E, 0x1BC9E), (0x1E000, 0x1E006), (0x1E008, 0x1E018), (0x1E01B, 0x1E021),
    (0x1E023, 0x1E024), (0x1E026, 0x1E02A), (0x1E947, 0x1E947), (0x1F130, 0x1F149),
    (0x1F150, 0x1F169), (0x1F170, 0x1F189),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    /// Parses with the given environment; entries as `(key, value)` string pairs.
    fn ok(text: &str, vars: &[(&str, &str)]) -> Vec<(String, String)> {
        match parse(text, &env(vars)) {
            Ok(entries) => entries
                .into_iter()
                .map(|(k, v)| match v {
                    Some(v) => (k, v),
                    None => panic!("{text:?}: None value for {k}"),
                })
                .collect(),
            Err(e) => panic!("{text:?}: unexpected error {e:?}"),
        }
    }

    fn err(text: &str, vars: &[(&str, &str)]) -> DotenvError {
        match parse(text, &env(vars)) {
            Ok(entries) => panic!("{text:?}: expected an error, got {entries:?}"),
            Err(e) => e,
        }
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn corpus_files() {
        // int-dotenv
        assert_eq!(
            ok("TAG=from-dotenv\nPORT=8080\n", &[]),
            pairs(&[("TAG", "from-dotenv"), ("PORT", "8080")])
        );
        // int-two-env-files (each file alone)
        assert_eq!(
            ok("TAG=one\nA=from-one\n", &[]),
            pairs(&[("TAG", "one"), ("A", "from-one")])
        );
        // inc-long-syntax-env
        assert_eq!(ok("PG_VERSION=16\n", &[]), pairs(&[("PG_VERSION", "16")]));
        // book-ch10-todo-*: CRLF, comments, `;` in values, no final newline
        let book = "# container configuration - ports to publish:\r\nTODO_WEB_PORT=8877\r\nTODO_DB_PORT=5432\r\n\r\n# compose configuration - files and project name:\r\nCOMPOSE_PATH_SEPARATOR=;\r\nCOMPOSE_FILE=docker-compose.yml;docker-compose-test.yml\r\nCOMPOSE_PROJECT_NAME=todo_ch10";
        assert_eq!(
            ok(book, &[]),
            pairs(&[
                ("TODO_WEB_PORT", "8877"),
                ("TODO_DB_PORT", "5432"),
                ("COMPOSE_PATH_SEPARATOR", ";"),
                ("COMPOSE_FILE", "docker-compose.yml;docker-compose-test.yml"),
                ("COMPOSE_PROJECT_NAME", "todo_ch10"),
            ])
        );
        let logging = "Logging__LogLevel__Default=Information\r\nLogging__LogLevel__System=Warning\r\nLogging__LogLevel__Microsoft=Warning";
        assert_eq!(
            ok(logging, &[]),
            pairs(&[
                ("Logging__LogLevel__Default", "Information"),
                ("Logging__LogLevel__System", "Warning"),
                ("Logging__LogLevel__Microsoft", "Warning"),
            ])
        );
    }

    #[test]
    fn basic_syntax() {
        assert_eq!(
            ok("A=1\n# comment\n\n  B = 2  \nexport C=3\nD: 4\nE:5\n", &[]),
            pairs(&[("A", "1"), ("B", "2"), ("C", "3"), ("D", "4"), ("E", "5")])
        );
        assert_eq!(
            ok("A=x=y=z\nB==\nC=:\nD::x\nE:=1\n", &[]),
            pairs(&[
                ("A", "x=y=z"),
                ("B", "="),
                ("C", ":"),
                ("D", ":x"),
                ("E", "=1")
            ])
        );
        assert_eq!(
            ok("K=1\n  # indented comment\nL=2 # c\n", &[]),
            pairs(&[("K", "1"), ("L", "2")])
        );
        assert!(ok("#only\n   \n\t\n", &[]).is_empty());
        assert!(ok("", &[]).is_empty());
        assert_eq!(ok("A=\nB=2", &[]), pairs(&[("A", ""), ("B", "2")]));
        assert_eq!(ok("A=", &[]), pairs(&[("A", "")]));
    }

    #[test]
    fn key_characters() {
        assert_eq!(
            ok("A.B=1\nA-B=2\nA[0]=3\nété=4\n1A=5\nⅣ=6\n", &[]),
            pairs(&[
                ("A.B", "1"),
                ("A-B", "2"),
                ("A[0]", "3"),
                ("été", "4"),
                ("1A", "5"),
                ("Ⅳ", "6"),
            ])
        );
        // isSpace characters around a key are trimmed; a tab inside is kept.
        assert_eq!(
            ok("A\u{a0}=1\nB\t=2\n\u{a0}C=3\n", &[]),
            pairs(&[("A", "1"), ("B", "2"), ("C", "3")])
        );
        assert_eq!(ok("A\tB=1\n", &[]), pairs(&[("A\tB", "1")]));
    }

    #[test]
    fn key_errors() {
        let e = err("FOO BAR=1\n", &[]);
        assert_eq!(e.message, "key cannot contain a space");
        assert_eq!((e.line, e.column), (1, 1));
        assert_eq!(e.to_string(), "line 1: key cannot contain a space");
        let e = err("A=1\n\nFOO BAR\n", &[]);
        assert_eq!(e.message, "key cannot contain a space");
        assert_eq!(e.line, 3);
        let e = err("A=1\nFOO$=1\n", &[]);
        assert_eq!(
            e.message,
            "unexpected character \"$\" in variable name \"FOO$=1\""
        );
        assert_eq!((e.line, e.column), (2, 4));
        // Go's IsLetter: marks and circled letters are not letters.
        let e = err("नमस्ते=1\n", &[]);
        assert_eq!(
            e.message,
            "unexpected character \"्\" in variable name \"नमस्ते=1\""
        );
        assert_eq!(
            err("Ⓐ=1\n", &[]).message,
            "unexpected character \"Ⓐ\" in variable name \"Ⓐ=1\""
        );
        assert_eq!(
            err("A\u{2003}=1\n", &[]).message,
            "unexpected character \"\\u2003\" in variable name \"A\\u2003=1\""
        );
        // quotes cannot start a statement
        assert_eq!(
            err("A='it''s'\n", &[]).message,
            "unexpected character \"'\" in variable name \"'s'\""
        );
        assert_eq!(
            err("A=\"x\"\"\nB=2\n", &[]).message,
            "unexpected character \"\\\"\" in variable name \"\\\"\""
        );
        assert_eq!(
            err("A=\"x\" \\\nB=1\n", &[]).message,
            "unexpected character \"\\\\\" in variable name \"\\\\\""
        );
        assert_eq!(err("A#=1\n", &[]).column, 2);
    }

    #[test]
    fn export_prefix() {
        assert_eq!(
            ok(
                "  export   A=1\nexport\tB=2\nexport=3\nexportC=4\nexport D\n",
                &[("D", "d")]
            ),
            pairs(&[
                ("A", "1"),
                ("B", "2"),
                ("export", "3"),
                ("exportC", "4"),
                ("D", "d")
            ])
        );
        assert_eq!(ok("export\nFOO=bar\n", &[]), pairs(&[("FOO", "bar")]));
        assert_eq!(err("A=1\nexport ", &[]).message, "zero length string");
        // `export` at EOF hits the no-terminator bug below
        assert_eq!(ok("export", &[]), pairs(&[("", "export")]));
    }

    #[test]
    fn inherited_keys() {
        // Bare keys take their value from lookup, and are absent when it has none.
        assert_eq!(
            ok("BARE\nSETB\nC=1\n", &[("SETB", "fromenv")]),
            pairs(&[("SETB", "fromenv"), ("C", "1")])
        );
        // Earlier keys of the same file are not consulted; an absent lookup keeps the
        // earlier value.
        assert_eq!(ok("A=1\nA\n", &[]), pairs(&[("A", "1")]));
        assert_eq!(ok("A=1\nA\n", &[("A", "env")]), pairs(&[("A", "env")]));
        assert_eq!(ok("  C  \r\n", &[("C", "cc")]), pairs(&[("C", "cc")]));
    }

    #[test]
    fn key_without_terminator_at_eof() {
        // compose-go bug, confirmed with the oracle (`"": "FOO"` in the environment).
        assert_eq!(ok("FOO", &[("FOO", "x")]), pairs(&[("", "FOO")]));
        assert_eq!(ok("FOO=1\nBAR", &[]), pairs(&[("FOO", "1"), ("", "BAR")]));
        assert_eq!(ok("FOO=1\nBAR  ", &[]), pairs(&[("FOO", "1"), ("", "BAR")]));
    }

    #[test]
    fn unquoted_values() {
        assert_eq!(
            ok(
                "A=unq trailing   \nB=val #comment\nC=val#nocomment\nD= #x\nE=a\t#tab\nF=\"q\" # c\n",
                &[]
            ),
            pairs(&[
                ("A", "unq trailing"),
                ("B", "val"),
                ("C", "val#nocomment"),
                ("D", "#x"),
                ("E", "a\t#tab"),
                ("F", "q"),
            ])
        );
        // whitespace after `=`: only the isSpace set is skipped
        assert_eq!(ok("A=\u{a0}val\u{a0}\n", &[]), pairs(&[("A", "val")]));
        assert_eq!(ok("A=\u{2003}x\n", &[]), pairs(&[("A", "\u{2003}x")]));
        assert_eq!(ok("A=x \u{2003}#c\n", &[]), pairs(&[("A", "x \u{2003}#c")]));
        assert_eq!(ok("A=x\t #c\n", &[]), pairs(&[("A", "x")]));
        assert_eq!(
            ok("A=v\u{85}\nB=w\n", &[]),
            pairs(&[("A", "v"), ("B", "w")])
        );
        // no escapes in unquoted values
        assert_eq!(
            ok("A=b\\\nB=a\\nb\n", &[]),
            pairs(&[("A", "b\\"), ("B", "a\\nb")])
        );
    }

    #[test]
    fn single_quotes() {
        assert_eq!(
            ok("A='single $X \\n \\' x'\n", &[("X", "x")]),
            pairs(&[("A", "single $X \\n ' x")])
        );
        assert_eq!(
            ok("B='x\\'y'\nC='a\\\\'\nD='\\\\'\n", &[]),
            pairs(&[("B", "x'y"), ("C", "a\\\\"), ("D", "\\\\")])
        );
        assert_eq!(ok("A='x'#c\nB=2\n", &[]), pairs(&[("A", "x"), ("B", "2")]));
        assert_eq!(ok("A='  padded  '\n", &[]), pairs(&[("A", "  padded  ")]));
    }

    #[test]
    fn double_quotes() {
        assert_eq!(
            ok(
                "A=\"dq $X \\n \\t \\\\ \\\" \\$X \\x41 \\0123 \\0 \\01 \\a\"\n",
                &[("X", "xv")]
            ),
            pairs(&[("A", "dq xv \n \t \\ \" $X \\x41 S \\ \\1 \u{7}")])
        );
        assert_eq!(
            ok("A=\"\\0377\\0400\\0008\\01234\\c\\q\"\n", &[]),
            pairs(&[("A", "ÿ\\400\\008S4\\c\\q")])
        );
        assert_eq!(ok("A=\"x\\\"y\"\n", &[]), pairs(&[("A", "x\"y")]));
        assert_eq!(ok("A=\"\\\\\\\\n\"\n", &[]), pairs(&[("A", "\\\\n")]));
        assert_eq!(
            ok("A=\"\\b\\f\\r\\v\"\n", &[]),
            pairs(&[("A", "\u{8}\u{c}\r\u{b}")])
        );
        assert_eq!(ok("A=\"  padded  \"\n", &[]), pairs(&[("A", "  padded  ")]));
        assert_eq!(
            ok("A=\"# not a comment\"\n", &[]),
            pairs(&[("A", "# not a comment")])
        );
    }

    #[test]
    fn multi_line_and_text_after_quotes() {
        assert_eq!(
            ok("A=\"line1\nline2\"\nB='l1\nl2'\nC=after\n", &[]),
            pairs(&[("A", "line1\nline2"), ("B", "l1\nl2"), ("C", "after")])
        );
        assert_eq!(ok("A=\"x\" B=y\n", &[]), pairs(&[("A", "x"), ("B", "y")]));
        assert_eq!(ok("A=\"x\"junk\n", &[]), pairs(&[("A", "x")]));
        assert_eq!(
            ok("A=\"x\"junk=1\n", &[]),
            pairs(&[("A", "x"), ("junk", "1")])
        );
        assert_eq!(
            ok("A='multi\nline' B=2\n", &[]),
            pairs(&[("A", "multi\nline"), ("B", "2")])
        );
    }

    #[test]
    fn unterminated_quotes() {
        let e = err("A=1\nB=\"unterminated\nC=3\n", &[]);
        assert_eq!(e.message, "unterminated quoted value \"unterminated");
        assert_eq!((e.line, e.column), (2, 3));
        assert_eq!(
            err("A=\"unterm", &[]).message,
            "unterminated quoted value \"unterm"
        );
        assert_eq!(
            err("A='x\\'", &[]).message,
            "unterminated quoted value 'x\\'"
        );
    }

    #[test]
    fn crlf_and_bom() {
        assert_eq!(
            ok("A=1\r\nB=\"two\"\r\nC\r\n# c\r\nD=4", &[("C", "cc")]),
            pairs(&[("A", "1"), ("B", "two"), ("C", "cc"), ("D", "4")])
        );
        assert_eq!(ok("\u{feff}A=bom\n", &[]), pairs(&[("A", "bom")]));
        assert_eq!(
            ok("A=\"x\"\r\nB=y\r\n", &[]),
            pairs(&[("A", "x"), ("B", "y")])
        );
    }

    #[test]
    fn interpolation_precedence() {
        // lookup wins over the file's own earlier keys (oracle: B=shell)
        assert_eq!(
            ok("A=file\nB=${A}\nC=$A-x\n", &[("A", "shell")]),
            pairs(&[("A", "file"), ("B", "shell"), ("C", "shell-x")])
        );
        assert_eq!(
            ok("A=file\nB=${A}\n", &[]),
            pairs(&[("A", "file"), ("B", "file")])
        );
        // later keys are not visible yet
        let parsed = parse_detailed("A=\"$B\"\nB=2\nC=\"${B}\"\n", &env(&[]))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            parsed.entries,
            vec![
                ("A".to_owned(), Some(String::new())),
                ("B".to_owned(), Some("2".to_owned())),
                ("C".to_owned(), Some("2".to_owned())),
            ]
        );
        assert_eq!(parsed.unset, vec!["B".to_owned()]);
        // self-reference with a default
        assert_eq!(ok("A=${A:-def}\n", &[]), pairs(&[("A", "def")]));
    }

    #[test]
    fn interpolation_escapes() {
        assert_eq!(
            ok(
                "B=$$x\nC=\"$$y\"\nD=\\$z\nE=\"\\$w\"\nF='$v'\n",
                &[("z", "Z")]
            ),
            pairs(&[
                ("B", "$x"),
                ("C", "$y"),
                ("D", "\\Z"),
                ("E", "$w"),
                ("F", "$v")
            ])
        );
    }

    #[test]
    fn unset_variables_are_reported() {
        let parsed = parse_detailed("A=${UNSET}\nB=\"${UNSET2}\"\nC=${UNSET}\n", &env(&[]))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(parsed.unset, vec!["UNSET".to_owned(), "UNSET2".to_owned()]);
        assert_eq!(parsed.entries.len(), 3);
        assert!(parsed.entries.iter().all(|(_, v)| v.as_deref() == Some("")));
    }

    #[test]
    fn interpolation_errors() {
        let e = err("X=1\nA=${NOPE:?needed}\n", &[]);
        assert_eq!(
            e.message,
            "required variable NOPE is missing a value: needed"
        );
        assert_eq!((e.line, e.column), (2, 3));
        // ` #` is cut before interpolation
        let e = err("A=${B:- #x}\n", &[]);
        assert_eq!(e.message, "Invalid template: \"${B:-\"");
        // double quotes: exact position when no backslash precedes
        let e = err("A=\"ab${\"\n", &[]);
        assert_eq!(e.message, "Invalid template: \"ab${\"");
        assert_eq!(e.column, 6);
        let e = err("A=\"\\tb${\"\n", &[]);
        assert_eq!(e.column, 3);
    }

    #[test]
    fn duplicates_override_in_place() {
        assert_eq!(ok("A=x\nB=1\nA=y\n", &[]), pairs(&[("A", "y"), ("B", "1")]));
    }

    #[test]
    fn values_are_never_none() {
        let entries = parse("A\nB=\n", &env(&[("A", "")])).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            entries,
            vec![
                ("A".to_owned(), Some(String::new())),
                ("B".to_owned(), Some(String::new()))
            ]
        );
    }

    #[test]
    fn go_letter_table_is_sorted() {
        assert!(OTHER_ALPHABETIC.windows(2).all(|w| w[0].1 < w[1].0));
        assert!(OTHER_ALPHABETIC.iter().all(|(lo, hi)| lo <= hi));
        assert!(is_go_letter('é'));
        assert!(is_go_letter('日'));
        assert!(!is_go_letter('\u{947}'));
        assert!(!is_go_letter('Ⓐ'));
        assert!(!is_go_letter('1'));
    }
}
