"""The compiled loops behind `_kernels` (imported only through `_kernels.get()`, which handles a missing numba).

Each loop is written as the NumPy code it replaces, operation by operation, in the arrays' dtype.
"""

import numba
import numpy as np

# error_model="numpy": a division by zero gives inf/nan as in NumPy (no exception check), so the loops vectorise
_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def adam(p, g, m, v, alpha, c1, c2, eps):
    """m += (g - m)·c1;  v += (g·g - v)·c2;  p -= (m·α) / (sqrt(v) + ε)."""
    for i in range(p.shape[0]):
        gi = g[i]
        mi = m[i] + (gi - m[i]) * c1
        vi = v[i] + (gi * gi - v[i]) * c2
        m[i] = mi
        v[i] = vi
        p[i] -= (mi * alpha) / (np.sqrt(vi) + eps)


@_jit
def adam_amsgrad(p, g, m, v, vhat, alpha, c1, c2, eps):
    """As `adam`, with v̂ = maximum(v̂, v) in the denominator."""
    for i in range(p.shape[0]):
        gi = g[i]
        mi = m[i] + (gi - m[i]) * c1
        vi = v[i] + (gi * gi - v[i]) * c2
        m[i] = mi
        v[i] = vi
        hi = vhat[i]
        if vi > hi or vi != vi:  # np.maximum: the larger, NaN if either is NaN
            hi = vi
        vhat[i] = hi
        p[i] -= (mi * alpha) / (np.sqrt(hi) + eps)


@_jit
def sgd(p, g, lr):
    """p -= g·lr."""
    for i in range(p.shape[0]):
        p[i] -= g[i] * lr
