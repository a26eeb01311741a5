//! The CLI's config file: the default network and named networks.
//!
//! The file is `$TAONET_CONFIG` if set, else `~/.taonet/config.toml`:
//!
//! ```toml
//! network = "finney"            # the default network: a name or a URL
//!
//! [networks]
//! finney = "wss://entrypoint.example:443"
//! ```
//!
//! # Rules
//! - A network is named by letters, digits, `-` and `_`; a value containing `:` is a URL
//!   (`ws://…`, `wss://…`, `http://…`, `host:port`), anything else a name.
//! - `local` is built in: the first node of the running local network (`taonet localnet up`),
//!   else `ws://127.0.0.1:9944`. It cannot be redefined.
//! - Named networks map to URLs only (no name-to-name chains); the default `network` may be a
//!   name (known when set) or a URL.
//! - A missing file is an empty config. A malformed file (bad TOML, an unknown key, a bad
//!   name or value) is an error naming the file and the line; it is never replaced silently.
//! - Writes are atomic (a crash leaves the old file or the new one, never a torn one).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::usage;

/// Environment variable naming the config file.
pub const CONFIG_ENV: &str = "TAONET_CONFIG";
/// The built-in network name: the running local network.
pub const LOCAL: &str = "local";

/// The config file's contents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The default network (a name or a URL), used when neither `--rpc`/`--network` nor
    /// `TAONET_RPC` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// User-defined networks: name → URL.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, String>,
}

/// Whether `value` is a URL (it contains `:`) rather than a network name.
pub fn is_url(value: &str) -> bool {
    value.contains(':')
}

/// Checks a network name (letters, digits, `-`, `_`).
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "{name:?} is not a valid network name (use letters, digits, '-' and '_')"
        ));
    }
    Ok(())
}

/// Checks a network URL: `ws://`, `wss://`, `http://`, `https://` or `host:port`.
pub fn check_url(url: &str) -> std::result::Result<(), String> {
    let rest = ["ws://", "wss://", "http://", "https://"]
        .iter()
        .find_map(|p| url.strip_prefix(p));
    let ok = match rest {
        Some(r) => !r.is_empty() && !r.contains(char::is_whitespace),
        None => url
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok()),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{url:?} is not a node URL (use ws://HOST:PORT, wss://…, http://… or HOST:PORT)"
        ))
    }
}

impl Config {
    /// The config file's path: `$TAONET_CONFIG`, else `~/.taonet/config.toml`.
    pub fn path() -> Result<PathBuf> {
        if let Ok(p) = std::env::var(CONFIG_ENV)
            && !p.is_empty()
        {
            return Ok(PathBuf::from(p));
        }
        let home = dirs::home_dir()
            .with_context(|| format!("cannot find the home directory; set {CONFIG_ENV}"))?;
        Ok(home.join(".taonet").join("config.toml"))
    }

    /// Reads the config file (an empty config if there is none).
    pub fn load() -> Result<Config> {
        Config::load_from(&Config::path()?)
    }

    /// Reads `file` (an empty config if it does not exist).
    pub fn load_from(file: &Path) -> Result<Config> {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
        };
        Config::parse(&text, file)
    }

    /// Parses the text of `file` and checks its names and values.
    pub fn parse(text: &str, file: &Path) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let at = line.map(|l| format!(", line {l}")).unwrap_or_default();
            usage!(
                "{}{at}: {}; fix the file or delete it",
                file.display(),
                e.message().trim_end()
            )
        })?;
        let bad = |key: &str, why: String| {
            let line = text
                .lines()
                .position(|l| {
                    l.trim_start()
                        .strip_prefix(key)
                        .is_some_and(|rest| rest.trim_start().starts_with('='))
                })
                .map(|i| format!(", line {}", i + 1))
                .unwrap_or_default();
            usage!(
                "{}{line}: {key}: {why}; fix the file or delete it",
                file.display()
            )
        };
        for (name, url) in &config.networks {
            check_name(name).map_err(|why| bad(name, why))?;
            if name == LOCAL {
                return Err(bad(
                    name,
                    "`local` is built in (the running local network) and cannot be redefined"
                        .into(),
                ));
            }
            check_url(url).map_err(|why| bad(name, why))?;
        }
        if let Some(n) = &config.network {
            let checked = if is_url(n) {
                check_url(n)
            } else {
                config.known(n).map(|_| ())
            };
            checked.map_err(|why| bad("network", why))?;
        }
        Ok(config)
    }

    /// Writes the config to `file` atomically (creating its directory).
    pub fn save_to(&self, file: &Path) -> Result<()> {
        if let Some(dir) = file.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let text = toml::to_string_pretty(self).context("encoding the config")?;
        taonet_crypto::atomic_file::write_atomic(file, text.as_bytes())
            .with_context(|| format!("writing {}", file.display()))
    }

    /// Every known network name: `local` and the user's, sorted after `local`.
    pub fn names(&self) -> Vec<String> {
        std::iter::once(LOCAL.to_string())
            .chain(self.networks.keys().cloned())
            .collect()
    }

    /// The URL of network `name` (`None` for `local`, resolved at use), or why it is unknown.
    pub fn known(&self, name: &str) -> std::result::Result<Option<&str>, String> {
        if name == LOCAL {
            return Ok(None);
        }
        self.networks.get(name).map(|u| Some(u.as_str())).ok_or_else(|| {
            format!(
                "unknown network {name:?}; known networks: {}. Define one with `taonet config set networks.{name} URL`, or give a URL",
                self.names().join(", ")
            )
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<Config, String> {
        Config::parse(text, Path::new("/cfg.toml")).map_err(|e| format!("{e:#}"))
    }

    #[test]
    fn parses_names_and_urls() {
        let c = parse("network = \"finney\"\n[networks]\nfinney = \"wss://a.b:443\"\n").unwrap();
        assert_eq!(c.network.as_deref(), Some("finney"));
        assert_eq!(c.known("finney"), Ok(Some("wss://a.b:443")));
        assert_eq!(c.known("local"), Ok(None));
        assert_eq!(c.names(), ["local", "finney"]);
        let back = parse(&toml::to_string_pretty(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn refuses_malformed_files_with_their_line() {
        let e = parse("network = \"local\"\n[networks]\nfinney = wss://x\n").unwrap_err();
        assert!(e.starts_with("/cfg.toml, line 3: "), "{e}");
        let e = parse("\nnetwrk = \"local\"\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("netwrk"), "{e}");
        let e = parse("[networks]\nlocal = \"ws://x:1\"\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("built in"), "{e}");
        let e = parse("[networks]\nfin = \"nope\"\n").unwrap_err();
        assert!(e.contains("not a node URL"), "{e}");
        let e = parse("network = \"finney\"\n").unwrap_err();
        assert!(
            e.contains("line 1") && e.contains("known networks: local"),
            "{e}"
        );
    }

    #[test]
    fn urls_and_names() {
        for ok in [
            "ws://127.0.0.1:9944",
            "wss://x",
            "http://h:1",
            "localhost:9944",
        ] {
            assert!(is_url(ok) && check_url(ok).is_ok(), "{ok}");
        }
        for bad in ["ws://", "host:", "host:99999", ":80"] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_name("test-net_2").is_ok());
        for bad in ["", "a.b", "a b", "ü"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
