"""A Python miner for the text subnet (``NextByte``): a numpy n-gram model on a taonet axon.

    taonet miner corpus --out corpus.txt            # public training text
    python examples/python/next_byte/miner.py --corpus corpus.txt --netuid 1 \\
        --wallet-name W --hotkey H --port 8131

Rust validators (``taonet validator run``) query it exactly as they query Rust miners: the
synapse is declared with the same name and fields in ``protocol.py``.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

import numpy as np
import taonet
from protocol import NextByte, encode_distribution


class NgramModel:
    """Next-byte counts after the last ``order - 1`` bytes, interpolated with shorter
    contexts down to single bytes (add-one smoothed), all in numpy arrays."""

    def __init__(self, text: bytes, order: int = 3) -> None:
        if not 1 <= order <= 3:
            raise ValueError("order must be 1, 2 or 3")
        self.order = order
        data = np.frombuffer(text, dtype=np.uint8).astype(np.int64)
        self.unigram = np.bincount(data, minlength=256).astype(np.float64) + 1
        self.bigram = np.ones((256, 256))
        np.add.at(self.bigram, (data[:-1], data[1:]), 1)
        self.trigram: dict[int, np.ndarray] = {}
        if order == 3:
            ctx = data[:-2] * 256 + data[1:-1]
            keys, inverse = np.unique(ctx, return_inverse=True)
            table = np.zeros((len(keys), 256))
            np.add.at(table, (inverse, data[2:]), 1)
            self.trigram = {int(k): row for k, row in zip(keys, table, strict=True)}

    def distribution(self, prefix: bytes) -> np.ndarray:
        """Probabilities of the next byte after ``prefix``."""
        p = self.unigram / self.unigram.sum()
        if self.order >= 2 and prefix:
            row = self.bigram[prefix[-1]]
            p = 0.1 * p + 0.9 * row / row.sum()
        if self.order >= 3 and len(prefix) >= 2:
            row = self.trigram.get(prefix[-2] * 256 + prefix[-1])
            if row is not None and row.sum() > 0:
                n = row.sum()
                lam = n / (n + 5)
                p = (1 - lam) * p + lam * row / n
        return p


def main() -> None:
    """Trains on the corpus, serves the model and publishes the axon until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="training text")
    parser.add_argument("--order", type=int, default=3)
    parser.add_argument("--netuid", type=int, default=1)
    parser.add_argument("--wallet-name", default="default")
    parser.add_argument("--hotkey", default="default")
    parser.add_argument("--wallet-path", default=None)
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--external-ip", default="127.0.0.1", help="the address validators dial")
    parser.add_argument("--network", default=None, help="node URL (default: as the CLI finds it)")
    args = parser.parse_args()

    model = NgramModel(args.corpus.read_bytes(), order=args.order)
    wallet = taonet.Wallet(name=args.wallet_name, hotkey=args.hotkey, path=args.wallet_path)
    subtensor = taonet.Subtensor(network=args.network)

    def forward(synapse: NextByte) -> NextByte:
        prefixes = synapse.decode_prefixes()
        synapse.distributions = [encode_distribution(model.distribution(p)) for p in prefixes]
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
    print(f"next-byte miner {wallet.hotkey.ss58_address} serving on port {args.port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    axon.stop()


if __name__ == "__main__":
    main()
