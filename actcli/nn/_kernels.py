"""Fused element-wise loops for the training step, compiled by numba when it is installed.

NumPy runs one pass over memory per operation: Adam's update is 10–12 passes (or, on a small net, 10–12 calls of
~1 µs each, more than the arithmetic). A compiled loop does the same arithmetic in one pass and one call. Each
kernel performs exactly the float operations of the NumPy code it replaces, in the same order and the buffer's
dtype (numba does not contract a·b + c into a fused multiply-add without fastmath), so the results are the same
to the bit with or without numba; tests hold every kernel to its NumPy twin.

numba is optional (`pip install 'actcli[fast]'`), and it is not free: its import and first call cost a new process
about half a second (LOAD_SECONDS), more than a lesson-sized training gains. So `prepare(saving)` loads it only
for work expected to save more than that (`estimated_saving`), or when it is loaded already; a sweep asks once for
all its trainings. The environment can decide instead: ACTCLI_KERNELS=numpy never uses the kernels,
ACTCLI_KERNELS=numba always does (when numba is installed). numba is never imported by `actcli --help`, and the
compiled code is cached on disk, so no process compiles it twice.
"""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace

import numpy as np

# numba's import (0.2 s) and its first call in a process (0.28 s, most of it numba registering its NumPy support),
# measured on the 2-core machine of bench/RESULTS.md
LOAD_SECONDS = 0.5

_MODULE = __name__.rsplit(".", 1)[0] + "._numba_kernels"
_UNSET = object()
_kernels = _UNSET  # _UNSET: not decided yet; None: off (or numba missing); else the kernels


def _mode() -> str:
    return os.environ.get("ACTCLI_KERNELS", "").strip().lower()


def get() -> SimpleNamespace | None:
    """The compiled kernels, loading numba if needed; None when it is missing or ACTCLI_KERNELS=numpy."""
    global _kernels
    if _kernels is _UNSET:
        _kernels = None if _mode() == "numpy" else _compile()
    return _kernels


def loaded() -> SimpleNamespace | None:
    """The kernels if numba is loaded in this process already (so they cost nothing more), else None."""
    if _kernels is _UNSET:
        return get() if _MODULE in sys.modules and _mode() != "numpy" else None
    return _kernels


def prepare(saving: float) -> SimpleNamespace | None:
    """The kernels for work expected to save `saving` seconds: loaded if that repays numba's start-up (or the
    environment says ACTCLI_KERNELS=numba), else None unless they are loaded already."""
    if _kernels is not _UNSET or _MODULE in sys.modules:
        return loaded()
    mode = _mode()
    if mode == "numba" or (mode != "numpy" and saving >= LOAD_SECONDS):
        return get()
    return None


def estimated_saving(steps: int, params: int, hidden_values: int) -> float:
    """Seconds the kernels save over NumPy in `steps` training steps of a net with `params` weights and
    `hidden_values` hidden-layer values per batch (batch rows × hidden units). Fitted to bench/'s four workloads
    here: ~12 µs of NumPy calls a step (Adam's 10 become 1), 1.5 ns a weight (Adam's passes over memory) and
    0.5 ns a hidden value (bias and activation in one pass)."""
    return steps * (12e-6 + 1.5e-9 * params + 0.5e-9 * hidden_values)


def set_enabled(enabled: bool) -> None:
    """Switch the kernels on (if numba is importable) or off, for tests and benchmarks."""
    global _kernels
    _kernels = _compile() if enabled else None


def reset() -> None:
    """Forget the choice: it is made again from numba's presence and ACTCLI_KERNELS."""
    global _kernels
    _kernels = _UNSET


def describe() -> str:
    """'numba 0.68.1' or 'numpy': what runs the element-wise updates now, for a run's provenance."""
    k = loaded()
    return f"numba {k.version}" if k is not None else "numpy"


def _compile() -> SimpleNamespace | None:
    try:
        from . import _numba_kernels as k
    except ImportError:  # numba is not installed
        return None
    # numba's first call in a process sets up its NumPy support (most of LOAD_SECONDS): done here, so a sweep's
    # forked workers inherit it instead of each paying it
    one = np.ones(1, np.float32)
    k.sgd(one.copy(), one, one[0])
    names = ("adam", "adam_amsgrad", "sgd", "bias_relu", "relu_backward", "bias_negate", "reciprocal_one_plus",
             "sigmoid_backward")
    return SimpleNamespace(version=k.numba.__version__, **{name: getattr(k, name) for name in names})
