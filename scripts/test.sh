#!/usr/bin/env bash
# Runs every test of taonet: the whole Cargo workspace, including the interoperability tests
# that drive the real Python bittensor packages (installed here into a virtualenv under
# target/, once), the explorer's browser tests (headless Chromium, installed with apt-get
# when missing) and the user guide; then the Python SDK (python/): linted with ruff (with its
# examples, examples/python/), built and installed into the same virtualenv with
# `pip install ./python` before the cargo tests, and tested with pytest against a real local
# network after them.
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

# The Python SDK and its examples must be ruff-clean (lint and format) before anything is
# built.
"$venv/bin/ruff" check python examples/python
"$venv/bin/ruff" format --check python examples/python

# The explorer's browser tests drive headless Chromium (Debian's `chromium` package); they fail,
# never skip, without it.
if [ ! -x "${TAONET_CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "scripts/test.sh: installing chromium for the explorer's browser tests" >&2
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi

# The Python SDK is built and installed into the virtualenv first (the dev profile, so the
# cargo tests reuse what it compiled): the user guide's Python chapter runs with it.
MATURIN_PEP517_ARGS="--profile dev" \
  "$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps ./python

cargo test --workspace --locked --no-fail-fast -- --include-ignored
cargo test -p taonet-subnet-text --features candle --locked

# The Python SDK's own tests, which drive the CLI binary the cargo tests built.
cargo build -p taonet-cli --locked
TAONET_BIN="$PWD/target/debug/taonet" "$venv/bin/python" -m pytest python/tests -q
