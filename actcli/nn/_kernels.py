"""Fused element-wise loops for the training step, compiled by numba when it is installed.

NumPy runs one pass over memory per operation: Adam's update is 10–12 passes (or, on a small net, 10–12 calls of
~1 µs each, more than the arithmetic). A compiled loop does the same arithmetic in one pass and one call. Each
kernel performs exactly the float operations of the NumPy code it replaces, in the same order and the buffer's
dtype (numba does not contract a·b + c into a fused multiply-add without fastmath), so the results are the same
to the bit with or without numba; tests hold every kernel to its NumPy twin.

numba is optional (`pip install 'actcli[fast]'`). `get()` returns the kernels, or None when numba is missing or
the environment sets ACTCLI_KERNELS=numpy; callers then run their NumPy code. numba is imported on first use,
never by `actcli --help`, and the compiled code is cached on disk, so a later process loads it in milliseconds.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

_UNSET = object()
_kernels = _UNSET


def get() -> SimpleNamespace | None:
    """The compiled kernels, or None (NumPy fallback). Decided once per process."""
    global _kernels
    if _kernels is _UNSET:
        _kernels = None if os.environ.get("ACTCLI_KERNELS", "").lower() == "numpy" else _compile()
    return _kernels


def set_enabled(enabled: bool) -> None:
    """Switch the kernels on (if numba is importable) or off, for tests and benchmarks."""
    global _kernels
    _kernels = _compile() if enabled else None


def reset() -> None:
    """Forget the choice: the next `get()` decides again (from numba's presence and ACTCLI_KERNELS)."""
    global _kernels
    _kernels = _UNSET


def describe() -> str:
    """'numba 0.68.1' or 'numpy' — what runs the element-wise updates, for a run's provenance."""
    k = get()
    return f"numba {k.version}" if k is not None else "numpy"


def _compile() -> SimpleNamespace | None:
    try:
        from . import _numba_kernels as k
    except ImportError:  # numba is not installed
        return None
    names = ("adam", "adam_amsgrad", "sgd", "bias_relu", "relu_backward", "bias_negate", "reciprocal_one_plus",
             "sigmoid_backward")
    return SimpleNamespace(version=k.numba.__version__, **{name: getattr(k, name) for name in names})
