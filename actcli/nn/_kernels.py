"""Fused element-wise loops for the training step, compiled by numba when it is installed.

NumPy runs one pass over memory per operation: Adam's update is 10–12 passes (or, on a small net, 10–12 calls of
~1 µs each, more than the arithmetic). A compiled loop does the same arithmetic in one pass and one call. Each
kernel performs exactly the float operations of the NumPy code it replaces, in the same order and the buffer's
dtype (numba does not contract a·b + c into a fused multiply-add without fastmath), so the results are the same
to the bit with or without numba; tests hold every kernel to its NumPy twin.

numba is optional (`pip install 'actcli[fast]'`), and it is not free: its import and first call cost a new process
about a third of a second (LOAD_SECONDS), more than a lesson-sized training gains. So `prepare(saving)` loads it
only for work expected to save 1.5 times that (`estimated_saving`), or when it is loaded already; a sweep asks once
for all its trainings. The environment can decide instead: ACTCLI_KERNELS=numpy never uses the kernels,
ACTCLI_KERNELS=numba always does (when numba is installed), ACTCLI_KERNELS=auto (or unset) estimates. numba is
never imported by `actcli --help`, and the compiled code is cached on disk, so no process compiles it twice.
"""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace

import numpy as np

# numba's import (0.2 s) and its first call in a process (0.15 s, numba registering its NumPy support; scipy.linalg
# kept out, see _compile), measured on the 2-core machine of bench/RESULTS.md
LOAD_SECONDS = 0.35
# loaded only for an estimated gain of at least 1.5 times that: the estimate is within 15 % of the measured gain on
# bench/'s four workloads, so a gain that large is a gain
PAYBACK = 1.5

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
    """The kernels for work expected to save `saving` seconds: loaded if that repays numba's start-up PAYBACK
    times over (or the environment says ACTCLI_KERNELS=numba), else None unless they are loaded already."""
    if _kernels is not _UNSET or _MODULE in sys.modules:
        return loaded()
    mode = _mode()
    if mode == "numba" or (mode != "numpy" and saving >= PAYBACK * LOAD_SECONDS):
        return get()
    return None


# What the kernels gain in one training step, fitted to bench/'s four workloads on the machine of bench/RESULTS.md:
# an optimizer's (per step: NumPy calls saved; per weight: passes over memory saved) ...
_OPTIMIZER_GAIN = {"adam": (9e-6, 1.5e-9), "sgd": (1e-6, 0.15e-9)}
# ... and a hidden layer's (per step; per value of its batch output)
_LAYER_GAIN = {"relu": (1e-6, 0.5e-9), "sigmoid": (1e-6, 1.4e-9),
               # measured on 32 x 32 and 256 x 128 batches (5 and 4 layers, SGD), less the optimizer's share
               "tanh": (0.2e-6, 0.85e-9), "elu": (2e-6, 1e-9)}


def hidden_kernel(activation, use_bias: bool) -> str | None:
    """What a hidden layer counts as in `estimated_saving`: its activation's name when that has compiled forms
    (`Activation.has_kernel`) and the layer a bias (the compiled forward adds it), else None."""
    return activation.name if activation.has_kernel and use_bias else None


def estimated_saving(steps: int, optimizer: str | None, params: int, hidden: list[tuple[str | None, int]]) -> float:
    """Seconds the kernels save over NumPy in `steps` training steps. `optimizer`: the kernel its update uses
    (`Optimizer.kernel_name`: adam for Adam and AdamW, sgd for plain SGD), else None; `params`: the weights it
    updates; `hidden`: per hidden layer, its `hidden_kernel` and the values of its batch output (batch rows x
    units).

    On the bench workloads this gives 16 µs a step for the small net (Adam, two relu layers; measured 14), 19 µs
    for seed (measured 19), 0.40 ms for the deep sigmoid stack (measured 0.41) and 1.15 ms for the 669k-weight net
    (measured 0.99-1.16)."""
    per_step, per_weight = _OPTIMIZER_GAIN.get(optimizer or "", (0.0, 0.0))
    gain = per_step + per_weight * params
    for name, values in hidden:
        layer_step, layer_value = _LAYER_GAIN.get(name or "", (0.0, 0.0))
        gain += layer_step + layer_value * values
    return steps * gain


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
    # numba's first call registers its NumPy support, and with it checks for a BLAS by importing scipy.linalg
    # (0.1-0.2 s of LOAD_SECONDS). Only numba's own np.dot and linalg need that, and these loops use neither: so
    # when numba is new to this process and nothing has imported scipy.linalg, it is hidden while numba starts.
    hide = "numba" not in sys.modules and "scipy.linalg" not in sys.modules
    if hide:
        sys.modules["scipy.linalg"] = None  # an import of it now raises ImportError: numba takes "no BLAS"
    try:
        from . import _numba_kernels as k

        # numba's first call in a process sets up its NumPy support (most of LOAD_SECONDS): done here, so a
        # sweep's forked workers inherit it instead of each paying it
        one = np.ones(1, np.float32)
        k.sgd(one.copy(), one, one[0])
    except ImportError:  # numba is not installed
        return None
    except Exception:  # numba is there but cannot work here (no writable cache, a CPU it does not know, ...):
        return None  # NumPy computes the same numbers
    finally:
        if hide and sys.modules.get("scipy.linalg", 0) is None:
            del sys.modules["scipy.linalg"]
    names = ("adam", "sgd", "bias_relu", "relu_backward", "bias_negate", "reciprocal_one_plus",
             "sigmoid_backward", "tanh_backward", "bias_negative_part", "elu_finish", "elu_backward")
    return SimpleNamespace(version=k.numba.__version__, **{name: getattr(k, name) for name in names})
