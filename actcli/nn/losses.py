"""Losses with Keras 3's names, reductions and `from_logits`, each with its gradient.

Reduction is Keras's `sum_over_batch_size`: per-sample losses are averaged over the batch. Binary
cross-entropy, MSE, MAE, hinge and Huber also average over the last axis, so a K-unit head's gradient carries
a 1/(K·N) factor; categorical cross-entropy sums over classes (1/N).

The fused output gradient `dL/dz = p - y` (scaled as above) is used only where the identity holds: sigmoid +
binary cross-entropy, softmax + categorical cross-entropy, and from_logits=True on a linear head. There the
loss value is also computed from the logits, like tf.keras does, so it stays finite when p saturates.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import Registry, split_config
from ._scipy import special

REGISTRY: Registry[type["Loss"]] = Registry("loss")
EPSILON = 1e-7  # keras.config.epsilon()


class Loss:
    """Base class. `loss(y_true, y_pred)` is the batch mean; `gradient` is dL/dy_pred with the same reduction.

    Shapes: `y_pred` is `(batch, units)`; `y_true` is the same shape (or `(batch,)` labels for sparse losses).
    """

    name = ""
    params: dict[str, Any] = {}
    fuses_with: tuple[str, ...] = ()  # head activations whose dL/dz is a shortcut

    def __init__(self, **params: Any):
        unknown = set(params) - set(self.params) - {"reduction", "name", "dtype"}
        if unknown:
            raise TypeError(f"loss '{self.name}' got unknown parameter(s) {sorted(unknown)}; "
                            f"valid: {', '.join(self.params) or 'none'}")
        self.config = {k: params.get(k, v) for k, v in self.params.items()}
        for key, value in self.config.items():
            setattr(self, key, value)

    def __call__(self, y_true, y_pred) -> float:
        y_pred = np.asarray(y_pred)
        return float(self.per_sample(self.prepare(y_true, y_pred), y_pred).mean())

    def prepare(self, y_true, y_pred: np.ndarray) -> np.ndarray:
        """Bring targets to y_pred's shape and dtype (column vectors, one-hot for sparse losses)."""
        y = np.asarray(y_true, dtype=y_pred.dtype)
        if y.ndim == 1 and y_pred.ndim == 2:
            y = y.reshape(-1, 1)
        return y

    def per_sample(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def gradient(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        """dL/dp of the batch-mean loss, for prepared targets `y`."""
        raise NotImplementedError

    def fused(self, activation_name: str) -> bool:
        """True when the loss can be computed from the head's logits z and dL/dz = shortcut holds."""
        if getattr(self, "from_logits", False):
            return activation_name == "linear"
        return activation_name in self.fuses_with

    def logits_value(self, y: np.ndarray, z: np.ndarray) -> float:
        """The batch-mean loss computed from the head's logits z, where `fused()` holds."""
        raise NotImplementedError

    def logits_grad(self, y: np.ndarray, z: np.ndarray, p: np.ndarray) -> np.ndarray:
        """dL/dz, where `fused()` holds. `p` is the head's output (probabilities)."""
        raise NotImplementedError

    def logits_value_and_grad(self, y: np.ndarray, z: np.ndarray, p: np.ndarray) -> tuple[float, np.ndarray]:
        return self.logits_value(y, z), self.logits_grad(y, z, p)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, **self.config}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.items() if v != type(self).params[k])
        return f"{self.name}({args})" if args else self.name


def register(name: str, *aliases: str):
    def deco(cls):
        cls.name = name
        REGISTRY.add(name, cls, *aliases)
        return cls

    return deco


def get(identifier: Any) -> Loss:
    """Like `keras.losses.get`: a name, a mapping `{name: ..., **params}` or a Loss."""
    if isinstance(identifier, Loss):
        return identifier
    if identifier is None:
        raise ValueError("a loss is needed: compile(loss=...) with e.g. 'binary_crossentropy'")
    name, params = split_config(identifier)
    return REGISTRY[name](**params)


def names() -> list[str]:
    return REGISTRY.names()


@register("binary_crossentropy", "BinaryCrossentropy", "bce", "BCE")
class BinaryCrossentropy(Loss):
    """bce(y, p) = -mean_k [y log p + (1 - y) log(1 - p)]: the loss for sigmoid outputs (binary or multi-label).

    With probabilities, p is clipped to [1e-7, 1 - 1e-7] like Keras; from logits z it is
    max(z, 0) - z·y + log(1 + exp(-|z|)), which never overflows.
    """

    params = {"from_logits": False, "label_smoothing": 0.0}
    fuses_with = ("sigmoid",)

    def prepare(self, y_true, y_pred):
        y = super().prepare(y_true, y_pred)
        if self.label_smoothing:
            y = y * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        return y

    @staticmethod
    def _from_logits(y, z):
        return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))

    def per_sample(self, y, p):
        if self.from_logits:
            return self._from_logits(y, p).mean(axis=-1)
        q = np.clip(p, EPSILON, 1 - EPSILON)
        return -(y * np.log(q) + (1 - y) * np.log(1 - q)).mean(axis=-1)

    def gradient(self, y, p):
        n = p.shape[0] * p.shape[-1]
        if self.from_logits:
            return (special().expit(p) - y) / n
        q = np.clip(p, EPSILON, 1 - EPSILON)
        g = (q - y) / (q * (1 - q)) / n
        return np.where((p > EPSILON) & (p < 1 - EPSILON), g, 0).astype(p.dtype, copy=False)

    def logits_value(self, y, z):
        return float(self._from_logits(y, z).sum()) / (z.shape[0] * z.shape[-1])

    def logits_grad(self, y, z, p):
        # sigmoid + binary cross-entropy: dL/dz = (p - y) / (K·N), the sigmoid's derivative cancels.
        if self.from_logits:
            p = special().expit(z)
        g = np.subtract(p, y)
        g *= 1.0 / (z.shape[0] * z.shape[-1])
        return g


@register("categorical_crossentropy", "CategoricalCrossentropy", "cce")
class CategoricalCrossentropy(Loss):
    """cce(y, p) = -sum_k y_k log p_k: the loss for a softmax head over one-hot targets.

    With probabilities, p is renormalised to sum to 1 and clipped to [1e-7, 1 - 1e-7] like Keras; from logits
    it is computed with log-softmax.
    """

    params = {"from_logits": False, "label_smoothing": 0.0, "axis": -1}
    fuses_with = ("softmax",)

    def prepare(self, y_true, y_pred):
        y = np.asarray(y_true, dtype=y_pred.dtype)
        if y.shape != y_pred.shape:
            raise ValueError(f"categorical_crossentropy needs one-hot targets shaped like the predictions "
                             f"{y_pred.shape}, got {y.shape}; use sparse_categorical_crossentropy for integer labels")
        if self.label_smoothing:
            k = y.shape[-1]
            y = y * (1.0 - self.label_smoothing) + self.label_smoothing / k
        return y

    def per_sample(self, y, p):
        if self.from_logits:
            return -(y * special().log_softmax(p, axis=-1)).sum(axis=-1)
        q = np.clip(p / p.sum(axis=-1, keepdims=True), EPSILON, 1 - EPSILON)
        return -(y * np.log(q)).sum(axis=-1)

    def gradient(self, y, p):
        n = p.shape[0]
        if self.from_logits:
            s = special().softmax(p, axis=-1)
            return (s * y.sum(axis=-1, keepdims=True) - y) / n
        total = p.sum(axis=-1, keepdims=True)
        q = p / total
        inside = (q > EPSILON) & (q < 1 - EPSILON)
        g = np.where(inside, -y / np.clip(q, EPSILON, 1 - EPSILON), 0)  # dL/dq
        return ((g - (g * q).sum(axis=-1, keepdims=True)) / total / n).astype(p.dtype, copy=False)

    def logits_value(self, y, z):
        # -Σ y·log_softmax(z) = Σ y·(logsumexp(z) - z). The row reductions run on the transposed logits:
        # NumPy reduces a short last axis (10 classes) element by element, but whole rows of the transpose at
        # once (4x faster on an epoch's 10,000 x 10 logits).
        zt = np.ascontiguousarray(z.T, dtype=z.dtype)
        m = np.maximum.reduce(zt, axis=0)
        zt -= m
        np.exp(zt, out=zt)
        lse = np.log(np.add.reduce(zt, axis=0))
        lse += m
        return float(np.vdot(y, np.subtract(lse[:, None], z))) / z.shape[0]

    def logits_grad(self, y, z, p):
        # softmax + categorical cross-entropy: dL/dz = (p - y) / N, as y's rows sum to 1 (one-hot or smoothed).
        if self.from_logits:
            p = special().softmax(z, axis=-1)
        g = np.subtract(p, y)
        g *= 1.0 / z.shape[0]
        return g


@register("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy")
class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """scce(label, p) = -log p[label]: categorical cross-entropy with integer class labels."""

    params = {"from_logits": False, "ignore_class": None, "axis": -1}

    def prepare(self, y_true, y_pred):
        labels = np.asarray(y_true).reshape(-1).astype(np.int64)
        k = y_pred.shape[-1]
        if labels.size and (labels.min() < 0 or labels.max() >= k):
            raise ValueError(f"labels must be in 0..{k - 1} for a {k}-unit head, got {labels.min()}..{labels.max()}")
        y = np.zeros(y_pred.shape, dtype=y_pred.dtype)
        y[np.arange(labels.size), labels] = 1
        return y


@register("mean_squared_error", "mse", "MSE", "MeanSquaredError")
class MeanSquaredError(Loss):
    """mse(y, p) = mean_k (y - p)^2: the loss for regression with a linear head."""

    def per_sample(self, y, p):
        d = p - y
        return (d * d).mean(axis=-1)

    def gradient(self, y, p):
        return (p - y) * (2.0 / (p.shape[0] * p.shape[-1]))


@register("mean_absolute_error", "mae", "MAE", "MeanAbsoluteError")
class MeanAbsoluteError(Loss):
    """mae(y, p) = mean_k |y - p|: regression, less sensitive to outliers than MSE."""

    def per_sample(self, y, p):
        return np.abs(p - y).mean(axis=-1)

    def gradient(self, y, p):
        return np.sign(p - y) * (1.0 / (p.shape[0] * p.shape[-1]))


def _hinge_labels(y: np.ndarray) -> np.ndarray:
    """Keras maps 0/1 labels to -1/+1 for hinge losses (only when every label is 0 or 1)."""
    return 2.0 * y - 1.0 if np.all((y == 0) | (y == 1)) else y


@register("hinge", "Hinge")
class Hinge(Loss):
    """hinge(y, p) = mean_k max(1 - y·p, 0), with labels in {-1, +1} (0/1 labels are mapped)."""

    def prepare(self, y_true, y_pred):
        return _hinge_labels(super().prepare(y_true, y_pred)).astype(y_pred.dtype, copy=False)

    def per_sample(self, y, p):
        return np.maximum(1 - y * p, 0).mean(axis=-1)

    def gradient(self, y, p):
        return np.where(1 - y * p > 0, -y, 0).astype(p.dtype) / (p.shape[0] * p.shape[-1])


@register("squared_hinge", "SquaredHinge")
class SquaredHinge(Hinge):
    """squared_hinge(y, p) = mean_k max(1 - y·p, 0)^2."""

    def per_sample(self, y, p):
        m = np.maximum(1 - y * p, 0)
        return (m * m).mean(axis=-1)

    def gradient(self, y, p):
        return -2.0 * y * np.maximum(1 - y * p, 0) / (p.shape[0] * p.shape[-1])


@register("huber", "Huber", "huber_loss")
class Huber(Loss):
    """huber(y, p) = mean_k [½e² if |e| ≤ δ else δ(|e| - ½δ)], e = p - y: MSE near 0, MAE far away."""

    params = {"delta": 1.0}

    def per_sample(self, y, p):
        e = np.abs(p - y)
        q = np.minimum(e, self.delta)
        return (0.5 * q * q + self.delta * (e - q)).mean(axis=-1)

    def gradient(self, y, p):
        return np.clip(p - y, -self.delta, self.delta) / (p.shape[0] * p.shape[-1])
