"""The engine's random state: one NumPy Generator, reset by `set_random_seed` (like Keras's).

Initializers without their own `seed` and `fit(shuffle=True)` draw from it, so a seed fixes both.
"""

from __future__ import annotations

import numpy as np

_state = {"rng": np.random.default_rng()}


def set_random_seed(seed: int | None) -> None:
    """Like `keras.utils.set_random_seed`: make initial weights and shuffling repeatable."""
    _state["rng"] = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    """The current global generator."""
    return _state["rng"]
