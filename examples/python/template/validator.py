"""The template subnet's validator: query every miner, score, set weights every tempo.

    python examples/python/template/validator.py --netuid 2 --wallet-name my-wallet \\
        --hotkey default

The hotkey must be registered on the subnet with a validator permit (stake). Each round the
validator sends one random question to every serving miner with ``taonet.Dendrite`` (fan-out
and signing in Rust), scores each answer against the public rule, keeps a moving average of
the rewards per uid, and once per tempo puts the averages on chain with ``set_weights``.
"""

from __future__ import annotations

import argparse
import signal
import threading

import numpy as np
import taonet
from protocol import Regression, question, target

#: Weight of the newest reward in the moving average.
ALPHA = 0.3


def reward(truth: float, answer: Regression) -> float:
    """1 for an exact answer, falling with the absolute error; 0 for no answer."""
    if not answer.is_success or answer.prediction is None:
        return 0.0
    error = abs(float(answer.prediction) - truth)
    if not np.isfinite(error):
        return 0.0
    return 1.0 / (1.0 + error)


def main() -> None:
    """Runs rounds until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--netuid", type=int, required=True)
    parser.add_argument("--wallet-name", default="default")
    parser.add_argument("--hotkey", default="default")
    parser.add_argument("--wallet-path", default=None)
    parser.add_argument("--round-seconds", type=float, default=2.0)
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds per query")
    parser.add_argument("--network", default=None, help="node URL (default: as the CLI finds it)")
    args = parser.parse_args()

    wallet = taonet.Wallet(name=args.wallet_name, hotkey=args.hotkey, path=args.wallet_path)
    subtensor = taonet.Subtensor(network=args.network)
    dendrite = taonet.Dendrite(wallet=wallet)
    metagraph = subtensor.metagraph(args.netuid)
    me = wallet.hotkey.ss58_address
    if me not in metagraph.hotkeys:
        raise SystemExit(f"hotkey {me} is not registered on subnet {args.netuid}")
    scores = np.zeros(metagraph.n, dtype=np.float64)
    rng = np.random.default_rng()
    last_set = 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    while not stop.is_set():
        metagraph.sync()
        if scores.shape[0] != metagraph.n:
            scores = np.resize(scores, metagraph.n)
        my_uid = metagraph.hotkeys.index(me)
        miners = [
            uid
            for uid in range(metagraph.n)
            if uid != my_uid and metagraph.axons[uid].port != 0 and metagraph.axons[uid].ip
        ]
        if miners:
            x = question(rng)
            truth = float(target(np.asarray(x)))
            answers = dendrite.query(
                [metagraph.axons[uid] for uid in miners],
                Regression(x=x),
                timeout=args.timeout,
                deserialize=False,
            )
            for uid, answer in zip(miners, answers, strict=True):
                scores[uid] = (1 - ALPHA) * scores[uid] + ALPHA * reward(truth, answer)
            print(f"round: {[round(float(scores[u]), 3) for u in miners]}", flush=True)

        hyper = subtensor.get_subnet_hyperparameters(args.netuid) or {}
        every = max(int(hyper.get("tempo", 360)), int(hyper.get("weights_rate_limit", 0)) + 1)
        block = subtensor.block
        if miners and scores[miners].sum() > 0 and block - last_set >= every:
            try:
                receipt = subtensor.set_weights(
                    wallet, args.netuid, uids=miners, weights=scores[miners].tolist()
                )
                last_set = block
                print(f"weights set in block #{receipt.block}", flush=True)
            except taonet.ChainError as e:
                print(f"set_weights refused: {e}", flush=True)
        stop.wait(args.round_seconds)


if __name__ == "__main__":
    main()
