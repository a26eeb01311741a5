//! `taonet sim …`: offline simulations.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::Global;

#[derive(Args, Debug)]
pub struct SimArgs {
    #[command(subcommand)]
    command: SimCommand,
}

#[derive(Subcommand, Debug)]
enum SimCommand {}

pub fn run(args: SimArgs, _global: Global) -> Result<ExitCode> {
    match args.command {}
}
