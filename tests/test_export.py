"""`actcli export` (Keras / PyTorch code) and `actcli init` (starter specs, shipped examples).

The code is compiled and its pieces checked here; running it needs keras/torch (tests/parity/)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import yaml

from actcli import data
from actcli.errors import UserError
from actcli.spec import load_spec, spec_from_dict
from actcli.teach import export as ex
from actcli.teach import starter
from actcli.teach.check import check_spec

CONFIGS = Path(__file__).resolve().parents[1] / "actcli" / "data" / "configs"
ALL = sorted(p.stem for p in CONFIGS.glob("*.yaml"))


def config(name: str):
    return load_spec(CONFIGS / f"{name}.yaml")


def _function(code: str, name: str):
    """Define one top-level function of the exported code (with numpy as np) and return it."""
    tree = ast.parse(code)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    scope: dict = {"np": np}
    exec(compile(ast.Module(body=[node], type_ignores=[]), "<export>", "exec"), scope)
    return scope[name]


@pytest.mark.parametrize("to", ex.TARGETS)
@pytest.mark.parametrize("name", ALL)
def test_every_shipped_config_exports_to_code_that_compiles(name, to):
    code = ex.export(config(name), to, CONFIGS)
    compile(code, f"{name}.py", "exec")
    assert 'if __name__ == "__main__":' in code


def test_keras_export_uses_the_notes_api():
    code = ex.export(config("notes-softmax-head"), "keras", CONFIGS)
    for piece in ("from keras import layers", "keras.Sequential(", "keras.Input(shape=(28,))",
                  "layers.Dense(64, activation='relu')", "layers.Dense(32, activation='relu')",
                  "layers.Dense(10, activation='softmax')",
                  "optimizer=keras.optimizers.Adam(learning_rate=0.001)", "loss='categorical_crossentropy'",
                  "metrics=['accuracy']", "model.fit(x_train, y_train, epochs=20, batch_size=32)"):
        assert piece in code, piece


def test_keras_export_writes_non_default_arguments_with_keras_class_names():
    d = {
        "name": "args", "task": {"dataset": "moons", "n_samples": 100},
        "model": {"layers": [
            {"units": 16, "activation": {"name": "leaky_relu", "negative_slope": 0.1},
             "kernel_initializer": {"name": "random_normal", "stddev": 0.1}, "bias_initializer": "ones",
             "kernel_regularizer": {"l2": 0.001}, "kernel_constraint": {"name": "max_norm", "max_value": 3},
             "use_bias": True},
            {"units": 16, "activation": "relu", "kernel_initializer": "he_normal", "use_bias": False,
             "bias_regularizer": "l1"},
            {"units": 1, "activation": "sigmoid"}]},
        "training": {"loss": {"name": "binary_crossentropy", "label_smoothing": 0.1},
                     "optimizer": {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9},
                     "epochs": 3, "validation_split": 0.2,
                     "early_stopping": {"monitor": "val_loss", "patience": 2}},
    }
    code = ex.export(spec_from_dict(d), "keras")
    compile(code, "args.py", "exec")
    for piece in ("activation=lambda x: keras.activations.leaky_relu(x, negative_slope=0.1)",
                  "kernel_initializer=keras.initializers.RandomNormal(stddev=0.1)", "bias_initializer='ones'",
                  "kernel_regularizer=keras.regularizers.L2(l2=0.001)",
                  "kernel_constraint=keras.constraints.MaxNorm(max_value=3, axis=0)",
                  "use_bias=False, kernel_initializer='he_normal'",
                  "bias_regularizer=keras.regularizers.L1(l1=0.01)",
                  "keras.losses.BinaryCrossentropy(label_smoothing=0.1)",
                  "keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)", "validation_split=0.2",
                  "keras.callbacks.EarlyStopping(patience=2)"):
        assert piece in code, piece


def test_pytorch_export_maps_layers_init_loss_and_optimizer():
    code = ex.export(config("binary-sigmoid-head"), "pytorch", CONFIGS)
    for piece in ("nn.Linear(2, 32, bias=True)", "nn.ReLU()", "nn.Linear(32, 1, bias=True)",
                  "variance_scaling_(model[0].weight, 1.0, 'fan_avg', 'uniform')  # keras glorot_uniform",
                  "nn.init.zeros_(model[0].bias)", "binary_cross_entropy_with_logits",
                  "torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.9, 0.999), eps=1e-07",
                  "validation_split=0.2", "torch.sigmoid(out).numpy()"):
        assert piece in code, piece
    assert "nn.Sigmoid()" not in code  # fused into the loss, and the comment says so
    assert "fused into the loss" in code


def test_pytorch_export_keeps_a_sigmoid_head_that_feeds_categorical_crossentropy():
    code = ex.export(config("notes-sigmoid-head"), "pytorch", CONFIGS)
    assert "nn.Sigmoid()" in code and "out / out.sum(1, keepdim=True)" in code
    assert "fused" not in code


def test_pytorch_export_writes_activations_torch_lacks_as_functions():
    d = {"name": "fns", "task": {"dataset": "blobs", "n_samples": 100},
         "model": {"layers": [{"units": 4, "activation": "sparse_plus"},
                              {"units": 4, "activation": "squareplus"},
                              {"units": 3, "activation": "sparsemax"}]},
         "training": {"loss": "mse"}}
    code = ex.export(spec_from_dict(d), "pytorch")
    compile(code, "fns.py", "exec")
    assert "class Fn(nn.Module)" in code and "def sparsemax(x)" in code and "torch.sqrt(x * x + 4)" in code


def test_csv_export_reads_the_file_with_numpy_like_actcli():
    spec = config("digits-deep-sigmoid")
    code = ex.export(spec, "keras", CONFIGS)
    assert "np.loadtxt(path, delimiter=',', skiprows=1" in code
    x_train, y_train, x_test, y_test = _function(code, "load_data")()
    ds = data.load_task(spec.task.resolved(), base_dir=CONFIGS)
    assert x_train.shape == ds.x_train.shape and x_test.shape == ds.x_test.shape
    assert y_train.shape == (len(ds.x_train), 10) and np.allclose(y_train.sum(axis=1), 1)
    assert abs(float(x_train.mean())) < 1e-5  # standardised with the training rows


def test_synthetic_export_loads_the_same_data_as_actcli():
    spec = config("spiral3-softmax")
    x_train, y_train, _, _ = _function(ex.export(spec, "keras"), "load_data")()
    ds = data.load_task(spec.task.resolved())
    assert np.array_equal(x_train, ds.x_train)
    assert np.array_equal(y_train, ds.targets("categorical_crossentropy", "train"))


def test_unknown_target_is_a_user_error():
    with pytest.raises(UserError, match="keras, pytorch"):
        ex.export(config("deep-relu"), "jax")


# ------------------------------------------------------------------------------------------------ init

@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("head", starter.HEADS)
@pytest.mark.parametrize("task", list(data.TASKS))
def test_starter_spec_for_every_task_and_head_loads(task, head, lang, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(starter.starter_spec(task, head, lang), encoding="utf-8")
    spec = load_spec(path)
    head_layer = spec.resolved()["model"]["layers"][-1]
    info = data.TASKS[task]
    if info.kind == "regression":
        assert head_layer["units"] == 1 and head_layer["activation"]["name"] == "linear"
    errors = [f for f in check_spec(spec, probe=False) if f.level == "error"]
    assert errors == []


def test_starter_heads_have_matching_units_and_losses():
    def head_and_loss(task, head):
        r = spec_from_dict(yaml.safe_load(starter.starter_spec(task, head))).resolved()
        return r["model"]["layers"][-1]["units"], r["training"]["loss"]["name"]

    assert head_and_loss("moons", "sigmoid") == (1, "binary_crossentropy")
    assert head_and_loss("moons", "softmax") == (2, "categorical_crossentropy")
    assert head_and_loss("blobs", "softmax") == (3, "categorical_crossentropy")
    assert head_and_loss("classification", "sigmoid") == (10, "categorical_crossentropy")


def test_sigmoid_starter_on_a_multiclass_task_says_check_will_warn():
    text = starter.starter_spec("classification", "sigmoid")
    assert "`actcli check` will warn" in text
    spec = spec_from_dict(yaml.safe_load(text))
    warnings = [f.code for f in check_spec(spec, probe=False) if f.level == "warning"]
    assert warnings == ["sigmoid_multiclass_head"]


def test_starter_comments_are_in_the_chosen_language():
    en, ko = starter.starter_spec("moons", "sigmoid", "en"), starter.starter_spec("moons", "sigmoid", "ko")
    assert "출력층" in ko and "출력층" not in en
    # the YAML itself is the same apart from the comments
    strip = lambda t: [ln.split("  #")[0] for ln in t.splitlines() if not ln.lstrip().startswith("#")]  # noqa: E731
    assert strip(en) == strip(ko)


def test_starter_rejects_unknown_task_and_head_with_the_closest_name():
    with pytest.raises(UserError, match="did you mean 'moons'"):
        starter.starter_spec("mons")
    with pytest.raises(UserError, match="did you mean 'softmax'"):
        starter.starter_spec("moons", "sofmax")


def test_examples_are_the_shipped_configs():
    assert starter.example_names() == ALL
    assert starter.example("deep-sigmoid") == (CONFIGS / "deep-sigmoid.yaml").read_text(encoding="utf-8")
    assert starter.example("deep-sigmoid.yaml").startswith("# Lesson")
    with pytest.raises(UserError, match="did you mean 'deep-sigmoid'"):
        starter.example("deep-sigmod")
