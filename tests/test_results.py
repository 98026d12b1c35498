"""The results' JSON form (actcli.results): what dataclasses.asdict would give, made JSON-safe."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from actcli import runs
from actcli.results import LayerInfo, LayerStats, ProbeRecord, RunResult


def reference(value):
    """The definition: dataclasses.asdict, then NaN/inf → None, tuples → lists, numpy scalars → Python."""
    if dataclasses.is_dataclass(value):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return {str(k): reference(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [reference(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_float = (st.floats(allow_nan=True, allow_infinity=True)
          | st.floats(width=32).map(np.float32) | st.floats().map(np.float64))
_maybe = st.none() | _float
_hist = st.none() | st.tuples(st.lists(_float, max_size=4), st.lists(_float, max_size=5))
_stats = st.builds(LayerStats, grad_norm=_float, delta_norm=_float, grad_norm_std=_float, delta_norm_std=_float,
                   act_mean=_maybe, act_std=_maybe, saturated_fraction=_maybe, dead_fraction=_maybe,
                   act_hist=_hist, delta_hist=_hist)
_layer = st.builds(LayerInfo, name=st.text(max_size=6), units=st.integers(1, 512), activation=st.sampled_from(
    ["relu", "sigmoid"]), hidden=st.booleans())


@st.composite
def _record(draw):
    """A probe record as the probes make one: every list of statistics has one entry per layer."""
    n = draw(st.integers(0, 3))
    layers = st.lists(_stats, min_size=n, max_size=n)
    return ProbeRecord(layers=draw(st.lists(_layer, min_size=n, max_size=n)), init=draw(layers),
                       epochs=draw(st.lists(layers, max_size=3)), final=draw(st.none() | layers),
                       probe_samples=draw(st.integers(0, 10**6) | st.integers(0, 10**6).map(np.int64)))


@settings(max_examples=200, deadline=None)
@given(_record())
def test_probe_record_to_dict_is_asdict_made_json_safe(record):
    d = record.to_dict()
    assert d == reference(record)
    assert all(type(k) is str for k in d)
    assert json.loads(runs.dumps_json(d)) == d  # finite numbers and None only: it writes


@settings(max_examples=100, deadline=None)
@given(_record(), st.dictionaries(st.sampled_from(["loss", "accuracy", "test_loss"]), st.lists(_float, max_size=6)),
       _maybe)
def test_run_result_to_dict_cleans_history_probes_and_metrics(record, history, loss):
    run = RunResult(name="r", task="circles", kind="binary", hidden_activation="relu", status="completed", epochs=2,
                    train_loss=loss, train_accuracy=np.float32(0.5), test_loss=None, test_accuracy=0.75,
                    seconds=1.5, history=history, seed=np.int64(3), probes=record, provenance={"k": (1, 2)})
    d = run.to_dict()
    assert d["history"] == reference(history)
    assert d["probes"] == reference(record)
    assert d["train_loss"] == reference(loss)
    assert d["seed"] == 3 and type(d["seed"]) is int and d["provenance"] == {"k": [1, 2]}
    assert RunResult.from_dict(json.loads(runs.dumps_json(d))).to_dict() == d
