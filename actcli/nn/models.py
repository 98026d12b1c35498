"""Sequential: a stack of Dense layers with Keras's `add / compile / fit / predict / evaluate / summary`.

When built, every kernel and bias becomes a view into one flat parameter buffer (and every gradient a view into
one flat gradient buffer), in Keras's order `[kernel0, bias0, kernel1, bias1, ...]`; the optimizer updates the
whole buffer at once. Printing goes through `print_fn` (replaceable), and only where Keras prints.

`fit` trains a model without penalties through one flattened step function (`_flat_step`): the operations of
the layers' own `forward`/`backward`, in the same order, without their per-batch method calls, which on a
lesson-sized net cost as much as the arithmetic. A model with penalties goes through the layers
(`_step_with_layers`); a test holds the two to the same bits.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Sequence

import numpy as np

from . import _kernels
from . import losses as losses_mod
from . import optimizers as optimizers_mod
from .callbacks import Callback, History, overrides
from .layers import Dense, _ones
from .random import generator


def _as_float(x: Any, dtype: np.dtype) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(x, dtype=dtype))


class _BatchLogs(dict):
    """A training batch's logs; 'loss' is computed only when a callback asks for it."""

    def __init__(self, model, fused_store, pred_store, regularized):
        super().__init__()
        self._model, self._regularized = model, regularized
        self._store = fused_store if fused_store is not None else pred_store
        self._y, self._lo, self._hi = None, 0, 0

    def renew(self, y, lo, hi) -> None:
        """Point at the next batch (one object per fit: a new dict per batch costs more than the probes)."""
        if self:
            self.clear()
        self._y, self._lo, self._hi = y, lo, hi

    def _loss(self) -> float:
        model = self._model
        with np.errstate(all="ignore"):
            value = model._data_loss(self._y, self._store[self._lo:self._hi])
        return value + (model._penalty_at_forward if self._regularized else 0.0)

    def __missing__(self, key):
        if key == "loss":
            self["loss"] = self._loss()
            return self["loss"]
        raise KeyError(key)

    def get(self, key, default=None):
        return self[key] if key == "loss" or key in self else default

    def __contains__(self, key) -> bool:
        return key == "loss" or dict.__contains__(self, key)


class Sequential:
    """A linear stack of layers. `Sequential([Dense(...), ...])` or `add()` one at a time."""

    def __init__(self, layers: Sequence[Dense] | None = None, name: str | None = None):
        self.name = name or "sequential"
        self.layers: list[Dense] = []
        self.optimizer = None
        self.loss = None
        self.metrics: list[str] = []
        self.stop_training = False
        self.print_fn: Callable[[str], None] = print
        self.history: History | None = None
        self._flat: np.ndarray | None = None
        self._flat_grad: np.ndarray | None = None
        self._slices: list[tuple[int, int]] = []
        self._has_penalty = False
        self._fused = False
        for layer in layers or []:
            self.add(layer)

    # -- building -------------------------------------------------------------------------------------
    def add(self, layer: Dense) -> None:
        if not isinstance(layer, Dense):
            raise TypeError(f"Sequential.add expects a Dense layer, got {type(layer).__name__}")
        if not self.layers and layer.input_dim is None:
            pass  # built later from the data (like Keras's deferred build)
        if layer.name is None:
            taken = {lay.name for lay in self.layers}
            i, base = 0, "dense"
            while (cand := base if i == 0 else f"{base}_{i}") in taken:
                i += 1
            layer.name = cand
        self.layers.append(layer)
        self._flat = None
        if self.layers[0].input_dim is not None:
            self.build(self.layers[0].input_dim)

    @property
    def built(self) -> bool:
        return self._flat is not None

    @property
    def dtype(self) -> np.dtype:
        return self.layers[0].dtype if self.layers else np.dtype("float32")

    def build(self, input_dim: int | None = None) -> None:
        """Create the weights (from the first layer's input_dim, or the given one) and the flat buffers."""
        if not self.layers:
            raise ValueError("the model has no layers: add a Dense layer first")
        dim = input_dim if input_dim is not None else self.layers[0].input_dim
        if dim is None:
            raise ValueError("the model does not know its input size: give the first layer input_dim=...")
        for layer in self.layers:
            if not layer.built or layer.input_dim != dim:
                if layer.built and layer.input_dim != dim:
                    layer.kernel = None
                layer.build(dim)
            dim = layer.output_dim
        weights = [w for layer in self.layers for w in layer.weights]
        sizes = [w.size for w in weights]
        dtype = self.dtype
        self._flat = np.empty(sum(sizes), dtype=dtype)
        self._flat_grad = np.zeros(sum(sizes), dtype=dtype)
        self._slices = []
        start = 0
        for layer in self.layers:
            views = []
            for w in layer.weights:
                stop = start + w.size
                self._flat[start:stop] = w.ravel()
                views.append((self._flat[start:stop].reshape(w.shape), self._flat_grad[start:stop].reshape(w.shape)))
                self._slices.append((start, stop))
                start = stop
            layer.kernel, layer.grad_kernel = views[0]
            if layer.use_bias:
                layer.bias, layer.grad_bias = views[1]

    def _ensure_built(self, x: np.ndarray) -> None:
        if x.ndim != 2:
            raise ValueError(f"inputs must be 2-D (samples, features), got shape {x.shape}")
        if not self.built:
            self.build(x.shape[1])
        elif x.shape[1] != self.layers[0].input_dim:
            raise ValueError(f"the model expects {self.layers[0].input_dim} features, got {x.shape[1]}")

    # -- weights ---------------------------------------------------------------------------------------
    @property
    def weights(self) -> list[np.ndarray]:
        return [w for layer in self.layers for w in layer.weights]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every weight in Keras's order and layout: [kernel0, bias0, kernel1, bias1, ...]."""
        return [w.copy() for w in self.weights]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Load weights in Keras's order; shapes must match exactly."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(f"set_weights: the model has {len(own)} weight arrays, got {len(weights)}")
        for i, (mine, new) in enumerate(zip(own, weights)):
            new = np.asarray(new)
            if new.shape != mine.shape:
                raise ValueError(f"set_weights: array {i} should have shape {mine.shape}, got {new.shape}")
            mine[...] = new

    def weights_finite(self) -> bool:
        # One reduction: a NaN or an infinity anywhere makes the sum non-finite.
        if self._flat is None:
            return True
        # Two reductions without arithmetic (so no floating-point warnings): NaN propagates through
        # minimum/maximum, and an infinity shows up as the minimum or the maximum.
        flat = self._flat
        return math.isfinite(np.minimum.reduce(flat)) and math.isfinite(np.maximum.reduce(flat))

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    # -- compile ---------------------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Sequence[str] | None = None) -> None:
        """Choose the optimizer, the loss and the metrics (only 'accuracy'/'acc' and loss names are known)."""
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = losses_mod.get(loss)
        self.metrics = list(metrics or [])
        for m in self.metrics:
            if m not in ("accuracy", "acc"):
                raise ValueError(f"unknown metric {m!r}: actcli knows 'accuracy'")

    def _accuracy_kind(self) -> str:
        """Keras's choice for 'accuracy': binary for a 1-unit head or a BCE loss, else categorical
        (sparse labels are one-hot by then, so sparse_categorical_accuracy is the same count)."""
        if self.layers[-1].output_dim == 1 or self.loss.name == "binary_crossentropy":
            return "binary"
        return "categorical"

    @staticmethod
    def _truth(kind: str, y: np.ndarray) -> np.ndarray:
        """What predictions are compared with: 0/1 per output (binary) or the class index (categorical)."""
        return y > 0.5 if kind == "binary" else y.argmax(axis=-1)

    @classmethod
    def _correct(cls, kind: str, y: np.ndarray, p: np.ndarray, truth: np.ndarray | None = None) -> float:
        """How many samples are right; `y` is prepared by the loss (same shape as p)."""
        truth = cls._truth(kind, y) if truth is None else truth
        if kind == "binary":
            return float(((p > 0.5) == truth).sum()) / p.shape[-1]  # binary_accuracy averages over outputs
        return float((p.argmax(axis=-1) == truth).sum())

    # -- one step ----------------------------------------------------------------------------------------
    def _forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        if self._has_penalty:
            # the penalties as Keras counts them for this batch: kernel/bias at the weights this forward used
            # (read before the update), plus this batch's activity penalty
            self._penalty_at_forward = self._extra_loss()
        return x

    def _extra_loss(self) -> float:
        reg = 0.0
        for layer in self.layers:
            if layer.kernel_regularizer is not None or layer.bias_regularizer is not None:
                reg += layer.regularization_loss()
            if layer.activity_regularizer is not None:
                reg += layer.activity_loss
        return reg

    def backprop(self, xb: np.ndarray, yb: np.ndarray) -> tuple[float, np.ndarray]:
        """Forward and backward on a batch with prepared targets `yb`, without updating anything.

        Returns (loss including penalties, predictions); gradients are left in the layers (and in the flat
        gradient buffer). Needs `compile()` and a built model.
        """
        self._fused = self._fusable()
        self._has_penalty = self._regularized
        return self._backprop(xb, yb)

    def compute_gradients(self, x: Any, y: Any) -> tuple[float, list[np.ndarray]]:
        """The loss and dL/dw for every weight (Keras order) on (x, y), without an update."""
        x = _as_float(x, self.dtype)
        self._ensure_built(x)
        yb = self.loss.prepare(np.asarray(y), np.zeros((len(x), self.layers[-1].output_dim), dtype=self.dtype))
        value, _ = self.backprop(x, yb)
        grads = [g.copy() for layer in self.layers
                 for g in ([layer.grad_kernel, layer.grad_bias] if layer.use_bias else [layer.grad_kernel])]
        return value, grads

    def _backprop(self, xb: np.ndarray, yb: np.ndarray, want_value: bool = True) -> tuple[float, np.ndarray]:
        """Forward and backward; the loss value (with penalties) only when `want_value`, else NaN."""
        p = self._forward(xb)
        head = self.layers[-1]
        loss = self.loss
        value = math.nan
        if self._fused:
            if want_value:
                value, delta = loss.logits_value_and_grad(yb, head.z, p)
            else:
                delta = loss.logits_grad(yb, head.z, p)
            grad = head.backward_delta(delta, len(self.layers) > 1)
        else:
            if want_value:
                value = float(loss.per_sample(yb, p).mean())
            grad = head.backward(loss.gradient(yb, p), len(self.layers) > 1)
        for i in range(len(self.layers) - 2, -1, -1):
            grad = self.layers[i].backward(grad, i > 0)
        if want_value and self._has_penalty:
            value += self._penalty_at_forward
        return value, p

    def _step_with_layers(self, fused_store, pred_store, kernels=None) -> Callable:
        """A training step through the layers' own methods (`_backprop`): any model, penalties included.
        (Only the optimizer uses the compiled `kernels` here.)"""
        head = self.layers[-1]
        constrained = self._constrained_layers()

        def step(xb, yb, lo, hi):
            _, p = self._backprop(xb, yb, want_value=False)
            self.optimizer.apply(self._flat, self._flat_grad, self._slices)
            for layer in constrained:
                layer.apply_constraints()
            if fused_store is not None:
                fused_store[lo:hi] = head.z
            pred_store[lo:hi] = p

        return step

    def _constrained_layers(self) -> list[Dense]:
        return [lay for lay in self.layers if lay.kernel_constraint is not None or lay.bias_constraint is not None]

    GATHER_PER_BATCH_BYTES = 8 << 20

    def _flat_step(self, fused_store, pred_store, kernels=None) -> Callable:
        """The same training step for a model without penalties, flattened into one function.

        The same NumPy operations in the same order as `_step_with_layers` (a test checks the weights agree to the
        bit), without its dozens of method calls and attribute lookups per batch, which on a lesson's small net
        cost as much as the arithmetic. The head's logits are written straight into the epoch's store. With the
        compiled `kernels`, relu, sigmoid, tanh and elu hidden layers add their bias, activate and differentiate in
        fewer passes.
        """
        layers = self.layers
        head_act = layers[-1].activation
        loss, apply = self.loss, self.optimizer.apply
        flat, flat_grad, slices = self._flat, self._flat_grad, self._slices
        fused = fused_store is not None
        dtype = self.dtype
        constrained = self._constrained_layers()
        compiled = [None if kernels is None else lay.activation.compiled(kernels, dtype) for lay in layers[:-1]]
        # a hidden layer with a compiled activation adds its bias and activates in fewer passes (None: NumPy's
        # way), leaving in z's buffer what its compiled backward reads (see Activation.compiled)
        plan = [(lay.kernel, lay.bias if lay.use_bias else None, lay.activation.forward,
                 c[0] if c is not None and lay.use_bias else None) for lay, c in zip(layers[:-1], compiled)]
        head_kernel, head_bias = layers[-1].kernel, layers[-1].bias if layers[-1].use_bias else None
        # per layer, top down, with the views it needs made once: a 1-unit layer works on its kernel's column
        # (a matrix-vector product beats a K=1 matrix multiply), the others on the kernel's transpose
        back = []
        for i in range(len(layers) - 1, -1, -1):
            lay = layers[i]
            one = lay.units == 1
            below = None  # the backward of the activation below, if any
            if i:
                below = compiled[i - 1][1] if compiled[i - 1] else layers[i - 1].activation.backward_into
            back.append((i, lay.kernel[:, 0] if one else lay.kernel.T,
                         lay.grad_kernel[:, 0] if one else lay.grad_kernel,
                         lay.grad_bias if lay.use_bias else None, one, below))
        # The step's arrays live in local lists, not on the layers: freed when it returns, so the next step's
        # allocations get the same blocks back, still in cache (kept on the layers until overwritten, they cost
        # the deep sigmoid stack of bench/ ~15 % of its step time in fresh memory)
        def step(xb, yb, lo, hi):
            inputs, zs = [xb], []
            a = xb
            for kernel, bias, forward, bias_forward in plan:
                z = a @ kernel
                if bias_forward is not None:
                    a = bias_forward(z, bias)
                else:
                    if bias is not None:
                        z += bias
                    a = forward(z)
                zs.append(z)
                inputs.append(a)
            z = np.matmul(a, head_kernel, out=fused_store[lo:hi]) if fused else a @ head_kernel
            if head_bias is not None:
                z += head_bias
            p = head_act.forward(z)
            delta = loss.logits_grad(yb, z, p) if fused else head_act.backward(z, p, loss.gradient(yb, p))
            ones = _ones(hi - lo, dtype)
            for i, kernel, grad_kernel, grad_bias, one_unit, backward in back:
                if one_unit:
                    np.dot(delta[:, 0], inputs[i], out=grad_kernel)
                else:
                    np.matmul(inputs[i].T, delta, out=grad_kernel)
                if grad_bias is not None:
                    np.dot(ones, delta, out=grad_bias)
                if backward is not None:
                    delta = backward(zs[i - 1], inputs[i], delta * kernel if one_unit else delta @ kernel)
            apply(flat, flat_grad, slices)
            for layer in constrained:
                layer.apply_constraints()
            pred_store[lo:hi] = p

        return step

    def _fusable(self) -> bool:
        """The output shortcut applies: the loss fuses with the head's activation, and no activity penalty
        on the head adds its own gradient to the head's output."""
        head = self.layers[-1]
        # softmax must normalise over the classes (the last axis) for dL/dz = p - y to hold
        over_classes = getattr(head.activation, "axis", -1) in (-1, 1)
        return self.loss.fused(head.activation.name) and head.activity_regularizer is None and over_classes

    @property
    def _regularized(self) -> bool:
        return any(lay.kernel_regularizer is not None or lay.bias_regularizer is not None
                   or lay.activity_regularizer is not None for lay in self.layers)

    def _data_loss(self, y: np.ndarray, out: np.ndarray) -> float:
        """Mean loss over samples from stored head outputs (logits when fused, else predictions)."""
        if self._fused:
            return self.loss.logits_value(y, out)
        return float(self.loss.per_sample(y, out).mean())

    # -- fit ------------------------------------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: Any = "auto", callbacks: Sequence[Callback] | None = None, validation_split: float = 0.0,
            validation_data: tuple | None = None, shuffle: bool = True, initial_epoch: int = 0) -> History:
        """Train for `epochs` epochs in mini-batches; returns a History with Keras's keys."""
        if self.optimizer is None or self.loss is None:
            raise RuntimeError("call compile(optimizer=..., loss=...) before fit()")
        dtype = self.dtype
        x = _as_float(x, dtype)
        y_raw = np.asarray(y)
        self._ensure_built(x)
        if not (0.0 <= validation_split < 1.0):
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split}")
        if validation_data is None and validation_split > 0:
            split_at = int(math.floor(len(x) * (1.0 - validation_split)))
            validation_data = (x[split_at:], y_raw[split_at:])
            x, y_raw = x[:split_at], y_raw[:split_at]
        head = self.layers[-1]
        y_all = np.ascontiguousarray(self.loss.prepare(y_raw, np.zeros((len(y_raw), head.output_dim), dtype=dtype)))
        if len(x) != len(y_all):
            raise ValueError(f"x has {len(x)} samples but y has {len(y_all)}")
        if len(x) == 0:
            raise ValueError("no training samples")
        batch_size = int(batch_size or 32)
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self._fused = self._fusable()
        acc_kind = self._accuracy_kind() if self.metrics else None
        regularized = self._has_penalty = self._regularized
        fused_store = np.empty((len(x), head.output_dim), dtype=dtype) if self._fused else None
        pred_store = np.empty((len(x), head.output_dim), dtype=dtype)
        truth_all = self._truth(acc_kind, y_all) if acc_kind is not None else None
        batch_logs = _BatchLogs(self, fused_store, pred_store, regularized)
        history = History()
        cbs = [*(callbacks or []), history]  # like Keras, History comes last and sees every log
        for cb in cbs:
            cb.set_model(self)
        batch_cbs = [cb for cb in cbs if overrides(cb, "on_train_batch_end")]
        batch_begin_cbs = [cb for cb in cbs if overrides(cb, "on_train_batch_begin")]
        n = len(x)
        steps = -(-n // batch_size)
        # compiled kernels (numba) when this fit gains more than loading them costs, or they are loaded already
        opt, rows = self.optimizer, min(batch_size, n)
        hidden = [(_kernels.hidden_kernel(lay.activation, lay.use_bias), rows * lay.units) for lay in self.layers[:-1]]
        kernels = _kernels.prepare(_kernels.estimated_saving(
            max(epochs - initial_epoch, 0) * steps, opt.kernel_name, self.count_params(), hidden))
        self.optimizer.use_kernels(kernels)
        train_step = (self._step_with_layers if regularized else self._flat_step)(fused_store, pred_store, kernels)
        history.params = {"epochs": epochs, "steps": steps, "verbose": verbose}
        self.history = history
        self.stop_training = False
        rng = generator()
        # Shuffling gathers the inputs once an epoch, then slices batches: one call. Inputs too large for the
        # caches (a 20,000 x 784 set is 62 MB) are gathered batch by batch into one reused buffer instead, so
        # each batch is still in cache when its matrix multiply reads it and no 62 MB copy is written.
        batch_gather = shuffle and x.nbytes > self.GATHER_PER_BATCH_BYTES
        batch_buf = np.empty((rows, *x.shape[1:]), dtype=x.dtype) if batch_gather else None
        take = np.take
        if verbose == "auto":
            verbose = 1
        for cb in cbs:
            cb.on_train_begin()
        # A callback that keeps every batch's gradient may offer an iterator of buffers (`gradient_tap`): fit copies
        # each batch's gradient into the next one, cheaper than a per-batch call on a small net.
        taps = [cb.gradient_tap for cb in cbs if getattr(cb, "gradient_tap", None) is not None]
        flat_grad = self._flat_grad
        for epoch in range(initial_epoch, epochs):
            for cb in cbs:
                cb.on_epoch_begin(epoch)
            t0 = time.perf_counter()
            if shuffle:
                order = rng.permutation(n)
                xs, ys = (None if batch_gather else x[order]), y_all[order]
                ts = truth_all[order] if truth_all is not None else None
            else:
                xs, ys, ts = x, y_all, truth_all
            # The epoch's loss and accuracy come from every batch's head output, stored as the batches go
            # (with the weights of that moment, as Keras averages them) and reduced once per epoch.
            penalty = 0.0
            seen = 0
            for step in range(steps):
                lo = step * batch_size
                hi = min(lo + batch_size, n)
                yb = ys[lo:hi]
                for cb in batch_begin_cbs:
                    cb.on_train_batch_begin(step)
                if xs is None:  # the batch's rows gathered into a buffer that stays in cache; mode="clip" (the
                    # indices are a permutation, always in range) spares the bounds-checked mode's buffered copy
                    train_step(take(x, order[lo:hi], axis=0, out=batch_buf[:hi - lo], mode="clip"), yb, lo, hi)
                else:
                    train_step(xs[lo:hi], yb, lo, hi)
                seen = hi
                for tap in taps:
                    next(tap)[...] = flat_grad
                if regularized:
                    penalty += self._penalty_at_forward * (hi - lo)
                if batch_cbs:
                    batch_logs.renew(yb, lo, hi)
                    for cb in batch_cbs:
                        cb.on_train_batch_end(step, batch_logs)
                if self.stop_training:
                    break
            with np.errstate(all="ignore"):
                store = fused_store if fused_store is not None else pred_store
                logs = {"loss": self._data_loss(ys[:seen], store[:seen]) + penalty / seen}
                if acc_kind is not None:
                    logs["accuracy"] = self._correct(acc_kind, ys[:seen], pred_store[:seen], ts[:seen]) / seen
            if validation_data is not None:
                vx, vy = validation_data[0], validation_data[1]
                val = self.evaluate(vx, vy, batch_size=batch_size, verbose=0, return_dict=True)
                for key, value in val.items():
                    logs["val_" + key] = value
            if verbose:
                shown = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
                self.print_fn(f"Epoch {epoch + 1}/{epochs} - {time.perf_counter() - t0:.2f}s - {shown}")
            for cb in cbs:
                cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for cb in cbs:
            cb.on_train_end()
        return history

    # -- inference ---------------------------------------------------------------------------------------
    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = 0) -> np.ndarray:
        """Outputs for `x`, `(samples, units)`; computed in chunks so memory stays small."""
        x = _as_float(x, self.dtype)
        self._ensure_built(x)
        chunk = max(int(batch_size or 4096), 4096)
        outs = []
        for lo in range(0, len(x), chunk):
            a = x[lo:lo + chunk]
            for layer in self.layers:
                a = layer.forward(a)
            outs.append(a)
        if not outs:
            return np.zeros((0, self.layers[-1].output_dim), dtype=self.dtype)
        return np.concatenate(outs) if len(outs) > 1 else outs[0]

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None, verbose: Any = 0,
                 return_dict: bool = False):
        """Loss (with regularization penalties, like Keras) and metrics on (x, y)."""
        if self.loss is None:
            raise RuntimeError("call compile() before evaluate()")
        x = _as_float(x, self.dtype)
        y_raw = np.asarray(y)
        self._ensure_built(x)
        if len(x) != len(y_raw):
            raise ValueError(f"x has {len(x)} samples but y has {len(y_raw)}")
        head = self.layers[-1]
        fused = self._fusable()
        # Keras evaluates in batches and averages; penalties are per batch. Without an activity penalty the
        # batch average equals the whole-set mean, so larger chunks give the same number faster.
        has_activity = any(lay.activity_regularizer is not None for lay in self.layers)
        chunk = int(batch_size or 32) if has_activity else 4096
        total, correct, seen = 0.0, 0.0, 0
        acc_kind = self._accuracy_kind() if self.metrics else None
        for lo in range(0, len(x), chunk):
            xb = x[lo:lo + chunk]
            p = self._forward(xb)
            yb = self.loss.prepare(y_raw[lo:lo + chunk], p)
            if fused:
                value = self.loss.logits_value(yb, head.z)
            else:
                value = float(self.loss.per_sample(yb, p).mean())
            m = len(xb)
            total += (value + self._extra_loss()) * m
            seen += m
            if acc_kind is not None:
                correct += self._correct(acc_kind, yb, p)
        result = {"loss": total / max(seen, 1)}
        if acc_kind is not None:
            result["accuracy"] = correct / max(seen, 1)
        if return_dict:
            return result
        return list(result.values()) if len(result) > 1 else result["loss"]

    # -- summary -------------------------------------------------------------------------------------------
    def summary_rows(self) -> list[tuple[str, str, int]]:
        """(layer name and type, output shape, params) per layer: the data behind `summary()`."""
        return [(f"{lay.name} (Dense)", f"(None, {lay.output_dim})", lay.count_params()) for lay in self.layers]

    def summary(self, print_fn: Callable[[str], None] | None = None) -> None:
        """Print Keras's summary table: layer (type), output shape, param #, then the totals."""
        out = print_fn or self.print_fn
        rows = self.summary_rows()
        widths = (max(28, *(len(r[0]) + 2 for r in rows)), 26, 12)
        line = "━" * sum(widths)
        out(f'Model: "{self.name}"')
        out(line)
        out(f"{'Layer (type)':<{widths[0]}}{'Output Shape':<{widths[1]}}{'Param #':>{widths[2]}}")
        out(line)
        for name, shape, params in rows:
            out(f"{name:<{widths[0]}}{shape:<{widths[1]}}{params:>{widths[2]},}")
        out(line)
        total = self.count_params()
        out(f" Total params: {total:,}")
        out(f" Trainable params: {total:,}")
        out(" Non-trainable params: 0")

    def __repr__(self) -> str:
        inner = ", ".join(repr(lay) for lay in self.layers)
        return f"Sequential([{inner}])"
