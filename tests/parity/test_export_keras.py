"""The exported Keras code runs on Keras 3 and trains like actcli: with actcli's initial weights loaded
through `set_weights` and no shuffling, the per-epoch losses agree (rtol 2e-3). The exported scripts also
run end to end (Keras, and PyTorch when torch is installed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from actcli import lab  # noqa: E402
from actcli.spec import spec_from_dict  # noqa: E402
from actcli.teach.export import export  # noqa: E402

BINARY = {
    "name": "export-binary",
    "task": {"dataset": "moons", "n_samples": 300, "noise": 0.2, "seed": 0},
    "model": {"layers": [
        {"units": 16, "activation": "relu", "kernel_initializer": "he_normal"},
        {"units": 16, "activation": "tanh", "kernel_regularizer": {"l2": 0.001}},
        {"units": 1, "activation": "sigmoid"}]},
    "training": {"loss": "binary_crossentropy", "optimizer": {"name": "adam", "learning_rate": 0.01},
                 "epochs": 2, "batch_size": 32, "seed": 0, "metrics": ["accuracy"]},
}
# the notes' sigmoid head on a multi-class task, with categorical cross-entropy (Keras rescales the outputs)
MULTI = {
    "name": "export-multi",
    "task": {"dataset": "blobs", "n_samples": 300, "classes": 4, "seed": 0},
    "model": {"layers": [
        {"units": 16, "activation": {"name": "leaky_relu", "negative_slope": 0.1}},
        {"units": 4, "activation": "sigmoid"}]},
    "training": {"loss": "categorical_crossentropy", "optimizer": {"name": "sgd", "learning_rate": 0.1,
                                                                   "momentum": 0.9},
                 "epochs": 2, "batch_size": 16, "seed": 0, "metrics": ["accuracy"]},
}


def _module(code: str) -> dict:
    scope = {"__name__": "exported"}
    exec(compile(code, "<exported>", "exec"), scope)
    return scope


@pytest.mark.parametrize("d", [BINARY, MULTI], ids=["binary", "multiclass-sigmoid-head"])
def test_exported_keras_model_trains_like_actcli_from_the_same_weights(d):
    spec = spec_from_dict(d)
    scope = _module(export(spec, "keras"))
    x_train, y_train, _, _ = scope["load_data"]()

    dataset = lab.load_data(spec, None)
    ours = lab.build_model(spec, dataset.n_features)
    start = ours.get_weights()
    loss_name = ours.loss.name
    assert np.array_equal(x_train, dataset.x_train)
    assert np.array_equal(y_train, dataset.targets(loss_name, "train"))
    batch = d["training"]["batch_size"]
    hist = ours.fit(x_train, y_train, epochs=2, batch_size=batch, shuffle=False, verbose=0)

    model = scope["build_model"]()
    assert [tuple(w.shape) for w in model.get_weights()] == [w.shape for w in start]
    model.set_weights(start)
    theirs = model.fit(x_train, y_train, epochs=2, batch_size=batch, shuffle=False, verbose=0)
    np.testing.assert_allclose(hist.history["loss"], theirs.history["loss"], rtol=2e-3)
    assert hist.history["loss"][-1] < hist.history["loss"][0]  # both learn


def _run(path, env_extra=None) -> str:
    env = {**os.environ, "KERAS_BACKEND": "torch", **(env_extra or {})}
    proc = subprocess.run([sys.executable, "-W", "ignore", str(path)], capture_output=True, text=True,
                          env=env, timeout=600, cwd=path.parent)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_exported_keras_script_runs_end_to_end(tmp_path):
    path = tmp_path / "model_keras.py"
    path.write_text(export(spec_from_dict(BINARY), "keras"), encoding="utf-8")
    out = _run(path)
    result = re.findall(r"\{'accuracy': ([0-9.]+), 'loss': ([0-9.]+)\}", out)
    assert result, out[-1000:]
    accuracy, loss = map(float, result[-1])
    assert accuracy > 0.75 and loss < 0.6


def test_exported_pytorch_script_runs_and_learns_about_as_well_as_actcli(tmp_path):
    pytest.importorskip("torch")
    d = {**BINARY, "training": {**BINARY["training"], "epochs": 10}}
    spec = spec_from_dict(d)
    path = tmp_path / "model_torch.py"
    path.write_text(export(spec, "pytorch"), encoding="utf-8")
    out = _run(path)
    losses = [float(v) for v in re.findall(r"epoch \d+/10 loss: ([0-9.]+)", out)]
    assert len(losses) == 10 and losses[-1] < losses[0]
    result, _ = lab.train_run(spec, probes=False, test_each_epoch=False)
    # different initial draws and shuffles, so only loosely: both halve their loss at least, and end within
    # a factor 1.5 of each other
    ours = result.history["loss"]
    assert losses[-1] < 0.5 * losses[0] and ours[-1] < 0.5 * ours[0]
    assert 2 / 3 < losses[-1] / ours[-1] < 3 / 2
