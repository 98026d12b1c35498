"""A run folder stays usable wherever it is read from, and says what it measured: a CSV run keeps its data's
absolute path and, in data.json, what new rows need (so predict and evaluate --data never read the training
CSV); history.csv's per-layer columns are in layer order; a regression run reports no accuracy anywhere."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from actcli import data, lab
from actcli.results import LayerInfo, ProbeRecord, RunResult


def ok(result) -> None:
    assert result.exit_code == 0, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def _write_csv(path: Path, header: list[str], rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _four_rows(n: int = 80, seed: int = 0) -> list[list]:
    """Three features a, b, c and a label x/y that a and b decide."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        label = "x" if i % 2 else "y"
        off = 1.0 if label == "x" else -1.0
        a, b, c = rng.normal(off, 1.0), rng.normal(-off, 1.0), rng.normal(0.0, 1.0)
        rows.append([f"{a:.3f}", f"{b:.3f}", f"{c:.3f}", label])
    return rows


@pytest.fixture
def csv_run(cli, tmp_path):
    """A run trained on a CSV next to its spec in another folder (proj/), saved in ./o_four:
    (run folder, metrics.json, the CSV)."""
    proj = tmp_path / "proj"
    proj.mkdir()
    four = _write_csv(proj / "four.csv", ["a", "b", "c", "label"], _four_rows())
    spec = {"name": "four", "task": {"dataset": "csv", "path": "four.csv", "target": "label"},
            "model": {"layers": [{"units": 8, "activation": "relu"}, {"units": 1, "activation": "sigmoid"}]},
            "training": {"loss": "binary_crossentropy", "optimizer": {"name": "adam", "learning_rate": 0.02},
                         "epochs": 5, "seed": 0}}
    (proj / "spec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    result = cli("train", proj / "spec.yaml", "--out", "o_four", "--json", "--no-plots")
    ok(result)
    _write_csv(Path("good.csv"), ["c", "label", "b", "a"], [["0", "x", "-1.5", "1.5"], ["0", "y", "1.5", "-1.5"],
                                                            ["0.3", "x", "-0.5", "0.8"]])
    _write_csv(Path("nolabel.csv"), ["a", "b", "c"], [["1.5", "-1.5", "0"], ["-1.5", "1.5", "0"]])
    return Path("o_four"), json.loads(result.stdout), four


def test_a_csv_run_keeps_the_absolute_path_of_its_data_and_what_new_rows_need(csv_run):
    run, metrics, four = csv_run
    saved = yaml.safe_load((run / "spec.yaml").read_text(encoding="utf-8"))
    assert saved["task"] == {"dataset": "csv", "path": str(four), "target": "label"}
    schema = json.loads((run / "data.json").read_text(encoding="utf-8"))
    assert schema["feature_names"] == ["a", "b", "c"] and schema["class_names"] == ["x", "y"]
    assert (schema["kind"], schema["n_train"], schema["n_test"]) == ("binary", 64, 16)
    train = data.load_task({"dataset": "csv", "path": str(four), "target": "label"})
    np.testing.assert_array_equal(np.array(schema["scaler"]["mean"], dtype=np.float32), train.scaler[0])
    np.testing.assert_array_equal(np.array(schema["scaler"]["std"], dtype=np.float32), train.scaler[1])
    # metrics.json's spec hash is the hash of the spec.yaml beside it
    from actcli.spec import load_spec, spec_hash

    assert metrics["spec_hash"] == spec_hash(load_spec(run / "spec.yaml"))


def test_a_csv_run_evaluates_and_predicts_from_any_working_folder(cli, csv_run, monkeypatch, tmp_path):
    run, metrics, _ = csv_run
    own = cli("evaluate", "--run", run, "--json")
    ok(own)
    out = json.loads(own.stdout)
    assert out["loss"] == pytest.approx(metrics["test_loss"], rel=1e-6)
    assert out["accuracy"] == pytest.approx(metrics["test_accuracy"])
    assert out["samples"] == 16
    good = cli("evaluate", "--run", run, "--data", "good.csv", "--json")
    ok(good)
    assert json.loads(good.stdout)["samples"] == 3
    pred = cli("predict", "nolabel.csv", "--run", run)
    ok(pred)
    lines = pred.stdout.splitlines()
    assert lines[0] == "class,probability" and [line.split(",")[0] for line in lines[1:]] == ["x", "y"]
    # the same run read from another folder
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    absolute = run.resolve()
    monkeypatch.chdir(elsewhere)
    again = cli("evaluate", "--run", absolute, "--json")
    ok(again)
    assert json.loads(again.stdout)["loss"] == out["loss"]


def test_predict_and_evaluate_data_do_not_need_the_training_csv(cli, csv_run):
    run, _, four = csv_run
    before = (cli("predict", "nolabel.csv", "--run", run).stdout,
              json.loads(cli("evaluate", "--run", run, "--data", "good.csv", "--json").stdout))
    four.unlink()
    pred = cli("predict", "nolabel.csv", "--run", run)
    ok(pred)
    good = cli("evaluate", "--run", run, "--data", "good.csv", "--json")
    ok(good)
    assert (pred.stdout, json.loads(good.stdout)) == before  # the same scaling, read from data.json


def test_evaluate_on_its_own_split_says_when_the_training_csv_is_gone(cli, csv_run):
    run, _, four = csv_run
    four.unlink()
    result = cli("evaluate", "--run", run)
    assert result.exit_code == 2
    assert f"the run was trained on {four}, which is not there any more" in result.stderr
    assert "--data FILE" in result.stderr
    assert "Traceback" not in result.output


def test_evaluate_refuses_a_training_csv_changed_since_the_run(cli, csv_run):
    run, _, four = csv_run
    _write_csv(four, ["a", "b", "c", "label"], _four_rows(90))
    result = cli("evaluate", "--run", run)
    assert result.exit_code == 2
    assert "has changed since the run was trained (n_train was 64, is 72)" in result.stderr


def test_an_old_run_folder_reads_its_relative_csv_from_the_run_folder(cli, csv_run):
    run, metrics, four = csv_run
    (run / "data.json").unlink()  # a folder written before data.json, with the path as the spec gave it
    spec = (run / "spec.yaml").read_text(encoding="utf-8")
    (run / "spec.yaml").write_text(spec.replace(str(four), "four.csv"), encoding="utf-8")
    gone = cli("predict", "nolabel.csv", "--run", run)
    assert gone.exit_code == 2
    assert f"the run was trained on {run / 'four.csv'}, which is not there any more" in gone.stderr
    assert "no data.json" in gone.stderr
    shutil.copy(four, run / "four.csv")
    own = cli("evaluate", "--run", run, "--json")
    ok(own)
    assert json.loads(own.stdout)["loss"] == pytest.approx(metrics["test_loss"], rel=1e-6)
    ok(cli("predict", "nolabel.csv", "--run", run))


@pytest.mark.parametrize("task, pinned", [
    ({"dataset": "csv", "path": "d/four.csv", "target": "t"}, {"dataset": "csv", "path": "{base}/d/four.csv",
                                                               "target": "t"}),
    ({"dataset": "csv:d/four.csv"}, {"dataset": "csv:{base}/d/four.csv"}),
    ({"dataset": "d/four.csv", "kind": "binary"}, {"dataset": "{base}/d/four.csv", "kind": "binary"}),
    ({"dataset": "d/../d/four.csv"}, {"dataset": "{base}/d/four.csv"}),
    ({"dataset": "/abs/four.csv"}, {"dataset": "/abs/four.csv"}),
    ({"dataset": "csv:digits.csv"}, {"dataset": "csv:digits.csv"}),  # the packaged copy, found by name anywhere
    ({"dataset": "moons", "noise": 0.2}, {"dataset": "moons", "noise": 0.2}),
])
def test_pinned_task_makes_a_relative_csv_path_absolute(tmp_path, task, pinned):
    base = tmp_path / "specs"
    expected = json.loads(json.dumps(pinned).replace("{base}", str(base)))
    assert data.pinned_task(task, base) == expected


def test_a_dataset_schema_round_trips_to_a_dataset_without_rows():
    ds = data.make_task("blobs", n_samples=60, classes=3)
    back = data.Dataset.from_schema(json.loads(json.dumps(ds.schema())))
    assert (back.name, back.kind, back.n_classes, back.n_features) == ("blobs", "multiclass", 3, 2)
    assert back.class_names == ["0", "1", "2"] and len(back.x_train) == len(back.x_test) == 0
    np.testing.assert_array_equal(back.scaler[0], ds.scaler[0])
    np.testing.assert_array_equal(back.scaler[1], ds.scaler[1])
    assert back.targets("categorical_crossentropy", "test").shape == (0, 3)


# -- history.csv's columns -----------------------------------------------------------------------------------


def test_history_columns_of_a_twelve_layer_model_are_in_layer_order(cli, tiny_spec):
    spec = yaml.safe_load(Path(tiny_spec()).read_text(encoding="utf-8"))
    spec["model"]["layers"] = [{"units": 4, "activation": "tanh"}] * 11 + [{"units": 1, "activation": "sigmoid"}]
    spec["training"]["epochs"] = 2
    Path("deep.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    ok(cli("train", "deep.yaml", "--out", "deep", "--quiet", "--no-plots"))
    with open("deep/history.csv", newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    layers = ["dense"] + [f"dense_{i}" for i in range(1, 12)]
    assert header == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy",
                      *[f"delta_norm/{n}" for n in layers], *[f"grad_norm/{n}" for n in layers]]
    names = [lay["name"] for lay in json.loads(Path("deep/probes.json").read_text(encoding="utf-8"))["layers"]]
    assert names == layers
    # and it reads back in that order
    result, _ = lab.load_run(Path("deep"))
    assert list(result.history)[6:18] == [f"delta_norm/{n}" for n in layers]


def _result(history: dict, layers: list[str] | None) -> RunResult:
    probes = None
    if layers is not None:
        probes = ProbeRecord(layers=[LayerInfo(n, 4, "tanh", True) for n in layers], init=[])
    return RunResult(name="r", task="moons", kind="binary", hidden_activation="tanh", status="completed",
                     epochs=1, train_loss=0.5, train_accuracy=0.5, test_loss=0.5, test_accuracy=0.5, seconds=0.0,
                     history=history, seed=0, probes=probes)


def test_history_rows_follow_the_probes_layer_order_not_the_names():
    layers = ["out_10", "hidden", "out_2"]  # names the user chose, in the model's order
    hist = {"loss": [1.0], **{f"grad_norm/{n}": [float(i)] for i, n in enumerate(layers)},
            **{f"delta_norm/{n}": [float(i)] for i, n in enumerate(reversed(layers))}}
    header, rows = lab.history_rows(_result(hist, layers))
    assert header == ["epoch", "loss", *[f"delta_norm/{n}" for n in layers], *[f"grad_norm/{n}" for n in layers]]
    assert rows == [[1, 1.0, 2.0, 1.0, 0.0, 0.0, 1.0, 2.0]]


def test_history_rows_without_probes_put_dense_2_before_dense_10():
    hist = {f"grad_norm/dense_{i}": [float(i)] for i in (10, 2, 1)} | {"grad_norm/dense": [0.0]}
    header, _ = lab.history_rows(_result(hist, None))
    assert header == ["epoch", "grad_norm/dense", "grad_norm/dense_1", "grad_norm/dense_2", "grad_norm/dense_10"]


# -- regression: no accuracy -----------------------------------------------------------------------------------


def _regression_spec(path: str = "reg.yaml", task: dict | None = None, metrics: list[str] | None = None) -> str:
    spec = {"name": "reg", "task": task or {"dataset": "plane", "n_samples": 200, "noise": 0.1},
            "model": {"layers": [{"units": 8, "activation": "tanh"}, {"units": 1}]},
            "training": {"loss": "mse", "optimizer": {"name": "sgd", "learning_rate": 0.05}, "epochs": 2,
                         "validation_split": 0.2, "metrics": metrics or []}}
    Path(path).write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def test_a_regression_run_reports_no_accuracy_anywhere(cli):
    shown = cli("train", _regression_spec(), "--out", "reg", "--no-plots")
    ok(shown)
    assert "epoch 1/2  loss " in shown.stdout and "accuracy" not in shown.stdout
    assert "test MSE" in shown.stdout and "test MAE" in shown.stdout
    metrics = json.loads(Path("reg/metrics.json").read_text(encoding="utf-8"))
    assert metrics["train_accuracy"] is None and metrics["test_accuracy"] is None
    assert metrics["test_loss"] > 0 and metrics["test_mae"] > 0
    with open("reg/history.csv", newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header[:4] == ["epoch", "loss", "val_loss", "test_loss"]
    assert not [h for h in header if "accuracy" in h]
    evaluated = cli("evaluate", "--run", "reg", "--json")
    ok(evaluated)
    out = json.loads(evaluated.stdout)
    assert "accuracy" not in out
    assert out["loss"] == pytest.approx(metrics["test_loss"], rel=1e-6)
    assert out["mae"] == pytest.approx(metrics["test_mae"], rel=1e-6)


def test_a_regression_spec_asking_for_accuracy_still_gets_none():
    from actcli.spec import load_spec

    spec = load_spec(Path(_regression_spec(metrics=["accuracy"])))
    assert lab.build_model(spec, 2).metrics == []
    result, _ = lab.train_run(spec)
    assert "accuracy" not in result.history and result.test_accuracy is None


def test_a_csv_regression_without_kind_is_found_out_when_its_file_is_read(cli):
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (60, 2))
    _write_csv(Path("plane.csv"), ["u", "v", "target"],
               [[f"{a:.4f}", f"{b:.4f}", f"{2 * a - b + 0.1:.4f}"] for a, b in x])
    spec = _regression_spec(task={"dataset": "csv:plane.csv", "target": "target"})
    ok(cli("train", spec, "--out", "reg", "--quiet", "--no-plots"))  # the kind comes from the file's target
    with open("reg/history.csv", newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header[:4] == ["epoch", "loss", "val_loss", "test_loss"]


def test_a_classification_spec_without_metrics_still_reports_accuracy(tiny_spec):
    from actcli.spec import load_spec

    spec = load_spec(Path(tiny_spec()))
    assert spec.training.metrics == []
    result, _ = lab.train_run(spec, probes=False)
    assert 0 <= result.test_accuracy <= 1 and len(result.history["test_accuracy"]) == 3


def test_a_regression_compare_gives_its_progress_line_mse_and_mae_and_no_accuracy():
    from actcli import sweep
    from actcli.spec import load_spec

    reg = load_spec(Path(_regression_spec()))
    seen = []
    cmp = sweep.compare(reg, ["tanh"], seeds=1, epochs=2, on_done=lambda i, n, run: seen.append(run))
    run = seen[0]  # what compare's progress line is given
    assert (run.kind, run.status, run.test_accuracy) == ("regression", "completed", None)
    assert run.test_loss == cmp.runs["tanh"][0].test_loss > 0 and run.test_mae > 0
    assert not [k for k in run.history if "accuracy" in k]
    assert cmp.results[0].test_accuracy_mean is None and cmp.results[0].test_loss_mean == run.test_loss
