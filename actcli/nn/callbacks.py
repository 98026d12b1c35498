"""Keras-style callbacks: History, EarlyStopping, TerminateOnNaN, LambdaCallback.

A callback sees the model (`self.model`) and is called at the start and end of training, of each epoch and of
each batch. During `on_train_batch_end` every Dense layer still holds the batch's gradients (`grad_kernel`,
`grad_bias`, `delta`), which is how actcli's probes read them without a second backward pass.
"""

from __future__ import annotations

import math
from typing import Any, Callable


class Callback:
    model: Any = None
    # Not Keras: a callback that keeps every batch's gradient may set this (in on_train_begin) to an iterator of
    # buffers shaped like the model's flat gradient; fit copies each batch's gradient into the next one. Cheaper
    # than an on_train_batch_end call on a small net (the probes use it).
    gradient_tap: Any = None

    def set_model(self, model) -> None:
        self.model = model

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...


def overrides(cb: Callback, method: str) -> bool:
    """True when `cb` does something in `method` (so the training loop can skip empty per-batch calls)."""
    fn = getattr(cb, method)
    return getattr(fn, "__func__", fn) is not getattr(Callback, method)


class History(Callback):
    """Records the epoch logs: `history.history['loss']` etc., like Keras's History."""

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.params: dict[str, Any] = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs (Keras's rules)."""

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping mode must be auto, min or max, got {mode!r}")
        self.monitor, self.patience, self.verbose = monitor, int(patience), verbose
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch
        if mode == "auto":
            mode = "max" if ("acc" in monitor or monitor.endswith("auc")) else "min"
        self.mode = mode
        self.min_delta = abs(min_delta) * (1 if mode == "max" else -1)
        self.stopped_epoch = 0

    def _better(self, current, reference) -> bool:
        if reference is None:
            return True
        return current - self.min_delta > reference if self.mode == "max" else current - self.min_delta < reference

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_weights, self.best_epoch = 0, 0, None, 0
        self.best = None

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._better(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._better(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None and self.stopped_epoch > 0:
            self.model.set_weights(self.best_weights)


class TerminateOnNaN(Callback):
    """Stop at the first batch whose updated weights are not finite, or at the end of an epoch whose loss is not.

    `stopped_at` is then `(epoch, batch)` (both 0-based). Checking the weights (one sum over the flat buffer)
    costs far less than computing every batch's loss; a non-finite loss makes the weights non-finite one step
    later at the latest, and the epoch's loss is checked as well.
    """

    def __init__(self):
        self.stopped_at: tuple[int, int] | None = None
        self._epoch = 0
        self._batch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._batch = batch
        if not self.model.weights_finite():
            self.stopped_at = (self._epoch, batch)
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if self.stopped_at is None and loss is not None and not math.isfinite(loss):
            self.stopped_at = (epoch, self._batch)
            self.model.stop_training = True


class LambdaCallback(Callback):
    """Callbacks from plain functions: `LambdaCallback(on_epoch_end=lambda epoch, logs: ...)`."""

    def __init__(self, **hooks: Callable):
        for name, fn in hooks.items():
            if not hasattr(Callback, name):
                raise TypeError(f"LambdaCallback: unknown hook {name!r}")
            setattr(self, name, fn)
