"""bench/breakdown.py's timed twin of the training step must be the real step: the same weights to the bit."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from actcli.nn import _kernels

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import breakdown  # noqa: E402
from workloads import WORKLOADS, make_data, targets  # noqa: E402


@pytest.mark.parametrize("name", ["deep", "wide", "small"])
@pytest.mark.parametrize("compiled", [True, False])
def test_the_timed_twin_trains_the_same_weights_as_fit(name, compiled):
    # the bench's nets, on fewer samples and narrower layers so the test is quick; the twin's shuffling, batches,
    # activations (compiled forms or NumPy's), head, loss gradient and optimizer must all be fit's
    w = WORKLOADS[name]
    w = replace(w, n_samples=300, batch_size=64, hidden=tuple((min(u, 48), a) for u, a in w.hidden))
    x, y = make_data(w)
    x = np.ascontiguousarray(x, dtype=np.float32)
    t = targets(w, y)
    kernels = _kernels.get() if compiled else None
    if compiled and kernels is None:
        pytest.skip("numba is not installed")
    clock: dict[str, float] = {}
    twin, seconds = breakdown.train_timed(w, x, t, 3, kernels, clock)
    _kernels.set_enabled(compiled)
    try:
        real = breakdown.build(w)
        real.fit(x, t, epochs=3, batch_size=w.batch_size, shuffle=True, verbose=0)
    finally:
        _kernels.reset()
    for a, b in zip(twin.get_weights(), real.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(twin.get_weights()[0], breakdown.build(w).get_weights()[0])  # it did train
    assert len(seconds) == 3 and {"optimizer", "matmul: forward", "matmul: kernel gradients"} <= set(clock)
