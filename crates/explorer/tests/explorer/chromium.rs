//! Driving headless Chromium (Debian's `chromium` package): `--dump-dom` (the DOM after
//! scripts ran), `--screenshot` (a PNG), and a DevTools session over `--remote-debugging-pipe`
//! for clicks and for watching a page change over time. No WebDriver, no extra crates: the
//! pipe protocol is NUL-terminated JSON on file descriptors 3 (commands) and 4 (replies), which
//! a shell wires to the child's stdin and stdout.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The browser binary: `TAONET_CHROMIUM`, else `/usr/bin/chromium`. Fails (never skips) when
/// it is missing.
pub fn binary() -> PathBuf {
    let path = std::env::var_os("TAONET_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "headless Chromium is needed for the explorer's browser tests but {} does not exist: \
         install it with `apt-get install -y chromium` (scripts/test.sh does this), or point \
         TAONET_CHROMIUM at a Chromium binary",
        path.display()
    );
    path
}

/// The flags every run uses, with a fresh profile directory.
fn base_args(profile: &std::path::Path) -> Vec<String> {
    vec![
        "--headless".into(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--hide-scrollbars".into(),
        format!("--user-data-dir={}", profile.display()),
    ]
}

/// Runs Chromium with `args` and a timeout; returns its stdout.
fn run(args: &[String], timeout: Duration) -> Vec<u8> {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut all = base_args(profile.path());
    all.extend_from_slice(args);
    let mut child = Command::new(binary())
        .args(&all)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut out);
        out
    });
    let t0 = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if t0.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {args:?} did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    reader.join().expect("reader")
}

/// The serialised DOM of `url` after its load event (deferred scripts have run).
///
/// (No `--virtual-time-budget`: virtual time stands still while a request is pending, and the
/// live-update long poll always is, so a budget would only expire with the poll's timeout.)
pub fn dump_dom(url: &str) -> String {
    let args = ["--dump-dom".to_string(), url.to_string()];
    String::from_utf8(run(&args, Duration::from_secs(30))).expect("utf-8 DOM")
}

/// A decoded screenshot.
pub struct Shot {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// RGB pixels, row by row.
    pub rgb: Vec<[u8; 3]>,
}

impl Shot {
    /// The pixel at (x, y).
    pub fn at(&self, x: u32, y: u32) -> [u8; 3] {
        self.rgb[(y * self.width + x) as usize]
    }
}

/// A 1280×900 screenshot of `url`, decoded.
pub fn screenshot(url: &str) -> Shot {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("shot.png");
    run(
        &[
            format!("--screenshot={}", file.display()),
            "--window-size=1280,900".into(),
            url.into(),
        ],
        Duration::from_secs(30),
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&file).expect("chromium wrote no screenshot"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let rgb = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    Shot {
        width: info.width,
        height: info.height,
        rgb,
    }
}

/// A DevTools session with one page.
pub struct Cdp {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    next_id: u64,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Cdp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Cdp {
    /// Starts Chromium with a blank page attached.
    pub fn start() -> Cdp {
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args = base_args(profile.path());
        args.push("--window-size=1280,900".into());
        args.push("--remote-debugging-pipe".into());
        let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
        // fd 3 ← our stdin (commands), fd 4 → our stdout (replies).
        let script = format!(
            "exec '{}' {} 3<&0 4>&1 0</dev/null 1>/dev/null",
            binary().display(),
            quoted.join(" ")
        );
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let input = child.stdin.take().expect("stdin");
        let output = BufReader::new(child.stdout.take().expect("stdout"));
        let mut cdp = Cdp {
            child,
            input,
            output,
            next_id: 0,
            session: String::new(),
            _profile: profile,
        };
        let target = cdp.command(None, "Target.createTarget", json!({ "url": "about:blank" }));
        let target_id = target["targetId"].as_str().expect("target id").to_string();
        let attached = cdp.command(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        );
        cdp.session = attached["sessionId"].as_str().expect("session").to_string();
        cdp.command(Some("page"), "Page.enable", json!({}));
        cdp.command(Some("page"), "Runtime.enable", json!({}));
        cdp
    }

    fn command(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if session.is_some() {
            msg["sessionId"] = json!(self.session);
        }
        let mut bytes = msg.to_string().into_bytes();
        bytes.push(0);
        self.input.write_all(&bytes).expect("write to chromium");
        self.input.flush().expect("flush");
        loop {
            let m = self.read();
            if m["id"].as_u64() == Some(id) {
                assert!(m.get("error").is_none(), "{method} failed: {m}");
                return m["result"].clone();
            }
        }
    }

    fn read(&mut self) -> Value {
        let mut buf = Vec::new();
        let n = self
            .output
            .read_until(0, &mut buf)
            .expect("read from chromium");
        assert!(n > 0, "chromium closed the DevTools pipe");
        if buf.last() == Some(&0) {
            buf.pop();
        }
        serde_json::from_slice(&buf).expect("DevTools JSON")
    }

    /// Opens `url` and waits until its `load` event (and the deferred script) ran.
    pub fn open(&mut self, url: &str) {
        self.command(Some("page"), "Page.navigate", json!({ "url": url }));
        self.wait_for(
            "document.readyState === 'complete'",
            Duration::from_secs(20),
        );
    }

    /// Evaluates `expression` in the page and returns its value.
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.command(
            Some("page"),
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        assert!(
            r.get("exceptionDetails").is_none(),
            "{expression} threw: {}",
            r["exceptionDetails"]
        );
        r["result"]["value"].clone()
    }

    /// Waits until `expression` is true (polling every 100 ms).
    pub fn wait_for(&mut self, expression: &str, timeout: Duration) {
        let t0 = Instant::now();
        loop {
            if self.eval(&format!("!!({expression})")) == json!(true) {
                return;
            }
            assert!(
                t0.elapsed() < timeout,
                "{expression} did not become true within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Clicks at the centre of the first element matching `selector`, with real mouse events.
    pub fn click(&mut self, selector: &str) {
        let rect = self.eval(&format!(
            "(() => {{ const e = document.querySelector({sel}); e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }})()",
            sel = serde_json::to_string(selector).expect("selector")
        ));
        let (x, y) = (rect[0].as_f64().expect("x"), rect[1].as_f64().expect("y"));
        for kind in ["mousePressed", "mouseReleased"] {
            self.command(
                Some("page"),
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            );
        }
    }
}
