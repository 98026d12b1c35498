"""The plain dataclasses that flow out of the lab, with their JSON form.

The lab writes them; tables, plots, `--json` and run folders all read them, so they can never disagree, and a
run folder can be redrawn from its JSON alone. No computation beyond simple summaries lives here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf become None, tuples lists, numpy scalars Python numbers, dataclasses dicts of their
    fields (what dataclasses.asdict gives, without its deep copy of every value: 3x faster on a run's probes)."""
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _clean(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class LayerStats:
    """What the probes saw in one layer at one moment (on the fixed probe batch), or over one epoch.

    `grad_norm` is ‖dL/dW‖ (Frobenius) and `delta_norm` is ‖δ‖ = ‖dL/db‖, the norm of the gradient of the
    batch's mean loss with respect to the layer's bias (Nielsen's "speed of learning"). During training,
    `*_std` give the spread over the epoch's batches.
    """

    grad_norm: float
    delta_norm: float
    grad_norm_std: float = 0.0
    delta_norm_std: float = 0.0
    act_mean: float | None = None
    act_std: float | None = None
    saturated_fraction: float | None = None  # outputs within 1% of a bounded activation's bounds
    dead_fraction: float | None = None  # relu-like units that output 0 for every probe sample
    act_hist: tuple[list[float], list[float]] | None = None  # (counts, bin edges)
    delta_hist: tuple[list[float], list[float]] | None = None
    # log10|δ| on the same fixed edges for every layer (probes.LOG_EDGES), exact zeros left out: a vanishing
    # gradient shows as the whole distribution sliding down by decades, layer after layer
    delta_loghist: tuple[list[float], list[float]] | None = None


@dataclass
class LayerInfo:
    name: str
    units: int
    activation: str  # the activation's name (its config is in the spec)
    hidden: bool  # False for the head


@dataclass
class ProbeRecord:
    """Per-layer gradient and activation statistics: at initialisation, per epoch, and at the end."""

    layers: list[LayerInfo]
    init: list[LayerStats]
    epochs: list[list[LayerStats]] = field(default_factory=list)  # [epoch][layer]
    final: list[LayerStats] | None = None
    probe_samples: int = 0

    def hidden_indices(self) -> list[int]:
        return [i for i, lay in enumerate(self.layers) if lay.hidden]

    def grad_ratio(self, when: str = "init") -> float | None:
        """First hidden ÷ last hidden layer of ‖δ‖: below 1 the gradient shrinks on its way back."""
        stats = self.init if when == "init" else (self.final or (self.epochs[-1] if self.epochs else None))
        hidden = self.hidden_indices()
        if not stats or len(hidden) < 2:
            return None
        first, last = stats[hidden[0]].delta_norm, stats[hidden[-1]].delta_norm
        if first is None or last is None:  # a NaN/inf norm, as probes.json gives it back
            return None
        first, last = float(first), float(last)
        if not (math.isfinite(first) and math.isfinite(last)) or last == 0:
            return None  # the same None whether the run is in memory or read back from its folder
        return first / last

    def to_dict(self) -> dict:
        return _clean(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ProbeRecord":
        def stats(items):
            return None if items is None else [LayerStats(**s) for s in items]

        return cls(layers=[LayerInfo(**lay) for lay in d["layers"]], init=stats(d["init"]),
                   epochs=[stats(e) for e in d.get("epochs", [])], final=stats(d.get("final")),
                   probe_samples=d.get("probe_samples", 0))


STATUSES = ("completed", "diverged", "interrupted")


@dataclass
class RunResult:
    """One training: its final metrics, its per-epoch history, its probes and where it was saved."""

    name: str
    task: str
    kind: str  # "binary" | "multiclass" | "regression"
    hidden_activation: str  # the first hidden layer's activation name ("-" when there is none)
    status: str  # one of STATUSES
    epochs: int  # epochs run
    train_loss: float | None
    train_accuracy: float | None
    test_loss: float | None
    test_accuracy: float | None
    seconds: float
    history: dict[str, list[float]]  # Keras's keys + test_loss/test_accuracy per epoch + grad norms
    seed: int
    test_mae: float | None = None  # regression only
    stopped_at: dict | None = None  # {"epoch": int, "step": int} when diverged or interrupted (1-based)
    run_dir: str | None = None
    probes: ProbeRecord | None = None
    provenance: dict = field(default_factory=dict)
    spec_hash: str = ""

    def metrics(self) -> dict:
        """What metrics.json holds (and `train --json` prints): everything but the history and probes."""
        d = {k: getattr(self, k) for k in ("name", "task", "kind", "hidden_activation", "status", "epochs",
                                           "train_loss", "train_accuracy", "test_loss", "test_accuracy",
                                           "test_mae", "seconds", "seed", "stopped_at", "run_dir", "spec_hash")}
        if self.probes is not None:
            d["grad_ratio_init"] = self.probes.grad_ratio("init")
            d["grad_ratio_final"] = self.probes.grad_ratio("final")
        d["provenance"] = self.provenance
        return _clean(d)

    def to_dict(self) -> dict:
        d = self.metrics()
        d["history"] = _clean(self.history)
        d["probes"] = None if self.probes is None else self.probes.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RunResult":
        names = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        kw["probes"] = None if d.get("probes") is None else ProbeRecord.from_dict(d["probes"])
        kw.setdefault("history", {})
        return cls(**kw)


@dataclass
class ActivationSummary:
    """One row of `compare`: an activation over its seeds."""

    activation: str
    seeds: int
    test_accuracy_mean: float | None
    test_accuracy_std: float | None
    test_loss_mean: float | None
    epochs_to_target: float | None  # mean first epoch (1-based) whose test accuracy reaches the target
    reached_target: int  # how many seeds reached it
    grad_ratio_init: float | None
    grad_ratio_final: float | None
    dead_fraction: float | None
    saturated_fraction: float | None
    diverged: int
    seconds: float
    init: str = ""  # the hidden kernel initializer used


@dataclass
class Comparison:
    """`actcli compare`: one summary per activation plus every run behind it."""

    task: str
    kind: str
    depth: int
    width: int
    epochs: int
    target: float
    init_mode: str  # "auto" | "keep"
    results: list[ActivationSummary]
    runs: dict[str, list[RunResult]]  # activation -> runs (one per seed)
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)

    def to_dict(self, with_runs: bool = True) -> dict:
        d = {k: getattr(self, k) for k in ("task", "kind", "depth", "width", "epochs", "target", "init_mode",
                                           "seconds")}
        d["results"] = list(self.results)
        if with_runs:
            d["runs"] = {a: [r.to_dict() for r in rs] for a, rs in self.runs.items()}
        d["files"] = list(self.files)
        return _clean(d)

    @classmethod
    def from_dict(cls, d: dict) -> "Comparison":
        return cls(task=d["task"], kind=d["kind"], depth=d["depth"], width=d["width"], epochs=d["epochs"],
                   target=d["target"], init_mode=d["init_mode"], seconds=d.get("seconds", 0.0),
                   results=[ActivationSummary(**r) for r in d["results"]],
                   runs={a: [RunResult.from_dict(r) for r in rs] for a, rs in d.get("runs", {}).items()},
                   files=d.get("files", []))


@dataclass
class GradientStudy:
    """`actcli plot-gradients`: the probes of one run per activation (same architecture and data)."""

    task: str
    depth: int
    width: int
    epochs: int
    init_mode: str
    probes: dict[str, ProbeRecord]  # activation -> its probes
    inits: dict[str, str] = field(default_factory=dict)  # activation -> hidden kernel initializer
    files: list[str] = field(default_factory=list)

    def layers_json(self) -> dict:
        """The `--json` shape: per activation, one entry per layer (head last)."""
        out = {}
        for act, rec in self.probes.items():
            rows = []
            final = rec.final or (rec.epochs[-1] if rec.epochs else rec.init)
            for info, a, b in zip(rec.layers, rec.init, final):
                rows.append({"layer": info.name, "units": info.units, "activation": info.activation,
                             "grad_norm_init": a.grad_norm, "grad_norm_final": b.grad_norm,
                             "delta_norm_init": a.delta_norm, "delta_norm_final": b.delta_norm,
                             "saturated_fraction": b.saturated_fraction, "dead_fraction": b.dead_fraction})
            out[act] = {"layers": rows, "init": self.inits.get(act, ""),
                        "grad_ratio_init": rec.grad_ratio("init"), "grad_ratio_final": rec.grad_ratio("final")}
        return _clean(out)

    def to_dict(self) -> dict:
        return _clean({"task": self.task, "depth": self.depth, "width": self.width, "epochs": self.epochs,
                       "init_mode": self.init_mode, "inits": self.inits,
                       "probes": {a: r.to_dict() for a, r in self.probes.items()}, "files": self.files})

    @classmethod
    def from_dict(cls, d: dict) -> "GradientStudy":
        return cls(task=d["task"], depth=d["depth"], width=d["width"], epochs=d["epochs"],
                   init_mode=d["init_mode"], inits=d.get("inits", {}),
                   probes={a: ProbeRecord.from_dict(r) for a, r in d["probes"].items()}, files=d.get("files", []))
