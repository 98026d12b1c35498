"""The YAML spec: good specs load with Keras's defaults, every bad spec gives one SpecError line that names
the file, the line, the key path and the fix, and nothing in a spec is ever executed."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from actcli import spec as spec_mod
from actcli.errors import SpecError
from actcli.spec import (
    Spec,
    default_spec,
    dump_yaml,
    json_schema,
    load_spec,
    spec_from_dict,
    spec_hash,
    with_overrides,
)

GOOD = """\
name: moons-relu
description: optional free text
task: {dataset: moons, n_samples: 1000, noise: 0.2, test_size: 0.2, seed: 0}
model:
  input_dim: 2
  layers:
    - {units: 64, activation: relu}
    - {units: 32, activation: {name: leaky_relu, negative_slope: 0.1}, kernel_initializer: he_normal,
       kernel_regularizer: {l2: 0.001}}
    - {units: 1, activation: sigmoid}
training:
  loss: binary_crossentropy
  optimizer: {name: adam, learning_rate: 0.01}
  epochs: 100
  batch_size: 32
  validation_split: 0.2
  early_stopping: {monitor: val_loss, patience: 10}
  seed: 0
  metrics: [accuracy]
"""

MINIMAL = """\
task: {dataset: moons}
model:
  layers:
    - {units: 8, activation: relu}
    - {units: 1}
training:
  loss: binary_crossentropy
"""


def write(tmp_path: Path, text: str | bytes, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert "\n" not in message, message
    assert "pydantic" not in message and "http" not in message, message
    return message


# -- good specs ---------------------------------------------------------------------------------------------

def test_example_spec_loads_with_its_values(tmp_path):
    s = load_spec(write(tmp_path, GOOD))
    assert s.name == "moons-relu"
    assert [layer.units for layer in s.model.layers] == [64, 32, 1]
    assert s.model.layers[1].activation == {"name": "leaky_relu", "negative_slope": 0.1}
    assert s.model.layers[1].kernel_regularizer == {"l2": 0.001}
    assert s.training.optimizer == {"name": "adam", "learning_rate": 0.01}
    assert s.training.early_stopping.patience == 10
    assert s.training.early_stopping.restore_best_weights is False
    r = s.resolved()
    assert r["model"]["layers"][1]["activation"] == {"name": "leaky_relu", "negative_slope": 0.1}
    assert r["model"]["layers"][1]["kernel_regularizer"] == {"name": "l2", "l2": 0.001}
    assert r["training"]["optimizer"]["name"] == "adam"
    assert r["training"]["optimizer"]["learning_rate"] == 0.01
    assert r["training"]["optimizer"]["beta_1"] == 0.9


def test_minimal_spec_gets_keras_defaults(tmp_path):
    s = load_spec(write(tmp_path, MINIMAL, name="my first spec.yaml"))
    assert s.name == "my-first-spec"  # from the file name
    r = s.resolved()
    head = r["model"]["layers"][1]
    assert head["activation"] == {"name": "linear"}  # Dense's default: no activation
    assert head["use_bias"] is True
    assert head["kernel_initializer"]["name"] == "glorot_uniform"
    assert head["bias_initializer"]["name"] == "zeros"
    for key in ("kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                "bias_constraint", "name"):
        assert head[key] is None
    assert r["model"]["input_dim"] is None
    t = r["training"]
    assert t["optimizer"]["name"] == "adam" and t["optimizer"]["learning_rate"] == 0.001
    assert (t["epochs"], t["batch_size"], t["validation_split"], t["seed"]) == (1, 32, 0.0, 0)
    assert t["early_stopping"] is None and t["metrics"] == []
    assert t["loss"]["name"] == "binary_crossentropy" and t["loss"]["from_logits"] is False
    # the task's defaults come from actcli.data
    assert r["task"]["dataset"] == "moons"
    assert r["task"]["n_samples"] == 1000 and r["task"]["test_size"] == 0.2


def test_early_stopping_gets_keras_defaults(tmp_path):
    text = MINIMAL.replace("  loss: binary_crossentropy\n",
                           "  loss: binary_crossentropy\n  early_stopping: {monitor: loss}\n")
    es = load_spec(write(tmp_path, text)).resolved()["training"]["early_stopping"]
    assert es == {"monitor": "loss", "min_delta": 0.0, "patience": 0, "mode": "auto", "baseline": None,
                  "restore_best_weights": False, "start_from_epoch": 0}


def test_yaml_12_floats_and_dates_read_as_a_learner_expects(tmp_path):
    text = MINIMAL.replace("  loss: binary_crossentropy\n",
                           "  loss: binary_crossentropy\n  optimizer: {name: sgd, learning_rate: 1e-3}\n")
    text = "description: 2024-01-01\n" + text
    s = load_spec(write(tmp_path, text))
    assert s.training.optimizer["learning_rate"] == 0.001
    assert s.description == "2024-01-01"


def test_task_can_be_written_as_a_name(tmp_path):
    s = load_spec(write(tmp_path, MINIMAL.replace("task: {dataset: moons}", "task: circles")))
    assert s.task.dataset == "circles" and s.resolved()["task"]["factor"] == 0.5


def test_csv_task_is_accepted_and_checked_later(tmp_path):
    text = MINIMAL.replace("task: {dataset: moons}", "task: {dataset: csv:digits.csv, target: label}")
    task = load_spec(write(tmp_path, text)).resolved()["task"]
    assert task == {"dataset": "csv:digits.csv", "target": "label"}


def test_every_dense_argument_is_accepted(tmp_path):
    layer = ("    - {units: 4, activation: tanh, use_bias: false, kernel_initializer: {name: random_normal, "
             "stddev: 0.1}, bias_initializer: ones, kernel_regularizer: {l1: 0.01, l2: 0.01}, "
             "bias_regularizer: l2, activity_regularizer: {name: l1, l1: 0.001}, "
             "kernel_constraint: max_norm, bias_constraint: {name: non_neg}, name: hidden}\n")
    text = MINIMAL.replace("    - {units: 8, activation: relu}\n", layer)
    r = load_spec(write(tmp_path, text)).resolved()["model"]["layers"][0]
    assert r["use_bias"] is False and r["name"] == "hidden"
    assert r["kernel_initializer"]["stddev"] == 0.1
    assert r["kernel_regularizer"]["name"] == "l1_l2" and r["kernel_regularizer"]["l1"] == 0.01
    assert r["bias_regularizer"] == {"name": "l2", "l2": 0.01}
    assert r["kernel_constraint"]["name"] == "max_norm" and r["kernel_constraint"]["max_value"] == 2
    assert r["bias_constraint"]["name"] == "non_neg"


# -- bad specs: one line with file, line, key path and fix ------------------------------------------------

BAD = [
    # (id, old text, new text, line, key path, words the message must hold)
    ("key typo", "{units: 64, activation: relu}", "{units: 64, activaton: relu}", 7,
     "model.layers[0].activaton", ["unknown key", "did you mean 'activation'"]),
    ("negative learning rate", "learning_rate: 0.01", "learning_rate: -0.1", 13,
     "training.optimizer.learning_rate", ["must be > 0, got -0.1"]),
    ("unknown activation", "activation: relu}", "activation: relux}", 7,
     "model.layers[0].activation",
     ["unknown activation 'relux'", "did you mean 'relu'", "Valid:", "sigmoid"]),
    ("unknown activation parameter", "negative_slope: 0.1", "negative_slop: 0.1", 8,
     "model.layers[1].activation.negative_slop", ["did you mean 'negative_slope'"]),
    ("unknown initializer", "he_normal", "he_normall", 8,
     "model.layers[1].kernel_initializer", ["unknown initializer 'he_normall'", "did you mean 'he_normal'"]),
    ("unknown regularizer key", "{l2: 0.001}", "{l3: 0.001}", 9,
     "model.layers[1].kernel_regularizer.l3", ["unknown key", "{l2: 0.001}"]),
    ("unknown loss", "loss: binary_crossentropy", "loss: binary_crossentropi", 12,
     "training.loss", ["unknown loss", "did you mean 'binary_crossentropy'"]),
    ("unknown loss parameter", "loss: binary_crossentropy",
     "loss: {name: binary_crossentropy, from_logit: true}", 12, "training.loss.from_logit",
     ["did you mean 'from_logits'"]),
    ("unknown optimizer", "{name: adam, learning_rate: 0.01}", "adamm", 13,
     "training.optimizer", ["unknown optimizer 'adamm'", "did you mean 'adam'"]),
    ("unknown optimizer parameter", "learning_rate: 0.01}", "learning_rate: 0.01, beta1: 0.8}", 13,
     "training.optimizer.beta1", ["did you mean 'beta_1'"]),
    ("name key typo", "{name: adam, learning_rate: 0.01}", "{nmae: adam, learning_rate: 0.01}", 13,
     "training.optimizer.nmae", ["did you mean 'name'"]),
    ("zero units", "units: 64", "units: 0", 7, "model.layers[0].units", ["must be > 0, got 0"]),
    ("units as text", "units: 64", "units: '64'", 7, "model.layers[0].units", ["whole number", "'64'"]),
    ("float epochs", "epochs: 100", "epochs: 1e3", 14, "training.epochs", ["whole number", "1000.0"]),
    ("negative batch size", "batch_size: 32", "batch_size: -5", 15, "training.batch_size", ["> 0", "-5"]),
    ("validation split of 1", "validation_split: 0.2", "validation_split: 1.0", 16,
     "training.validation_split", ["must be < 1"]),
    ("missing loss", "  loss: binary_crossentropy\n", "", 11, "training.loss", ["missing", "add `loss:"]),
    ("layer key typo hides units", "{units: 64, activation: relu}", "{unit: 64, activation: relu}", 7,
     "model.layers[0].unit", ["did you mean 'units'"]),
    ("input_dim in a layer", "{units: 64, activation: relu}",
     "{units: 64, input_dim: 2, activation: relu}", 7,
     "model.layers[0].input_dim", ["model.input_dim"]),
    ("no layers", "  layers:\n    - {units: 64, activation: relu}\n", "  layers: []\n  extra_layers:\n"
     "    - {units: 64, activation: relu}\n", 7, "model.extra_layers", ["unknown key"]),
    ("unknown task", "dataset: moons", "dataset: moonz", 3, "task.dataset", ["did you mean 'moons'"]),
    ("task dataset typo", "dataset: moons", "datset: moons", 3, "task.datset", ["did you mean 'dataset'"]),
    ("unknown task parameter", "noise: 0.2", "nosie: 0.2", 3, "task.nosie", ["did you mean 'noise'"]),
    ("bad task value", "noise: 0.2", "noise: -1", 3, "task.noise", ["noise", "-1"]),
    ("early stopping mode typo", "patience: 10}", "patience: 10, mode: mn}", 17,
     "training.early_stopping.mode", ["auto, min, max", "did you mean 'min'"]),
    ("monitor a metric not asked for", "monitor: val_loss", "monitor: val_acc", 17,
     "training.early_stopping.monitor", ["did you mean 'val_accuracy'"]),
    ("val_loss without validation data", "validation_split: 0.2", "validation_split: 0.0", 17,
     "training.early_stopping.monitor", ["validation_split"]),
    ("unknown metric", "[accuracy]", "[acuracy]", 19, "training.metrics[0]", ["did you mean 'accuracy'"]),
    ("activation as a number", "activation: relu}", "activation: 5}", 7, "model.layers[0].activation",
     ["got 5", "write e.g. relu"]),
    ("odd glu width", "{units: 1, activation: sigmoid}", "{units: 3, activation: glu}", 10,
     "model.layers[2].units", ["even"]),
    ("unsafe run name", "name: moons-relu", "name: ../../etc", 1, "name", ["run folder"]),
    ("top-level typo", "training:", "trainign:", 11, "trainign", ["did you mean 'training'"]),
]


@pytest.mark.parametrize("old,new,line,path,words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_spec_names_file_line_key_and_fix(tmp_path, old, new, line, path, words):
    assert old in GOOD
    message = error_of(write(tmp_path, GOOD.replace(old, new, 1), name="bad.yaml"))
    assert message.startswith(f"{tmp_path / 'bad.yaml'}:{line}: {path}: "), message
    for word in words:
        assert word in message, (word, message)


def test_duplicate_key_names_the_key_and_both_lines(tmp_path):
    text = GOOD.replace("  seed: 0\n", "  seed: 0\n  epochs: 5\n")
    message = error_of(write(tmp_path, text))
    assert ":19: training.epochs: duplicate key 'epochs'" in message
    assert "line 14" in message and "line 19" in message


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system",
    "!!python/object/new:os.system",
    "!!python/name:os.system",
    "!custom",
    "!!binary",
    "!!set",
])
def test_tags_are_refused_and_never_run(tmp_path, tag):
    marker = tmp_path / "pwned"
    text = GOOD + f"extra: {tag} [\"touch {marker}\"]\n"
    message = error_of(write(tmp_path, text))
    assert not marker.exists()
    assert ":20: " in message and "tag" in message and "not allowed" in message


def test_python_object_apply_does_not_create_a_file(tmp_path):
    marker = tmp_path / "created-by-yaml"
    text = f"name: !!python/object/apply:os.system [\"touch {marker}\"]\n" + GOOD.split("\n", 1)[1]
    message = error_of(write(tmp_path, text))
    assert not marker.exists()
    assert "spec.yaml:1:" in message and "python/object/apply:os.system" in message


@pytest.mark.parametrize("text,line,words", [
    ("", 0, ["empty"]),
    ("# only a comment\n", 0, ["empty"]),
    ("- units: 64\n- units: 1\n", 1, ["top level is a list", "task:"]),
    ("just words\n", 1, ["top level is a single value"]),
    ("name: x\ntask: [moons\nmodel: {}\n", 3, ["not valid YAML", "column"]),
    ("name: x\n  task: moons\n", 2, ["not valid YAML"]),
    ("a: 1\n---\nb: 2\n", 2, ["not valid YAML", "single document"]),
    ("a: " + "[" * 30 + "]" * 30 + "\n", 1, ["nested more than 20"]),
    ("1: x\n", 1, ["keys must be names"]),
    ("base: &b {units: 1}\nother:\n  <<: *b\n", 3, ["merge keys"]),
], ids=["empty", "comment only", "list", "scalar", "unclosed list", "bad indent", "two documents", "deep",
        "number key", "merge key"])
def test_unreadable_files_give_one_clear_line(tmp_path, text, line, words):
    message = error_of(write(tmp_path, text))
    prefix = f"{tmp_path / 'spec.yaml'}:{line}: " if line else f"{tmp_path / 'spec.yaml'}: "
    assert message.startswith(prefix), message
    for word in words:
        assert word in message, (word, message)


def test_alias_bomb_is_stopped(tmp_path):
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    message = error_of(write(tmp_path, "\n".join(lines) + "\n"))
    assert "aliases" in message


def test_missing_file_and_folder_name_the_path(tmp_path):
    with pytest.raises(SpecError, match=r"nope\.yaml: no such file"):
        load_spec(tmp_path / "nope.yaml")
    with pytest.raises(SpecError, match="is a folder"):
        load_spec(tmp_path)


def test_file_over_one_megabyte_is_refused_unread(tmp_path):
    path = write(tmp_path, b"#" * (spec_mod.MAX_BYTES + 1))
    assert "byte limit" in error_of(path)


def test_non_utf8_file_names_the_line(tmp_path):
    path = write(tmp_path, GOOD.encode() + b"extra: \xff\xfe\n")
    message = error_of(path)
    assert ":20: not UTF-8" in message


def test_spec_from_dict_names_its_source():
    d = yaml.safe_load(GOOD)
    d["training"]["epochs"] = 0
    with pytest.raises(SpecError, match=r"^<built-in moons>: training\.epochs: must be > 0, got 0$"):
        spec_from_dict(d, source="<built-in moons>")


# -- hypothesis: broken specs always give SpecError, never another exception ---------------------------------

GOOD_DICT = yaml.safe_load(GOOD)


def _paths(node, path=()):
    """Every (path, value) in a nested dict/list."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*path, i))


ALL_KEYS = {p[-1] for p, _ in _paths(spec_mod.default_spec().resolved()) if p and isinstance(p[-1], str)}
ALL_KEYS |= {p[-1] for p, _ in _paths(GOOD_DICT) if p and isinstance(p[-1], str)}
ALL_KEYS |= set(Spec.model_fields) | {"units", "activation", "loss", "optimizer"}
MAPPINGS = [p for p, v in _paths(GOOD_DICT) if isinstance(v, dict)]
LEAVES = [p for p, v in _paths(GOOD_DICT) if not isinstance(v, (dict, list))]
MUST_BE_POSITIVE = [("task", "n_samples"), ("task", "noise"), ("task", "test_size"), ("model", "input_dim"),
                    ("model", "layers", 0, "units"), ("model", "layers", 2, "units"), ("training", "epochs"),
                    ("training", "batch_size"), ("training", "optimizer", "learning_rate"),
                    ("training", "early_stopping", "patience"), ("training", "validation_split"),
                    ("training", "seed")]
REQUIRED = [("task",), ("model",), ("training",), ("task", "dataset"), ("model", "layers"),
            ("model", "layers", 1, "units"), ("training", "loss")]


def _get(d, path):
    for p in path:
        d = d[p]
    return d


def _typo(key: str, op: int, pos: int, char: str) -> str:
    pos %= len(key) + 1
    if op == 0:
        return key[:pos] + char + key[pos:]
    if op == 1 and len(key) > 1:
        return key[:pos] + key[pos + 1:]
    return key[:pos] + char + key[pos + 1:]


def _load_text(text: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "broken.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SpecError) as info:
            load_spec(path)
        message = str(info.value)
    assert message.startswith(str(path)), message
    assert "\n" not in message and "pydantic" not in message
    return message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_broken_specs_raise_spec_error_naming_the_key(data):
    d = json.loads(json.dumps(GOOD_DICT))
    kind = data.draw(st.sampled_from(["typo", "wrong type", "negative", "missing"]))
    if kind == "typo":
        path = data.draw(st.sampled_from(MAPPINGS))
        mapping = _get(d, path)
        key = data.draw(st.sampled_from(sorted(mapping)))
        new = _typo(key, data.draw(st.integers(0, 2)), data.draw(st.integers(0, 30)),
                    data.draw(st.sampled_from("abcdexyz_")))
        assume(new not in ALL_KEYS and new not in mapping)
        mapping[new] = mapping.pop(key)
        expect = new
    elif kind == "wrong type":
        path = data.draw(st.sampled_from(LEAVES))
        old = _get(d, path)
        bad = ["abc", [1, 2], {"x": 1}] if isinstance(old, (int, float)) else [7, [1, 2], {"x": 1}]
        _get(d, path[:-1])[path[-1]] = data.draw(st.sampled_from(bad))
        expect = path[0]
    elif kind == "negative":
        path = data.draw(st.sampled_from(MUST_BE_POSITIVE))
        value = data.draw(st.one_of(st.integers(-10**6, -1), st.floats(-1e6, -1e-6)))
        _get(d, path[:-1])[path[-1]] = value
        expect = path[-1]
    else:
        path = data.draw(st.sampled_from(REQUIRED))
        del _get(d, path[:-1])[path[-1]]
        expect = path[-1] if isinstance(path[-1], str) else "units"
    message = _load_text(yaml.safe_dump(d, sort_keys=False))
    assert str(expect) in message, (kind, path, message)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(doc=st.dictionaries(st.sampled_from(["name", "task", "model", "training", "x"]), yaml_values,
                           max_size=5))
def test_random_documents_raise_only_spec_error(doc):
    _load_text(yaml.safe_dump(doc))


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=200))
def test_random_text_raises_only_spec_error(text):
    _load_text(text)


# -- writing, hashing, schema, defaults, overrides ---------------------------------------------------------

def test_resolved_round_trips_through_dump_yaml(tmp_path):
    s = load_spec(write(tmp_path, GOOD))
    again = load_spec(write(tmp_path, dump_yaml(s), name="saved.yaml"))
    assert again.resolved() == s.resolved()
    assert spec_hash(again) == spec_hash(s)
    assert yaml.safe_load(dump_yaml(s)) == s.resolved()


def test_default_spec_round_trips(tmp_path):
    s = default_spec()
    assert load_spec(write(tmp_path, dump_yaml(s))).resolved() == s.resolved()


def test_hash_is_12_hex_and_ignores_spelling_but_not_values():
    d = yaml.safe_load(GOOD)
    h = spec_hash(spec_from_dict(d))
    assert len(h) == 12 and int(h, 16) >= 0
    d["model"]["layers"][0]["activation"] = {"name": "relu"}  # same thing, spelt out
    d["model"]["layers"][0]["use_bias"] = True
    assert spec_hash(spec_from_dict(d)) == h
    d["training"]["optimizer"]["learning_rate"] = 0.02
    assert spec_hash(spec_from_dict(d)) != h


def test_json_schema_is_json_with_every_dense_argument():
    schema = json.loads(json.dumps(json_schema()))
    layer = schema["$defs"]["LayerSpec"]["properties"]
    assert set(layer) == {"units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
                          "kernel_regularizer", "bias_regularizer", "activity_regularizer",
                          "kernel_constraint", "bias_constraint", "name"}
    assert layer["units"]["exclusiveMinimum"] == 0
    assert layer["kernel_initializer"]["default"] == "glorot_uniform"
    assert set(schema["required"]) == {"task", "model", "training"}
    assert schema["$defs"]["Training"]["properties"]["batch_size"]["default"] == 32


def test_default_spec_is_the_notes_model():
    s = default_spec()
    r = s.resolved()
    assert r["task"]["dataset"] == "classification"
    assert r["task"]["features"] == 28 and r["task"]["classes"] == 10
    assert r["model"]["input_dim"] == 28
    assert [(la["units"], la["activation"]["name"]) for la in r["model"]["layers"]] == [
        (64, "relu"), (32, "relu"), (10, "softmax")]
    assert r["training"]["loss"]["name"] == "categorical_crossentropy"
    assert r["training"]["optimizer"]["name"] == "adam"
    assert (r["training"]["epochs"], r["training"]["batch_size"], r["training"]["seed"]) == (20, 32, 0)
    assert isinstance(s, Spec)


def test_overrides_change_only_what_they_name():
    s = spec_from_dict(yaml.safe_load(GOOD))
    before = s.resolved()
    o = with_overrides(s, epochs=3, batch_size=8, lr=0.5, seed=7)
    r = o.resolved()["training"]
    assert (r["epochs"], r["batch_size"], r["seed"], r["optimizer"]["learning_rate"]) == (3, 8, 7, 0.5)
    assert o.resolved()["task"] == before["task"] and o.resolved()["model"] == before["model"]
    assert s.resolved() == before  # the original is untouched
    assert with_overrides(s).resolved() == before


def test_lr_override_on_an_optimizer_given_by_name():
    d = yaml.safe_load(GOOD)
    d["training"]["optimizer"] = "sgd"
    o = with_overrides(spec_from_dict(d), lr=0.1)
    assert o.resolved()["training"]["optimizer"]["name"] == "sgd"
    assert o.resolved()["training"]["optimizer"]["learning_rate"] == 0.1


@pytest.mark.parametrize("kwargs,path", [({"epochs": 0}, "training.epochs"), ({"lr": -1.0}, "learning_rate"),
                                         ({"batch_size": -2}, "training.batch_size")])
def test_bad_overrides_raise_spec_error(kwargs, path):
    with pytest.raises(SpecError, match=path):
        with_overrides(default_spec(), **kwargs)

