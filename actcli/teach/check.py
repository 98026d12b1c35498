"""`actcli check spec.yaml`: a linter that explains. It reads a valid spec and says what will not train as
meant (error), what is legal but questionable (warning) and what could be better (info), each with a fix.

It does not validate the YAML itself (`spec.load_spec` does) and trains nothing: the only computation is one
backward pass at initialisation, to measure the vanishing gradient. Exit codes are the CLI's job.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from actcli import lab, probes
from actcli.data import Dataset
from actcli.errors import UserError
from actcli.nn import activations as acts
from actcli.spec import Spec

from .narrate import fmt_ratio, fmt_share
from .texts import text

LEVELS = ("error", "warning", "info")
VANISHING, EXPLODING = 0.1, 10.0  # first ÷ last hidden ‖δ‖ at initialisation (as narrate uses)
PROBE_ROWS = 256
DEAD_BIAS = -1.0  # a relu unit whose bias starts at or below this is silent for most standardised inputs

CROSS_ENTROPY = {"binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"}
CLASSIFICATION_LOSSES = CROSS_ENTROPY | {"hinge", "squared_hinge"}
REGRESSION_LOSSES = {"mean_squared_error", "mean_absolute_error", "huber"}
PROBABILITY_HEADS = {"sigmoid", "softmax", "hard_sigmoid", "sparse_sigmoid", "sparsemax"}
ROW_HEADS = {"softmax", "log_softmax", "sparsemax"}  # activations that belong in the output layer only


@dataclass
class Finding:
    """One thing `check` has to say. `path` is a key path into the spec, e.g. "model.layers[2].activation"."""

    level: str  # "error" | "warning" | "info"
    path: str
    code: str
    message: str
    fix: str
    line: int = 0  # where `path` is in the spec's YAML file (0: not from a file, or not written there)

    def to_dict(self) -> dict[str, str | int]:
        return asdict(self)


def errors_only(findings: list[Finding]) -> list[Finding]:
    """The findings that stop `actcli train` (warnings are shown, errors stop)."""
    return [f for f in findings if f.level == "error"]


def _name(value: Any) -> str:
    return lab._act_name(value)


def _param(value: Any, key: str, default: Any = None) -> Any:
    return value.get(key, default) if isinstance(value, dict) else default


class _Linter:
    def __init__(self, spec: Spec, lang: str):
        self.spec, self.lang = spec, lang
        self.r = spec.resolved()
        self.layers = self.r["model"]["layers"]
        self.findings: list[Finding] = []

    def add(self, level: str, path: str, code: str, **values: Any) -> None:
        self.findings.append(
            Finding(
                level,
                path,
                code,
                text("check", f"{code}.message", self.lang, **values),
                text("check", f"{code}.fix", self.lang, **values),
            )
        )

    def layer(self, i: int, key: str = "") -> str:
        return f"model.layers[{i}]" + (f".{key}" if key else "")

    # -- names as Keras spells them ------------------------------------------------------------------------

    def spelling(self) -> None:
        """Names actcli accepts in any capitalisation ('Relu') but Keras only as written ('relu')."""
        from actcli.nn._registry import split_config
        from actcli.spec import _engine, _field_family

        named = [(self.layer(i, key), getattr(layer, key), _field_family(key))
                 for i, layer in enumerate(self.spec.model.layers) for key in type(layer).model_fields
                 if _field_family(key)]
        named += [("training.loss", self.spec.training.loss, "loss"),
                  ("training.optimizer", self.spec.training.optimizer, "optimizer")]
        for path, value, family in named:
            try:
                given, _ = split_config(value)
            except (TypeError, ValueError):  # None (no activation, no penalty) or {l2: 0.001}
                continue
            registry = _engine(family).REGISTRY
            if given in registry and not registry.keras_spelling(given):
                self.add("warning", path, "keras_spelling", given=given, name=registry.canonical(given),
                         family=family, field=path.rsplit(".", 1)[-1])

    # -- the head, the loss and the task -----------------------------------------------------------------

    def head(self, ds: Dataset) -> None:
        i = len(self.layers) - 1
        head = self.layers[i]
        act_name = _name(head["activation"])
        units = head["units"]
        out = acts.get(head["activation"]).output_units(units)
        loss_cfg = self.r["training"]["loss"]
        loss = _name(loss_cfg)
        logits = bool(_param(loss_cfg, "from_logits", False))
        act_path, units_path = self.layer(i, "activation"), self.layer(i, "units")
        v = dict(act=act_name, units=units, loss=loss, task=ds.name, classes=ds.n_classes, i=i)

        if ds.kind == "regression":
            if loss in CLASSIFICATION_LOSSES:
                self.add("error", "training.loss", "classification_loss_on_regression", **v)
                return
            if out != 1:
                self.add("error", units_path, "regression_units", **v)
            bounds = acts.get(head["activation"]).bounds
            if bounds is not None:
                self.add(
                    "warning",
                    act_path,
                    "bounded_regression_head",
                    lo=f"{bounds[0]:g}",
                    hi=f"{bounds[1]:g}",
                    **v,
                )
            return

        if act_name == "softmax" and out == 1:
            self.add("error", act_path, "softmax_one_unit", **v)
            return
        if loss in REGRESSION_LOSSES:
            self.add("warning", "training.loss", "regression_loss_on_classification", **v)
        expected = (
            ds.n_classes if loss == "sparse_categorical_crossentropy" else ds.targets(loss, "test").shape[1]
        )
        if out != expected:
            if out == 1 and loss == "categorical_crossentropy":
                self.add("error", "training.loss", "cce_one_unit", expected=expected, **v)
            elif out == 1 and loss == "sparse_categorical_crossentropy":
                self.add("error", "training.loss", "sparse_one_unit", expected=expected, **v)
            elif out == 1 and loss == "binary_crossentropy" and ds.kind == "multiclass":
                # more sigmoid units would answer k yes/no questions: the fix is softmax, not units alone
                self.add("error", units_path, "bce_one_unit_multiclass", expected=expected, **v)
            else:
                self.add("error", units_path, "units_mismatch", expected=expected, out=out, **v)
        if ds.kind == "multiclass" and act_name == "sigmoid" and out > 1:
            self.add("warning", act_path, "sigmoid_multiclass_head", **v)
        if ds.kind == "multiclass" and act_name == "softmax" and loss == "binary_crossentropy":
            self.add("warning", "training.loss", "bce_on_softmax_head", **v)
        if loss in CROSS_ENTROPY:
            if logits and act_name in PROBABILITY_HEADS:
                self.add("warning", act_path, "from_logits_on_probabilities", **v)
            elif not logits and act_name not in PROBABILITY_HEADS:
                relu_like = acts.get(head["activation"]).relu_like
                if relu_like:
                    self.add("warning", act_path, "relu_head_cross_entropy", **v)
                else:
                    self.add("error", act_path, "linear_head_cross_entropy", **v)

    # -- hidden layers -------------------------------------------------------------------------------------

    def hidden(self) -> None:
        advice: dict[str, list[int]] = {}
        for i, layer in enumerate(self.layers[:-1]):
            name = _name(layer["activation"])
            act = acts.get(layer["activation"])
            init = _name(layer["kernel_initializer"])
            v = dict(i=i, act=name, init=init)
            if name in ROW_HEADS:
                self.add("warning", self.layer(i, "activation"), "softmax_hidden", **v)
            bias = layer["bias_initializer"]
            start = _bias_start(bias)
            if act.relu_like and layer["use_bias"] and start is not None and start <= DEAD_BIAS:
                self.add("warning", self.layer(i, "bias_initializer"), "dead_bias", bias=f"{start:g}", **v)
            if name == "selu" and init != "lecun_normal":
                self.add("warning", self.layer(i, "kernel_initializer"), "selu_init", **v)
            suits = lab.auto_initializer(name)
            if name in ("sigmoid", "tanh") and init.startswith("he_"):
                advice.setdefault(f"{name}|{init}|{suits}", []).append(i)
            elif suits == "he_normal" and init.startswith("glorot_"):
                advice.setdefault(f"{name}|{init}|{suits}", []).append(i)
        for key, where in advice.items():
            name, init, suits = key.split("|")
            layers = ", ".join(str(i) for i in where)
            self.add(
                "info",
                self.layer(where[0], "kernel_initializer"),
                "init_advice",
                act=name,
                init=init,
                suits=suits,
                layers=layers,
            )

    # -- the vanishing gradient, measured ------------------------------------------------------------------

    def gradient(self, ds: Dataset) -> None:
        n_hidden = len(self.layers) - 1
        if n_hidden < 2:
            return
        try:
            model = lab.build_model(self.spec, ds.n_features, ds.kind)
        except (UserError, ValueError, TypeError):
            return  # the findings above already say why the model cannot be built as written
        loss = model.loss.name
        x = ds.x_train[:PROBE_ROWS]
        y = ds.targets(loss, "train")[:PROBE_ROWS]
        y = model.loss.prepare(y, np.zeros((len(x), model.layers[-1].output_dim), dtype=model.dtype))
        stats = probes.snapshot(model, x.astype(model.dtype), y, histograms=False)
        first, last = stats[0].delta_norm, stats[n_hidden - 1].delta_norm
        if not (np.isfinite(first) and np.isfinite(last)) or last <= 0:
            return
        ratio = first / last
        v = dict(
            ratio=fmt_ratio(ratio),
            pct=fmt_share(ratio),
            n=n_hidden,
            acts=", ".join(sorted({_name(lay["activation"]) for lay in self.layers[:-1]})),
        )
        if ratio < VANISHING:
            self.add("warning", "model.layers", "vanishing_gradient", **v)
        elif ratio > EXPLODING:
            self.add("warning", "model.layers", "exploding_gradient", **v)


def _bias_start(bias: Any) -> float | None:
    """The value a bias initializer starts at (constant's value, random_normal's mean, ...), or None."""
    name = _name(bias)
    if name == "constant":
        return float(_param(bias, "value", 0.0))
    if name in ("random_normal", "truncated_normal"):
        return float(_param(bias, "mean", 0.0))
    if name == "random_uniform":
        return float(_param(bias, "maxval", 0.05))
    return None


def check_spec(
    spec: Spec, base_dir: Path | None = None, lang: str = "en", probe: bool = True
) -> list[Finding]:
    """All findings for `spec`: errors first, then warnings, then info. An empty list means nothing to say.

    `base_dir` is where relative CSV paths are read from (the spec's folder). `probe=False` skips the
    backward pass that measures the vanishing gradient.
    """
    linter = _Linter(spec, lang)
    input_dim = linter.r["model"]["input_dim"]
    try:
        ds = lab.load_data(spec, base_dir)
    except UserError as e:
        linter.add("error", "task", "data_unreadable", problem=str(e))
        return linter.findings
    if input_dim is not None and input_dim != ds.n_features:
        linter.add(
            "error",
            "model.input_dim",
            "input_dim_mismatch",
            input_dim=input_dim,
            features=ds.n_features,
            task=ds.name,
        )
    linter.spelling()
    linter.head(ds)
    linter.hidden()
    if probe and not errors_only(linter.findings):
        linter.gradient(ds)
    for f in linter.findings:
        f.line = spec.line_of(f.path) if f.path else 0
    order = {lvl: k for k, lvl in enumerate(LEVELS)}
    return sorted(linter.findings, key=lambda f: order[f.level])
