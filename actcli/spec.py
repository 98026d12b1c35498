"""The YAML spec of a run: its schema (pydantic), Keras's defaults, and errors naming file, line and key path.

It reads, checks and writes specs; it builds neither data nor models (the lab does), and it never executes a
YAML tag: only plain mappings, lists, strings, numbers, booleans and null are read.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import inspect
import json
import math
import os
import re
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, Literal, Optional, Union

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError, model_validator
from pydantic_core import PydanticCustomError
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .errors import SpecError

MAX_BYTES = 1_000_000  # a spec is a few hundred bytes; anything near a megabyte is a mistake
MAX_DEPTH = 20  # a spec nests 5 levels deep; 20 leaves room and stops "[[[[..." bombs
MAX_NODES = 100_000  # after expanding YAML aliases (&a / *a), which can otherwise grow exponentially
METRICS = ("accuracy", "acc")  # what actcli.nn.Sequential.compile knows

Path_ = tuple[Union[str, int], ...]

# -- the families of names a spec can use ------------------------------------------------------------------

# field family -> (engine module, may it be null?)
_FAMILIES = {
    "activation": ("actcli.nn.activations", True),
    "initializer": ("actcli.nn.initializers", False),
    "regularizer": ("actcli.nn.regularizers", True),
    "constraint": ("actcli.nn.constraints", True),
    "loss": ("actcli.nn.losses", False),
    "optimizer": ("actcli.nn.optimizers", False),
}


def _engine(family: str) -> ModuleType | None:
    """The engine module for a family, or None while it is not written yet (its names go unchecked)."""
    module_name = _FAMILIES[family][0]
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name == module_name:
            return None
        raise


def _data() -> ModuleType | None:
    """actcli.data, or None while it is not written yet (`actcli/data/` alone is a folder of CSV files)."""
    try:
        module = importlib.import_module("actcli.data")
    except ModuleNotFoundError as e:
        if e.name == "actcli.data":
            return None
        raise
    return module if hasattr(module, "TASKS") else None


def _fail(problem: str, sub: Path_ = ()) -> PydanticCustomError:
    """An error raised inside a validator; `sub` extends the field's key path (e.g. ('name',))."""
    return PydanticCustomError("spec", "{problem}", {"problem": problem, "sub": tuple(sub)})


def _show(value: Any) -> str:
    """A value as a learner wrote it, short: 'relux', -0.1, a list, a mapping."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _closest(name: str, valid: list[str]) -> str | None:
    from .nn._registry import closest

    return closest(name, valid)


def _valid_params(cls: Any) -> list[str] | None:
    """Parameter names a registered class accepts, or None when it takes any (**kwargs)."""
    params = getattr(cls, "params", None)
    if isinstance(params, dict):
        return list(params)
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return None
    return [n for n, p in sig.parameters.items() if p.kind is not p.VAR_POSITIONAL]


def _build(family: str, value: Any) -> Any:
    """Build the engine object for a name field, turning every failure into a `_fail` with a key path."""
    module = _engine(family)
    if module is None:
        return None
    from .nn._registry import UnknownNameError

    is_named_map = isinstance(value, dict) and "name" in value
    try:
        return module.get(value)
    except UnknownNameError as e:
        hint = f"did you mean '{e.suggestion}'? " if e.suggestion else ""
        raise _fail(f"unknown {e.family} '{e.name}' — {hint}Valid: {', '.join(e.valid)}",
                    ("name",) if is_named_map else ()) from None
    except (TypeError, ValueError, ArithmeticError) as e:
        message = str(e)
        keys = [k for k in value if k not in ("name", "class_name")] if isinstance(value, dict) else []
        listed = re.search(r"valid: ([\w, ]+)$", message)
        if is_named_map:
            try:
                cls = module.REGISTRY[str(value["name"])]
            except Exception:  # noqa: BLE001 - only used to improve the hint
                cls = None
            valid = _valid_params(cls) if cls is not None else None
            if valid is None and listed:  # a class taking **kwargs lists its parameters in its message
                valid = [v for v in listed.group(1).split(", ") if v != "none"]
            unknown = [k for k in keys if valid is not None and k not in valid]
            if unknown:
                hint = _closest(unknown[0], valid)
                hint = f"did you mean '{hint}'? " if hint else ""
                raise _fail(f"unknown parameter for {family} '{value['name']}' — {hint}"
                            f"Valid: {', '.join(valid) or 'none'}", (unknown[0],)) from None
        told = message[: listed.start()] if listed else message
        key = next((k for k in keys if re.search(rf"\b{re.escape(str(k))}\b", told)), None)
        raise _fail(message, (key,) if key is not None else ()) from None


def _identifier(family: str):
    """A validator for a name field: a string or a mapping `{name: ..., **params}`, checked by the engine."""
    nullable = _FAMILIES[family][1]

    def check(value: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise _fail(f"must be {_a(family)} name, got null — write e.g. {_EXAMPLES[family]}")
        if isinstance(value, str):
            if not value.strip():
                raise _fail(f"must be {_a(family)} name, got '' — write e.g. {_EXAMPLES[family]}")
        elif isinstance(value, dict):
            short_form = family == "regularizer"  # {l2: 0.001}: checked below
            if "name" not in value and "class_name" not in value and not short_form:
                typo = next((k for k in value if isinstance(k, str) and _closest(k, ["name"])), None)
                if typo is not None:
                    raise _fail("unknown key — did you mean 'name'?", (typo,))
                raise _fail(f"a mapping needs a 'name' key — write e.g. {_EXAMPLES[family]}")
            for key, param in value.items():
                if not isinstance(key, str):
                    raise _fail(f"parameter names must be text, got {_show(key)}")
                if key == "name" and not isinstance(param, str):
                    raise _fail(f"must be {_a(family)} name, got {_show(param)}", ("name",))
                if isinstance(param, dict) and key != "config" or isinstance(param, list) and not all(
                        isinstance(x, (int, float, str, bool)) for x in param):
                    raise _fail(f"must be a number, text, true/false or null, got {_show(param)}", (key,))
            if family == "optimizer" and "learning_rate" in value:
                lr = value["learning_rate"]
                if isinstance(lr, bool) or not isinstance(lr, (int, float)):
                    raise _fail(f"must be a number, got {_show(lr)}", ("learning_rate",))
                if not (lr > 0 and math.isfinite(lr)):
                    raise _fail(f"must be > 0, got {lr}", ("learning_rate",))
            if family == "regularizer" and "name" not in value and "class_name" not in value:
                for key in value:  # the short form {l2: 0.001} or {l1: ..., l2: ...}
                    if key not in ("l1", "l2"):
                        hint = _closest(key, ["l1", "l2"])
                        hint = f"did you mean '{hint}'? " if hint else ""
                        raise _fail(f"unknown key — {hint}write {{l2: 0.001}}, {{l1: 0.01, l2: 0.01}} or "
                                    "{name: l2, l2: 0.001}", (key,))
        else:
            raise _fail(f"must be {_a(family)} name or a mapping {{name: ..., <parameter>: ...}}, "
                        f"got {_show(value)} — write e.g. {_EXAMPLES[family]}")
        _build(family, value)
        return value

    return BeforeValidator(check)


_EXAMPLES = {
    "activation": "relu or {name: leaky_relu, negative_slope: 0.1}",
    "initializer": "glorot_uniform or {name: random_normal, stddev: 0.05}",
    "regularizer": "{l2: 0.001} or l2",
    "constraint": "max_norm or {name: max_norm, max_value: 3}",
    "loss": "binary_crossentropy or {name: binary_crossentropy, from_logits: true}",
    "optimizer": "adam or {name: adam, learning_rate: 0.01}",
}

_Name = Union[str, dict[str, Any]]
Activation = Annotated[Optional[_Name], _identifier("activation"),
                       Field(description="A Keras activation name or {name, **params}; null = linear.")]
Initializer = Annotated[_Name, _identifier("initializer"),
                        Field(description="A Keras initializer name or {name, **params}.")]
Regularizer = Annotated[Optional[_Name], _identifier("regularizer"),
                        Field(description="A Keras regularizer: l2, {l2: 0.001} or {name, **params}.")]
Constraint = Annotated[Optional[_Name], _identifier("constraint"),
                       Field(description="A Keras constraint name or {name, **params}.")]
Loss = Annotated[_Name, _identifier("loss"), Field(description="A Keras loss name or {name, **params}.")]
Optimizer = Annotated[_Name, _identifier("optimizer"),
                      Field(description="A Keras optimizer name or {name, learning_rate, ...}.")]


def _canonical(family: str, value: Any) -> Any:
    """A name field with every parameter filled in: the engine object's config (aliases resolved)."""
    if value is None and family != "activation":
        return None
    if _engine(family) is None:
        return copy.deepcopy(value)
    obj = _engine(family).get(value)
    config = getattr(obj, "get_config", None)
    return _plain(config()) if config is not None else copy.deepcopy(value)


def _plain(x: Any) -> Any:
    """JSON/YAML-safe copy: tuples become lists, NumPy scalars become Python numbers."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    if hasattr(x, "item"):
        return x.item()
    return str(x)


# -- the schema ----------------------------------------------------------------------------------------------

class _Strict(BaseModel):
    # strict: YAML already types its values, so "64" is not silently turned into 64, nor true into 1
    model_config = ConfigDict(extra="forbid", strict=True)


class Task(BaseModel):
    """The data: a task name from `actcli datasets` and its parameters (n_samples, noise, seed, ...)."""

    model_config = ConfigDict(extra="allow", strict=True)

    dataset: str = Field(description="A task name (moons, circles, blobs, classification, ...).")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and "dataset" not in data:
            typo = next((k for k in data if isinstance(k, str) and _closest(k, ["dataset"])), None)
            if typo is not None:
                raise _fail("unknown key — did you mean 'dataset'?", (typo,))
        return {"dataset": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _check_params(self) -> "Task":
        data = _data()
        if data is None:
            return self
        params = dict(self.model_extra or {})
        if _csv_path(self.dataset, params) is not None:
            csv_params = inspect.signature(data.load_csv).parameters
            allowed = [n for n in csv_params if n not in {"path", "base_dir"}]
            if self.dataset == "csv":
                allowed.insert(0, "path")
                if not isinstance(params.get("path"), str):
                    where = ("path",) if "path" in params else ()
                    raise _fail("dataset 'csv' needs a 'path' — e.g. {dataset: csv, path: digits.csv}", where)
            for key in params:
                if key not in allowed:
                    hint = _closest(key, allowed)
                    hint = f"did you mean '{hint}'? " if hint else ""
                    valid = ", ".join(allowed)
                    raise _fail(f"unknown parameter for a CSV task — {hint}Valid: {valid}", (key,))
            return self  # values and the file itself are checked when it is read (actcli.data.load_task)
        from .errors import DataError

        try:
            data.resolve_params(self.dataset, params)
        except DataError as e:
            message = str(e)
            if self.dataset not in data.TASKS:
                raise _fail(message, ("dataset",)) from None
            key = next((k for k in params if re.search(rf"'{re.escape(k)}'", message)), None)
            raise _fail(message, (key,) if key else ()) from None
        return self

    def resolved(self) -> dict[str, Any]:
        params = dict(self.model_extra or {})
        data = _data()
        if data is not None and _csv_path(self.dataset, params) is None:
            params = data.resolve_params(self.dataset, params)
        return _plain({"dataset": self.dataset, **params})


def _csv_path(dataset: str, params: dict[str, Any]) -> str | None:
    """The CSV file a task reads (`csv:PATH`, `{dataset: csv, path: PATH}`, `PATH.csv`), or None."""
    if dataset.startswith("csv:"):
        return dataset[4:]
    if dataset == "csv":
        return str(params.get("path", ""))
    return dataset if dataset.lower().endswith(".csv") else None


class LayerSpec(_Strict):
    """One Dense layer, with every argument of `keras.layers.Dense` and Keras's defaults."""

    units: int = Field(gt=0, description="Positive integer: the width of the layer's output.")
    activation: Activation = None
    use_bias: bool = True
    kernel_initializer: Initializer = "glorot_uniform"
    bias_initializer: Initializer = "zeros"
    kernel_regularizer: Regularizer = None
    bias_regularizer: Regularizer = None
    activity_regularizer: Regularizer = None
    kernel_constraint: Constraint = None
    bias_constraint: Constraint = None
    name: Optional[str] = Field(default=None, description="null = Keras's dense, dense_1, ...")

    @model_validator(mode="after")
    def _check_width(self) -> "LayerSpec":
        act = _build("activation", self.activation) if _engine("activation") else None
        if act is not None and hasattr(act, "output_units"):
            try:
                act.output_units(self.units)
            except ValueError as e:
                raise _fail(str(e), ("units",)) from None
        return self

    def resolved(self) -> dict[str, Any]:
        out: dict[str, Any] = {"units": self.units}
        for field in type(self).model_fields:
            if field == "units":
                continue
            family = _field_family(field)
            value = getattr(self, field)
            out[field] = _canonical(family, value) if family else value
        return out


def _field_family(field: str) -> str | None:
    for family in ("activation", "initializer", "regularizer", "constraint"):
        if field.endswith(family):
            return family
    return None


class ModelSpec(_Strict):
    """A Sequential stack of Dense layers."""

    input_dim: Optional[int] = Field(default=None, gt=0, description="Input features; null = from the task.")
    layers: list[LayerSpec] = Field(min_length=1, description="The Dense layers, input to output.")

    def resolved(self) -> dict[str, Any]:
        return {"input_dim": self.input_dim, "layers": [layer.resolved() for layer in self.layers]}


class EarlyStoppingSpec(_Strict):
    """`keras.callbacks.EarlyStopping`'s arguments and defaults."""

    monitor: str = "val_loss"
    min_delta: float = Field(default=0.0, ge=0)
    patience: int = Field(default=0, ge=0)
    mode: Literal["auto", "min", "max"] = "auto"
    baseline: Optional[float] = None
    restore_best_weights: bool = False
    start_from_epoch: int = Field(default=0, ge=0)


class Training(_Strict):
    """compile() and fit() arguments, with Keras's defaults (fit's epochs default is 1, as in Keras)."""

    loss: Loss
    optimizer: Optimizer = "adam"
    epochs: int = Field(default=1, gt=0)
    batch_size: int = Field(default=32, gt=0)
    validation_split: float = Field(default=0.0, ge=0, lt=1)
    early_stopping: Optional[EarlyStoppingSpec] = None
    seed: int = Field(default=0, ge=0, description="Seeds the weights and the shuffling (not the data).")
    metrics: list[str] = Field(default_factory=list, description=f"Metrics to report: {', '.join(METRICS)}.")

    @model_validator(mode="after")
    def _check(self) -> "Training":
        for i, metric in enumerate(self.metrics):
            if metric not in METRICS:
                hint = _closest(metric, list(METRICS))
                hint = f"did you mean '{hint}'? " if hint else ""
                raise _fail(f"unknown metric '{metric}' — {hint}Valid: {', '.join(METRICS)}", ("metrics", i))
        es = self.early_stopping
        if es is not None:
            known = ["loss", *self.metrics]
            valid = known + [f"val_{m}" for m in known]
            base = es.monitor[4:] if es.monitor.startswith("val_") else es.monitor
            if es.monitor not in valid and base in METRICS and not self.metrics:  # Keras watches compiled ones
                raise _fail(f"cannot monitor '{es.monitor}': '{base}' is not among training.metrics — add it "
                            f"(metrics: [{base}]) or monitor '{'val_' if base != es.monitor else ''}loss'",
                            ("early_stopping", "monitor"))
            if es.monitor not in valid:
                hint = _closest(es.monitor, valid)
                hint = f"did you mean '{hint}'? " if hint else ""
                raise _fail(f"cannot monitor '{es.monitor}' — {hint}Valid: {', '.join(valid)}",
                            ("early_stopping", "monitor"))
            if es.monitor.startswith("val_") and self.validation_split == 0:
                raise _fail(f"'{es.monitor}' needs validation data — set training.validation_split "
                            f"(e.g. 0.2) or monitor '{es.monitor[4:]}'", ("early_stopping", "monitor"))
        return self

    def resolved(self) -> dict[str, Any]:
        es = self.early_stopping
        return {
            "loss": _canonical("loss", self.loss),
            "optimizer": _canonical("optimizer", self.optimizer),
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "validation_split": self.validation_split,
            "early_stopping": es.model_dump() if es is not None else None,
            "seed": self.seed,
            "metrics": list(self.metrics),
        }


class Spec(_Strict):
    """A whole experiment: the task, the model and how to train it."""

    name: str = Field(default="spec", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
                      description="Names the run folder: letters, digits, '.', '_', '-'.")
    description: Optional[str] = None
    task: Task
    model: ModelSpec
    training: Training
    _lines: dict = PrivateAttr(default_factory=dict)  # key path -> line in the YAML file it was read from

    def line_of(self, dotted: str) -> int:
        """The line of the YAML file where the key path ('model.layers[1].units', or its nearest written
        parent) is, or 0 when the spec did not come from a file."""
        parts = tuple(int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", dotted))
        return _line_of(self._lines, parts)

    def resolved(self) -> dict[str, Any]:
        """Every default filled in: what a run saves as spec.yaml, and what spec_hash() hashes."""
        return {
            "name": self.name,
            "description": self.description,
            "task": self.task.resolved(),
            "model": self.model.resolved(),
            "training": self.training.resolved(),
        }


# -- reading YAML with line numbers --------------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """SafeLoader without timestamps (a date stays text), so every value is JSON-like."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

# YAML 1.1 reads 1e-3 as text; YAML 1.2 (and every learner) reads it as a number. Accept both.
_FLOAT = re.compile(r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
    |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""", re.X)
_Loader.yaml_implicit_resolvers = {
    first: [(tag, _FLOAT if tag == "tag:yaml.org,2002:float" else rx) for tag, rx in resolvers]
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
}

_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")}


def _parse_yaml(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
    """YAML text → (data, {key path: line}). Refuses tags, deep nesting, duplicate and non-text keys."""

    def fail(line: int, problem: str, path: Path_ = ()) -> SpecError:
        return SpecError(_format(source, line, path, problem))

    # 1. the event stream (not recursive): syntax, nesting depth and explicit tags
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            tag = getattr(event, "tag", None)
            line = event.start_mark.line + 1
            if tag is not None and tag not in _PLAIN_TAGS:
                raise fail(line, f"the tag '{tag}' is not allowed — a spec holds only plain values "
                                 "(mappings, lists, text, numbers, true/false, null); remove the tag")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise fail(line, f"nested more than {MAX_DEPTH} levels deep — a spec needs about 5")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 0
        column = f" (column {mark.column + 1})" if mark else ""
        problem = " ".join(str(p) for p in (e.context, e.problem) if p)
        raise fail(line, f"not valid YAML: {problem}{column} — fix the syntax there "
                         "(indent with spaces, 'key: value', quote text with ':' or '#')") from None
    except yaml.reader.ReaderError as e:
        line = text[: e.position].count("\n") + 1
        raise fail(line, f"character {e.character!r} is not allowed in YAML — delete it or quote the text "
                         "(tabs and control characters are the usual culprits)") from None
    except yaml.YAMLError as e:
        raise fail(0, f"not valid YAML: {e} — fix the syntax") from None

    if node is None:
        raise fail(0, "the file has no settings (it is empty or only comments) — a spec needs task, model and "
                      "training (see `actcli init` for a commented one, `actcli schema` for every key)")
    if not isinstance(node, MappingNode):
        kind = "a list" if isinstance(node, SequenceNode) else "a single value"
        raise fail(node.start_mark.line + 1, f"the top level is {kind}, not a mapping — "
                                             "a spec starts with keys such as 'task:', 'model:', 'training:'")

    # 2. the node tree: key paths → lines, duplicate keys, alias bombs
    lines: dict[Path_, int] = {(): node.start_mark.line + 1}
    visits = 0
    stack: list[tuple[Any, Path_]] = [(node, ())]
    while stack:
        current, path = stack.pop()
        visits += 1
        if visits > MAX_NODES:
            raise fail(1, f"more than {MAX_NODES} values once YAML aliases (*name) are expanded — "
                          "write the spec out plainly")
        if isinstance(current, MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in current.value:
                line = key_node.start_mark.line + 1
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise fail(line, "merge keys (<<) are not supported — write the keys out", path)
                if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                    shown = key_node.value if isinstance(key_node, ScalarNode) else "a list or mapping"
                    raise fail(line, f"keys must be names, got {shown!r} — quote it or rename it", path)
                key = key_node.value
                if key in seen:
                    raise fail(line, f"duplicate key '{key}' (first on line {seen[key]}, again on line "
                                     f"{line}) — keep only one", (*path, key))
                seen[key] = line
                lines.setdefault((*path, key), line)
                stack.append((value_node, (*path, key)))
        elif isinstance(current, SequenceNode):
            for i, item in enumerate(current.value):
                lines.setdefault((*path, i), item.start_mark.line + 1)
                stack.append((item, (*path, i)))

    loader = _Loader("")
    try:
        data = loader.construct_document(node)
    except yaml.YAMLError as e:  # e.g. a malformed !!int-resolved value
        raise fail(0, f"cannot read a value: {e} — fix it") from None
    finally:
        loader.dispose()
    return data, lines


# -- errors --------------------------------------------------------------------------------------------------

def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _format(source: str, line: int, path: Path_, problem: str) -> str:
    where = f"{source}:{line}" if line else source
    key = f" {_dotted(path)}:" if path else ""
    return " ".join(f"{where}:{key} {problem}".split())  # always one line


def _line_of(lines: dict[Path_, int] | None, path: Path_) -> int:
    if not lines:
        return 0
    for end in range(len(path), -1, -1):
        if tuple(path[:end]) in lines:
            return lines[tuple(path[:end])]
    return 0


_FIELD_EXAMPLES = {
    "task": "task: {dataset: moons}",
    "dataset": "dataset: moons",
    "model": "model: {layers: [{units: 1, activation: sigmoid}]}",
    "layers": "layers: [{units: 1, activation: sigmoid}]",
    "units": "units: 64",
    "training": "training: {loss: binary_crossentropy}",
    "loss": "loss: binary_crossentropy",
}

_KEY_HINTS = {"input_dim": "put it under model: (model.input_dim), not in a layer",
              "lr": "did you mean 'learning_rate'? It goes in the optimizer: "
                    "{name: adam, learning_rate: 0.01}",
              "learning_rate": "it goes in the optimizer: optimizer: {name: adam, learning_rate: 0.01}"}


def _fields_at(path: Path_) -> list[str]:
    """The valid keys of the mapping at `path` (for 'did you mean')."""
    model: Any = Spec
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model is not None else None
        ann = field.annotation if field is not None else None
        model = None
        for cand in (ann, *getattr(ann, "__args__", ())):
            for inner in (cand, *getattr(cand, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    model = inner
    return list(model.model_fields) if model is not None else []


def _problem(err: dict[str, Any]) -> tuple[Path_, str]:
    """One pydantic error → (key path, a plain-words problem and fix)."""
    kind, ctx, loc, value = err["type"], err.get("ctx") or {}, tuple(err["loc"]), err.get("input")
    shown = _show(value)
    if kind == "spec":
        return loc + tuple(ctx.get("sub", ())), ctx["problem"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        if key in _KEY_HINTS:
            return loc, f"unknown key — {_KEY_HINTS[key]}"
        valid = _fields_at(loc[:-1])
        hint = _closest(key, valid)
        fix = f"did you mean '{hint}'?" if hint else f"valid keys: {', '.join(valid)}"
        return loc, f"unknown key — {fix}"
    if kind == "missing":
        key = str(loc[-1])
        example = _FIELD_EXAMPLES.get(key, f"{key}: ...")
        return loc, f"missing — add `{example}`"
    bounds = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
    if kind in bounds:
        limit = next(v for k, v in ctx.items() if k in ("gt", "ge", "lt", "le"))
        return loc, f"must be {bounds[kind]} {limit}, got {shown}"
    if kind.startswith("int_"):
        return loc, f"must be a whole number, got {shown}"
    if kind.startswith("float_"):
        return loc, f"must be a number, got {shown}"
    if kind.startswith("bool_"):
        return loc, f"must be true or false, got {shown}"
    if kind.startswith("string_type"):
        return loc, f"must be text, got {shown}"
    if kind == "string_pattern_mismatch":
        return loc, (f"{shown} is not allowed — use letters, digits, '.', '_' or '-' "
                     "(at most 64; it names the run folder)")
    if kind in ("list_type", "tuple_type"):
        return loc, f"must be a list, got {shown} — write [a, b] or one '- item' per line"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return loc, f"must be a mapping (key: value lines), got {shown}"
    if kind == "too_short":
        if loc[-1:] == ("layers",):
            return loc, ("needs at least one layer, got an empty list — e.g. layers: [{units: 1, activation: "
                         "sigmoid}]")
        return loc, f"needs at least {ctx.get('min_length', 1)} item(s), got an empty list"
    if kind == "literal_error":
        valid = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = _closest(str(value), valid) if isinstance(value, str) else None
        fix = f" — did you mean '{hint}'?" if hint else ""
        return loc, f"must be one of {', '.join(valid)}, got {shown}{fix}"
    if kind == "value_error":
        return loc, str(ctx.get("error", err["msg"]))
    return loc, err["msg"]


_ORDER = {"extra_forbidden": 0, "missing": 2}  # a typo'd key explains the "missing" that follows it


def _validate(data: Any, source: str, lines: dict[Path_, int] | None) -> Spec:
    if not isinstance(data, dict):
        raise SpecError(_format(source, 0, (), f"the top level is {_show(data)}, not a mapping — a spec "
                                               "starts with keys such as 'task:', 'model:', 'training:'"))
    try:
        return Spec.model_validate(data)
    except ValidationError as e:
        errors = sorted(e.errors(include_url=False), key=lambda err: _ORDER.get(err["type"], 1))
        path, problem = _problem(errors[0])
        raise SpecError(_format(source, _line_of(lines, path), path, problem)) from None


# -- the public functions ------------------------------------------------------------------------------------

def load_spec(path: str | os.PathLike[str]) -> Spec:
    """Read and check a YAML spec. Any problem raises SpecError, one line:
    `<file>:<line>: <key.path>: <problem> — <fix>`."""
    source = str(path)
    p = Path(path)
    if not p.exists():
        from actcli.teach.starter import example_names  # here only: the starter imports this module

        if p.suffix in (".yaml", ".yml") and p.stem in example_names():  # a lesson's configs/... path
            raise SpecError(f"{source}: no such file here — it is one of actcli's examples: "
                            f"'actcli init --example {p.stem}' writes it as {p.stem}.yaml, "
                            f"then 'actcli train {p.stem}.yaml'")
        raise SpecError(f"{source}: no such file — check the path (it is read from {Path.cwd()})")
    if p.is_dir():
        raise SpecError(f"{source}: is a folder, not a spec — give the path of a .yaml file")
    if not p.is_file():
        raise SpecError(f"{source}: not a regular file — give the path of a .yaml file")
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise SpecError(f"{source}: the file is {size:,} bytes, over the {MAX_BYTES:,} byte limit — "
                            "a spec is a few hundred bytes; is this the right file?")
        with p.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise SpecError(f"{source}: cannot read it ({e.strerror or e}) — check its permissions") from None
    if len(raw) > MAX_BYTES:
        raise SpecError(f"{source}: over the {MAX_BYTES:,} byte limit — is this the right file?")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise SpecError(f"{source}:{line}: not UTF-8 text (byte {e.start}) — save it as UTF-8") from None
    data, lines = _parse_yaml(text, source)
    if isinstance(data, dict) and "name" not in data:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", p.stem).strip("-._")[:64]
        data = {"name": stem or "spec", **data}
    spec = _validate(data, source, lines)
    spec._lines = dict(lines)
    return spec


def spec_from_dict(d: Any, source: str = "<dict>") -> Spec:
    """Check a spec given as a dict (built-in specs, overrides); errors name `source` and the key path."""
    return _validate(copy.deepcopy(d), source, None)


def dump_yaml(spec: Spec) -> str:
    """The resolved spec as YAML text (loads back to the same spec)."""
    return yaml.safe_dump(spec.resolved(), sort_keys=False, allow_unicode=True, default_flow_style=None,
                          width=110)


def spec_hash(spec: Spec) -> str:
    """sha256 of the canonical JSON of the resolved spec, first 12 hex digits."""
    text = json.dumps(spec.resolved(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a spec (for `actcli schema`)."""
    return Spec.model_json_schema()


def default_spec() -> Spec:
    """The notes' model: 28 features → Dense(64, relu) → Dense(32, relu) → Dense(10, softmax)."""
    return spec_from_dict({
        "name": "notes-dense",
        "description": "The notes' example: model.add(Dense(64, input_dim=28, activation='relu')), "
                       "then Dense(32, relu) and a 10-way softmax head.",
        "task": {"dataset": "classification", "features": 28, "classes": 10},
        "model": {"input_dim": 28, "layers": [
            {"units": 64, "activation": "relu"},
            {"units": 32, "activation": "relu"},
            {"units": 10, "activation": "softmax"},
        ]},
        "training": {"loss": "categorical_crossentropy", "optimizer": "adam", "epochs": 20, "batch_size": 32,
                     "seed": 0, "metrics": ["accuracy"]},
    }, source="<default spec>")


def with_overrides(spec: Spec, epochs: int | None = None, batch_size: int | None = None,
                   lr: float | None = None, seed: int | None = None) -> Spec:
    """A copy of `spec` with command-line overrides applied and checked. `seed` is the training seed."""
    d = copy.deepcopy(spec.model_dump())
    d["task"] = spec.task.model_dump()  # keeps the task's free parameters
    training = d["training"]
    for key, value in (("epochs", epochs), ("batch_size", batch_size), ("seed", seed)):
        if value is not None:
            training[key] = value
    if lr is not None:
        opt = training["optimizer"]
        if isinstance(opt, str):
            training["optimizer"] = {"name": opt, "learning_rate": lr}
        elif "class_name" in opt:
            opt["config"] = {**(opt.get("config") or {}), "learning_rate": lr}
        else:
            opt["learning_rate"] = lr
    out = spec_from_dict(d, source="<command-line overrides>")
    out._lines = dict(spec._lines)  # the file's lines still place every key the overrides did not add
    return out
