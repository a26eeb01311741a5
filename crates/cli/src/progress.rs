//! Progress on stderr: the spinner of a command waiting on the network ([`spinner`]) and the
//! start-up stages of `taonet localnet up` ([`Stages`]: one bar per stage on a terminal, one
//! line per finished stage otherwise: logs, pipes, `--json`, which keeps stdout clean).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::Global;

/// A spinner on stderr, hidden with `--json` or when stderr is not a terminal.
pub fn spinner(global: Global) -> ProgressBar {
    if global.json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        pb.set_style(style);
    }
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// The stages of one start-up.
pub struct Stages {
    multi: Option<MultiProgress>,
    /// Whether plain lines are printed (no terminal, not `--json`).
    lines: bool,
}

/// One stage: `done / total` with a message.
pub struct Stage {
    bar: Option<ProgressBar>,
    name: String,
    lines: bool,
    total: u64,
}

impl Stages {
    /// Bars on stderr when it is a terminal and `quiet` is false; plain lines when it is not a
    /// terminal; nothing when `quiet`.
    pub fn new(quiet: bool) -> Stages {
        let terminal = std::io::stderr().is_terminal();
        Stages {
            multi: (!quiet && terminal).then(MultiProgress::new),
            lines: !quiet && !terminal,
        }
    }

    /// A new stage of `total` steps.
    pub fn stage(&self, name: &str, total: u64) -> Stage {
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new(total));
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner:.green} {prefix:<18} [{bar:24.cyan/blue}] {pos}/{len} {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_prefix(name.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Stage {
            bar,
            name: name.to_string(),
            lines: self.lines,
            total,
        }
    }
}

impl Stage {
    /// Sets how many steps are done and what is happening.
    pub fn set(&self, done: u64, message: impl Into<String>) {
        if let Some(bar) = &self.bar {
            bar.set_position(done.min(self.total));
            bar.set_message(message.into());
        }
    }

    /// Marks the stage finished with a last message.
    pub fn finish(&self, message: impl Into<String>) {
        let message = message.into();
        match &self.bar {
            Some(bar) => {
                bar.set_position(self.total);
                bar.finish_with_message(message);
            }
            None if self.lines => eprintln!("{}: {message}", self.name),
            None => {}
        }
    }

    /// Stops the stage where it is (on failure), leaving the bar visible.
    pub fn abandon(&self, message: impl Into<String>) {
        if let Some(bar) = &self.bar {
            bar.abandon_with_message(message.into());
        }
    }
}
