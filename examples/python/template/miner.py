"""The template subnet's miner: a numpy model behind a taonet axon.

    python examples/python/template/miner.py --netuid 2 --wallet-name my-wallet \\
        --hotkey py-miner --model quadratic --port 8121

The hotkey must be registered on the subnet (``taonet subnet register``). The miner fits its
model on public samples of the task, serves it with ``taonet.Axon`` — which checks every
request's signature, nonce and body hash in Rust, and, given the netuid, lets only
registered validators with a permit through — and publishes its address on chain.
"""

from __future__ import annotations

import argparse
import signal
import threading

import numpy as np
import taonet
from protocol import LIMIT, N_INPUTS, Regression, target, valid_question


class Model:
    """Least squares on linear features (``linear``) or on linear and pairwise-product
    features (``quadratic``, which can represent the task exactly)."""

    def __init__(self, kind: str, samples: int = 2000, seed: int = 0) -> None:
        if kind not in ("linear", "quadratic"):
            raise ValueError(f"unknown model {kind!r}: use linear or quadratic")
        self.kind = kind
        rng = np.random.default_rng(seed)
        x = rng.integers(-LIMIT, LIMIT + 1, size=(samples, N_INPUTS)).astype(np.float64)
        self.coef, *_ = np.linalg.lstsq(self.features(x), target(x), rcond=None)

    def features(self, x: np.ndarray) -> np.ndarray:
        """The model's features of the rows of ``x`` (with a constant column)."""
        cols = [np.ones((x.shape[0], 1)), x]
        if self.kind == "quadratic":
            i, j = np.triu_indices(N_INPUTS)
            cols.append(x[:, i] * x[:, j])
        return np.hstack(cols)

    def predict(self, x: list[int]) -> float:
        """The model's prediction for one question."""
        row = np.asarray([x], dtype=np.float64)
        return float((self.features(row) @ self.coef)[0])


def main() -> None:
    """Fits the model, serves it and publishes the axon until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--netuid", type=int, required=True)
    parser.add_argument("--wallet-name", default="default")
    parser.add_argument("--hotkey", default="default")
    parser.add_argument("--wallet-path", default=None)
    parser.add_argument("--model", default="quadratic", choices=["linear", "quadratic"])
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--external-ip", default="127.0.0.1", help="the address validators dial")
    parser.add_argument("--network", default=None, help="node URL (default: as the CLI finds it)")
    args = parser.parse_args()

    wallet = taonet.Wallet(name=args.wallet_name, hotkey=args.hotkey, path=args.wallet_path)
    subtensor = taonet.Subtensor(network=args.network)
    model = Model(args.model)

    def forward(synapse: Regression) -> Regression:
        if not valid_question(synapse.x):
            raise ValueError(f"expected {N_INPUTS} integers in [-{LIMIT}, {LIMIT}]")
        synapse.prediction = model.predict(synapse.x)
        return synapse

    axon = taonet.Axon(
        wallet=wallet,
        port=args.port,
        external_ip=args.external_ip,
        netuid=args.netuid,
        subtensor=subtensor,
    )
    axon.attach(forward_fn=forward)
    axon.start()
    axon.serve(netuid=args.netuid, subtensor=subtensor)
    print(
        f"miner {wallet.hotkey.ss58_address} ({args.model}) serving on "
        f"{args.external_ip}:{args.port}, subnet {args.netuid}",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    axon.stop()


if __name__ == "__main__":
    main()
