"""Optimizers with Keras 3.15.1's exact update rules: SGD (momentum, Nesterov), Adam, AdamW, RMSprop,
Adagrad, Nadam, plus Keras's weight_decay, clipnorm, clipvalue and global_clipnorm.

They work on ONE flat buffer: `opt.apply(params, grads, slices)` updates every weight of a model in place
with a few whole-buffer NumPy operations. Leaves out schedules, EMA, loss scaling and gradient accumulation.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from . import _kernels
from ._registry import Registry, _defaults_of, build

REGISTRY: Registry[type["Optimizer"]] = Registry("optimizer")

# Keras arguments that actcli accepts only at their default (they exist so Keras configs load).
_KERAS_ONLY = {
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}
_COMMON = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm")


def _number(
    value: Any, what: str, low: float = 0.0, high: float = math.inf, high_open: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what} must be a number, got {value!r}")
    value = float(value)
    if not (low <= value <= high) or (high_open and value == high):
        bound = f"[{low}, {high})" if high_open else f"[{low}, {high}]"
        raise ValueError(f"{what} must be in {bound}, got {value}")
    return value


class Optimizer:
    """Base class. `apply(params, grads, slices=None)` does one Keras step, in place:

    1. clip the gradients (clipnorm per variable, or global_clipnorm, or clipvalue; at most one is set);
    2. weight decay, before the update: w ← w · (1 - weight_decay · lr) (Keras's torch backend form of
       `w -= w · weight_decay · lr`), on every weight (Keras's default: no variable is excluded);
    3. the optimizer's own update, computed in the dtype of `params` like Keras does in the variable's;
    4. `iterations += 1`.

    Slot buffers (momenta, velocities, ...) are allocated on the first call, sized like `params`; one
    optimizer serves one parameter buffer. `learning_rate` is a plain float the caller may change.
    """

    name: str = ""
    keras_class: str = ""
    _hyper: tuple[str, ...] = ()  # the optimizer's own parameters, in Keras's order
    _full_scratch = True

    def __init__(
        self,
        learning_rate: float,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
        **keras_only: Any,
    ):
        for key, value in keras_only.items():
            if key not in _KERAS_ONLY:
                valid = ", ".join(["learning_rate", *self._hyper, *_COMMON])
                raise TypeError(f"optimizer '{self.name}' got unknown parameter '{key}'; valid: {valid}")
            if value != _KERAS_ONLY[key]:
                raise ValueError(f"optimizer '{self.name}': {key}={value!r} is not supported by actcli")
        self.learning_rate = _number(learning_rate, "learning_rate")
        self.weight_decay = None if weight_decay is None else _number(weight_decay, "weight_decay")
        self.clipnorm = None if clipnorm is None else _number(clipnorm, "clipnorm")
        self.clipvalue = None if clipvalue is None else _number(clipvalue, "clipvalue")
        self.global_clipnorm = (
            None if global_clipnorm is None else _number(global_clipnorm, "global_clipnorm")
        )
        if sum(v is not None for v in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("only one of clipnorm, clipvalue and global_clipnorm can be set")
        self.iterations = 0
        self.slots: dict[str, np.ndarray] = {}
        self._size: int | None = None
        self._params = self._grads = None
        self._clips = self._clipping()

    # -- the step --------------------------------------------------------------------------------------
    def apply(
        self, params: np.ndarray, grads: np.ndarray, slices: Sequence[tuple[int, int]] | None = None
    ) -> None:
        """Update `params` in place from `grads`: both 1-D, same shape and float dtype.

        `slices` lists the `(start, stop)` of each variable (kernel, bias, ...) in the buffer; only
        clipnorm needs it, because Keras clips each variable's gradient norm on its own. `grads` is never
        modified (clipping writes to a private buffer), so probes may read it after the step.
        """
        if params is not self._params or grads is not self._grads:  # checked once per buffer pair
            if self._size is None:
                self.build(params)
            if params.shape != (self._size,) or grads.shape != params.shape or grads.dtype != params.dtype:
                raise ValueError(
                    f"{self.name}: built for one 1-D buffer of {self._size} values ({self._dtype}); got params "
                    f"{params.shape} {params.dtype} and grads {grads.shape} {grads.dtype}: one optimizer per model"
                )
            self._params, self._grads = params, grads
        g = self._clip(grads, slices) if self._clips else grads
        t = self._t
        if self.learning_rate != self._lr_key:  # the rate in the buffer's dtype, converted when it changes
            self._lr_key, self._lr = self.learning_rate, t(self.learning_rate)
        lr = self._lr
        if self.weight_decay:
            params *= t(1) - t(self.weight_decay) * lr
        self._update(params, g, lr, t)
        self.iterations += 1
        if not self.iterations % self.FLUSH_EVERY and self.slots:
            self._flush_tiny()

    # Every FLUSH_EVERY steps, slot values smaller than TINY in magnitude become 0. A momentum that stops
    # receiving gradient (a dead relu unit's) decays geometrically into float32's subnormal range, where
    # x86 arithmetic is ~100x slower; a value below 1e-30 moves a weight by less than 1e-20 — nothing,
    # for any float32 weight above 1e-12 in magnitude. At β = 0.9 a value needs 175 steps to fall from
    # 1e-30 to a subnormal, so flushing every 64 steps keeps the slots clear of them.
    FLUSH_EVERY = 64
    TINY = 1e-30

    def _flush_tiny(self) -> None:
        for slot in self.slots.values():
            small = np.abs(slot)
            np.less(small, self.TINY, out=small)
            np.putmask(slot, small, 0)

    def build(self, params: np.ndarray) -> None:
        """Allocate the slots (filled with their start value) and scratch space, sized like `params`."""
        if params.ndim != 1 or not params.flags.c_contiguous or params.dtype.kind != "f":
            raise ValueError(
                f"{self.name}: params must be one contiguous 1-D float buffer, got {params.shape}"
            )
        self._size, self._dtype, self._t = params.shape[0], params.dtype, params.dtype.type
        self._lr_key = None
        self.slots = {key: np.full_like(params, start) for key, start in self._slot_starts().items()}
        # two full-size scratch buffers for the update (Adam brings its own, block-sized or stacked)
        self._tmp = np.empty_like(params) if self._full_scratch else None
        self._tmp2 = np.empty_like(params) if self._full_scratch else None
        self._g = np.empty_like(params) if self._clipping() else None
        self.use_kernels(_kernels.loaded())

    def _slot_starts(self) -> dict[str, float]:
        """Name → initial value of each slot buffer this optimizer keeps."""
        return {}

    kernel_name: str | None = None  # the compiled update (see `_kernels`) this optimizer can use, if any
    _kernel = None

    @property
    def has_kernel(self) -> bool:
        return self.kernel_name is not None

    def use_kernels(self, kernels: Any) -> None:
        """Run the update with these compiled kernels (`_kernels`), or with NumPy for None: the same bits."""
        name = self.kernel_name
        self._kernel = None if kernels is None or name is None else getattr(kernels, name)

    def _update(self, params: np.ndarray, g: np.ndarray, lr: Any, t: type) -> None:
        raise NotImplementedError

    # -- clipping (Keras's base_optimizer._clip_gradients) --------------------------------------------
    def _clipping(self) -> bool:
        return any(v for v in (self.clipnorm, self.clipvalue, self.global_clipnorm))

    def _clip(self, grads: np.ndarray, slices: Sequence[tuple[int, int]] | None) -> np.ndarray:
        if not self._clipping():
            return grads
        if self._g is None:
            self._g = np.empty_like(grads)
        g, t = self._g, grads.dtype.type
        if self.clipnorm:
            # per variable: g · c / max(‖g‖, c)
            if slices is None:
                raise ValueError(
                    f"{self.name}: clipnorm is per variable; apply() needs the variables' slices"
                )
            np.copyto(g, grads)
            c = t(self.clipnorm)
            for start, stop in slices:
                part = g[start:stop]
                norm = np.sqrt(np.dot(part, part))
                part *= c
                part /= max(norm, c)
        elif self.global_clipnorm:
            # all variables together: g · c · min(1/‖g‖, 1/c), NaN if ‖g‖ is not finite
            c = t(self.global_clipnorm)
            norm = np.sqrt(np.dot(grads, grads))
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = c * min(t(1) / norm, t(1) / c) + (norm - norm)
            np.multiply(grads, scale, out=g)
        else:
            np.clip(grads, -t(self.clipvalue), t(self.clipvalue), out=g)
        return g

    # -- config ----------------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """`{'name': ..., 'learning_rate': ..., **hyperparameters, weight_decay, clipnorm, ...}`."""
        config = {"name": self.name, "learning_rate": self.learning_rate}
        config.update({k: getattr(self, k) for k in self._hyper})
        config.update({k: getattr(self, k) for k in _COMMON})
        return config

    def __repr__(self) -> str:
        """`Adam(learning_rate=0.01)`: the learning rate and every setting that is not Keras's default."""
        defaults = {**dict.fromkeys(_COMMON), **_defaults_of(type(self))}
        shown = {k: v for k, v in self.get_config().items() if k != "name"}
        args = [f"{k}={v!r}" for k, v in shown.items() if k == "learning_rate" or v != defaults.get(k)]
        return f"{type(self).__name__}({', '.join(args)})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()  # type: ignore[union-attr]

    __hash__ = None  # type: ignore[assignment]


@REGISTRY.register("sgd")
class SGD(Optimizer):
    """Stochastic gradient descent.

    momentum = 0:  w ← w - lr · g
    momentum μ:    m ← μ · m - lr · g;  w ← w + m                       (m starts at 0)
    nesterov:      m ← μ · m - lr · g;  w ← w - lr · g + μ · m
    """

    name, keras_class, _hyper = "sgd", "SGD", ("momentum", "nesterov")

    def __init__(
        self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False, **kwargs: Any
    ):
        self.momentum = _number(momentum, "sgd: momentum", 0.0, 1.0)
        self.nesterov = bool(nesterov)
        super().__init__(learning_rate, **kwargs)

    def _slot_starts(self):
        return {"momentum": 0.0} if self.momentum != 0 else {}

    @property
    def kernel_name(self):
        return "sgd" if self.momentum == 0 else None

    def _update(self, params, g, lr, t):
        if self._kernel is not None:
            self._kernel(params, g, lr)  # params -= g·lr in one pass
            return
        tmp = self._tmp
        np.multiply(g, lr, out=tmp)
        if self.momentum == 0:
            params -= tmp
            return
        m = self.slots["momentum"]
        m *= t(self.momentum)
        m -= tmp
        if self.nesterov:
            params -= tmp
            np.multiply(m, t(self.momentum), out=tmp)
            params += tmp
        else:
            params += m


_NO_HAT = np.empty(0, np.float32)  # the compiled Adam's v̂ when amsgrad is off (any dtype: it is never read)


@REGISTRY.register("adam")
class Adam(Optimizer):
    """Adam, with the bias correction folded into the step size as Keras does (t = iterations + 1):

    m ← β₁ · m + (1 - β₁) · g;   v ← β₂ · v + (1 - β₂) · g²
    α = lr · sqrt(1 - β₂ᵗ) / (1 - β₁ᵗ);   w ← w - α · m / (sqrt(v) + ε)
    amsgrad: v̂ ← max(v̂, v) is used in place of v. (ε sits outside the corrected v, unlike the paper.)
    """

    name, keras_class, _hyper = "adam", "Adam", ("beta_1", "beta_2", "epsilon", "amsgrad")
    _full_scratch = False

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ):
        self.beta_1 = _number(beta_1, f"{self.name}: beta_1", 0.0, 1.0, high_open=True)
        self.beta_2 = _number(beta_2, f"{self.name}: beta_2", 0.0, 1.0, high_open=True)
        self.epsilon = _number(epsilon, f"{self.name}: epsilon")
        self.amsgrad = bool(amsgrad)
        super().__init__(learning_rate, **kwargs)

    ALPHA_BLOCK = 1024
    # Buffers below this size are overhead-bound (each NumPy call costs ~0.5 µs whatever its length): m and v
    # then live side by side in one buffer and are updated together, 10 calls a step instead of 12.
    STACK_BELOW = 1 << 16
    # Larger buffers are bound by memory: the 12 passes run over blocks of this many values, so that a block's
    # g, m, v and w stay in cache between passes, with two block-sized scratch buffers that never leave it
    # (1.26 ms instead of 2.3 ms a step for 669k weights here).
    BLOCK = 1 << 15

    def _alpha(self, lr, t):
        """The step size lr·sqrt(1 - β₂ᵗ)/(1 - β₁ᵗ) for t = iterations + 1, in the buffer's dtype like Keras.

        Computed for a block of steps at once with the same float32 operations (the vectorised power may differ
        from the scalar one in the last bit), so a step costs an index instead of a dozen scalar operations.
        """
        k = self.iterations - self._alpha_start
        key = self._alpha_key  # compared by identity (floats are immutable): a new value is a new object
        if not (0 <= k < self.ALPHA_BLOCK and key[0] is lr and key[1] is t and key[2] is self.beta_1
                and key[3] is self.beta_2):
            start = (self.iterations // self.ALPHA_BLOCK) * self.ALPHA_BLOCK
            steps = np.arange(start + 1, start + self.ALPHA_BLOCK + 1).astype(t)
            one, b1, b2 = t(1), t(self.beta_1), t(self.beta_2)
            self._alphas = t(lr) * np.sqrt(one - np.power(b2, steps)) / (one - np.power(b1, steps))
            self._alpha_start, self._alpha_key = start, (lr, t, self.beta_1, self.beta_2)
            k = self.iterations - start
        return self._alphas[k]

    _alpha_start, _alpha_key = 0, (None, None, None, None)
    _kernel_factors = (None, None, None)

    kernel_name = "adam"  # the whole update in one pass and one call (on the same slots, stacked or not)

    def _slot_starts(self):
        starts = {"momentum": 0.0, "velocity": 0.0}
        return {**starts, "velocity_hat": 0.0} if self.amsgrad else starts

    def build(self, params):
        super().build(params)
        n = self._size
        self._stacked = n < self.STACK_BELOW and not self.amsgrad
        if self._stacked:  # [m | v] in one buffer, [g | g²] and the factors [1-β₁ | 1-β₂] beside it
            self._mv = np.zeros(2 * n, dtype=params.dtype)
            self.slots["momentum"], self.slots["velocity"] = self._mv[:n], self._mv[n:]
            self._gg, self._tmp_mv, self._factors = (np.empty(2 * n, dtype=params.dtype) for _ in range(3))
            self._factors_key = (None, None)
            gg, mv, tmp = self._gg, self._mv, self._tmp_mv
            self._halves = (gg[:n], gg[n:], mv[:n], mv[n:], tmp[:n], tmp[n:])  # views made once, not per step
        else:
            self._blocks = [slice(lo, min(lo + self.BLOCK, n)) for lo in range(0, n, self.BLOCK)]
            self._scratch = (np.empty(self.BLOCK, dtype=params.dtype), np.empty(self.BLOCK, dtype=params.dtype))

    def _update(self, params, g, lr, t):
        # Keras's exact order of operations: m += (g - m)(1 - β₁), v += (g² - v)(1 - β₂),
        # w -= (m·α) / (sqrt(v) + ε). Python-float factors keep the buffers float32.
        alpha = self._alpha(lr, t)
        if self._kernel is not None:
            slots = self.slots
            factors = self._kernel_factors
            if factors[0] is not self.beta_1 or factors[1] is not self.beta_2 or factors[2] is not self.epsilon:
                # Python floats rounded to the dtype, as NumPy does when they meet a float32 buffer
                self._kernel_factors = factors = (self.beta_1, self.beta_2, self.epsilon, t(1.0 - self.beta_1),
                                                  t(1.0 - self.beta_2), t(self.epsilon))
            self._kernel(params, g, slots["momentum"], slots["velocity"], slots.get("velocity_hat", _NO_HAT), alpha,
                         *factors[3:])
            return
        if self._stacked:
            self._update_stacked(params, g, alpha)
            return
        m, v, (tmp, tmp2) = self.slots["momentum"], self.slots["velocity"], self._scratch
        vhat = self.slots.get("velocity_hat")
        c1, c2, eps = 1.0 - self.beta_1, 1.0 - self.beta_2, self.epsilon
        for b in self._blocks:
            k = b.stop - b.start
            self._update_block(params[b], g[b], m[b], v[b], tmp[:k], tmp2[:k], None if vhat is None else vhat[b],
                               alpha, c1, c2, eps)

    @staticmethod
    def _update_block(params, g, m, v, tmp, tmp2, vhat, alpha, c1, c2, eps):
        np.subtract(g, m, out=tmp)
        tmp *= c1
        m += tmp
        np.multiply(g, g, out=tmp)
        tmp -= v
        tmp *= c2
        v += tmp
        if vhat is not None:
            v = np.maximum(vhat, v, out=vhat)
        np.sqrt(v, out=tmp)
        tmp += eps
        np.multiply(m, alpha, out=tmp2)
        tmp2 /= tmp
        params -= tmp2

    def _update_stacked(self, params, g, alpha):
        # The same operations, m and v together: [g | g²] - [m | v], times [1-β₁ | 1-β₂], added to [m | v].
        gg, mv, tmp, factors = self._gg, self._mv, self._tmp_mv, self._factors
        g_lo, g_hi, m, v, s, q = self._halves
        if self._factors_key[0] is not self.beta_1 or self._factors_key[1] is not self.beta_2:
            n = self._size
            factors[:n], factors[n:] = 1.0 - self.beta_1, 1.0 - self.beta_2  # rounded to the dtype, as the scalars are
            self._factors_key = (self.beta_1, self.beta_2)
        np.copyto(g_lo, g)
        np.multiply(g, g, out=g_hi)
        np.subtract(gg, mv, out=tmp)
        tmp *= factors
        mv += tmp
        np.sqrt(v, out=s)
        s += self.epsilon
        np.multiply(m, alpha, out=q)
        q /= s
        params -= q


@REGISTRY.register("adamw")
class AdamW(Adam):
    """Adam with decoupled weight decay: before each Adam step, w ← w · (1 - weight_decay · lr).

    weight_decay defaults to 0.004 and is required (as in Keras).
    """

    name, keras_class = "adamw", "AdamW"

    def __init__(
        self,
        learning_rate: float = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ):
        if weight_decay is None:
            raise ValueError("adamw: weight_decay must be a float, got None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs)


@REGISTRY.register("rmsprop")
class RMSprop(Optimizer):
    """RMSprop, Keras's form (ε inside the square root):

    v ← ρ · v + (1 - ρ) · g²;  Δ = lr · g / sqrt(v + ε)
    centered: a ← ρ · a + (1 - ρ) · g and the denominator is sqrt(v - a² + ε)
    momentum μ > 0: s ← μ · s + Δ;  w ← w - s.   Otherwise w ← w - Δ.
    """

    name, keras_class, _hyper = "rmsprop", "RMSprop", ("rho", "momentum", "epsilon", "centered")

    def __init__(
        self,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs: Any,
    ):
        self.rho = _number(rho, "rmsprop: rho", 0.0, 1.0)
        self.momentum = _number(momentum, "rmsprop: momentum", 0.0, 1.0)
        self.epsilon = _number(epsilon, "rmsprop: epsilon")
        self.centered = bool(centered)
        super().__init__(learning_rate, **kwargs)

    def _slot_starts(self):
        starts = {"velocity": 0.0}
        if self.momentum > 0:
            starts["momentum"] = 0.0
        if self.centered:
            starts["average_gradient"] = 0.0
        return starts

    def _update(self, params, g, lr, t):
        v, tmp, tmp2, rho = self.slots["velocity"], self._tmp, self._tmp2, t(self.rho)
        v *= rho
        np.multiply(g, g, out=tmp)
        tmp *= t(1 - self.rho)
        v += tmp
        np.add(v, t(self.epsilon), out=tmp)  # the denominator, before its square root
        if self.centered:
            a = self.slots["average_gradient"]
            a *= rho
            np.multiply(g, t(1 - self.rho), out=tmp2)
            a += tmp2
            np.multiply(a, a, out=tmp2)
            tmp -= tmp2
        np.sqrt(tmp, out=tmp)
        np.multiply(g, lr, out=tmp2)
        tmp2 /= tmp  # the increment Δ
        if self.momentum > 0:
            s = self.slots["momentum"]
            s *= t(self.momentum)
            s += tmp2
            params -= s
        else:
            params -= tmp2


@REGISTRY.register("adagrad")
class Adagrad(Optimizer):
    """Adagrad: a ← a + g² (a starts at initial_accumulator_value);  w ← w - lr · g / sqrt(a + ε)."""

    name, keras_class, _hyper = "adagrad", "Adagrad", ("initial_accumulator_value", "epsilon")

    def __init__(
        self,
        learning_rate: float = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ):
        self.initial_accumulator_value = _number(
            initial_accumulator_value, "adagrad: initial_accumulator_value"
        )
        self.epsilon = _number(epsilon, "adagrad: epsilon")
        super().__init__(learning_rate, **kwargs)

    def _slot_starts(self):
        return {"accumulator": self.initial_accumulator_value}

    def _update(self, params, g, lr, t):
        a, tmp, tmp2 = self.slots["accumulator"], self._tmp, self._tmp2
        np.multiply(g, g, out=tmp)
        a += tmp
        np.add(a, t(self.epsilon), out=tmp)
        np.sqrt(tmp, out=tmp)
        np.multiply(g, lr, out=tmp2)
        tmp2 /= tmp
        params -= tmp2


@REGISTRY.register("nadam")
class Nadam(Optimizer):
    """Nadam (Adam with Nesterov momentum), Keras's form with a momentum schedule (t = iterations + 1):

    u_t = β₁ · (1 - ½ · 0.96ᵗ);  u_{t+1} = β₁ · (1 - ½ · 0.96ᵗ⁺¹);  Π_t = u_1 · … · u_t (kept across steps)
    m ← β₁ · m + (1 - β₁) · g;   v ← β₂ · v + (1 - β₂) · g²
    m̂ = u_{t+1} · m / (1 - Π_t · u_{t+1}) + (1 - u_t) · g / (1 - Π_t);   v̂ = v / (1 - β₂ᵗ)
    w ← w - lr · m̂ / (sqrt(v̂) + ε)
    """

    name, keras_class, _hyper = "nadam", "Nadam", ("beta_1", "beta_2", "epsilon")

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ):
        self.beta_1 = _number(beta_1, "nadam: beta_1", 0.0, 1.0, high_open=True)
        self.beta_2 = _number(beta_2, "nadam: beta_2", 0.0, 1.0, high_open=True)
        self.epsilon = _number(epsilon, "nadam: epsilon")
        super().__init__(learning_rate, **kwargs)
        self.u_product = 1.0  # Π_t, the product of the momentum schedule so far

    def build(self, params):
        super().build(params)
        self.u_product = params.dtype.type(1.0)

    def _slot_starts(self):
        return {"momentum": 0.0, "velocity": 0.0}

    def _update(self, params, g, lr, t):
        m, v, tmp, tmp2 = self.slots["momentum"], self.slots["velocity"], self._tmp, self._tmp2
        step, b1, decay = t(self.iterations + 1), t(self.beta_1), t(0.96)
        u_t = b1 * (t(1) - t(0.5) * decay**step)
        u_next = b1 * (t(1) - t(0.5) * decay ** (step + t(1)))
        self.u_product = u_product = t(self.u_product) * u_t
        u_product_next = u_product * u_next
        beta_2_power = t(self.beta_2) ** step
        m *= b1
        np.multiply(g, t(1 - self.beta_1), out=tmp)
        m += tmp
        v *= t(self.beta_2)
        np.multiply(g, g, out=tmp)
        tmp *= t(1 - self.beta_2)
        v += tmp
        np.multiply(m, u_next, out=tmp)  # tmp = m̂
        tmp /= t(1) - u_product_next
        np.multiply(g, t(1) - u_t, out=tmp2)
        tmp2 /= t(1) - u_product
        tmp += tmp2
        np.divide(v, t(1) - beta_2_power, out=tmp2)  # tmp2 = sqrt(v̂) + ε
        np.sqrt(tmp2, out=tmp2)
        tmp2 += t(self.epsilon)
        tmp *= lr
        tmp /= tmp2
        params -= tmp


def get(identifier: Any) -> Optimizer | None:
    """An optimizer from a name (`'adam'`, `'RMSprop'`), a mapping (`{'name': 'sgd', 'momentum': 0.9}` or
    Keras's `{'class_name': 'Adam', 'config': {...}}`), an Optimizer class or instance (returned as is),
    or None (no optimizer, as in Keras).
    """
    if identifier is None:
        return None
    return build(REGISTRY, Optimizer, identifier)
