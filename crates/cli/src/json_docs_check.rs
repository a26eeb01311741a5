//! `docs/cli-json.md` covers the whole CLI: every leaf command of the clap tree has a shape
//! there or is listed among the commands without JSON output, and every command the document
//! names exists. (The shapes themselves are checked against real output by the integration
//! test `tests/cli/json_docs.rs`, which shares the document's parser, [`shape`].)
//!
//! # Rules
//! - A leaf command is a subcommand path without subcommands (`wallet create`, `explorer`);
//!   aliases are not commands of their own, and clap's `help` is not documented.

use std::collections::BTreeSet;

use clap::CommandFactory;

#[path = "../tests/cli/json_docs/shape.rs"]
mod shape;

/// The document, compiled in so the test needs no files at run time.
const DOC: &str = include_str!("../../../docs/cli-json.md");

/// Every leaf command path under `cmd`, prefixed with `prefix`.
fn leaves(cmd: &clap::Command, prefix: &str, out: &mut BTreeSet<String>) {
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let path = if prefix.is_empty() {
            sub.get_name().to_string()
        } else {
            format!("{prefix} {}", sub.get_name())
        };
        if sub.has_subcommands() {
            leaves(sub, &path, out);
        } else {
            out.insert(path);
        }
    }
}

#[test]
fn every_command_is_documented_and_every_documented_command_exists() {
    let parsed = shape::Doc::parse(DOC);
    assert!(
        parsed.is_ok(),
        "docs/cli-json.md: {:?}",
        parsed.as_ref().err()
    );
    let Ok(doc) = parsed else { return };
    let mut commands = BTreeSet::new();
    leaves(&crate::Cli::command(), "", &mut commands);
    assert!(commands.contains("wallet create") && commands.contains("explorer"));
    let documented: BTreeSet<String> = doc
        .commands
        .keys()
        .chain(doc.no_json.iter())
        .cloned()
        .collect();
    let missing: Vec<String> = commands
        .difference(&documented)
        .map(|c| {
            format!(
                "`taonet {c}` has no section in docs/cli-json.md: add a ```shape {c} block \
                 (or list it under \"{}\")",
                shape::NO_JSON_HEADING.trim_start_matches("## ")
            )
        })
        .collect();
    let unknown: Vec<String> = documented
        .difference(&commands)
        .map(|c| format!("docs/cli-json.md documents `{c}`, which is not a taonet command"))
        .collect();
    let problems = [missing, unknown].concat();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
