#!/usr/bin/env bash
# Multi-host test: 4 validators, each in its own network namespace with its own address
# (10.77.0.1-4/24, as on separate machines), joined by a bridge that lives in a fifth
# namespace. Cutting node 4's link partitions it (nodes 1-3 keep finalizing, node 4 is
# stuck); restoring the link heals it (node 4 catches up to the same blocks).
#
# Usage (root, Linux, iproute2 and curl or python3):
#   sudo scripts/netns-test.sh path/to/taonet        # or TAONET_BIN=... scripts/netns-test.sh
# Builds nothing. Optional: NETNS_TEST_DIR (work directory, kept), NETNS_TEST_TIMEOUT (s, 120).
# Touches nothing outside the namespaces it creates; removes them on exit.
set -euo pipefail

BIN="${1:-${TAONET_BIN:-}}"
TIMEOUT="${NETNS_TEST_TIMEOUT:-120}"
N=4

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

[[ -n "$BIN" ]] || fail "usage: $0 path/to/taonet (or set TAONET_BIN)"
[[ -x "$BIN" ]] || fail "$BIN is not an executable taonet binary"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
[[ "$(id -u)" == 0 ]] || fail "needs root (network namespaces): sudo $0 $BIN"
command -v ip >/dev/null || fail "needs ip (iproute2): apt-get install -y iproute2"
if command -v curl >/dev/null; then
    HTTP=curl
elif command -v python3 >/dev/null; then
    HTTP=python3
else
    fail "needs curl or python3 to query the nodes' RPC"
fi

if [[ -n "${NETNS_TEST_DIR:-}" ]]; then
    WORK="$NETNS_TEST_DIR"
    KEEP_WORK=1
    mkdir -p "$WORK"
else
    WORK="$(mktemp -d -t taonet-netns.XXXXXX)"
    KEEP_WORK=0
fi

# Names unique to this run (interface names must stay under 16 characters).
TAG="tn$$"
BR_NS="${TAG}br"
ns() { echo "${TAG}n$1"; }
bridge_port() { echo "${TAG}b$1"; }
addr() { echo "10.77.0.$1"; }

PIDS=()
NAMESPACES=()

cleanup() {
    local rc=$?
    set +e
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for _ in $(seq 50); do
        local alive=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [[ $alive == 0 ]] && break
        sleep 0.2
    done
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    wait 2>/dev/null
    if [[ $rc != 0 ]]; then
        for i in $(seq $N); do
            echo "--- node $i log ($WORK/n$i/node.log), last lines:" >&2
            tail -n 15 "$WORK/n$i/node.log" >&2 2>/dev/null
        done
    fi
    # Deleting a namespace deletes the veth ends (and the bridge) inside it.
    for n in "${NAMESPACES[@]}"; do ip netns del "$n" 2>/dev/null; done
    [[ $KEEP_WORK == 0 ]] && rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT INT TERM

echo "== network: $N namespaces on 10.77.0.0/24 through a bridge in $BR_NS"
ip netns add "$BR_NS"
NAMESPACES+=("$BR_NS")
ip -n "$BR_NS" link add br0 type bridge
ip -n "$BR_NS" link set br0 up
ip -n "$BR_NS" link set lo up
for i in $(seq $N); do
    n="$(ns "$i")"
    ip netns add "$n"
    NAMESPACES+=("$n")
    ip -n "$n" link set lo up
    # eth0 in the node's namespace, its peer plugged into the bridge.
    ip -n "$n" link add eth0 type veth peer name "$(bridge_port "$i")" netns "$BR_NS"
    ip -n "$n" addr add "$(addr "$i")/24" dev eth0
    ip -n "$n" link set eth0 up
    ip -n "$BR_NS" link set "$(bridge_port "$i")" master br0
    ip -n "$BR_NS" link set "$(bridge_port "$i")" up
done
if command -v ping >/dev/null; then
    ip netns exec "$(ns 1)" ping -c 1 -W 2 "$(addr $N)" >/dev/null \
        || fail "node 1 cannot reach $(addr $N) through the bridge"
fi

echo "== keys and chain spec"
KEYS=()
for i in $(seq $N); do
    out="$("$BIN" --json node init --data-dir "$WORK/n$i")"
    key="$(echo "$out" | grep -o '"consensus_key":"0x[0-9a-f]*"' | cut -d'"' -f4)"
    [[ -n "$key" ]] || fail "node init printed no consensus key: $out"
    KEYS+=("$key")
done
spec_args=()
for k in "${KEYS[@]}"; do spec_args+=(--validator-key "$k"); done
"$BIN" node init --data-dir "$WORK/n1" --spec-out "$WORK/spec.json" --chain-id taonet-netns \
    "${spec_args[@]}" >/dev/null

echo "== starting $N validators"
for i in $(seq $N); do
    boot=()
    for j in $(seq $N); do
        [[ $j == "$i" ]] && continue
        boot+=(--bootstrap "${KEYS[$((j - 1))]#0x}@$(addr "$j"):30333")
    done
    ip netns exec "$(ns "$i")" "$BIN" node run \
        --data-dir "$WORK/n$i" --chain-spec "$WORK/spec.json" \
        --listen "$(addr "$i"):30333" --rpc-addr "$(addr "$i"):9944" \
        --metrics-addr off --allow-private-ips "${boot[@]}" \
        >"$WORK/n$i/node.log" 2>&1 &
    PIDS+=($!)
done

# rpc I METHOD PARAMS: the JSON response of node I (queried from inside its namespace).
rpc() {
    local url="http://$(addr "$1"):9944"
    local body="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":$3}"
    if [[ $HTTP == curl ]]; then
        ip netns exec "$(ns "$1")" curl -s -m 3 "$url" \
            -H 'content-type: application/json' -d "$body" || true
    else
        ip netns exec "$(ns "$1")" python3 -c '
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(),
                             headers={"content-type": "application/json"})
try:
    print(urllib.request.urlopen(req, timeout=3).read().decode())
except Exception:
    pass' "$url" "$body"
    fi
}
# field NAME: the first "NAME":value of the JSON on stdin.
field() { { grep -o "\"$1\":\"\\{0,1\\}[0-9a-fx]*" || true; } | head -n 1 | sed 's/.*://; s/"//g'; }
# finalized I: node I's finalized height (empty if it does not answer).
finalized() { rpc "$1" chain_getFinalizedHead '[]' | field height; }

alive() {
    local i
    for i in $(seq $N); do
        kill -0 "${PIDS[$((i - 1))]}" 2>/dev/null || fail "node $i exited"
    done
}

# wait_until DESCRIPTION COMMAND...: polls COMMAND until it succeeds, at most $TIMEOUT s.
wait_until() {
    local what="$1"
    shift
    local deadline=$((SECONDS + TIMEOUT))
    until "$@"; do
        alive
        ((SECONDS < deadline)) || fail "timed out after ${TIMEOUT}s waiting for $what"
        sleep 0.5
    done
}

# all_at_least H NODES...: every listed node has finalized height >= H.
all_at_least() {
    local h="$1" i f
    shift
    for i in "$@"; do
        f="$(finalized "$i")"
        [[ -n "$f" && $f -ge $h ]] || return 1
    done
}

max_finalized() {
    local m=0 i f
    for i in "$@"; do
        f="$(finalized "$i")"
        [[ -n "$f" && $f -gt $m ]] && m=$f
    done
    echo "$m"
}

wait_until "all $N validators to finalize height 3" all_at_least 3 1 2 3 4
echo "   finalizing: heights $(for i in $(seq $N); do printf '%s ' "$(finalized "$i")"; done)"

echo "== cutting node $N's link"
ip -n "$BR_NS" link set "$(bridge_port $N)" down
sleep 2 # let an in-flight block settle
stuck="$(finalized $N)"
[[ -n "$stuck" ]] || fail "node $N's RPC does not answer after the cut"
base="$(max_finalized 1 2 3)"
wait_until "nodes 1-3 to finalize 5 blocks without node $N" all_at_least $((base + 5)) 1 2 3
now4="$(finalized $N)"
[[ "$now4" == "$stuck" ]] \
    || fail "node $N finalized past $stuck (to $now4) while partitioned from the quorum"
echo "   nodes 1-3 went from $base to $(max_finalized 1 2 3); node $N stuck at $stuck"

echo "== restoring node $N's link"
ip -n "$BR_NS" link set "$(bridge_port $N)" up
target="$(max_finalized 1 2 3)"
wait_until "node $N to catch up past height $target" all_at_least $((target + 1)) $N

common=$target
for i in $(seq $N); do
    f="$(finalized "$i")"
    [[ -n "$f" && $f -ge $common ]] || fail "node $i is below the common height $common"
done
ref=""
for i in $(seq $N); do
    block="$(rpc "$i" chain_getBlockByHeight "[$common]")"
    hash="$(echo "$block" | field hash)"
    root="$(echo "$block" | field state_root)"
    [[ -n "$hash" && -n "$root" ]] || fail "node $i has no block at $common: $block"
    echo "   node $i @ $common: $hash root $root"
    if [[ -z "$ref" ]]; then
        ref="$hash $root"
    elif [[ "$ref" != "$hash $root" ]]; then
        fail "node $i disagrees at height $common: $hash $root vs $ref"
    fi
done
alive
echo "PASS: partitioned node $N was stuck at $stuck, healed, and all $N agree at height $common"
