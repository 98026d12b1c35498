"""The compiled loops behind `_kernels` (imported only through `_kernels.get()`, which handles a missing numba).

Each loop is written as the NumPy code it replaces, operation by operation, in the arrays' dtype.
"""

import numba
import numpy as np

# error_model="numpy": a division by zero gives inf/nan as in NumPy (no exception check), so the loops vectorise
_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def adam(p, g, m, v, vhat, alpha, c1, c2, eps):
    """m += (g - m)·c1;  v += (g·g - v)·c2;  p -= (m·α) / (sqrt(v) + ε).

    AMSGrad when `vhat` has p's length (empty otherwise): v̂ = maximum(v̂, v) takes v's place in the denominator."""
    amsgrad = vhat.shape[0] > 0
    for i in range(p.shape[0]):
        gi = g[i]
        mi = m[i] + (gi - m[i]) * c1
        vi = v[i] + (gi * gi - v[i]) * c2
        m[i] = mi
        v[i] = vi
        if amsgrad:
            hi = vhat[i]
            if vi > hi or vi != vi:  # np.maximum: the larger, NaN if either is NaN
                hi = vi
            vhat[i] = hi
            vi = hi
        p[i] -= (mi * alpha) / (np.sqrt(vi) + eps)


@_jit
def sgd(p, g, lr):
    """p -= g·lr."""
    for i in range(p.shape[0]):
        p[i] -= g[i] * lr


# Layer kernels, on a batch's (rows, units) C-contiguous pre-activations z and the layer's bias; the forward ones
# overwrite z with the activation (only the backward reads it, and it needs y). `zero`, `one` and `cap` arrive in
# the arrays' dtype: a Python literal would make numba compute in float64.


@_jit
def bias_relu(z, bias, zero):
    """z = np.maximum(z + bias, 0), in place (NaN stays NaN, -0 becomes +0, as NumPy's maximum gives).

    In place and one store per value: half the memory traffic of writing z + bias and y apart, and it vectorises
    (two stores, one of them conditional, did not)."""
    rows, cols = z.shape
    for i in range(rows):
        for j in range(cols):
            v = z[i, j] + bias[j]
            z[i, j] = v if (v > zero or v != v) else zero


@_jit
def relu_backward(g, y, zero):
    """g *= (y > 0), in place: g where relu's output y > 0 (exactly where its input was), else g·0 (±0, or NaN
    for an infinite or NaN g)."""
    rows, cols = g.shape
    for i in range(rows):
        for j in range(cols):
            if not y[i, j] > 0:
                g[i, j] = g[i, j] * zero


@_jit
def bias_negate(z, bias, cap):
    """z = np.minimum(-(z + bias), cap), in place (no cap when cap is inf): sigmoid's first half, before exp."""
    rows, cols = z.shape
    for i in range(rows):
        for j in range(cols):
            n = -(z[i, j] + bias[j])
            z[i, j] = cap if n > cap else n


@_jit
def reciprocal_one_plus(e, one):
    """e = 1 / (e + 1), in place: sigmoid's second half, after exp."""
    rows, cols = e.shape
    for i in range(rows):
        for j in range(cols):
            e[i, j] = one / (e[i, j] + one)


@_jit
def sigmoid_backward(g, y, one):
    """g = ((1 - y)·y)·g, in place: the sigmoid derivative y(1 - y) times the incoming gradient."""
    rows, cols = g.shape
    for i in range(rows):
        for j in range(cols):
            yv = y[i, j]
            g[i, j] = ((one - yv) * yv) * g[i, j]


@_jit
def tanh_backward(g, y, one):
    """g = (1 - y·y)·g, in place: the tanh derivative 1 - y² times the incoming gradient."""
    rows, cols = g.shape
    for i in range(rows):
        for j in range(cols):
            yv = y[i, j]
            g[i, j] = (one - yv * yv) * g[i, j]


# np.minimum and np.maximum, value by value: the first argument if it is smaller (larger) or NaN, else the second
# (so minimum(-0, 0) is 0, as NumPy gives)


@_jit
def bias_negative_part(z, bias, e, zero):
    """z += bias;  e = np.minimum(z, 0): elu's first half, before expm1(e)."""
    rows, cols = z.shape
    for i in range(rows):
        for j in range(cols):
            v = z[i, j] + bias[j]
            z[i, j] = v
            e[i, j] = v if (v < zero or v != v) else zero


@_jit
def elu_finish(e, z, alpha, zero):
    """e = e·alpha + np.maximum(z, 0), in place: elu's second half, after expm1."""
    rows, cols = e.shape
    for i in range(rows):
        for j in range(cols):
            v = z[i, j]
            e[i, j] = e[i, j] * alpha + (v if (v > zero or v != v) else zero)


@_jit
def elu_backward(g, d, x, alpha, above, below, shift):
    """g = (d·alpha + (above if x > 0 else below))·g in place, d = exp(min(x, 0)); without the middle term
    unless `shift` (alpha != 1, where NumPy adds the mask (x > 0)·(1 - alpha): `above`, or 0·(1 - alpha): `below`)."""
    rows, cols = g.shape
    for i in range(rows):
        for j in range(cols):
            v = d[i, j] * alpha
            if shift:
                v = v + (above if x[i, j] > 0 else below)
            g[i, j] = v * g[i, j]
