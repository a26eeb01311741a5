"""The template subnet's protocol: the synapse and the task's public rule.

The task is regression: a validator sends eight small integers ``x``; a miner answers its
prediction of ``target(x)``, a fixed public function that is quadratic in ``x``. Miners
differ by the model they fit to samples of it (numpy least squares on linear or on quadratic
features), so the better model earns more. Validators know the rule, so they score exactly.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import taonet

#: How many inputs one question carries.
N_INPUTS = 8
#: Inputs are integers in ``[-LIMIT, LIMIT]``.
LIMIT = 10


class Regression(taonet.Synapse):
    """One question and its answer: ``x`` from the validator, ``prediction`` from the miner.

    ``x`` is in ``required_hash_fields``: the validator signs it, so nobody on the way can
    change the question.
    """

    x: list[int] = []
    prediction: float | None = None

    required_hash_fields: ClassVar[tuple[str, ...]] = ("x",)


def target(x: np.ndarray) -> np.ndarray:
    """The public rule: a linear part plus two products of inputs (rows of ``x``)."""
    x = np.asarray(x, dtype=np.float64)
    linear = x @ np.array([0.5, -2.0, 1.0, 0.0, 3.0, -1.0, 0.25, 2.0])
    return linear + 0.3 * x[..., 0] * x[..., 1] - 0.2 * x[..., 2] * x[..., 5]


def question(rng: np.random.Generator) -> list[int]:
    """A random question: ``N_INPUTS`` integers in ``[-LIMIT, LIMIT]``."""
    return [int(v) for v in rng.integers(-LIMIT, LIMIT + 1, size=N_INPUTS)]


def valid_question(x: list[int]) -> bool:
    """Whether ``x`` is a question a validator may send (miners refuse anything else)."""
    return len(x) == N_INPUTS and all(-LIMIT <= v <= LIMIT for v in x)
