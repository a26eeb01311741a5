//! The shape language of `docs/cli-json.md` and a checker of JSON values against it.
//!
//! Shared by the CLI's integration tests (`json_docs.rs`, which runs commands and checks their
//! output) and the binary's unit test (`src/json_docs_check.rs`, which checks that every
//! command of the clap tree is documented), so it depends only on `serde_json`,
//! `taonet_types` and `taonet_crypto`.
//!
//! # Rules (the language, as the document's "shape language" section states them)
//! - A fenced block tagged `shape CMD[, CMD…]` is the shape of the one JSON value those
//!   commands print; `shape-lines CMD` the shape of each line of a command printing one value
//!   per line; `shape @NAME` a shared shape. A command is documented at most once.
//! - Leaves are type names (`string ss58 hex hex32 hex64 u8 u16 u32 u64 i16 f64 bool null
//!   any`) or string literals; `A | B` is an alternative; `[S]` an array of `S`, `[A, B, …]` a
//!   tuple; `{"k": S, "k"?: S, ...@NAME}` an object with exactly those keys (`?`: may be
//!   absent; `...@NAME`: the keys of the shared object shape); `{"<what>": S}` an object with
//!   any keys; `@NAME` a shared shape; `//` a comment to the end of the line.
//! - Every `@NAME` used must be defined; a spread must name an object shape.
//! - Commands listed as `` - `CMD` `` under the heading `## Commands without JSON output`
//!   print no JSON.
//! - A mismatch is reported with the JSON path where it was found (`$.hotkeys[0].stake`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use taonet_crypto::Ss58;

/// The heading of the section listing the commands that print no JSON.
pub const NO_JSON_HEADING: &str = "## Commands without JSON output";

/// A leaf type name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaf {
    /// Any string.
    String,
    /// An SS58 address.
    Ss58,
    /// `0x` and an even number of hex digits.
    Hex,
    /// `0x` and 32 bytes of hex.
    Hex32,
    /// `0x` and 64 bytes of hex.
    Hex64,
    /// An integer 0..=255.
    U8,
    /// An integer 0..=65535.
    U16,
    /// An integer 0..=u32::MAX.
    U32,
    /// A non-negative integer that fits u64.
    U64,
    /// An integer that fits i16.
    I16,
    /// Any number.
    F64,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
    /// Any value.
    Any,
}

impl Leaf {
    fn from_name(name: &str) -> Option<Leaf> {
        Some(match name {
            "string" => Leaf::String,
            "ss58" => Leaf::Ss58,
            "hex" => Leaf::Hex,
            "hex32" => Leaf::Hex32,
            "hex64" => Leaf::Hex64,
            "u8" => Leaf::U8,
            "u16" => Leaf::U16,
            "u32" => Leaf::U32,
            "u64" => Leaf::U64,
            "i16" => Leaf::I16,
            "f64" => Leaf::F64,
            "bool" => Leaf::Bool,
            "null" => Leaf::Null,
            "any" => Leaf::Any,
            _ => return None,
        })
    }

    /// Why `v` is not of this type, if it is not.
    fn mismatch(self, v: &Value) -> Option<String> {
        let hex_of = |s: &str, bytes: Option<usize>| -> bool {
            s.strip_prefix("0x").is_some_and(|d| {
                d.len() % 2 == 0
                    && d.bytes().all(|b| b.is_ascii_hexdigit())
                    && bytes.is_none_or(|n| d.len() == 2 * n)
            })
        };
        let int_in = |lo: i64, hi: u64| match v {
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => u <= hi,
                (None, Some(i)) => i >= lo,
                _ => false,
            },
            _ => false,
        };
        let ok = match self {
            Leaf::String => v.is_string(),
            Leaf::Ss58 => v
                .as_str()
                .is_some_and(|s| taonet_types::AccountId::from_ss58(s).is_ok()),
            Leaf::Hex => v.as_str().is_some_and(|s| hex_of(s, None)),
            Leaf::Hex32 => v.as_str().is_some_and(|s| hex_of(s, Some(32))),
            Leaf::Hex64 => v.as_str().is_some_and(|s| hex_of(s, Some(64))),
            Leaf::U8 => int_in(0, u64::from(u8::MAX)),
            Leaf::U16 => int_in(0, u64::from(u16::MAX)),
            Leaf::U32 => int_in(0, u64::from(u32::MAX)),
            Leaf::U64 => v.is_u64(),
            Leaf::I16 => int_in(i64::from(i16::MIN), i16::MAX as u64),
            Leaf::F64 => v.is_number(),
            Leaf::Bool => v.is_boolean(),
            Leaf::Null => v.is_null(),
            Leaf::Any => true,
        };
        (!ok).then(|| format!("expected {self:?}, found {}", short(v)))
    }
}

/// A shape (see the module rules).
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// A type name.
    Leaf(Leaf),
    /// Exactly this string.
    Literal(String),
    /// A shared shape, by name (without the `@`).
    Ref(String),
    /// An array whose every element matches.
    Array(Box<Shape>),
    /// An array of exactly these elements.
    Tuple(Vec<Shape>),
    /// An object with exactly these entries.
    Object(Vec<Entry>),
    /// An object with any keys (what they are), every value matching.
    Map(String, Box<Shape>),
    /// One of these.
    Alt(Vec<Shape>),
}

/// One entry of an object shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    /// A key, required unless `optional`.
    Key {
        /// The key.
        name: String,
        /// Whether it may be absent.
        optional: bool,
        /// Its value's shape.
        shape: Shape,
    },
    /// The entries of a shared object shape.
    Spread(String),
}

/// One documented command.
#[derive(Clone, Debug, PartialEq)]
pub struct CommandDoc {
    /// The shape of its output.
    pub shape: Shape,
    /// Whether it prints one value per line (`shape-lines`) rather than exactly one value.
    pub lines: bool,
}

/// What `docs/cli-json.md` says.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    /// Shared shapes by name (without the `@`).
    pub shared: BTreeMap<String, Shape>,
    /// Commands (`wallet create`, …) and their output.
    pub commands: BTreeMap<String, CommandDoc>,
    /// Commands that print no JSON.
    pub no_json: BTreeSet<String>,
}

impl Doc {
    /// Parses the document: its `shape` blocks and its list of commands without JSON.
    pub fn parse(text: &str) -> Result<Doc, String> {
        let mut doc = Doc::default();
        let mut lines = text.lines().enumerate();
        let mut in_no_json = false;
        while let Some((i, line)) = lines.next() {
            if line.starts_with('#') {
                in_no_json = line.trim() == NO_JSON_HEADING;
                continue;
            }
            if in_no_json && let Some(rest) = line.strip_prefix("- `") {
                let Some((cmd, _)) = rest.split_once('`') else {
                    return Err(format!("line {}: unclosed `", i + 1));
                };
                doc.document(cmd, i)?;
                doc.no_json.insert(cmd.to_string());
                continue;
            }
            let Some(info) = line.strip_prefix("```") else {
                continue;
            };
            let (lines_kind, names) = if let Some(n) = info.strip_prefix("shape-lines ") {
                (true, n)
            } else if let Some(n) = info.strip_prefix("shape ") {
                (false, n)
            } else {
                // Another fenced block: skip to its end.
                for (_, l) in lines.by_ref() {
                    if l.starts_with("```") {
                        break;
                    }
                }
                continue;
            };
            let mut body = String::new();
            let mut closed = false;
            for (_, l) in lines.by_ref() {
                if l.starts_with("```") {
                    closed = true;
                    break;
                }
                body.push_str(l);
                body.push('\n');
            }
            if !closed {
                return Err(format!("line {}: the ```{info} block is not closed", i + 1));
            }
            let shape = parse_shape(&body)
                .map_err(|e| format!("line {}: the ```{info} block: {e}", i + 1))?;
            for name in names.split(',').map(str::trim) {
                if let Some(shared) = name.strip_prefix('@') {
                    if lines_kind || doc.shared.contains_key(shared) {
                        return Err(format!(
                            "line {}: shared shape @{shared} is defined twice or as shape-lines",
                            i + 1
                        ));
                    }
                    doc.shared.insert(shared.to_string(), shape.clone());
                } else {
                    doc.document(name, i)?;
                    doc.commands.insert(
                        name.to_string(),
                        CommandDoc {
                            shape: shape.clone(),
                            lines: lines_kind,
                        },
                    );
                }
            }
        }
        doc.check_refs()?;
        Ok(doc)
    }

    /// Refuses a command documented twice (or a malformed name).
    fn document(&self, cmd: &str, line: usize) -> Result<(), String> {
        if cmd.is_empty() || !cmd.split(' ').all(|w| !w.is_empty()) {
            return Err(format!("line {}: malformed command name {cmd:?}", line + 1));
        }
        if self.commands.contains_key(cmd) || self.no_json.contains(cmd) {
            return Err(format!("line {}: `{cmd}` is documented twice", line + 1));
        }
        Ok(())
    }

    /// Every reference names a shared shape, and every spread an object one.
    fn check_refs(&self) -> Result<(), String> {
        fn walk(doc: &Doc, s: &Shape, depth: usize) -> Result<(), String> {
            if depth > 64 {
                return Err("shared shapes refer to each other in a cycle".into());
            }
            match s {
                Shape::Leaf(_) | Shape::Literal(_) => Ok(()),
                Shape::Ref(n) => walk(doc, doc.shared_shape(n)?, depth + 1),
                Shape::Array(e) | Shape::Map(_, e) => walk(doc, e, depth),
                Shape::Tuple(items) | Shape::Alt(items) => {
                    items.iter().try_for_each(|x| walk(doc, x, depth))
                }
                Shape::Object(entries) => {
                    doc.object_entries(entries, 0)?;
                    entries.iter().try_for_each(|e| match e {
                        Entry::Key { shape, .. } => walk(doc, shape, depth),
                        Entry::Spread(n) => walk(doc, doc.shared_shape(n)?, depth + 1),
                    })
                }
            }
        }
        for (name, s) in &self.shared {
            walk(self, s, 0).map_err(|e| format!("@{name}: {e}"))?;
        }
        for (name, c) in &self.commands {
            walk(self, &c.shape, 0).map_err(|e| format!("`{name}`: {e}"))?;
        }
        Ok(())
    }

    fn shared_shape(&self, name: &str) -> Result<&Shape, String> {
        self.shared
            .get(name)
            .ok_or_else(|| format!("@{name} is used but not defined"))
    }

    /// The keys of an object shape with its spreads resolved: (key, optional, shape).
    fn object_entries<'a>(
        &'a self,
        entries: &'a [Entry],
        depth: usize,
    ) -> Result<Vec<(&'a str, bool, &'a Shape)>, String> {
        if depth > 16 {
            return Err("spreads refer to each other in a cycle".into());
        }
        let mut out: Vec<(&str, bool, &Shape)> = Vec::new();
        for e in entries {
            match e {
                Entry::Key {
                    name,
                    optional,
                    shape,
                } => out.push((name, *optional, shape)),
                Entry::Spread(n) => match self.shared_shape(n)? {
                    Shape::Object(inner) => out.extend(self.object_entries(inner, depth + 1)?),
                    _ => return Err(format!("...@{n} spreads a shape that is not an object")),
                },
            }
        }
        let mut seen = BTreeSet::new();
        for (k, _, _) in &out {
            if !seen.insert(*k) {
                return Err(format!("key {k:?} appears twice in one object"));
            }
        }
        Ok(out)
    }

    /// Checks a command's stdout: exactly one JSON line, or (`shape-lines`) at least one, each
    /// matching the documented shape.
    pub fn check_output(&self, command: &str, stdout: &str) -> Result<(), String> {
        let doc = self.commands.get(command).ok_or_else(|| {
            format!("`{command}` has no shape in docs/cli-json.md (add a ```shape {command} block)")
        })?;
        let lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.is_empty() || (!doc.lines && lines.len() != 1) {
            return Err(format!(
                "`{command}` printed {} JSON lines, expected {}:\n{stdout}",
                lines.len(),
                if doc.lines { "at least one" } else { "one" }
            ));
        }
        for (i, line) in lines.iter().enumerate() {
            let v: Value = serde_json::from_str(line)
                .map_err(|e| format!("`{command}` line {}: not JSON ({e}): {line}", i + 1))?;
            self.check_value(&doc.shape, &v).map_err(|e| {
                format!("`{command}` does not match docs/cli-json.md: {e}\noutput: {line}")
            })?;
        }
        Ok(())
    }

    /// Checks `v` against `shape`; the error names the JSON path of the first mismatch.
    pub fn check_value(&self, shape: &Shape, v: &Value) -> Result<(), String> {
        self.check_at(shape, v, "$")
    }

    fn check_at(&self, shape: &Shape, v: &Value, path: &str) -> Result<(), String> {
        match shape {
            Shape::Leaf(l) => match l.mismatch(v) {
                Some(why) => Err(format!("{path}: {why}")),
                None => Ok(()),
            },
            Shape::Literal(s) => match v.as_str() {
                Some(x) if x == s => Ok(()),
                _ => Err(format!("{path}: expected \"{s}\", found {}", short(v))),
            },
            Shape::Ref(n) => self.check_at(self.shared_shape(n)?, v, path),
            Shape::Array(e) => {
                let items = v
                    .as_array()
                    .ok_or_else(|| format!("{path}: expected an array, found {}", short(v)))?;
                items
                    .iter()
                    .enumerate()
                    .try_for_each(|(i, x)| self.check_at(e, x, &format!("{path}[{i}]")))
            }
            Shape::Tuple(shapes) => {
                let items = v
                    .as_array()
                    .ok_or_else(|| format!("{path}: expected an array, found {}", short(v)))?;
                if items.len() != shapes.len() {
                    return Err(format!(
                        "{path}: expected {} elements, found {}",
                        shapes.len(),
                        items.len()
                    ));
                }
                shapes
                    .iter()
                    .zip(items)
                    .enumerate()
                    .try_for_each(|(i, (s, x))| self.check_at(s, x, &format!("{path}[{i}]")))
            }
            Shape::Map(_, e) => {
                let map = v
                    .as_object()
                    .ok_or_else(|| format!("{path}: expected an object, found {}", short(v)))?;
                map.iter()
                    .try_for_each(|(k, x)| self.check_at(e, x, &format!("{path}.{k}")))
            }
            Shape::Object(entries) => {
                let map = v
                    .as_object()
                    .ok_or_else(|| format!("{path}: expected an object, found {}", short(v)))?;
                let keys = self.object_entries(entries, 0)?;
                for k in map.keys() {
                    if !keys.iter().any(|(name, _, _)| name == k) {
                        return Err(format!("{path}: undocumented key \"{k}\""));
                    }
                }
                for (name, optional, s) in keys {
                    match map.get(name) {
                        Some(x) => self.check_at(s, x, &format!("{path}.{name}"))?,
                        None if optional => {}
                        None => return Err(format!("{path}: missing key \"{name}\"")),
                    }
                }
                Ok(())
            }
            Shape::Alt(options) => {
                let mut whys = Vec::new();
                for o in options {
                    match self.check_at(o, v, path) {
                        Ok(()) => return Ok(()),
                        Err(e) => whys.push(e),
                    }
                }
                Err(format!(
                    "{path}: matches none of the {} alternatives: {}",
                    options.len(),
                    whys.join("; or ")
                ))
            }
        }
    }
}

/// A value, shortened for messages.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Punct(char),
    Spread,
    Str(String),
    Word(String),
    Ref(String),
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '{' | '}' | '[' | ']' | ',' | ':' | '|' | '?' => out.push(Token::Punct(c)),
            '.' => {
                if chars.next() != Some('.') || chars.next() != Some('.') {
                    return Err("a lone '.' (a spread is written ...@NAME)".into());
                }
                out.push(Token::Spread);
            }
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\')) => s.push(e),
                            other => return Err(format!("unsupported escape \\{other:?}")),
                        },
                        Some(c) => s.push(c),
                        None => return Err("an unclosed string".into()),
                    }
                }
                out.push(Token::Str(s));
            }
            '@' => {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    if !(c.is_ascii_alphanumeric() || c == '_') {
                        break;
                    }
                    s.push(c);
                    chars.next();
                }
                if s.is_empty() {
                    return Err("'@' without a name".into());
                }
                out.push(Token::Ref(s));
            }
            c if c.is_ascii_alphanumeric() => {
                let mut s = String::from(c);
                while let Some(&c) = chars.peek() {
                    if !c.is_ascii_alphanumeric() {
                        break;
                    }
                    s.push(c);
                    chars.next();
                }
                out.push(Token::Word(s));
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
    }
    Ok(out)
}

/// Parses one shape (a whole block's text).
pub fn parse_shape(text: &str) -> Result<Shape, String> {
    let toks = tokens(text)?;
    let mut p = Parser { toks, at: 0 };
    let shape = p.alt()?;
    match p.toks.get(p.at) {
        None => Ok(shape),
        Some(t) => Err(format!("unexpected {t:?} after the shape")),
    }
}

struct Parser {
    toks: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.at)
    }

    fn next(&mut self) -> Result<Token, String> {
        let t = self
            .toks
            .get(self.at)
            .cloned()
            .ok_or_else(|| "the shape ends too early".to_string())?;
        self.at += 1;
        Ok(t)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Token::Punct(c)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected '{c}', found {:?}", self.peek()))
        }
    }

    fn alt(&mut self) -> Result<Shape, String> {
        let mut options = vec![self.term()?];
        while self.eat('|') {
            options.push(self.term()?);
        }
        Ok(if options.len() == 1 {
            options.remove(0)
        } else {
            Shape::Alt(options)
        })
    }

    fn term(&mut self) -> Result<Shape, String> {
        match self.next()? {
            Token::Word(w) => Leaf::from_name(&w)
                .map(Shape::Leaf)
                .ok_or_else(|| format!("unknown type name {w:?}")),
            Token::Str(s) => Ok(Shape::Literal(s)),
            Token::Ref(r) => Ok(Shape::Ref(r)),
            Token::Punct('[') => {
                let mut items = vec![self.alt()?];
                while self.eat(',') {
                    items.push(self.alt()?);
                }
                self.expect(']')?;
                Ok(if items.len() == 1 {
                    Shape::Array(Box::new(items.remove(0)))
                } else {
                    Shape::Tuple(items)
                })
            }
            Token::Punct('{') => self.object(),
            t => Err(format!("expected a shape, found {t:?}")),
        }
    }

    fn object(&mut self) -> Result<Shape, String> {
        let mut entries = Vec::new();
        loop {
            if self.eat('}') {
                break;
            }
            match self.next()? {
                Token::Spread => match self.next()? {
                    Token::Ref(r) => entries.push(Entry::Spread(r)),
                    t => return Err(format!("expected @NAME after '...', found {t:?}")),
                },
                Token::Str(key) => {
                    let optional = self.eat('?');
                    self.expect(':')?;
                    let shape = self.alt()?;
                    if let Some(what) = key.strip_prefix('<').and_then(|k| k.strip_suffix('>')) {
                        if optional
                            || !entries.is_empty()
                            || self.peek() != Some(&Token::Punct('}'))
                        {
                            return Err(format!(
                                "a map {{\"<{what}>\": …}} must be the object's only entry"
                            ));
                        }
                        self.expect('}')?;
                        return Ok(Shape::Map(what.to_string(), Box::new(shape)));
                    }
                    entries.push(Entry::Key {
                        name: key,
                        optional,
                        shape,
                    });
                }
                t => return Err(format!("expected a key or '...', found {t:?}")),
            }
            if !self.eat(',') {
                self.expect('}')?;
                break;
            }
        }
        Ok(Shape::Object(entries))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

    fn doc() -> Doc {
        Doc::parse(
            "# t\n\n```shape @receipt\n{\"tx_hash\": hex32, \"fee\": u64 | null}\n```\n\n\
             ```shape a b\n{...@receipt, \"who\": ss58, \"n\"?: u16, // note\n \
             \"pairs\": [[u16, u64]], \"tags\": {\"<name>\": string}, \"kind\": \"x\" | \"y\"}\n```\n\n\
             ```shape-lines c\n[bool]\n```\n\n```text\nnot a shape {\n```\n\n\
             ## Commands without JSON output\n\n- `d e`: runs forever.\n",
        )
        .unwrap()
    }

    fn good() -> Value {
        json!({
            "tx_hash": format!("0x{}", "ab".repeat(32)),
            "fee": null,
            "who": ALICE,
            "pairs": [[1, 2], [3, 4]],
            "tags": {"p": "q"},
            "kind": "y",
        })
    }

    fn err(v: Value) -> String {
        let d = doc();
        d.check_value(&d.commands["a b"].shape, &v).unwrap_err()
    }

    #[test]
    fn the_document_is_read() {
        let d = doc();
        assert_eq!(d.commands.keys().collect::<Vec<_>>(), ["a b", "c"]);
        assert!(d.commands["c"].lines && !d.commands["a b"].lines);
        assert_eq!(d.no_json.iter().collect::<Vec<_>>(), ["d e"]);
        assert_eq!(d.shared.keys().collect::<Vec<_>>(), ["receipt"]);
    }

    #[test]
    fn a_matching_value_passes() {
        let d = doc();
        d.check_value(&d.commands["a b"].shape, &good()).unwrap();
        let mut with_n = good();
        with_n["n"] = json!(65535);
        d.check_value(&d.commands["a b"].shape, &with_n).unwrap();
        d.check_output("c", "[true]\n[]\n").unwrap();
        d.check_output("a b", &format!("{}\n", good())).unwrap();
    }

    #[test]
    fn an_undocumented_key_fails_with_its_path() {
        let mut v = good();
        v["extra"] = json!(1);
        assert_eq!(err(v), "$: undocumented key \"extra\"");
    }

    #[test]
    fn a_missing_key_fails_even_from_a_spread() {
        let mut v = good();
        v.as_object_mut().unwrap().remove("fee");
        assert_eq!(err(v), "$: missing key \"fee\"");
    }

    #[test]
    fn wrong_types_fail_with_their_paths() {
        let mut v = good();
        v["pairs"][1][1] = json!(-1);
        assert!(err(v).starts_with("$.pairs[1][1]: expected U64"));
        let mut v = good();
        v["n"] = json!(65536);
        assert!(err(v).starts_with("$.n: expected U16"));
        let mut v = good();
        v["who"] = json!("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ");
        assert!(err(v).starts_with("$.who: expected Ss58"));
        let mut v = good();
        v["tx_hash"] = json!("0xabcd");
        assert!(err(v).starts_with("$.tx_hash: expected Hex32"));
        let mut v = good();
        v["tags"]["p"] = json!(1);
        assert!(err(v).starts_with("$.tags.p: expected String"));
        let mut v = good();
        v["kind"] = json!("z");
        let e = err(v);
        assert!(
            e.contains("none of the 2 alternatives") && e.contains("\"x\""),
            "{e}"
        );
        let mut v = good();
        v["pairs"][0] = json!([1]);
        assert_eq!(err(v), "$.pairs[0]: expected 2 elements, found 1");
        let d = doc();
        assert!(d.check_output("c", "[1]").unwrap_err().contains("$[0]"));
    }

    #[test]
    fn outputs_need_the_documented_number_of_lines() {
        let d = doc();
        let one = good().to_string();
        let e = d
            .check_output("a b", &format!("{one}\n{one}\n"))
            .unwrap_err();
        assert!(e.contains("printed 2 JSON lines, expected one"), "{e}");
        assert!(d.check_output("c", "").is_err());
        assert!(d.check_output("zz", "{}").unwrap_err().contains("no shape"));
        assert!(
            d.check_output("c", "[true] x")
                .unwrap_err()
                .contains("not JSON")
        );
    }

    #[test]
    fn malformed_documents_are_refused() {
        for (text, why) in [
            ("```shape a\n{\"k\": nope}\n```\n", "unknown type name"),
            (
                "```shape a\n@missing\n```\n",
                "@missing is used but not defined",
            ),
            (
                "```shape a\nu8\n```\n```shape a\nu8\n```\n",
                "documented twice",
            ),
            ("```shape a\n{\"k\": u8\n```\n", "expected"),
            ("```shape a\nu8\n", "not closed"),
            (
                "```shape @k\nu8\n```\n```shape a\n{...@k}\n```\n",
                "not an object",
            ),
            (
                "```shape a\n{\"<x>\": u8, \"b\": u8}\n```\n",
                "the object's only entry",
            ),
        ] {
            let e = Doc::parse(text).unwrap_err();
            assert!(e.contains(why), "{text:?}: {e}");
        }
    }
}
