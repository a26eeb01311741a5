//! Memory over a long run (`taonet bench tps --sample-memory SECS`): every `SECS` the resident
//! memory (`VmRSS`) of every process of the local network — the validator nodes and the subnet
//! neurons — is recorded, and at the end each process's trend after the warm-up is fitted.
//!
//! # Rules
//! - A sample is taken at `t = k × SECS` after the start of the load window, k = 1, 2, …, until
//!   the window ends; a process that has exited reads as null.
//! - **Warm-up** is the first quarter of the window (at least one sample is left after it).
//!   The trend is the least-squares slope of RSS against time over the samples after the
//!   warm-up, in MiB per hour; with it the first and last RSS after warm-up and the maximum.
//! - A process is **bounded** when its growth over the post-warm-up samples, slope × their span,
//!   stays under 5% of its post-warm-up mean RSS or 10 MiB, whichever is larger: a steady
//!   process wanders by a few MiB as allocators reuse memory; a leak of a few bytes per
//!   transaction at 500 transfers/s adds tens of MiB an hour.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::{memory_mib, round3};
use crate::context::Localnet;

/// One process the sampler watches.
#[derive(Clone)]
struct Watched {
    name: String,
    pid: u32,
}

/// One sample: seconds since the start, RSS MiB per watched process (`None`: exited).
type Sample = (f64, Vec<Option<f64>>);

/// The samples taken so far.
pub(super) struct Sampler {
    watched: Vec<Watched>,
    samples: Arc<Mutex<Vec<Sample>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Sampler {
    /// Starts sampling every `every` from `start` (the beginning of the load window).
    pub(super) fn start(net: &Localnet, every: Duration, start: Instant) -> Sampler {
        let watched: Vec<Watched> = net
            .nodes
            .iter()
            .map(|n| Watched {
                name: n.name.clone(),
                pid: n.pid,
            })
            .chain(net.neurons.iter().map(|n| Watched {
                name: n.name.clone(),
                pid: n.pid,
            }))
            .collect();
        let samples = Arc::new(Mutex::new(Vec::new()));
        let task = {
            let watched = watched.clone();
            let samples = samples.clone();
            tokio::spawn(async move {
                let mut k = 1u32;
                loop {
                    tokio::time::sleep_until((start + every * k).into()).await;
                    let t = start.elapsed().as_secs_f64();
                    let rss: Vec<Option<f64>> = watched
                        .iter()
                        .map(|w| memory_mib(w.pid).map(|(rss, _)| rss))
                        .collect();
                    samples.lock().await.push((t, rss));
                    k += 1;
                }
            })
        };
        Sampler {
            watched,
            samples,
            task,
        }
    }

    /// Stops sampling and reports the samples and each process's trend (module rules).
    pub(super) async fn finish(self) -> Value {
        self.task.abort();
        let samples = self.samples.lock().await.clone();
        let end = samples.last().map_or(0.0, |(t, _)| *t);
        let warm_up = end / 4.0;
        let processes: Vec<Value> = self
            .watched
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let after: Vec<(f64, f64)> = samples
                    .iter()
                    .filter(|(t, _)| *t > warm_up)
                    .filter_map(|(t, rss)| rss[i].map(|r| (*t, r)))
                    .collect();
                trend(&w.name, &after)
            })
            .collect();
        json!({
            "every_s": samples.first().map(|(t, _)| round3(*t)),
            "warm_up_s": round3(warm_up),
            "processes": processes,
            "samples": samples
                .iter()
                .map(|(t, rss)| json!({
                    "t_s": round3(*t),
                    "rss_mib": self.watched.iter().zip(rss)
                        .map(|(w, r)| (w.name.clone(), r.map_or(Value::Null, round3)))
                        .collect::<serde_json::Map<String, Value>>(),
                }))
                .collect::<Vec<_>>(),
            "bounded": processes.iter().all(|p| p["bounded"] == true),
        })
    }
}

/// The least-squares trend of `points` (seconds, MiB) for process `name` (module rules).
fn trend(name: &str, points: &[(f64, f64)]) -> Value {
    if points.len() < 2 {
        return json!({ "name": name, "samples": points.len(), "bounded": Value::Null });
    }
    let n = points.len() as f64;
    let mean_t = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_r = points.iter().map(|p| p.1).sum::<f64>() / n;
    let cov: f64 = points.iter().map(|p| (p.0 - mean_t) * (p.1 - mean_r)).sum();
    let var: f64 = points.iter().map(|p| (p.0 - mean_t).powi(2)).sum();
    let slope_per_s = if var > 0.0 { cov / var } else { 0.0 };
    let span = points[points.len() - 1].0 - points[0].0;
    let growth = slope_per_s * span;
    let allowed = (mean_r * 0.05).max(10.0);
    json!({
        "name": name,
        "samples": points.len(),
        "first_mib": round3(points[0].1),
        "last_mib": round3(points[points.len() - 1].1),
        "max_mib": round3(points.iter().map(|p| p.1).fold(f64::MIN, f64::max)),
        "mean_mib": round3(mean_r),
        "slope_mib_per_hour": round3(slope_per_s * 3600.0),
        "growth_mib": round3(growth),
        "bounded": growth < allowed,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_series_is_bounded_and_a_leak_is_not() {
        let flat: Vec<(f64, f64)> = (1..=60)
            .map(|m| (m as f64 * 60.0, 400.0 + f64::from(m % 3)))
            .collect();
        let t = trend("node", &flat);
        assert_eq!(t["bounded"], true);
        assert!(t["slope_mib_per_hour"].as_f64().unwrap().abs() < 1.0);
        // 1 MiB a minute: 60 MiB an hour on a 400 MiB process.
        let leak: Vec<(f64, f64)> = (1..=60)
            .map(|m| (m as f64 * 60.0, 400.0 + m as f64))
            .collect();
        let t = trend("node", &leak);
        assert_eq!(t["bounded"], false);
        assert!((t["slope_mib_per_hour"].as_f64().unwrap() - 60.0).abs() < 0.01);
        assert_eq!(trend("node", &leak[..1])["bounded"], Value::Null);
    }
}
