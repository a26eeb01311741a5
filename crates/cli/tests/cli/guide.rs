//! The user guide (`docs/guide/*.md`), executed: every command it shows runs here, so the guide
//! cannot drift from the code.
//!
//! # What is checked
//! - Fences: only ` ```sh ` (run), ` ```sh no_run ` (parsed), ` ```text `, ` ```rust `,
//!   ` ```python ` and ` ```json ` are allowed; `no_run` blocks are few ([`MAX_NO_RUN`]).
//! - ` ```sh ` blocks: each chapter's, in order, become one bash script ([`PREAMBLE`] + the
//!   blocks), run with `set -euo pipefail`; chapters run in file order in one sandbox (one
//!   `HOME`, one local network), like a reader following the guide. A failing command fails
//!   the test with its chapter, its line in the Markdown file and the script's output.
//! - ` ```sh no_run ` blocks: every `taonet …` command in them must parse — the runner runs
//!   `taonet <args> --help`, which fails on an unknown subcommand or flag or a malformed value.
//! - ` ```rust ` and ` ```python ` blocks are quotes: each must appear verbatim in one of the
//!   [`QUOTED_SOURCES`] of its language (compiled or run, and linted, by CI).
//! - Relative links between the guide's files, and their `#anchors`, must resolve.
//!
//! # The sandbox
//! A temporary `HOME`; `PATH` starting with the freshly built `taonet`, the virtualenv of
//! `TAONET_TEST_PYTHON` (where `scripts/test.sh` installed the taonet Python package, for
//! chapter 11's `python`) and the cargo running this test (for chapter 8's `cargo run
//! --example`); the repository root as the working
//! directory; `TAONET_WALLET_PASSWORD` set (chapter 3 makes one encrypted wallet);
//! `TAONET_RPC`, `TAONET_WALLET_PATH`, `TAONET_LOCALNET_DIR` and `RUST_LOG` removed;
//! `CARGO_HOME`, `RUSTUP_HOME` and `CARGO_TARGET_DIR` pinned to the real ones (the `HOME`
//! change would otherwise hide them), and the variables cargo sets for tests removed (so that
//! chapter 8's `cargo` reuses the build instead of rebuilding crates whose build scripts track
//! them). Background jobs a chapter starts (`… &`) are stopped when its script exits, what is
//! left of its process group is killed after it, and `taonet localnet down` always runs at the
//! end. `TAONET_GUIDE_KEEP=1` keeps the sandbox for inspection.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Fences the guide may use.
const FENCES: &[&str] = &["sh", "sh no_run", "text", "rust", "python", "json"];

/// At most this many `sh no_run` blocks: everything that can run, runs.
const MAX_NO_RUN: usize = 12;

/// Files the guide's ` ```rust ` and ` ```python ` blocks quote (relative to the repository
/// root), by fence.
const QUOTED_SOURCES: &[(&str, &[&str])] = &[
    ("rust", &["crates/neuron/examples/square_roots.rs"]),
    (
        "python",
        &[
            "examples/python/template/protocol.py",
            "examples/python/template/miner.py",
            "examples/python/template/validator.py",
            "examples/python/next_byte/protocol.py",
        ],
    ),
];

/// A chapter's script may run this long (they take seconds to half a minute; chapter 8 may
/// first build an example).
const CHAPTER_TIMEOUT: Duration = Duration::from_secs(300);

/// Set this to keep the sandbox (the chapters' scripts and output, the sandbox's `HOME`).
const KEEP_ENV: &str = "TAONET_GUIDE_KEEP";

/// The password of the one encrypted wallet the guide makes.
const WALLET_PASSWORD: &str = "guide-password";

/// What every chapter's script starts with (`@STATE@` is replaced by a directory where the
/// script notes the block it is in and the command that failed).
const PREAMBLE: &str = r#"# Preamble of the guide test (crates/cli/tests/cli/guide.rs), not part of the guide.
set -eEuo pipefail
__guide_state='@STATE@'
# Which block runs (for a timeout) and which command failed (for an error), for the report.
__guide_block() { printf '%s\n' "$1" > "$__guide_state/block"; printf '\n---- %s\n' "$1"; }
trap 'printf "%s %s\n" "$?" "$LINENO" >> "$__guide_state/failed"; printf "%s" "$BASH_COMMAND" > "$__guide_state/command"' ERR
# Background jobs of the chapter (`… &`) stop when it ends: SIGTERM, then SIGKILL after 10 s.
__guide_stop_jobs() {
    local pids killer
    pids=$(jobs -p)
    [ -n "$pids" ] || return 0
    kill $pids 2>/dev/null || true
    ( sleep 10; kill -9 $pids 2>/dev/null ) &
    killer=$!
    wait $pids 2>/dev/null || true
    kill "$killer" 2>/dev/null || true
}
trap __guide_stop_jobs EXIT
"#;

/// A fenced code block.
#[derive(Clone, Debug)]
struct Block {
    /// The file name, e.g. `04-mining.md`.
    file: String,
    /// 1-based line of its first content line.
    line: usize,
    /// The info string (`sh`, `sh no_run`, …).
    info: String,
    /// Its lines, without the fence's indentation.
    lines: Vec<String>,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn guide_dir() -> PathBuf {
    repo_root().join("docs/guide")
}

/// The guide's files in reading order: README.md, then the chapters by number.
fn guide_files() -> Vec<(String, String)> {
    let mut names: Vec<String> = std::fs::read_dir(guide_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort_by_key(|n| (n != "README.md", n.clone()));
    names
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(guide_dir().join(&n)).unwrap();
            (n, text)
        })
        .collect()
}

/// The fenced blocks of a Markdown file (fences may be indented, as in list items).
fn blocks(file: &str, text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(usize, Block)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match &mut open {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    open = Some((
                        indent,
                        Block {
                            file: file.to_string(),
                            line: i + 2,
                            info: info.trim().to_string(),
                            lines: Vec::new(),
                        },
                    ));
                }
            }
            Some((indent, block)) => {
                if trimmed.starts_with("```") && trimmed.trim_end().chars().all(|c| c == '`') {
                    out.push(block.clone());
                    open = None;
                } else {
                    let cut = line
                        .char_indices()
                        .take_while(|(j, c)| *j < *indent && c.is_whitespace())
                        .count();
                    block.lines.push(line[cut..].to_string());
                }
            }
        }
    }
    assert!(open.is_none(), "{file}: a code block is never closed");
    out
}

/// GitHub's anchor for a heading.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Anchors of a Markdown file's headings (outside code blocks).
fn anchors(text: &str) -> Vec<String> {
    let mut in_code = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            out.push(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// Every relative link `](path#anchor)` of the guide must point at a file (and heading) that
/// exists.
fn check_links(files: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, text) in files {
        let mut in_code = false;
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            if in_code {
                continue;
            }
            for part in line.split("](").skip(1) {
                let Some(target) = part.split(')').next() else {
                    continue;
                };
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
                let file = if path.is_empty() {
                    guide_dir().join(name)
                } else {
                    guide_dir().join(path)
                };
                let at = format!("docs/guide/{name}:{}", i + 1);
                let Ok(linked) = std::fs::read_to_string(&file) else {
                    if !file.exists() {
                        problems.push(format!("{at}: link to {target}: no such file"));
                    }
                    continue;
                };
                if !anchor.is_empty() && !anchors(&linked).iter().any(|a| a == anchor) {
                    problems.push(format!("{at}: link to {target}: no such heading"));
                }
            }
        }
    }
    problems
}

/// Splits a shell command line into words (quotes and backslashes as the shell does; stops at
/// a comment, a pipe, a redirection or a command separator). Good enough for the guide's
/// simple `no_run` lines.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                word.push(n);
                            }
                        }
                        q => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '#' if !in_word => break,
            '|' | '&' | ';' | '<' | '>' => break,
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Logical lines of a block (backslash continuations joined), with their Markdown line.
fn logical_lines(block: &Block) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, line) in block.lines.iter().enumerate() {
        if current.is_empty() {
            start = block.line + i;
        }
        match line.trim_end().strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                out.push((start, std::mem::take(&mut current)));
            }
        }
    }
    if !current.is_empty() {
        out.push((start, current));
    }
    out
}

/// The sandbox every chapter shares.
struct Sandbox {
    dir: tempfile::TempDir,
    taonet: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let mut dir = tempfile::tempdir().unwrap();
        if std::env::var_os(KEEP_ENV).is_some() {
            dir.disable_cleanup(true);
            eprintln!(
                "guide: {KEEP_ENV} is set: the sandbox (scripts, their output, HOME) stays in {}",
                dir.path().display()
            );
        }
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::create_dir_all(dir.path().join("scripts")).unwrap();
        Sandbox {
            dir,
            taonet: PathBuf::from(assert_cmd::cargo::cargo_bin!("taonet")),
        }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// A command with the sandbox's environment, run from the repository root.
    fn command(&self, program: &Path) -> Command {
        let real_home = dirs_home();
        let mut path = vec![self.taonet.parent().unwrap().to_path_buf()];
        // The Python chapter's `python` is the virtualenv with the taonet package installed.
        let python = std::env::var_os("TAONET_TEST_PYTHON").expect(
            "TAONET_TEST_PYTHON must name the python with the taonet package installed (scripts/test.sh)",
        );
        path.extend(Path::new(&python).parent().map(Path::to_path_buf));
        if let Some(cargo) = std::env::var_os("CARGO") {
            path.extend(Path::new(&cargo).parent().map(Path::to_path_buf));
        }
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let mut cmd = Command::new(program);
        cmd.current_dir(repo_root())
            .env("HOME", self.home())
            .env("PATH", std::env::join_paths(path).unwrap())
            .env("TAONET_WALLET_PASSWORD", WALLET_PASSWORD)
            .env_remove("TAONET_RPC")
            .env_remove("TAONET_WALLET_PATH")
            .env_remove("TAONET_LOCALNET_DIR")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        // What cargo adds to a test's environment goes, so that a `cargo` run by a chapter sees
        // the environment the outer cargo saw (build scripts such as ring's track
        // CARGO_MANIFEST_DIR and CARGO_PKG_*: a difference would rebuild them and their
        // dependents).
        for (var, value) in std::env::vars_os() {
            let name = var.to_string_lossy();
            let from_cargo = name == "CARGO"
                || ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_BIN_EXE_"]
                    .iter()
                    .any(|p| name.starts_with(p))
                || [
                    "CARGO_CRATE_NAME",
                    "CARGO_PRIMARY_PACKAGE",
                    "CARGO_TARGET_TMPDIR",
                    "CARGO_RUSTC_CURRENT_DIR",
                    "OUT_DIR",
                ]
                .contains(&name.as_ref());
            if from_cargo {
                cmd.env_remove(&var);
            } else if name == "LD_LIBRARY_PATH" {
                let target = self.taonet.parent().and_then(Path::parent);
                let kept: Vec<PathBuf> = std::env::split_paths(&value)
                    .filter(|p| {
                        !target.is_some_and(|t| p.starts_with(t))
                            && !p.to_string_lossy().contains("/toolchains/")
                    })
                    .collect();
                if kept.is_empty() {
                    cmd.env_remove(&var);
                } else {
                    cmd.env(&var, std::env::join_paths(kept).unwrap());
                }
            }
        }
        for (var, default) in [("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")] {
            if std::env::var_os(var).is_none() {
                cmd.env(var, real_home.join(default));
            }
        }
        if std::env::var_os("CARGO_TARGET_DIR").is_none()
            && let Some(profile_dir) = self.taonet.parent()
            && let Some(target) = profile_dir.parent()
        {
            cmd.env("CARGO_TARGET_DIR", target);
        }
        cmd
    }

    fn taonet(&self, args: &[&str]) -> std::process::Output {
        self.command(&self.taonet)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap()
    }

    /// The last lines of the local network's logs and of the logs the chapters' background
    /// processes write (`~/taonet-guide/*.log`), for failure reports.
    fn logs(&self) -> String {
        let root = self.home().join(".taonet/localnet");
        let mut logs = Vec::new();
        for sub in ["validator-0", "validator-1", "validator-2", "validator-3"] {
            logs.push(root.join(sub).join("node.log"));
        }
        for dir in [root.join("neurons"), self.home().join("taonet-guide")] {
            if let Ok(entries) = std::fs::read_dir(dir) {
                let mut files: Vec<PathBuf> = entries
                    .map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|x| x == "log"))
                    .collect();
                files.sort();
                logs.extend(files);
            }
        }
        let mut out = String::new();
        for log in logs.iter().filter(|l| l.exists()) {
            let _ = writeln!(out, "--- {}:\n{}", log.display(), tail(log, 8));
        }
        out
    }
}

/// Whatever happens, the local network the guide started is taken down.
impl Drop for Sandbox {
    fn drop(&mut self) {
        if self.home().join(".taonet/localnet/localnet.json").exists() {
            let _ = self.taonet(&["localnet", "down"]);
        }
    }
}

fn dirs_home() -> PathBuf {
    PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
}

fn tail(path: &Path, lines: usize) -> String {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The ports the guide uses that are taken: the local network's defaults (`localnet up
/// --miners 2`), then the chapters' own (a busy one would leave a chapter waiting for a
/// background process that could not start).
fn busy_ports() -> Vec<u16> {
    let localnet = (9944..9948)
        .chain(30333..30337)
        .chain(9615..9619)
        .chain(8091..8093)
        .chain(9700..9704)
        .chain([8190]); // the gateway of alice's subnet validator
    let chapters = [
        8095, 9710, // 04: the miner's axon and health
        9711, // 05: the validator's health
        30400, 30401, 9950, 9951, 9650, 9651, // 06: nodes A and B
        8111, 8112, // 08: the example's miners
        8096, // 10: `taonet explorer`
        8121, 8122, 8131, // 11: the Python miners
        30410, 9960, // 13: the node that was not ready, then the one that was
    ];
    localnet
        .chain(chapters)
        .filter(|p| std::net::TcpListener::bind(("127.0.0.1", *p)).is_err())
        .collect()
}

/// A chapter's script, and which Markdown line each of its lines comes from.
fn chapter_script(blocks: &[&Block], state: &Path) -> (String, BTreeMap<usize, usize>) {
    let mut script = PREAMBLE.replace("@STATE@", &state.display().to_string());
    let mut origin = BTreeMap::new();
    let mut line = script.lines().count();
    for b in blocks {
        let _ = writeln!(script, "__guide_block 'docs/guide/{}:{}'", b.file, b.line);
        line += 1;
        for (i, l) in b.lines.iter().enumerate() {
            script.push_str(l);
            script.push('\n');
            line += 1;
            origin.insert(line, b.line + i);
        }
    }
    (script, origin)
}

/// Runs one chapter's script; `Err` is the report of what failed.
fn run_chapter(sandbox: &Sandbox, file: &str, blocks: &[&Block]) -> Result<Duration, String> {
    let started = Instant::now();
    let stem = file.trim_end_matches(".md");
    let state = sandbox.dir.path().join(format!("state-{stem}"));
    std::fs::create_dir_all(&state).unwrap();
    let (script, origin) = chapter_script(blocks, &state);
    let script_path = sandbox.dir.path().join(format!("scripts/{stem}.sh"));
    std::fs::write(&script_path, &script).unwrap();
    let log_path = sandbox.dir.path().join(format!("{stem}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut cmd = sandbox.command(Path::new("bash"));
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = cmd
        .arg(&script_path)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let pgid = child.id();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > CHAPTER_TIMEOUT {
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    // Whatever is left of the chapter (its script, jobs it did not stop) goes.
    for sig in ["-TERM", "-KILL"] {
        let _ = Command::new("kill")
            .args([sig, "--", &format!("-{pgid}")])
            .stderr(Stdio::null())
            .status();
        std::thread::sleep(Duration::from_millis(300));
    }
    let _ = child.wait();
    let output = tail(&log_path, 120);
    let block = std::fs::read_to_string(state.join("block")).unwrap_or_default();
    let block = block.trim();
    match status {
        Some(s) if s.success() => Ok(started.elapsed()),
        Some(s) => {
            // The last ERR record is the outermost command (a failure inside `$(…)` is
            // recorded first, then the assignment that ran it).
            let failed = std::fs::read_to_string(state.join("failed")).unwrap_or_default();
            let command = std::fs::read_to_string(state.join("command")).unwrap_or_default();
            let what = failed.lines().last().map(|l| {
                let mut parts = l.split(' ');
                let code = parts.next().unwrap_or("?").to_string();
                let line: usize = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
                (code, line, command.trim().to_string())
            });
            let location = match &what {
                Some((code, line, command)) => match origin.get(line) {
                    Some(md) => {
                        format!("docs/guide/{file}:{md}: `{command}` failed (exit status {code})")
                    }
                    None => format!("{file}: `{command}` failed (exit status {code})"),
                },
                None => format!("{file}: the script failed ({s}) in the block at {block}"),
            };
            Err(format!(
                "{location}\n\n--- output (last lines of {}):\n{output}\n\n--- logs:\n{}",
                log_path.display(),
                sandbox.logs()
            ))
        }
        None => Err(format!(
            "{file}: timed out after {} s in the block at {block}\n\n--- output:\n{output}\n\n--- logs:\n{}",
            CHAPTER_TIMEOUT.as_secs(),
            sandbox.logs()
        )),
    }
}

/// Every `taonet …` line of the `no_run` blocks parses (`taonet <args> --help` succeeds).
fn check_no_run(sandbox: &Sandbox, no_run: &[&Block]) -> Vec<String> {
    let mut problems = Vec::new();
    for b in no_run {
        for (line, text) in logical_lines(b) {
            let words = shell_words(&text);
            if words.first().map(String::as_str) != Some("taonet") {
                continue;
            }
            let mut args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            args.push("--help");
            let out = sandbox.taonet(&args);
            if !out.status.success() {
                problems.push(format!(
                    "docs/guide/{}:{line}: `{}` does not parse: {}",
                    b.file,
                    text.trim(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
    }
    problems
}

#[test]
fn guide_commands_run_as_documented() {
    let files = guide_files();
    let all: Vec<Block> = files
        .iter()
        .flat_map(|(name, text)| blocks(name, text))
        .collect();

    // Static checks first: they are cheap and say the most precise things.
    let mut problems = check_links(&files);
    for b in &all {
        if !FENCES.contains(&b.info.as_str()) {
            problems.push(format!(
                "docs/guide/{}:{}: fence ```{} is not one of {FENCES:?} (use sh to run a command, sh no_run for one that cannot run, text for output)",
                b.file,
                b.line - 1,
                b.info
            ));
        }
    }
    for (fence, files) in QUOTED_SOURCES {
        let sources: Vec<String> = files
            .iter()
            .map(|s| std::fs::read_to_string(repo_root().join(s)).unwrap())
            .collect();
        for b in all.iter().filter(|b| b.info == *fence) {
            let quote = b.lines.join("\n");
            if !sources.iter().any(|s| s.contains(&quote)) {
                problems.push(format!(
                    "docs/guide/{}:{}: this {fence} block is not a verbatim quote of {files:?}; copy it from there again",
                    b.file, b.line
                ));
            }
        }
    }
    let no_run: Vec<&Block> = all.iter().filter(|b| b.info == "sh no_run").collect();
    assert!(
        no_run.len() <= MAX_NO_RUN,
        "{} `sh no_run` blocks in the guide; at most {MAX_NO_RUN}: make commands runnable",
        no_run.len()
    );
    let sandbox = Sandbox::new();
    problems.extend(check_no_run(&sandbox, &no_run));
    assert!(
        problems.is_empty(),
        "the guide has problems:\n{}",
        problems.join("\n")
    );

    // Then the commands, chapter by chapter.
    for tool in ["bash", "curl", "jq"] {
        assert!(
            have(tool),
            "the guide's commands need `{tool}`; install it (e.g. apt-get install {tool})"
        );
    }
    let _heavy = super::localnet::HEAVY
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let busy = busy_ports();
    assert!(
        busy.is_empty(),
        "the guide's commands need ports {busy:?}, which are in use (another `taonet localnet`?)"
    );
    let started = Instant::now();
    let mut timings = Vec::new();
    for (name, _) in &files {
        let chapter: Vec<&Block> = all
            .iter()
            .filter(|b| &b.file == name && b.info == "sh")
            .collect();
        if chapter.is_empty() {
            continue;
        }
        match run_chapter(&sandbox, name, &chapter) {
            Ok(took) => {
                eprintln!("guide: {name} ran in {:.1} s", took.as_secs_f64());
                timings.push((name.clone(), took));
            }
            Err(report) => panic!("the guide failed at {report}"),
        }
    }
    let ran = all.iter().filter(|b| b.info == "sh").count();
    eprintln!(
        "guide: {ran} sh blocks in {} chapters ran in {:.1} s; {} no_run blocks parsed",
        timings.len(),
        started.elapsed().as_secs_f64(),
        no_run.len()
    );
}

#[test]
fn shell_words_split_like_the_shell() {
    assert_eq!(
        shell_words(r#"taonet wallet sign --message "hello world" --x 'a b' c\ d # comment"#),
        [
            "taonet",
            "wallet",
            "sign",
            "--message",
            "hello world",
            "--x",
            "a b",
            "c d"
        ]
    );
    assert_eq!(
        shell_words("taonet node run --data-dir x > log 2>&1 &"),
        ["taonet", "node", "run", "--data-dir", "x"]
    );
    let b = Block {
        file: "x.md".into(),
        line: 10,
        info: "sh no_run".into(),
        lines: vec!["a \\".into(), "  b".into(), "c".into()],
    };
    assert_eq!(
        logical_lines(&b),
        [(10, "a    b".to_string()), (12, "c".to_string())]
    );
    assert_eq!(
        slug("Wallets: coldkeys and hotkeys"),
        "wallets-coldkeys-and-hotkeys"
    );
    assert_eq!(slug(" 1. The synapse"), "1-the-synapse");
}
