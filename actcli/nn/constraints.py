"""Weight constraints, Keras 3's set: a projection applied to a weight after every optimizer step.

`c(w)` returns the projected weights (a new array, same shape and dtype). When to apply it (after each
update, on the kernel or bias it was given to) is the model's business.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import Configurable, Registry, build

REGISTRY: Registry[type["Constraint"]] = Registry("constraint")

EPSILON = 1e-7  # keras.backend.epsilon(): added to the norm in the denominator, as in Keras


class Constraint(Configurable):
    """Base class: `c(w) -> np.ndarray`, the projection of `w`."""

    def __call__(self, w: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _norms(w: np.ndarray, axis: Any) -> np.ndarray:
    """‖w‖₂ along `axis` (an int or a list of ints), kept as size-1 axes so it broadcasts back."""
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return np.sqrt(np.square(w).sum(axis=axis, keepdims=True))


@REGISTRY.register("max_norm")
class MaxNorm(Constraint):
    """w ← w · clip(‖w‖, 0, max_value) / (1e-7 + ‖w‖), the norm taken along `axis`.

    For a Dense kernel `(input_dim, units)`, axis=0 caps the norm of the weights coming into each unit.
    """

    name, keras_class, _always = "max_norm", "MaxNorm", ("max_value",)

    def __init__(self, max_value: float = 2, axis: int | list[int] = 0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = np.asarray(w)
        t = w.dtype.type
        norms = _norms(w, self.axis)
        desired = np.clip(norms, t(0), t(self.max_value))
        return w * (desired / (t(EPSILON) + norms))


@REGISTRY.register("min_max_norm")
class MinMaxNorm(Constraint):
    """w ← w · d / (1e-7 + ‖w‖), with d = rate · clip(‖w‖, min_value, max_value) + (1 - rate) · ‖w‖.

    rate=1 enforces the bounds at once; a smaller rate moves the norm part of the way each step.
    """

    name, keras_class, _always = "min_max_norm", "MinMaxNorm", ("min_value", "max_value")

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: int = 0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = np.asarray(w)
        t = w.dtype.type
        norms = _norms(w, self.axis)
        desired = (
            t(self.rate) * np.clip(norms, t(self.min_value), t(self.max_value)) + t(1 - self.rate) * norms
        )
        return w * (desired / (t(EPSILON) + norms))


@REGISTRY.register("non_neg")
class NonNeg(Constraint):
    """w ← max(w, 0)."""

    name, keras_class = "non_neg", "NonNeg"

    def __call__(self, w):
        w = np.asarray(w)
        return np.maximum(w, w.dtype.type(0))


@REGISTRY.register("unit_norm")
class UnitNorm(Constraint):
    """w ← w / (1e-7 + ‖w‖), the norm taken along `axis` (so the norm ends just under 1)."""

    name, keras_class = "unit_norm", "UnitNorm"

    def __init__(self, axis: int | list[int] = 0):
        self.axis = axis

    def __call__(self, w):
        w = np.asarray(w)
        return w / (w.dtype.type(EPSILON) + _norms(w, self.axis))


def get(identifier: Any) -> Constraint | None:
    """A constraint from a name (`'max_norm'`, `'MaxNorm'`), a mapping (`{'name': 'max_norm', 'max_value': 3}`
    or Keras's `{'class_name': ..., 'config': ...}`), a Constraint class or instance, or None (no constraint).
    """
    if identifier is None:
        return None
    return build(REGISTRY, Constraint, identifier)
