//! Short volume syntax: compose-go `format.ParseVolume` followed by the target clean-up of
//! `transform.transformVolumeMount`.

use super::UnitError;

/// `type` of a service volume mount. The short syntax only yields [`VolumeKind::Bind`] and
/// [`VolumeKind::Volume`]; the other kinds exist for the long syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VolumeKind {
    /// `bind`
    Bind,
    /// `volume`
    Volume,
    /// `tmpfs`
    Tmpfs,
    /// `npipe`
    Npipe,
    /// `cluster`
    Cluster,
    /// `image`
    Image,
}

impl VolumeKind {
    /// The compose spelling (`"bind"`, `"volume"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            VolumeKind::Bind => "bind",
            VolumeKind::Volume => "volume",
            VolumeKind::Tmpfs => "tmpfs",
            VolumeKind::Npipe => "npipe",
            VolumeKind::Cluster => "cluster",
            VolumeKind::Image => "image",
        }
    }

    /// Inverse of [`VolumeKind::as_str`].
    pub fn from_name(s: &str) -> Option<VolumeKind> {
        Some(match s {
            "bind" => VolumeKind::Bind,
            "volume" => VolumeKind::Volume,
            "tmpfs" => VolumeKind::Tmpfs,
            "npipe" => VolumeKind::Npipe,
            "cluster" => VolumeKind::Cluster,
            "image" => VolumeKind::Image,
            _ => return None,
        })
    }
}

/// The `bind:` block compose emits (`ServiceVolumeBind`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeBindOptions {
    /// `propagation`: one of `rprivate`, `private`, `rshared`, `shared`, `rslave`, `slave`.
    pub propagation: Option<String>,
    /// `selinux`: `z` or `Z`.
    pub selinux: Option<String>,
    /// `create_host_path`: always `true` for a short-syntax bind mount.
    pub create_host_path: bool,
}

/// The `volume:` block compose emits (`ServiceVolumeVolume`); `{}` when `nocopy` is false.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeVolumeOptions {
    /// `nocopy`
    pub nocopy: bool,
}

/// A service volume mount as compose produces it from the short syntax, field for field
/// what `config --format json` prints (before relative-path and `~` resolution of
/// `source`, which the loader does later).
///
/// Both option blocks can be present at once: `named:/z:z` is a volume with
/// `"bind": {"selinux": "z"}, "volume": {}`, and `./b:/y:nocopy` is a bind with
/// `"volume": {"nocopy": true}` (verified on the oracle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeShort {
    /// `type`: [`VolumeKind::Bind`] or [`VolumeKind::Volume`].
    pub kind: VolumeKind,
    /// `source`; `None` for an anonymous volume (and for the Windows-drive oddities).
    pub source: Option<String>,
    /// `target`, cleaned like Go's `path.Clean` (`/a/../b` -> `/b`).
    pub target: String,
    /// `read_only` (`ro`; a later `rw` resets it).
    pub read_only: bool,
    /// `bind:` block; set for every bind mount (with `create_host_path: true`) and for any
    /// mount given a propagation or SELinux option.
    pub bind: Option<VolumeBindOptions>,
    /// `volume:` block; set (possibly empty) for every volume mount of 3+ bytes and for any
    /// mount given `nocopy`. A spec of 1 or 2 bytes (`ab`, `/a`) gets no block.
    pub volume: Option<VolumeVolumeOptions>,
}

/// compose-go `format.ParseVolume(spec)` plus `transformVolumeMount`'s
/// `path.Clean(target)`: the short syntax `[source:]target[:options]`.
///
/// Rules (all verified on the oracle):
/// * `""` is an error (`invalid empty volume spec`); a spec of **1 or 2 bytes** is an
///   anonymous volume with that target and *no* `volume: {}` block (`ab`, `/a`, `::`).
/// * the spec is split on `:`, except that a `:` right after a field consisting of exactly
///   one Unicode letter is kept as part of the field (a Windows drive letter). Hence
///   `v:/data` is an *anonymous* volume with target `v:/data` (not volume `v`),
///   `C:\data:/win` binds `C:\data`, `x:/y:ro` binds source `x:/y` to target `ro`, and
///   `/a:b:c` mounts `/a` on target `b:c`.
/// * one field: anonymous volume (target); two: source and target; three: options;
///   `too many colons` beyond that, `empty section between colons` for an empty field
///   (`/a::/b`, `/a:/b:`, `:::`). Errors read `invalid spec: <spec>: <reason>`.
/// * options are comma-separated and case-sensitive: `ro`, `rw`, `nocopy`, the six bind
///   propagations and SELinux `z`/`Z`; anything else (`cached`, `delegated`, `consistent`,
///   empty items) is silently dropped, so `consistency` is never set.
/// * the source makes it a bind mount when it starts with `.`, `/`, `~` or `\\`, or is a
///   letter followed by `:`; otherwise it is a (named or anonymous) volume.
/// * `target` is `path.Clean`ed (`/a:rel/../../x` -> `../x`, `/a://x//y/` -> `/x/y`).
///
/// Known deviation: Go's `unicode.IsLetter` is approximated with `char::is_alphabetic`
/// minus letter numbers and circled/squared letter symbols; a lone combining vowel sign
/// (Unicode "Other_Alphabetic" marks) before `:` would be misclassified as a drive letter.
pub fn parse_volume_short(spec: &str) -> Result<VolumeShort, UnitError> {
    let mut v = match spec.len() {
        0 => return Err(UnitError::new("invalid empty volume spec")),
        1 | 2 => VolumeShort {
            kind: VolumeKind::Volume,
            source: None,
            target: spec.to_string(),
            read_only: false,
            bind: None,
            volume: None,
        },
        _ => parse_long_enough(spec)?,
    };
    v.target = clean_target(&v.target);
    Ok(v)
}

/// Raw fields while scanning, mirroring Go's zero-value strings.
struct Fields {
    source: String,
    target: String,
    read_only: bool,
    bind: Option<VolumeBindOptions>,
    volume: Option<VolumeVolumeOptions>,
}

fn parse_long_enough(spec: &str) -> Result<VolumeShort, UnitError> {
    let mut f = Fields {
        source: String::new(),
        target: String::new(),
        read_only: false,
        bind: None,
        volume: None,
    };
    let mut buffer = String::new();
    let mut buffer_chars = 0usize;
    let mut first_char: Option<char> = None;
    // `None` plays the role of Go's endOfSpec rune.
    for c in spec.chars().map(Some).chain(std::iter::once(None)) {
        let drive = c == Some(':') && buffer_chars == 1 && first_char.is_some_and(is_go_letter);
        if drive {
            buffer.push(':');
            buffer_chars += 1;
        } else if c == Some(':') || c.is_none() {
            populate_field(c.is_none(), &buffer, &mut f)
                .map_err(|why| UnitError::new(format!("invalid spec: {spec}: {why}")))?;
            buffer.clear();
            buffer_chars = 0;
            first_char = None;
        } else if let Some(ch) = c {
            if buffer_chars == 0 {
                first_char = Some(ch);
            }
            buffer.push(ch);
            buffer_chars += 1;
        }
    }
    Ok(populate_type(f))
}

/// compose-go `populateFieldFromBuffer`.
fn populate_field(end: bool, buffer: &str, f: &mut Fields) -> Result<(), &'static str> {
    if buffer.is_empty() {
        return Err("empty section between colons");
    }
    if f.source.is_empty() && end {
        f.target = buffer.to_string();
        return Ok(());
    }
    if f.source.is_empty() {
        f.source = buffer.to_string();
        return Ok(());
    }
    if f.target.is_empty() {
        f.target = buffer.to_string();
        return Ok(());
    }
    if !end {
        return Err("too many colons");
    }
    for option in buffer.split(',') {
        match option {
            "ro" => f.read_only = true,
            "rw" => f.read_only = false,
            "nocopy" => f.volume = Some(VolumeVolumeOptions { nocopy: true }),
            "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave" => {
                f.bind.get_or_insert_with(Default::default).propagation = Some(option.to_string());
            }
            "z" | "Z" => {
                f.bind.get_or_insert_with(Default::default).selinux = Some(option.to_string());
            }
            _ => {} // unknown options are ignored
        }
    }
    Ok(())
}

/// compose-go `populateType`.
fn populate_type(f: Fields) -> VolumeShort {
    let Fields {
        source,
        target,
        read_only,
        mut bind,
        mut volume,
    } = f;
    let kind = if is_file_path(&source) {
        // Short-syntax binds always create the host path (docker-compose v1 compatibility).
        bind.get_or_insert_with(Default::default).create_host_path = true;
        VolumeKind::Bind
    } else {
        volume.get_or_insert_with(Default::default);
        VolumeKind::Volume
    };
    VolumeShort {
        kind,
        source: if source.is_empty() {
            None
        } else {
            Some(source)
        },
        target,
        read_only,
        bind,
        volume,
    }
}

/// compose-go `isFilePath`.
fn is_file_path(source: &str) -> bool {
    let b = source.as_bytes();
    match b.first() {
        None => return false,
        Some(b'.' | b'/' | b'~') => return true,
        _ => {}
    }
    if source.starts_with("\\\\") {
        return true;
    }
    let mut chars = source.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    b.get(first.len_utf8()) == Some(&b':') && is_go_letter(first)
}

/// Approximation of Go's `unicode.IsLetter` (general category L*): Rust's Alphabetic
/// property minus the letter numbers (Nl) and the circled/parenthesised/squared letter
/// symbols (So) it also covers.
fn is_go_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    if !c.is_alphabetic() {
        return false;
    }
    let u = c as u32;
    let not_l = matches!(u,
        0x16EE..=0x16F0
        | 0x2160..=0x2182
        | 0x2185..=0x2188
        | 0x3007
        | 0x3021..=0x3029
        | 0x3038..=0x303A
        | 0xA6E6..=0xA6EF
        | 0x10140..=0x10174
        | 0x10341
        | 0x1034A
        | 0x103D1..=0x103D5
        | 0x12400..=0x1246E
        | 0x24B6..=0x24E9
        | 0x1F130..=0x1F149
        | 0x1F150..=0x1F169
        | 0x1F170..=0x1F189
    );
    !not_l
}

/// compose-go `transform.cleanTarget`: `""` stays empty, anything else is `path.Clean`ed.
fn clean_target(target: &str) -> String {
    if target.is_empty() {
        String::new()
    } else {
        go_path_clean(target)
    }
}

/// Go's `path.Clean` (slash paths, purely lexical): collapses repeated `/`, drops `.`
/// elements, resolves `..` against preceding elements (a rooted path cannot go above `/`),
/// removes a trailing `/` and turns an empty result into `.`.
pub fn go_path_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let p = path.as_bytes();
    let n = p.len();
    let rooted = p.first() == Some(&b'/');
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0usize, 0usize);
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    let at = |i: usize| p.get(i).copied();
    while r < n {
        let c = at(r);
        if c == Some(b'/') || (c == Some(b'.') && (r + 1 == n || at(r + 1) == Some(b'/'))) {
            // empty element or "."
            r += 1;
        } else if c == Some(b'.')
            && at(r + 1) == Some(b'.')
            && (r + 2 == n || at(r + 2) == Some(b'/'))
        {
            r += 2;
            if out.len() > dotdot {
                let mut w = out.len() - 1;
                while w > dotdot && out.get(w) != Some(&b'/') {
                    w -= 1;
                }
                out.truncate(w);
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if (rooted && out.len() != 1) || (!rooted && !out.is_empty()) {
                out.push(b'/');
            }
            while r < n && at(r) != Some(b'/') {
                if let Some(b) = at(r) {
                    out.push(b);
                }
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return ".".to_string();
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> VolumeShort {
        match parse_volume_short(s) {
            Ok(v) => v,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn err(s: &str) -> String {
        match parse_volume_short(s) {
            Ok(v) => panic!("{s} parsed as {v:?}"),
            Err(e) => e.message,
        }
    }

    fn vol(source: Option<&str>, target: &str, ro: bool) -> VolumeShort {
        VolumeShort {
            kind: VolumeKind::Volume,
            source: source.map(str::to_string),
            target: target.to_string(),
            read_only: ro,
            bind: None,
            volume: Some(VolumeVolumeOptions::default()),
        }
    }

    fn bind(source: &str, target: &str, ro: bool) -> VolumeShort {
        VolumeShort {
            kind: VolumeKind::Bind,
            source: Some(source.to_string()),
            target: target.to_string(),
            read_only: ro,
            bind: Some(VolumeBindOptions {
                create_host_path: true,
                ..Default::default()
            }),
            volume: None,
        }
    }

    #[test]
    fn corpus_norm_volumes_short() {
        assert_eq!(ok("/anon"), vol(None, "/anon", false));
        assert_eq!(ok("named:/named"), vol(Some("named"), "/named", false));
        assert_eq!(ok("named:/ro:ro"), vol(Some("named"), "/ro", true));
        assert_eq!(ok("./rel:/rel"), bind("./rel", "/rel", false));
        assert_eq!(ok("/abs/path:/abs:rw"), bind("/abs/path", "/abs", false));
        assert_eq!(ok("~/home:/home-dir"), bind("~/home", "/home-dir", false));
        let mut z = bind("./rel2", "/z", false);
        if let Some(b) = z.bind.as_mut() {
            b.selinux = Some("z".to_string());
        }
        assert_eq!(ok("./rel2:/z:z"), z);
    }

    #[test]
    fn corpus_single_letter_names() {
        // norm-volume-single-letter-name, tag-override-volumes
        assert_eq!(ok("v:/data"), vol(None, "v:/data", false));
        assert_eq!(ok("vv:/data2"), vol(Some("vv"), "/data2", false));
        assert_eq!(ok("C:\\data:/win"), bind("C:\\data", "/win", false));
        assert_eq!(ok("c:/c"), vol(None, "c:/c", false));
        assert_eq!(ok("a:/a"), vol(None, "a:/a", false));
    }

    #[test]
    fn corpus_bind_relative() {
        // seq-volumes-bind-relative
        assert_eq!(
            ok("./html:/usr/share/nginx/html:ro"),
            bind("./html", "/usr/share/nginx/html", true)
        );
        assert_eq!(
            ok("/etc/localtime:/etc/localtime:ro"),
            bind("/etc/localtime", "/etc/localtime", true)
        );
        assert_eq!(
            ok("/var/run/docker.sock:/var/run/docker.sock:ro"),
            bind("/var/run/docker.sock", "/var/run/docker.sock", true)
        );
        assert_eq!(ok("certs:/certs"), vol(Some("certs"), "/certs", false));
    }

    #[test]
    fn oracle_short_specs() {
        let short = |t: &str| VolumeShort {
            kind: VolumeKind::Volume,
            source: None,
            target: t.to_string(),
            read_only: false,
            bind: None,
            volume: None,
        };
        assert_eq!(ok("/a"), short("/a"));
        assert_eq!(ok("ab"), short("ab"));
        assert_eq!(ok("a"), short("a"));
        assert_eq!(ok("::"), short("::"));
        assert_eq!(ok("//"), short("/"));
        assert_eq!(ok("\u{e9}"), short("\u{e9}"));
        assert_eq!(ok("abc"), vol(None, "abc", false));
        assert_eq!(ok("a:b"), vol(None, "a:b", false));
        assert_eq!(ok("\u{e9}:/x"), vol(None, "\u{e9}:/x", false));
        assert_eq!(ok("n:/y"), vol(None, "n:/y", false));
        assert_eq!(ok("1:/x"), vol(Some("1"), "/x", false));
    }

    #[test]
    fn oracle_options() {
        let mut nocopy = vol(Some("named"), "/x", false);
        nocopy.volume = Some(VolumeVolumeOptions { nocopy: true });
        assert_eq!(ok("named:/x:nocopy"), nocopy);

        let mut b = bind("./b", "/y", true);
        b.bind = Some(VolumeBindOptions {
            propagation: Some("rshared".to_string()),
            selinux: Some("z".to_string()),
            create_host_path: true,
        });
        b.volume = Some(VolumeVolumeOptions { nocopy: true });
        assert_eq!(ok("./b:/y:nocopy,ro,z,rshared"), b);

        let mut z = vol(Some("named"), "/z", false);
        z.bind = Some(VolumeBindOptions {
            selinux: Some("z".to_string()),
            ..Default::default()
        });
        assert_eq!(ok("named:/z:z"), z);

        assert_eq!(ok("named:/q:cached"), vol(Some("named"), "/q", false));
        assert_eq!(ok("/h:/w:delegated,rw"), bind("/h", "/w", false));
        assert_eq!(ok("/h:/w:ro,rw"), bind("/h", "/w", false));
        assert_eq!(ok("/h:/w:rw,ro"), bind("/h", "/w", true));
        assert_eq!(ok("/h:/w:RO"), bind("/h", "/w", false));
        assert_eq!(ok("/a:/b:ro,,foo"), bind("/a", "/b", true));

        let mut zs = bind("/x", "/y", false);
        zs.bind = Some(VolumeBindOptions {
            propagation: Some("slave".to_string()),
            selinux: Some("Z".to_string()),
            create_host_path: true,
        });
        assert_eq!(ok("/x:/y:Z,slave"), zs);
    }

    #[test]
    fn oracle_paths() {
        assert_eq!(ok("/h:/t/../u/./"), bind("/h", "/u", false));
        assert_eq!(ok("x:/y:ro"), bind("x:/y", "ro", false));
        assert_eq!(ok("/a:b:c"), bind("/a", "b:c", false));
        assert_eq!(ok("~:/y"), bind("~", "/y", false));
        assert_eq!(ok("\\\\pipe\\x:/p"), bind("\\\\pipe\\x", "/p", false));
        assert_eq!(ok("/a/../b"), vol(None, "/b", false));
        assert_eq!(ok("/a:rel/../../x"), bind("/a", "../x", false));
        assert_eq!(ok("/a:."), bind("/a", ".", false));
        assert_eq!(ok("/a://x//y/"), bind("/a", "/x/y", false));
        assert_eq!(ok("\u{e9}:/a:/b"), bind("\u{e9}:/a", "/b", false));
    }

    #[test]
    fn oracle_errors() {
        assert_eq!(err(""), "invalid empty volume spec");
        assert_eq!(
            err(":::"),
            "invalid spec: :::: empty section between colons"
        );
        assert_eq!(
            err("/a::/b"),
            "invalid spec: /a::/b: empty section between colons"
        );
        assert_eq!(
            err("/a:/b:ro:z"),
            "invalid spec: /a:/b:ro:z: too many colons"
        );
        assert_eq!(
            err("/a:/b:"),
            "invalid spec: /a:/b:: empty section between colons"
        );
        assert_eq!(err("/a:/b:ro:"), "invalid spec: /a:/b:ro:: too many colons");
        assert_eq!(
            err("xy:"),
            "invalid spec: xy:: empty section between colons"
        );
        assert_eq!(
            err(":/x"),
            "invalid spec: :/x: empty section between colons"
        );
    }

    #[test]
    fn path_clean() {
        for (i, o) in [
            ("", "."),
            (".", "."),
            ("/", "/"),
            ("//", "/"),
            ("/..", "/"),
            ("/../a", "/a"),
            ("a/..", "."),
            ("..", ".."),
            ("../..", "../.."),
            ("a/../..", ".."),
            ("a/b/../../../c", "../c"),
            ("/a/b/./c/", "/a/b/c"),
            ("abc/", "abc"),
            ("a//b", "a/b"),
            ("/\u{e9}/../\u{fc}", "/\u{fc}"),
            ("...", "..."),
            ("/.../..", "/"),
        ] {
            assert_eq!(go_path_clean(i), o, "{i}");
        }
    }

    #[test]
    fn letters() {
        assert!(is_go_letter('a'));
        assert!(is_go_letter('Z'));
        assert!(is_go_letter('\u{e9}'));
        assert!(is_go_letter('\u{4e2d}'));
        assert!(!is_go_letter('1'));
        assert!(!is_go_letter('\u{2160}'));
        assert!(!is_go_letter('\u{24b6}'));
        assert!(!is_go_letter('_'));
    }

    #[test]
    fn kind_names() {
        for k in [
            VolumeKind::Bind,
            VolumeKind::Volume,
            VolumeKind::Tmpfs,
            VolumeKind::Npipe,
            VolumeKind::Cluster,
            VolumeKind::Image,
        ] {
            assert_eq!(VolumeKind::from_name(k.as_str()), Some(k));
        }
        assert_eq!(VolumeKind::from_name("Bind"), None);
    }
}
