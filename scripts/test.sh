#!/usr/bin/env bash
# Runs every test of taonet: the whole Cargo workspace, including the interoperability tests
# that drive the real Python bittensor packages (installed here into a virtualenv under
# target/, once) and the explorer's browser tests (headless Chromium, installed with apt-get
# when missing); then the Python SDK (python/): linted with ruff, built and installed into
# the same virtualenv with `pip install ./python`, and tested with pytest against a real
# local network.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${TAONET_TEST_VENV:-$PWD/target/test-venv}"
# (Re)install when the venv is missing or its packages differ from the pinned list.
stamp="$venv/.requirements"
if ! cmp -s scripts/requirements-test.txt "$stamp" 2>/dev/null; then
  echo "scripts/test.sh: installing the Python interop packages into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
  cp scripts/requirements-test.txt "$stamp"
fi
export TAONET_TEST_PYTHON="$venv/bin/python"

# The Python SDK's sources must be ruff-clean (lint and format) before anything is built.
"$venv/bin/ruff" check python
"$venv/bin/ruff" format --check python

# The explorer's browser tests drive headless Chromium (Debian's `chromium` package); they fail,
# never skip, without it.
if [ ! -x "${TAONET_CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "scripts/test.sh: installing chromium for the explorer's browser tests" >&2
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi

cargo test --workspace --locked --no-fail-fast -- --include-ignored
cargo test -p taonet-subnet-text --features candle --locked

# The Python SDK: build and install the package (the dev profile, so the build reuses what the
# cargo tests compiled), then its tests, which drive the CLI binary built above.
cargo build -p taonet-cli --locked
MATURIN_PEP517_ARGS="--profile dev" \
  "$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps ./python
TAONET_BIN="$PWD/target/debug/taonet" "$venv/bin/python" -m pytest python/tests -q
