"""Weight and activity regularizers, Keras 3's set: a penalty added to the loss, and its gradient.

`reg(x)` is the penalty (a float) and `reg.gradient(x)` is d(penalty)/dx (shape and dtype of x). Where
the penalty goes (kernel, bias, or a layer's output divided by the batch size) is the layer's business.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._registry import Configurable, Registry, build, construct, split_config

REGISTRY: Registry[type["Regularizer"]] = Registry("regularizer")

EPSILON = 1e-7  # keras.backend.epsilon(), the floor of a row norm in OrthogonalRegularizer


def _factor(value: Any, name: str) -> float:
    """Keras's check: a finite, non-negative number (None counts as the default and is handled earlier)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"{name} must be a non-negative float, got {value!r}")
    if math.isinf(value) or math.isnan(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative float, got {value!r}")
    return float(value)


class Regularizer(Configurable):
    """Base class: `reg(x) -> float` (the penalty) and `reg.gradient(x) -> array like x`."""

    def __call__(self, x: np.ndarray) -> float:
        raise NotImplementedError

    def gradient(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError


@REGISTRY.register("l1")
class L1(Regularizer):
    """penalty = l1 · Σ|x|;  gradient = l1 · sign(x)  (0 at x = 0, as autodiff of |x| gives)."""

    name, keras_class, _always = "l1", "L1", ("l1",)

    def __init__(self, l1: float = 0.01):
        self.l1 = _factor(0.01 if l1 is None else l1, "l1")

    def __call__(self, x):
        x = np.asarray(x)
        return float(x.dtype.type(self.l1) * np.abs(x).sum())

    def gradient(self, x):
        x = np.asarray(x)
        return (x.dtype.type(self.l1) * np.sign(x)).astype(x.dtype, copy=False)


@REGISTRY.register("l2")
class L2(Regularizer):
    """penalty = l2 · Σx²;  gradient = 2 · l2 · x.  (No ½: Keras's l2 is twice the "weight decay" λ/2.)"""

    name, keras_class, _always = "l2", "L2", ("l2",)

    def __init__(self, l2: float = 0.01):
        self.l2 = _factor(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = np.asarray(x)
        return float(x.dtype.type(self.l2) * np.square(x).sum())

    def gradient(self, x):
        x = np.asarray(x)
        return (x.dtype.type(2.0 * self.l2) * x).astype(x.dtype, copy=False)


@REGISTRY.register("l1_l2", "l1l2")
class L1L2(Regularizer):
    """penalty = l1 · Σ|x| + l2 · Σx²;  gradient = l1 · sign(x) + 2 · l2 · x.

    Keras 3 quirk, kept: the class defaults are l1=0.0, l2=0.0 (no penalty at all), although Keras's
    docstring promises 0.01 for the string form. So `get('l1_l2')` without factors is refused here (in
    Keras 3 the string 'l1_l2' is refused too, and 'L1L2' silently means no penalty): give the factors.
    """

    name, keras_class, _always = "l1_l2", "L1L2", ("l1", "l2")

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = np.asarray(x)
        t = x.dtype.type
        penalty = t(0.0)
        if self.l1 != 0.0:
            penalty += t(self.l1) * np.abs(x).sum()
        if self.l2 != 0.0:
            penalty += t(self.l2) * np.square(x).sum()
        return float(penalty)

    def gradient(self, x):
        x = np.asarray(x)
        t = x.dtype.type
        return (t(self.l1) * np.sign(x) + t(2.0 * self.l2) * x).astype(x.dtype, copy=False)


@REGISTRY.register("orthogonal_regularizer")
class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (`mode='rows'`) or columns of a 2-D x towards being orthogonal.

    With n_i = x_i / max(‖x_i‖, 1e-7) the normalised rows (or columns), k of them,
    penalty = factor · ½ · Σ_{i≠j} |n_i · n_j| / (k(k-1)/2), i.e. factor times the mean |cosine| over pairs.
    gradient: with G = c · sign(N Nᵀ) off the diagonal (c = factor / (k(k-1))), dP/dN = 2 G N, and each
    row is taken back through the normalisation: (g_i - n_i (n_i · g_i)) / ‖x_i‖.
    """

    name, keras_class, _always = "orthogonal_regularizer", "OrthogonalRegularizer", ("factor", "mode")

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        self.factor = _factor(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(f"orthogonal_regularizer: mode must be 'rows' or 'columns', got {mode!r}")
        self.mode = mode

    def _parts(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        if x.ndim != 2:
            raise ValueError(f"orthogonal_regularizer needs a 2-D input, got shape {x.shape}")
        rows = x if self.mode == "rows" else x.T
        norms = np.maximum(np.sqrt(np.square(rows).sum(axis=1, keepdims=True)), rows.dtype.type(EPSILON))
        n = rows / norms
        product = n @ n.T
        np.fill_diagonal(product, 0.0)
        k = rows.shape[0]
        pairs = k * (k - 1.0) / 2.0
        return n, norms, product, pairs

    def __call__(self, x):
        x = np.asarray(x)
        n, norms, product, pairs = self._parts(x)
        t = x.dtype.type
        return float(t(self.factor) * t(0.5) * np.abs(product).sum() / t(pairs))

    def gradient(self, x):
        x = np.asarray(x)
        n, norms, product, pairs = self._parts(x)
        g = 2.0 * (self.factor * 0.5 / pairs) * np.sign(product) @ n  # dP/dN (sign(0) = 0 on the diagonal)
        clamped = norms[:, 0] <= EPSILON  # below the floor the norm is a constant: plain division
        back = (g - n * (n * g).sum(axis=1, keepdims=True)) / norms
        back[clamped] = g[clamped] / norms[clamped]
        out = back if self.mode == "rows" else back.T
        return out.astype(x.dtype, copy=False)


def get(identifier: Any) -> Regularizer | None:
    """A regularizer from a name (`'l2'`), a mapping (`{'name': 'l2', 'l2': 0.001}`, Keras's
    `{'class_name': 'L2', 'config': {...}}`, or the spec shorthand `{'l2': 0.001}` / `{'l1': .., 'l2': ..}`
    with no name), a Regularizer class or instance, or None (no regularizer).
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict) and "name" not in identifier and "class_name" not in identifier:
        keys = set(identifier)
        if keys and keys <= {"l1", "l2"}:
            name = "l1_l2" if keys == {"l1", "l2"} else keys.pop()
            return construct(REGISTRY[name], dict(identifier), REGISTRY.family)
    if isinstance(identifier, (str, dict)):
        name, params = split_config(identifier)
        if REGISTRY.canonical(name) == "l1_l2" and not params:
            raise ValueError(
                "l1_l2 needs its factors: Keras 3's L1L2() defaults to l1=0.0, l2=0.0, which is no penalty; "
                "write e.g. {name: l1_l2, l1: 0.01, l2: 0.01}"
            )
    return build(REGISTRY, Regularizer, identifier)
