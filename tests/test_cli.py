"""The commands as a learner uses them: real files in a temporary folder, Typer's CliRunner, tiny specs.

Each test pins what a command promises: the files it writes, that they agree with each other and with
`--json`, and that every command and option explains itself in --help.
Bad input is tests/test_robustness.py's job.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from actcli import cli as climod

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path, min_bytes: int = 5_000) -> None:
    path = Path(path)
    assert path.is_file(), path
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert len(data) >= min_bytes, f"{path} is only {len(data)} bytes"


def read_history(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def ok(result) -> None:
    assert result.exit_code == 0, (
        f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    assert "Traceback" not in result.output


@pytest.fixture
def trained(cli, tiny_spec):
    """A finished tiny run: (run folder, the --json output)."""
    spec = tiny_spec()
    result = cli("train", spec, "--out", "run", "--json")
    ok(result)
    return Path("run"), json.loads(result.stdout)


# -- train ---------------------------------------------------------------------------------------------------


def test_train_writes_every_artifact_of_a_run_folder(trained):
    run, _ = trained
    for name in ("spec.yaml", "history.csv", "metrics.json", "probes.json", "weights.npz"):
        assert (run / name).is_file() and (run / name).stat().st_size > 0, name
    assert_png(run / "loss.png")
    assert_png(run / "decision_boundary.png")  # moons is a 2-D task
    assert not [p for p in run.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_train_draws_its_pictures_in_two_processes_and_they_are_the_serial_ones(tiny_spec, monkeypatch):
    from actcli import lab, sweep
    from actcli.spec import load_spec

    result, art = lab.train_run(load_spec(tiny_spec()))
    serial = lab.draw_run(result, art, Path("serial"), jobs=1)
    pools = []
    real_context = sweep._pool_context
    monkeypatch.setattr(sweep, "_pool_context", lambda preload=True: pools.append(preload) or real_context(preload))
    parallel = lab.draw_run(result, art, Path("parallel"), jobs=2)
    assert pools == [False]  # one pool, and this process did not import matplotlib for it
    assert [p.name for p in serial] == [p.name for p in parallel] == ["loss.png", "decision_boundary.png"]
    for a, b in zip(serial, parallel):
        assert_png(b)
        assert a.read_bytes() == b.read_bytes(), b.name


def test_train_metrics_json_output_and_history_agree(trained):
    run, out = trained
    metrics = json.loads((run / "metrics.json").read_text())
    assert out == metrics
    rows = read_history(run / "history.csv")
    assert len(rows) == metrics["epochs"] == 3
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    last = rows[-1]
    # the last epoch's test metrics are measured with the final weights, as metrics.json's are
    assert float(last["test_loss"]) == pytest.approx(metrics["test_loss"], rel=1e-6)
    assert float(last["test_accuracy"]) == pytest.approx(metrics["test_accuracy"], rel=1e-6)
    # train metrics are the last epoch's as fit reports them (Keras's History)
    assert float(last["loss"]) == pytest.approx(metrics["train_loss"], rel=1e-12)
    assert float(last["accuracy"]) == pytest.approx(metrics["train_accuracy"], rel=1e-12)
    assert metrics["status"] == "completed" and metrics["stopped_at"] is None
    assert 0.5 < metrics["test_accuracy"] <= 1.0
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy"):
        assert key in last


def test_train_json_prints_only_json_on_stdout(cli, tiny_spec):
    result = cli("train", tiny_spec(), "--out", "r", "--json")
    ok(result)
    json.loads(result.stdout)  # nothing else on stdout: no table, no progress
    assert "epoch" not in result.stderr.lower() or "warning" in result.stderr.lower()


def test_train_epochs_override_gives_that_many_history_rows(cli, tiny_spec):
    ok(cli("train", tiny_spec(), "--epochs", "2", "--out", "r", "--quiet"))
    assert len(read_history(Path("r/history.csv"))) == 2
    assert json.loads(Path("r/metrics.json").read_text())["epochs"] == 2
    assert "epochs: 2" in Path("r/spec.yaml").read_text()  # the saved spec is what actually ran


def test_train_no_plots_draws_nothing(cli, tiny_spec):
    ok(cli("train", tiny_spec(), "--out", "r", "--no-plots", "--quiet"))
    assert not list(Path("r").glob("*.png"))
    assert Path("r/metrics.json").is_file()


def test_train_quiet_shows_only_the_results_table(cli, tiny_spec):
    loud = cli("train", tiny_spec(), "--out", "a")
    quiet = cli("train", tiny_spec(), "--out", "b", "--quiet")
    ok(loud), ok(quiet)
    assert "epoch 1/3" in loud.stdout and "epoch 1/3" not in quiet.stdout
    assert "Total params" in loud.stdout and "Total params" not in quiet.stdout
    assert "test accuracy" in quiet.stdout


def test_train_without_out_makes_a_timestamped_folder_under_runs(cli, tiny_spec):
    ok(cli("train", tiny_spec(), "--quiet"))
    folders = list(Path("runs").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("tiny-")
    assert (folders[0] / "metrics.json").is_file()


def test_train_files_are_readable_like_ordinary_files(trained):
    run, _ = trained
    assert (run / "metrics.json").stat().st_mode & 0o044, "mkstemp's 0600 leaked into the run folder"


# -- evaluate / predict / runs -----------------------------------------------------------------------------


def test_evaluate_reproduces_the_test_loss_of_metrics_json(cli, trained):
    run, metrics = trained
    result = cli("evaluate", "--run", run, "--json")
    ok(result)
    out = json.loads(result.stdout)
    assert out["loss"] == pytest.approx(metrics["test_loss"], rel=1e-6)
    assert out["accuracy"] == pytest.approx(metrics["test_accuracy"])
    assert out["samples"] == 40


def _raw_test_csv(run: Path, path: str, with_target: bool = True) -> int:
    """The run's own test split, un-standardised, as a CSV with x0, x1 (and y)."""
    from actcli import lab

    _, _, ds = lab.rebuild_model(run)
    mean, std = ds.scaler
    raw = ds.x_test.astype(np.float64) * std + mean
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["x0", "x1", "y"] if with_target else ["x1", "extra", "x0"])
        for row, label in zip(raw, ds.y_test, strict=True):
            w.writerow(
                [repr(float(row[0])), repr(float(row[1])), int(label)]
                if with_target
                else [repr(float(row[1])), 7, repr(float(row[0]))]
            )
    return len(raw)


def test_evaluate_data_csv_scales_like_training(cli, trained):
    run, metrics = trained
    _raw_test_csv(run, "test.csv")
    result = cli("evaluate", "--run", run, "--data", "test.csv", "--json")
    ok(result)
    out = json.loads(result.stdout)
    assert out["data"] == "test.csv"
    assert out["loss"] == pytest.approx(metrics["test_loss"], rel=1e-4)
    assert out["accuracy"] == pytest.approx(metrics["test_accuracy"])


def test_predict_writes_one_row_per_input_row_and_finds_columns_by_name(cli, trained):
    run, metrics = trained
    n = _raw_test_csv(run, "points.csv", with_target=False)  # columns shuffled, an extra one
    result = cli("predict", "points.csv", "--run", run, "--out", "preds.csv")
    ok(result)
    rows = read_history(Path("preds.csv"))
    assert len(rows) == n
    assert set(rows[0]) == {"class", "probability"}
    assert {r["class"] for r in rows} <= {"0", "1"}
    assert all(0.0 <= float(r["probability"]) <= 1.0 for r in rows)
    assert all(r["class"] == str(int(float(r["probability"]) > 0.5)) for r in rows)
    # the same points through evaluate's path give the run's accuracy
    _raw_test_csv(run, "test.csv")
    truth = [r["y"] for r in read_history(Path("test.csv"))]
    acc = np.mean([p["class"] == t for p, t in zip(rows, truth, strict=True)])
    assert acc == pytest.approx(metrics["test_accuracy"])


def test_predict_without_out_prints_csv_on_stdout(cli, trained):
    run, _ = trained
    Path("p.csv").write_text("x0,x1\n0.0,0.0\n1.0,0.5\n-1,2\n")
    result = cli("predict", "p.csv", "--run", run)
    ok(result)
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "class,probability" and len(lines) == 4


def test_runs_lists_the_run(cli, tiny_spec):
    ok(cli("train", tiny_spec(), "--quiet"))
    result = cli("runs", "--json")
    ok(result)
    rows = json.loads(result.stdout)
    assert len(rows) == 1 and rows[0]["name"] == "tiny" and rows[0]["status"] == "completed"
    table = cli("runs")
    ok(table)
    assert "tiny" in table.stdout


def test_runs_with_no_runs_says_how_to_make_one(cli):
    result = cli("runs")
    ok(result)
    assert "actcli train" in result.stdout


# -- datasets / schema ---------------------------------------------------------------------------------------


def test_datasets_lists_every_task(cli):
    result = cli("datasets", "--json")
    ok(result)
    names = [r["name"] for r in json.loads(result.stdout)]
    assert set(climod.TASK_NAMES) <= set(names)


def test_datasets_plot_draws_a_png(cli):
    result = cli("datasets", "moons", "--plot", "--out", "pics")
    ok(result)
    assert_png(Path("pics/moons.png"))


def test_schema_is_valid_json_schema_of_a_spec(cli):
    result = cli("schema")
    ok(result)
    schema = json.loads(result.stdout)
    assert {"task", "model", "training"} <= set(schema["properties"])


# -- compare / plot-gradients --------------------------------------------------------------------------------


def test_compare_writes_pictures_results_and_the_json_keys(cli, tiny_spec):
    result = cli(
        "compare",
        "--spec",
        tiny_spec(),
        "--activations",
        "relu,sigmoid",
        "--epochs",
        "2",
        "--seeds",
        "1",
        "--out",
        "cmp",
        "--json",
    )
    ok(result)
    out = json.loads(result.stdout)
    assert [r["activation"] for r in out["results"]] == ["relu", "sigmoid"]
    keys = {
        "activation",
        "seeds",
        "test_accuracy_mean",
        "test_accuracy_std",
        "test_loss_mean",
        "epochs_to_target",
        "grad_ratio_init",
        "grad_ratio_final",
        "diverged",
        "seconds",
    }
    for r in out["results"]:
        assert keys <= set(r)
        assert r["seeds"] == 1 and r["diverged"] == 0
    assert_png(Path("cmp/compare.png"))
    assert_png(Path("cmp/compare_gradients.png"))
    saved = json.loads(Path("cmp/results.json").read_text())
    assert [r["activation"] for r in saved["results"]] == ["relu", "sigmoid"]
    rows = read_history(Path("cmp/results.csv"))
    assert [r["activation"] for r in rows] == ["relu", "sigmoid"]
    assert {str(Path(f)) for f in out["files"]} >= {
        "cmp/compare.png",
        "cmp/compare_gradients.png",
        "cmp/results.json",
        "cmp/results.csv",
    }


def test_plot_gradients_writes_four_pngs_and_the_json_keys(cli):
    result = cli("plot-gradients", "--epochs", "1", "--depth", "3", "--width", "8", "--out", "g", "--json")
    ok(result)
    out = json.loads(result.stdout)
    assert list(out["activations"]) == ["sigmoid", "tanh", "relu"]
    layer_keys = {
        "layer",
        "units",
        "grad_norm_init",
        "grad_norm_final",
        "delta_norm_init",
        "delta_norm_final",
        "saturated_fraction",
        "dead_fraction",
    }
    for layers in out["activations"].values():
        assert len(layers["layers"]) == 4  # 3 hidden + the head, head last
        for layer in layers["layers"]:
            assert layer_keys <= set(layer)
        assert layers["layers"][0]["units"] == 8
    for name in ("gradient_norms", "gradient_init", "gradient_hist", "activation_hist"):
        assert_png(Path(f"g/{name}.png"))
        assert f"g/{name}.png" in [str(Path(f)) for f in out["files"]]


def test_plot_gradients_run_draws_a_train_run_without_training(cli, trained, monkeypatch):
    run, _ = trained
    from actcli import lab

    def no_training(*a, **k):
        raise AssertionError("plot-gradients --run must not train")

    monkeypatch.setattr(lab, "train_run", no_training)
    result = cli("plot-gradients", "--run", run, "--out", "drawn", "--json")
    ok(result)
    out = json.loads(result.stdout)
    assert list(out["activations"]) == ["relu"]
    probes = json.loads((run / "probes.json").read_text())
    first = out["activations"]["relu"]["layers"][0]
    assert first["units"] == 8
    assert np.isfinite(first["delta_norm_init"]) and first["delta_norm_init"] > 0
    assert probes  # the numbers come from the saved probes
    for name in ("gradient_norms", "gradient_init", "gradient_hist", "activation_hist"):
        assert_png(Path(f"drawn/{name}.png"))


# -- teach commands ------------------------------------------------------------------------------------------


def test_activations_lists_every_registered_activation(cli):
    from actcli.nn import activations

    result = cli("activations", "--json")
    ok(result)
    names = {r["name"] for r in json.loads(result.stdout)}
    assert set(activations.names()) <= names
    table = cli("activations")
    ok(table)
    assert "sigmoid" in table.stdout and "0.25" in table.stdout


def test_activations_in_korean_differ_from_english(cli):
    en, ko = cli("activations", "--json", "--lang", "en"), cli("activations", "--json", "--lang", "ko")
    ok(en), ok(ko)
    assert en.stdout != ko.stdout


def test_explain_saves_the_picture_and_prints_the_slope(cli):
    result = cli("explain", "sigmoid", "--out", "pics")
    ok(result)
    assert_png(Path("pics/sigmoid.png"))
    assert "0.25" in result.stdout and "pics/sigmoid.png" in result.stdout


def test_explain_softmax_shows_a_distribution_that_sums_to_one(cli):
    result = cli("explain", "softmax", "--no-plot", "--json")
    ok(result)
    worked = json.loads(result.stdout)["worked"]
    assert sum(worked["probabilities"]) == pytest.approx(1.0, abs=1e-6)
    assert worked["sigmoid10_total"] != pytest.approx(1.0, abs=0.05)
    assert not list(Path(".").glob("*.png"))


def test_check_exit_status_follows_the_findings(cli, tiny_spec):
    good = cli("check", tiny_spec("good.yaml"))
    bad = cli(
        "check",
        tiny_spec(
            "bad.yaml",
            model={"layers": [{"units": 8, "activation": "relu"}, {"units": 1, "activation": "softmax"}]},
        ),
    )
    Path("broken.yaml").write_text("model: [\n")
    unreadable = cli("check", "broken.yaml")
    assert good.exit_code == 0, good.output
    assert bad.exit_code == 1, bad.output
    assert "softmax" in bad.stdout
    assert unreadable.exit_code == 2 and "broken.yaml" in unreadable.stderr


def test_check_json_lists_findings_with_levels_and_paths(cli):
    from actcli.teach.starter import example  # noqa: F401  (the shipped configs)

    Path("notes.yaml").write_text(example("notes-sigmoid-head"))
    result = cli("check", "notes.yaml", "--json")
    ok(result)
    out = json.loads(result.stdout)
    assert out["errors"] == 0 and out["warnings"] >= 1
    assert any(f["path"] == "model.layers[2].activation" and f["level"] == "warning" for f in out["findings"])


def test_export_keras_prints_code_that_compiles(cli, tiny_spec):
    pytest.importorskip("actcli.teach.export")
    result = cli("export", tiny_spec(), "--to", "keras")
    ok(result)
    compile(result.stdout, "exported.py", "exec")
    assert "Dense(8" in result.stdout


def test_export_out_refuses_to_overwrite_without_force(cli, tiny_spec):
    pytest.importorskip("actcli.teach.export")
    Path("model.py").write_text("# mine\n")
    refused = cli("export", tiny_spec(), "--to", "pytorch", "--out", "model.py")
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert Path("model.py").read_text() == "# mine\n"
    ok(cli("export", tiny_spec(), "--to", "pytorch", "--out", "model.py", "--force"))
    compile(Path("model.py").read_text(), "model.py", "exec")


def test_init_writes_a_spec_that_loads_and_refuses_to_overwrite(cli):
    pytest.importorskip("actcli.teach.starter")
    from actcli import lab
    from actcli.spec import load_spec

    ok(cli("init", "--task", "spiral", "--head", "softmax", "--out", "s.yaml"))
    head = load_spec("s.yaml").resolved()["model"]["layers"][-1]
    assert lab._act_name(head["activation"]) == "softmax" and head["units"] == 2  # spiral: 2 arms by default
    before = Path("s.yaml").read_text()
    again = cli("init", "--out", "s.yaml")
    assert again.exit_code == 2 and "--force" in again.stderr
    assert Path("s.yaml").read_text() == before
    ok(cli("init", "--out", "s.yaml", "--force"))
    assert Path("s.yaml").read_text() != before


def test_init_example_writes_the_shipped_config(cli):
    pytest.importorskip("actcli.teach.starter")
    ok(cli("init", "--example", "deep-sigmoid"))
    assert Path("deep-sigmoid.yaml").is_file()
    check = cli("check", "deep-sigmoid.yaml", "--json")
    assert check.exit_code in (0, 1), check.output


# -- help ----------------------------------------------------------------------------------------------------


def _commands():
    import typer

    group = typer.main.get_command(climod.app)
    return group.commands


def test_every_command_and_option_has_help_text():
    commands = _commands()
    assert {
        "train",
        "evaluate",
        "predict",
        "runs",
        "datasets",
        "schema",
        "compare",
        "plot-gradients",
        "activations",
        "explain",
        "check",
        "export",
        "init",
    } <= set(commands)
    for name, cmd in commands.items():
        assert cmd.help and len(cmd.help.strip()) > 20, f"'{name}' has no help"
        for param in cmd.params:
            if param.name == "help":
                continue
            assert getattr(param, "help", None), f"'{name}' option {param.name} has no help"
    for registered in climod.app.registered_commands:
        assert registered.callback.__doc__, registered.callback


def test_commands_that_do_something_show_an_example_in_their_help(cli):
    for name in (
        "train",
        "evaluate",
        "predict",
        "compare",
        "plot-gradients",
        "explain",
        "check",
        "export",
        "init",
        "activations",
    ):
        result = cli(name, "--help")
        ok(result)
        assert "Example" in result.stdout, name


def test_help_lists_the_choices_that_come_from_registries(cli):
    explain = cli("explain", "--help").stdout
    assert "sparsemax" in explain and "gelu" in explain
    init = cli("init", "--help").stdout
    assert "gaussian_quantiles" in init and "deep-sigmoid" in init


def test_name_lists_in_help_match_the_registries():
    from actcli import data
    from actcli.nn import activations
    from actcli.teach import starter

    assert list(climod.ACTIVATION_NAMES) == activations.names()
    assert list(climod.TASK_NAMES) == list(data.TASKS)
    assert sorted(climod.EXAMPLE_NAMES) == sorted(starter.example_names())


def test_help_does_not_import_matplotlib_or_the_engine():
    code = (
        "import sys\nfrom actcli.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "for m in ('matplotlib', 'actcli.nn', 'scipy'):\n    print(m, m in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "matplotlib False" in out and "actcli.nn False" in out, out


def test_the_command_leaves_with_its_status_and_all_its_output(tiny_spec, tmp_path):
    """`actcli` (main) skips Python's teardown with os._exit: its exit status and its whole output must survive."""
    import actcli

    spec = tiny_spec(training={"epochs": 3})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout buffered, as for a user

    def run(*args):
        return subprocess.run([sys.executable, "-m", "actcli.cli", *args], capture_output=True, text=True, env=env)

    done = run("train", str(spec), "--json", "--no-plots", "--out", str(tmp_path / "run"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["epochs"] == 3  # the whole document came through the pipe
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["status"] == "completed"
    bad = run("train", str(tmp_path / "missing.yaml"))
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "missing.yaml" in bad.stderr
    assert run("--version").stdout.strip().endswith(actcli.__version__)
    assert run("train", "--no-such-option").returncode == 2


def test_version(cli):
    import actcli

    result = cli("--version")
    ok(result)
    assert actcli.__version__ in result.stdout


@pytest.mark.parametrize("command", ["compare", "plot-gradients"])
def test_jobs_default_to_one_per_cpu_core(cli, tiny_spec, monkeypatch, command):
    import os

    from actcli import sweep

    assert 1 <= sweep.cpu_cores() <= (os.cpu_count() or 1)
    seen = []
    monkeypatch.setattr(sweep, "cpu_cores", lambda: 3)
    real = sweep.run_jobs
    monkeypatch.setattr(sweep, "run_jobs", lambda jobs, n_jobs, *a, **k: seen.append(n_jobs) or real(jobs, 1, *a, **k))
    spec = tiny_spec()
    ok(cli(command, "--spec", spec, "--activations", "relu", "--epochs", "1", "--out", "a", "--json",
           *(["--seeds", "1"] if command == "compare" else [])))
    ok(cli(command, "--spec", spec, "--activations", "relu", "--epochs", "1", "--out", "b", "--json", "--jobs", "2",
           *(["--seeds", "1"] if command == "compare" else [])))
    assert seen == [3, 2]


@pytest.mark.parametrize("value, words", [("fast", ["ACTCLI_KERNELS", "numba, numpy or auto", "'fast'"]),
                                          ("numba", ["numba is not installed", "actcli[fast]"])])
def test_a_bad_kernels_setting_is_one_clear_line(cli, tiny_spec, monkeypatch, value, words):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "numba" else real(name, *a))
    monkeypatch.setenv("ACTCLI_KERNELS", value)
    spec = tiny_spec()
    result = cli("train", spec, "--out", "run", "--no-plots")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line and all(w in line for w in words), line
    assert not Path("run").exists()  # nothing written


def test_the_kernels_setting_accepts_its_three_values(cli, tiny_spec, monkeypatch):
    spec = tiny_spec()
    for i, value in enumerate(["auto", "numpy", " NumPy "]):
        monkeypatch.setenv("ACTCLI_KERNELS", value)
        ok(cli("train", spec, "--out", f"run{i}", "--no-plots"))


def test_compare_speaks_korean_from_progress_to_saved_files(cli, tiny_spec):
    result = cli("compare", "--spec", tiny_spec(), "--activations", "relu,sigmoid", "--epochs", "2", "--seeds",
                 "1", "--out", "cmp", "--lang", "ko", "--jobs", "1")
    ok(result)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("[1/2] relu 시드 0: 테스트 정확도 ") and lines[0].endswith("%")
    assert any(line.startswith("저장함: cmp/compare.png") for line in lines)
    assert "test accuracy" not in result.stdout and "saved:" not in result.stdout


def test_compare_on_a_regression_task_reports_the_test_mse(cli, tiny_spec):
    spec = tiny_spec(task={"dataset": "plane", "n_samples": 200},
                     model={"layers": [{"units": 8, "activation": "relu"}, {"units": 1}]},
                     training={"loss": "mean_squared_error", "optimizer": {"name": "adam", "learning_rate": 0.01}})
    result = cli("compare", "--spec", spec, "--activations", "relu", "--epochs", "2", "--seeds", "1",
                 "--out", "cmp", "--jobs", "1")
    ok(result)
    assert re.match(r"\[1/1\] relu seed 0: test MSE \d+\.\d{4}, MAE \d+\.\d{4}$", result.stdout.splitlines()[0])


def test_h_is_help_and_options_show_their_choices(cli):
    top = cli("-h")
    ok(top)
    assert top.stdout.startswith("Usage: ") and "activation functions" in top.stdout and "compare" in top.stdout
    sub = cli("compare", "-h")
    ok(sub)
    assert "--lang en|ko" in sub.stdout and "--format png|svg|pdf" in sub.stdout


def test_train_speaks_korean_in_its_tables_and_last_line(cli, tiny_spec):
    result = cli("train", tiny_spec(), "--out", "run", "--no-plots", "--lang", "ko")
    ok(result)
    out = result.stdout
    assert "훈련 손실" in out and "테스트 정확도" in out and "완료" in out and "층별 기울기" in out
    assert out.rstrip().splitlines()[-1] == "실행 폴더: run"
    assert "train loss" not in out and "run folder" not in out


def test_korean_without_a_hangul_font_says_why_the_pictures_are_english(cli, tiny_spec, monkeypatch):
    from actcli.report import plots

    monkeypatch.setattr(plots, "hangul_font", lambda: None)
    result = cli("compare", "--spec", tiny_spec(), "--activations", "relu", "--epochs", "1", "--seeds", "1",
                 "--out", "cmp", "--lang", "ko", "--jobs", "1")
    ok(result)
    assert "그림은 영어로 그렸습니다" in result.stderr and "fonts-nanum" in result.stderr
    english = cli("compare", "--spec", tiny_spec(), "--activations", "relu", "--epochs", "1", "--seeds", "1",
                  "--out", "cmp2", "--jobs", "1")
    ok(english)
    assert english.stderr == ""


@pytest.mark.parametrize("task", ["moons", "gaussian_quantiles", "plane", "sine", "spiral"])
@pytest.mark.parametrize("head", ["sigmoid", "softmax"])
def test_init_writes_the_file_its_own_comment_says_to_train(cli, task, head):
    result = cli("init", "--task", task, "--head", head)
    ok(result)
    written = [p for p in Path(".").glob("*.yaml")]
    assert len(written) == 1
    text = written[0].read_text(encoding="utf-8")
    assert f"actcli train {written[0].name}" in text and f"name: {written[0].stem}\n" in text


def test_overshooting_loss_is_named_even_when_it_stays_finite():
    from actcli.cli.run import _overshoot

    assert _overshoot([3.6e17, 9.0e7, 1.18e8], math.log(2)) == ("huge", {"last": "1.18e+08", "chance": "0.69"})
    assert _overshoot([0.7, 0.4, 0.1], math.log(2)) is None
    assert _overshoot([1.0, 5.0, 12.0], None) == ("grew", {"first": "1", "last": "12"})
    assert _overshoot([1.0, 5.0, 9.0], None) is None and _overshoot([float("nan")], None) is None


def test_train_with_a_learning_rate_far_too_large_says_so(cli, tiny_spec):
    result = cli("train", tiny_spec(), "--lr", "1e9", "--out", "run", "--no-plots", "--quiet")
    ok(result)
    assert "blind guess" in result.stderr and "--lr 0.01" in result.stderr
    calm = cli("train", tiny_spec(), "--out", "run2", "--no-plots", "--quiet")
    ok(calm)
    assert "blind guess" not in calm.stderr


def test_an_interrupted_compare_says_what_it_left_out():
    from types import SimpleNamespace

    from actcli.cli.study import _interrupted_line

    run = lambda status: SimpleNamespace(status=status)  # noqa: E731
    cmp = SimpleNamespace(runs={"relu": [run("completed"), run("interrupted")]})
    assert _interrupted_line(cmp, ["relu", "sigmoid"], 2, "en") == (
        "interrupted: 1 of 4 trainings finished, 1 cut short (in the table), not started: sigmoid ×2")
    assert "시작 못 함: sigmoid ×2" in _interrupted_line(cmp, ["relu", "sigmoid"], 2, "ko")


def test_one_activation_has_no_range_of_ratios():
    from actcli.results import ActivationSummary
    from actcli.teach.narrate import _gradient_sentence

    fields = {f: None for f in ActivationSummary.__dataclass_fields__}
    r = ActivationSummary(**{**fields, "activation": "relu", "grad_ratio_init": 0.59})
    assert _gradient_sentence([r], "en") == [
        "At initialisation relu's first/last hidden ‖δ‖ ratio is 0.59: neither a vanishing (< 0.1) nor an exploding "
        "(> 10) gradient."]


def test_train_draws_its_pictures_in_the_format_asked(cli, tiny_spec):
    ok(cli("train", tiny_spec(), "--out", "run", "--format", "svg", "--quiet"))
    assert {p.suffix for p in Path("run").glob("loss.*")} == {".svg"}
    assert (Path("run") / "decision_boundary.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_a_one_feature_task_is_drawn_as_target_against_input(cli):
    ok(cli("datasets", "sine", "--plot", "--out", "ds"))
    assert (Path("ds") / "sine.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_datasets_and_the_starter_describe_tasks_in_korean(cli):
    listed = cli("datasets", "--lang", "ko")
    ok(listed)
    assert "서로 맞물린 반원" in listed.stdout and "과제" in listed.stdout
    assert "two interleaving half circles" not in listed.stdout
    start = cli("init", "--task", "moons", "--lang", "ko", "--out", "-")
    ok(start)
    assert "# 데이터: 서로 맞물린 반원 두 개" in start.stdout


def test_compare_warns_when_an_output_activation_is_asked_for_as_a_hidden_one(cli, tiny_spec):
    result = cli("compare", "--spec", tiny_spec(), "--activations", "relu,softmax", "--epochs", "1", "--seeds", "1",
                 "--out", "cmp", "--jobs", "1")
    ok(result)
    assert result.stderr.startswith("warning: softmax belongs in the output layer")
    plain = cli("compare", "--spec", tiny_spec(), "--activations", "relu,tanh", "--epochs", "1", "--seeds", "1",
                "--out", "cmp2", "--jobs", "1")
    ok(plain)
    assert "warning" not in plain.stderr


def test_explain_and_init_report_their_files_in_korean(cli):
    shown = cli("explain", "relu", "--lang", "ko", "--out", "pics")
    ok(shown)
    assert shown.stdout.rstrip().splitlines()[-1] == "저장함: pics/relu.png"
    made = cli("init", "--lang", "ko")
    ok(made)
    assert made.stdout.startswith("moons-sigmoid.yaml 파일을 썼습니다 — 다음: actcli check moons-sigmoid.yaml")


def test_runs_lists_comparisons_and_gradient_studies_too(cli, tiny_spec):
    spec = tiny_spec()
    Path("runs").mkdir()
    ok(cli("train", spec, "--out", "runs/one", "--quiet", "--no-plots"))
    ok(cli("compare", "--spec", spec, "--activations", "relu,tanh", "--epochs", "1", "--seeds", "1",
           "--out", "runs/cmp", "--jobs", "1"))
    ok(cli("plot-gradients", "--spec", spec, "--epochs", "1", "--out", "runs/grad", "--jobs", "1"))
    listed = cli("runs", "--json")
    ok(listed)
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert rows["cmp"]["kind"] == "comparison" and rows["cmp"]["activations"] == ["relu", "tanh"]
    results = json.loads((Path("runs/cmp") / "results.json").read_text())["results"]
    assert rows["cmp"]["test_accuracy"] == max(r["test_accuracy_mean"] for r in results)
    assert rows["grad"]["kind"] == "gradient study" and rows["tiny"]["kind"] == "run"
    table = cli("runs")
    ok(table)
    assert "(comparison: relu, tanh)" in " ".join(table.stdout.split())
