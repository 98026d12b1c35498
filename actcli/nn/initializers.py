"""Weight initializers, Keras 3's set with Keras's names, defaults and formulas.

An initializer turns a shape into starting values: `GlorotUniform()((fan_in, fan_out))`. Kernel shapes
are `(fan_in, fan_out)` like Keras. Random ones draw from `actcli.nn.random.generator()` unless given a
`seed`, which makes them repeatable. Leaves out Keras's STFT initializer and its `input_axes`/`output_axes`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import random as _random
from ._registry import Configurable, Registry, build

REGISTRY: Registry[type["Initializer"]] = Registry("initializer")

# Truncating a unit normal at ±2σ leaves a std of 0.87962566103423978; Keras divides by it so that the
# *truncated* draw has the std the formula asks for.
TRUNCATED_STD = 0.87962566103423978


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """`(fan_in, fan_out)` of a weight shape, as Keras computes them.

    `()` → (1, 1); `(n,)` → (n, n); `(fan_in, fan_out)` for a Dense kernel; for higher ranks the leading
    axes are a receptive field that multiplies both.
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer(Configurable):
    """Base class: `init(shape, dtype="float32") -> np.ndarray` of that shape and dtype."""

    def __call__(self, shape: tuple[int, ...], dtype: Any = "float32") -> np.ndarray:
        raise NotImplementedError


class RandomInitializer(Initializer):
    """Draws random numbers: from `seed` if given (repeatable), else from the global generator."""

    def __init__(self, seed: int | None = None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"seed must be an integer or None, got {seed!r}")
        self.seed = None if seed is None else int(seed)

    def rng(self) -> np.random.Generator:
        """A fresh generator from `seed` (same numbers on every call, like Keras), or the global one."""
        return np.random.default_rng(self.seed) if self.seed is not None else _random.generator()


@REGISTRY.register("zeros", "zero")
class Zeros(Initializer):
    """w = 0."""

    name, keras_class = "zeros", "Zeros"

    def __call__(self, shape, dtype="float32"):
        return np.zeros(shape, dtype=dtype)


@REGISTRY.register("ones", "one")
class Ones(Initializer):
    """w = 1."""

    name, keras_class = "ones", "Ones"

    def __call__(self, shape, dtype="float32"):
        return np.ones(shape, dtype=dtype)


@REGISTRY.register("constant")
class Constant(Initializer):
    """w = value (a scalar)."""

    name, keras_class, _always = "constant", "Constant", ("value",)

    def __init__(self, value: float = 0.0):
        if not np.isscalar(value):
            raise TypeError(f"constant: value must be a scalar, got {type(value).__name__}")
        self.value = value

    def __call__(self, shape, dtype="float32"):
        return np.full(shape, self.value, dtype=dtype)


@REGISTRY.register("identity", "identity_initializer")
class Identity(Initializer):
    """w = gain · I, for 2-D shapes only (a non-square shape gets ones on the main diagonal)."""

    name, keras_class = "identity", "Identity"

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape, dtype="float32"):
        if len(shape) != 2:
            raise ValueError(f"identity initializer needs a 2-D shape, got shape={tuple(shape)}")
        return (self.gain * np.eye(*shape)).astype(dtype)


@REGISTRY.register("random_normal", "normal")
class RandomNormal(RandomInitializer):
    """w ~ N(mean, stddev²)."""

    name, keras_class, _always = "random_normal", "RandomNormal", ("mean", "stddev")

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape, dtype="float32"):
        return (self.mean + self.stddev * self.rng().standard_normal(shape)).astype(dtype)


@REGISTRY.register("random_uniform", "uniform")
class RandomUniform(RandomInitializer):
    """w ~ U[minval, maxval)."""

    name, keras_class, _always = "random_uniform", "RandomUniform", ("minval", "maxval")

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        self.minval, self.maxval = minval, maxval
        super().__init__(seed)

    def __call__(self, shape, dtype="float32"):
        return self.rng().uniform(self.minval, self.maxval, size=shape).astype(dtype)


def truncated_standard_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """z ~ N(0, 1) conditioned on |z| < 2: draws outside ±2 are redrawn (about 4.6% of them)."""
    z = rng.standard_normal(shape)
    bad = np.abs(z) >= 2.0
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) >= 2.0
    return z


@REGISTRY.register("truncated_normal")
class TruncatedNormal(RandomInitializer):
    """w ~ N(mean, stddev²) truncated to mean ± 2·stddev (values outside are redrawn)."""

    name, keras_class, _always = "truncated_normal", "TruncatedNormal", ("mean", "stddev")

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape, dtype="float32"):
        return (self.mean + self.stddev * truncated_standard_normal(self.rng(), shape)).astype(dtype)


@REGISTRY.register("variance_scaling")
class VarianceScaling(RandomInitializer):
    """Variance scaling: Var(w) = scale / n, where n is fan_in, fan_out or (fan_in + fan_out)/2 (`mode`).

    - `truncated_normal` (default; `normal` is accepted for it): N(0, σ²) cut at ±2σ with
      σ = sqrt(scale/n) / 0.87962566103423978, so that the std *after* truncation is sqrt(scale/n);
    - `untruncated_normal`: N(0, scale/n);
    - `uniform`: U[-limit, limit] with limit = sqrt(3·scale/n).
    n is at least 1.
    """

    name, keras_class, _always = "variance_scaling", "VarianceScaling", ("scale", "mode", "distribution")
    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
    ):
        if not scale > 0.0:
            raise ValueError(f"variance_scaling: scale must be a positive float, got {scale!r}")
        if mode not in self.MODES:
            raise ValueError(f"variance_scaling: mode must be one of {', '.join(self.MODES)}; got {mode!r}")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in self.DISTRIBUTIONS:
            valid = ", ".join(self.DISTRIBUTIONS)
            raise ValueError(f"variance_scaling: distribution must be one of {valid}; got {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        super().__init__(seed)

    def variance(self, shape: tuple[int, ...]) -> float:
        """scale / n: the variance the drawn weights have (for the truncated normal, after truncation)."""
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        return self.scale / max(1.0, n)

    def __call__(self, shape, dtype="float32"):
        var = self.variance(shape)
        rng = self.rng()
        if self.distribution == "truncated_normal":
            w = math.sqrt(var) / TRUNCATED_STD * truncated_standard_normal(rng, shape)
        elif self.distribution == "untruncated_normal":
            w = math.sqrt(var) * rng.standard_normal(shape)
        else:
            limit = math.sqrt(3.0 * var)
            w = rng.uniform(-limit, limit, size=shape)
        return w.astype(dtype)


class _FixedScaling(VarianceScaling):
    """A named variance scaling (glorot/he/lecun): only `seed` is a parameter."""

    _preset: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")
    _always = ()

    def __init__(self, seed: int | None = None):
        super().__init__(*self._preset, seed=seed)


@REGISTRY.register("glorot_uniform")
class GlorotUniform(_FixedScaling):
    """Glorot (Xavier) uniform: U[-limit, limit], limit = sqrt(6 / (fan_in + fan_out)). Keras's default."""

    name, keras_class, _preset = "glorot_uniform", "GlorotUniform", (1.0, "fan_avg", "uniform")


@REGISTRY.register("glorot_normal")
class GlorotNormal(_FixedScaling):
    """Glorot (Xavier) normal: truncated normal with std sqrt(2 / (fan_in + fan_out)) after truncation."""

    name, keras_class, _preset = "glorot_normal", "GlorotNormal", (1.0, "fan_avg", "truncated_normal")


@REGISTRY.register("he_uniform")
class HeUniform(_FixedScaling):
    """He uniform: U[-limit, limit], limit = sqrt(6 / fan_in). Made for relu layers."""

    name, keras_class, _preset = "he_uniform", "HeUniform", (2.0, "fan_in", "uniform")


@REGISTRY.register("he_normal")
class HeNormal(_FixedScaling):
    """He normal: truncated normal with std sqrt(2 / fan_in) after truncation. Made for relu layers."""

    name, keras_class, _preset = "he_normal", "HeNormal", (2.0, "fan_in", "truncated_normal")


@REGISTRY.register("lecun_uniform")
class LecunUniform(_FixedScaling):
    """LeCun uniform: U[-limit, limit], limit = sqrt(3 / fan_in)."""

    name, keras_class, _preset = "lecun_uniform", "LecunUniform", (1.0, "fan_in", "uniform")


@REGISTRY.register("lecun_normal")
class LecunNormal(_FixedScaling):
    """LeCun normal: truncated normal with std sqrt(1 / fan_in) after truncation. Made for selu."""

    name, keras_class, _preset = "lecun_normal", "LecunNormal", (1.0, "fan_in", "truncated_normal")


@REGISTRY.register("orthogonal", "orthogonal_initializer")
class Orthogonal(RandomInitializer):
    """w = gain · Q, where Q comes from the QR decomposition of a standard normal matrix (signs fixed by
    diag(R)): orthonormal columns if rows ≥ cols, else orthonormal rows. Shapes of rank > 2 are
    flattened to `(prod(shape[:-1]), shape[-1])`.
    """

    name, keras_class = "orthogonal", "Orthogonal"

    def __init__(self, gain: float = 1.0, seed: int | None = None):
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape, dtype="float32"):
        if len(shape) < 2:
            raise ValueError(f"orthogonal initializer needs a shape of rank >= 2, got shape={tuple(shape)}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self.rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)


def get(identifier: Any) -> Initializer:
    """An initializer from a name (`'he_normal'`, `'HeNormal'`), a mapping (`{'name': 'random_normal',
    'stddev': 0.1}` or Keras's `{'class_name': ..., 'config': ...}`), an Initializer class or instance.
    None is an error: a weight always needs an initializer.
    """
    if identifier is None:
        raise ValueError("an initializer is required, got None; e.g. 'glorot_uniform' or 'zeros'")
    return build(REGISTRY, Initializer, identifier)
