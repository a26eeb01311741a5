//! `taonet sim …`: offline simulations of the chain's mechanisms.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use taonet_yuma::scenario::Scenario;

use crate::{Global, usage};

/// Largest scenario file read (a 4096-uid scenario with dense weights is a few MiB).
const MAX_SCENARIO_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Args, Debug)]
pub struct SimArgs {
    #[command(subcommand)]
    command: SimCommand,
}

#[derive(Subcommand, Debug)]
enum SimCommand {
    /// Run a multi-epoch Yuma Consensus scenario with the chain's own rules.
    ///
    /// Prints one JSON object per epoch (one per line) on stdout, or with --summary a
    /// readable table per epoch. The scenario format is described in docs/sim-yuma.md;
    /// examples are in examples/yuma/.
    Yuma(YumaArgs),
}

#[derive(Args, Debug)]
struct YumaArgs {
    /// The scenario JSON file ("-" reads standard input).
    #[arg(value_name = "SCENARIO.json")]
    scenario: PathBuf,
    /// Print a readable table per epoch instead of JSON lines.
    #[arg(long)]
    summary: bool,
}

pub fn run(args: SimArgs, global: Global) -> Result<ExitCode> {
    match args.command {
        SimCommand::Yuma(a) => yuma(&a, global),
    }
}

fn read_scenario(path: &PathBuf) -> Result<String> {
    let mut text = String::new();
    let what = path.display();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_SCENARIO_BYTES + 1)
            .read_to_string(&mut text)
            .context("reading the scenario from standard input")?;
    } else {
        let file =
            std::fs::File::open(path).map_err(|e| usage!("cannot open scenario {what}: {e}"))?;
        file.take(MAX_SCENARIO_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(|e| usage!("cannot read scenario {what}: {e} (it must be UTF-8 JSON)"))?;
    }
    if text.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(usage!(
            "scenario {what} is larger than {} MiB",
            MAX_SCENARIO_BYTES / (1024 * 1024)
        ));
    }
    Ok(text)
}

fn yuma(a: &YumaArgs, global: Global) -> Result<ExitCode> {
    let text = read_scenario(&a.scenario)?;
    let scenario = Scenario::from_json_str(&text)
        .map_err(|e| usage!("invalid scenario {}: {e}", a.scenario.display()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut write_err = None;
    let summary = a.summary && !global.json;
    scenario
        .run_with(|report| {
            if write_err.is_some() {
                return;
            }
            let res = if summary {
                write!(out, "{}", report.summary_table())
            } else {
                writeln!(out, "{}", report.to_json_line())
            };
            if let Err(e) = res.and_then(|()| out.flush()) {
                write_err = Some(e);
            }
        })
        .map_err(|e| usage!("scenario {} failed: {e}", a.scenario.display()))?;
    match write_err {
        // A closed pipe (`| head`) is not an error worth reporting.
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Some(e) => return Err(e).context("writing the results"),
        None => {}
    }
    Ok(ExitCode::SUCCESS)
}
