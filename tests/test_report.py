"""The report: Rich tables render the values they are given, figures are written whole, as PNG or SVG.

Built against hand-made results (the factories below): a 6-hidden-layer sigmoid run whose ‖δ‖ falls 4× per
layer going back, a relu run that stays flat and a tanh run in between. test_narrate.py reuses them.
"""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pytest
from rich.console import Console

from actcli.report import plots, tables
from actcli.results import (
    ActivationSummary,
    Comparison,
    GradientStudy,
    LayerInfo,
    LayerStats,
    ProbeRecord,
    RunResult,
)

# ----------------------------------------------------------------------------------------------- factories

# per-layer fall-off of ‖δ‖ going back (first/last hidden ratio = FALL ** -(depth - 1)), at init and end
FALL = {"sigmoid": (4.0, 2.5), "tanh": (1.25, 1.1), "relu": (1.0, 1.02)}
INITS = {"sigmoid": "glorot_uniform", "tanh": "glorot_uniform", "relu": "he_uniform"}


def _hist(rng, activation: str, scale: float, kind: str) -> tuple[list[float], list[float]]:
    z = rng.normal(0.0, scale, 4000)
    if kind == "act":
        z = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0)}[
            activation](rng.normal(0.0, 2.0, 4000))
    counts, edges = np.histogram(z, bins=30)
    return counts.astype(float).tolist(), edges.tolist()


def make_probes(activation: str = "sigmoid", depth: int = 6, width: int = 16, epochs: int = 10,
                head_units: int = 1, seed: int = 0) -> ProbeRecord:
    """A ProbeRecord whose hidden ‖δ‖ falls FALL[activation] per layer going back (last hidden = 1e-2)."""
    rng = np.random.default_rng(seed)
    fall_init, fall_end = FALL[activation]
    layers = [LayerInfo(name="dense" if i == 0 else f"dense_{i}", units=width, activation=activation,
                        hidden=True) for i in range(depth)]
    layers.append(LayerInfo(name=f"dense_{depth}", units=head_units, activation="sigmoid", hidden=False))

    def stats(fall: float, level: float, spread: float = 0.0) -> list[LayerStats]:
        out = []
        for i, info in enumerate(layers):
            delta = 2 * level if not info.hidden else level * fall ** -(depth - 1 - i)
            bounded = activation in ("sigmoid", "tanh") and info.hidden
            out.append(LayerStats(grad_norm=3 * delta, delta_norm=delta, grad_norm_std=3 * spread * delta,
                                  delta_norm_std=spread * delta, act_mean=0.5, act_std=0.2,
                                  saturated_fraction=0.05 * (i + 1) if bounded else None,
                                  dead_fraction=0.02 * i if activation == "relu" and info.hidden else None,
                                  act_hist=_hist(rng, activation, 1.0, "act"),
                                  delta_hist=_hist(rng, activation, delta, "delta")))
        return out

    init = stats(fall_init, 1e-2)
    per_epoch = [stats(fall_init + (fall_end - fall_init) * (e + 1) / epochs, 1e-2 * (1 - 0.05 * e), 0.2)
                 for e in range(epochs)]
    return ProbeRecord(layers=layers, init=init, epochs=per_epoch, final=stats(fall_end, 5e-3),
                       probe_samples=256)


# a typical curve per activation: (accuracy at epoch 1, at the last epoch)
CURVES = {"relu": (0.80, 0.97), "tanh": (0.70, 0.93), "sigmoid": (0.50, 0.62)}


def make_run(activation: str = "relu", epochs: int = 10, seed: int = 0, kind: str = "binary",
             status: str = "completed", probes: bool = True) -> RunResult:
    rng = np.random.default_rng(seed)
    start, end = CURVES[activation]
    t = np.linspace(0.0, 1.0, epochs)
    acc = np.clip(start + (end - start) * np.sqrt(t) + rng.normal(0, 0.005, epochs), 0, 1)
    loss = 0.7 * (1.0 - acc) / (1.0 - start) * 0.9 + 0.05
    history = {"loss": loss.tolist(), "val_loss": (loss * 1.05).tolist(), "test_loss": (loss * 1.08).tolist()}
    if kind == "regression":
        history["mae"] = np.sqrt(loss).tolist()
        history["test_mae"] = (np.sqrt(loss) * 1.04).tolist()
    else:
        history["accuracy"] = acc.tolist()
        history["val_accuracy"] = (acc - 0.01).tolist()
        history["test_accuracy"] = (acc - 0.015).tolist()
    stopped = None
    if status == "diverged":
        history["loss"][-2:] = [float("nan"), float("nan")]
        stopped = {"epoch": epochs - 1, "step": 7}
    reg = kind == "regression"
    return RunResult(name=f"{activation}-s{seed}", task="moons" if not reg else "friedman", kind=kind,
                     hidden_activation=activation, status=status, epochs=epochs,
                     train_loss=history["loss"][-1], train_accuracy=None if reg else float(acc[-1]),
                     test_loss=history["test_loss"][-1],
                     test_accuracy=None if reg else history["test_accuracy"][-1], seconds=12.34 + seed,
                     history=history, seed=seed, test_mae=history["test_mae"][-1] if reg else None,
                     stopped_at=stopped, run_dir=f"runs/{activation}-s{seed}",
                     probes=make_probes(activation, epochs=epochs, seed=seed) if probes else None)


def make_comparison(kind: str = "binary", seeds: int = 3, epochs: int = 10, diverged: int = 0) -> Comparison:
    """relu reaches 90% in 4 epochs (3/3 seeds), tanh in 7.5 (2/3), sigmoid never; ratios from FALL."""
    acts = ["relu", "tanh", "sigmoid"]
    def status(a, s):
        return "diverged" if a == "tanh" and s < diverged else "completed"

    runs = {a: [make_run(a, epochs, s, kind, status=status(a, s)) for s in range(seeds)] for a in acts}
    reached = {"relu": (4.0, seeds), "tanh": (7.5, max(seeds - 1, 1)), "sigmoid": (None, 0)}
    results = []
    for a in acts:
        probes = runs[a][0].probes
        accs = [r.test_accuracy for r in runs[a]] if kind != "regression" else None
        results.append(ActivationSummary(
            activation=a, seeds=seeds, test_accuracy_mean=float(np.mean(accs)) if accs else None,
            test_accuracy_std=float(np.std(accs)) if accs else None,
            test_loss_mean=float(np.mean([r.test_loss for r in runs[a]])),
            epochs_to_target=reached[a][0] if kind != "regression" else None,
            reached_target=reached[a][1] if kind != "regression" else 0,
            grad_ratio_init=probes.grad_ratio("init"), grad_ratio_final=probes.grad_ratio("final"),
            dead_fraction=0.1 if a == "relu" else None, saturated_fraction=None if a == "relu" else 0.3,
            diverged=diverged if a == "tanh" else 0, seconds=30.0 + len(a), init=INITS[a]))
    return Comparison(task="moons" if kind != "regression" else "friedman", kind=kind, depth=6, width=16,
                      epochs=epochs, target=0.9, init_mode="auto", results=results, runs=runs, seconds=99.0)


def make_study(acts=("relu", "tanh", "sigmoid"), depth: int = 6, epochs: int = 10) -> GradientStudy:
    return GradientStudy(task="moons", depth=depth, width=16, epochs=epochs, init_mode="auto",
                         probes={a: make_probes(a, depth=depth, epochs=epochs) for a in acts},
                         inits={a: INITS[a] for a in acts})


def render(renderable, styles: bool = False) -> str:
    console = Console(record=True, width=120, force_terminal=styles,
                      color_system="truecolor" if styles else None, file=io.StringIO())
    console.print(renderable)
    return console.export_text(styles=styles)


def bar_length(cell: str) -> float:
    """Length in cells of the first unicode bar in `cell` (eighths count as fractions)."""
    m = re.search(r"[▏▎▍▌▋▊▉█]+", cell)
    if not m:
        return 0.0
    return sum(1.0 if ch == "█" else ("▏▎▍▌▋▊▉".index(ch) + 1) / 8 for ch in m.group(0))


# ------------------------------------------------------------------------------------------------- tables

def test_log_bar_grows_with_the_log_of_the_value():
    lengths = [bar_length(tables.log_bar(v, 1e-5, 1e-2)) for v in (1e-5, 1e-4, 1e-3, 1e-2)]
    assert lengths[0] == pytest.approx(1 / 8)
    assert lengths[-1] == 8
    steps = np.diff(lengths)
    assert np.all(steps > 0) and np.allclose(steps, steps[0], atol=1 / 8)  # equal steps per decade
    assert tables.log_bar(0.0, 1e-5, 1e-2) == "" and tables.log_bar(None, 1e-5, 1e-2) == ""


def test_log_bar_spans_at_least_two_decades_so_small_differences_look_alike():
    assert bar_length(tables.log_bar(0.9, 0.9, 1.0)) >= 7.5


def test_model_summary_table_has_keras_columns_and_totals():
    out = render(tables.model_summary_table([("dense (Dense)", "(None, 64)", 1856), ("dense_1 (Dense)",
                                                                                      "(None, 1)", 65)], 1921,
                                            name="sequential"))
    for expected in ("Layer (type)", "Output Shape", "Param #", "dense (Dense)", "(None, 64)", "1,856",
                     "Total params: 1,921 (7.50 KB)", "Non-trainable params: 0 (0.00 B)",
                     'Model: "sequential"'):
        assert expected in out


def test_run_results_table_shows_metrics_and_status():
    run = make_run("relu")
    out = render(tables.run_results_table(run))
    assert tables.fmt_pct(run.test_accuracy) in out and f"{run.test_loss:.4f}" in out
    assert "epochs run" in out and "12.3 s" in out and "completed" in out
    diverged = render(tables.run_results_table(make_run("relu", status="diverged")), styles=True)
    assert "diverged (epoch 9, step 7)" in re.sub(r"\x1b\[[0-9;]*m", "", diverged)
    assert re.search(r"\x1b\[1;31m *diverged", diverged)  # bold red


def test_run_results_table_for_regression_shows_mse_and_mae():
    run = make_run("relu", kind="regression")
    out = render(tables.run_results_table(run))
    assert "test MSE" in out and "test MAE" in out and f"{run.test_mae:.4f}" in out
    assert "accuracy" not in out


def test_layer_gradients_table_bars_shrink_towards_the_first_layer_for_sigmoid():
    probes = make_probes("sigmoid")
    out = render(tables.layer_gradients_table(probes))
    rows = [line for line in out.splitlines() if re.search(r"│ (hidden \d|head)", line)]
    assert len(rows) == 7
    init_bars = [bar_length(row.split("│")[5]) for row in rows]
    # hidden 1 … hidden 6 grow
    assert all(a < b for a, b in zip(init_bars[:5], init_bars[1:6], strict=True))
    assert f"{probes.init[0].delta_norm:.2e}" in out and "9.8e-04" in out  # ratio 4^-5
    assert "30.0%" in out  # saturated share of hidden 6 at the end


def test_layer_gradients_table_relu_bars_stay_full():
    out = render(tables.layer_gradients_table(make_probes("relu")))
    rows = [line for line in out.splitlines() if "│ hidden" in line]
    lengths = [bar_length(row.split("│")[5]) for row in rows]
    assert min(lengths) >= 6.5 and max(lengths) - min(lengths) <= 0.25  # flat: the gradient stays alive


def test_comparison_table_marks_the_best_value_per_column():
    cmp = make_comparison()
    plain = render(tables.comparison_table(cmp))
    relu = next(r for r in cmp.results if r.activation == "relu")
    assert tables.fmt_pct(relu.test_accuracy_mean) in plain
    assert "4 (3/3)" in plain and "– (0/3)" in plain and "7.5 (2/3)" in plain
    caption = " ".join(plain.split())
    assert "relu → he_uniform" in caption and "sigmoid → glorot_uniform" in caption and "moons ·" in caption
    styled = render(tables.comparison_table(cmp), styles=True)
    bold_green = re.findall(r"\x1b\[1;32m([^\x1b]*)\x1b\[0m", styled)
    best = {s.strip() for s in bold_green}
    assert tables.fmt_pct(relu.test_accuracy_mean) + f" ± {100 * relu.test_accuracy_std:.1f}" in best
    assert "4 (3/3)" in best
    assert tables.fmt_ratio(relu.grad_ratio_init) in best  # 1.0: closest to 1
    sigmoid = next(r for r in cmp.results if r.activation == "sigmoid")
    assert tables.fmt_pct(sigmoid.test_accuracy_mean) not in {b.split(" ±")[0] for b in best}


def test_comparison_table_for_regression_shows_mse_not_accuracy():
    cmp = make_comparison(kind="regression")
    out = render(tables.comparison_table(cmp))
    assert "test MSE" in out and "accuracy" not in out
    assert f"{min(r.test_loss_mean for r in cmp.results):.4f}" in out


def test_comparison_table_caption_in_korean():
    out = render(tables.comparison_table(make_comparison(), lang="ko"))
    out = " ".join(out.split())
    assert "은닉층 6개 × 유닛 16개" in out and "활성화 함수 비교" in out


def test_gradient_study_table_has_a_row_per_layer_and_a_column_per_activation():
    study = make_study()
    out = render(tables.gradient_study_table(study))
    assert all(a in out for a in study.probes) and "he_uniform" in out
    assert "hidden 1" in out and "hidden 6" in out and "head" in out
    sig = study.probes["sigmoid"]
    assert f"{sig.init[0].delta_norm:.2e}" in out and f"{sig.final[0].delta_norm:.2e}" in out
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if "hidden 1" in line)
    cells = lines[first].split("│")
    relu_cell, sigmoid_cell = cells[2], cells[4]
    assert bar_length(sigmoid_cell) < bar_length(relu_cell)


def test_runs_table_formats_the_test_metric():
    rows = [{"name": "a", "date": "2024-05-01 10:00", "task": "moons", "status": "completed",
             "test_accuracy": 0.9134, "test_loss": 0.2, "run_dir": "runs/a"},
            {"name": "b", "date": "2024-05-02 11:00", "task": "friedman", "status": "diverged",
             "test_accuracy": None, "test_loss": 0.0123, "run_dir": "runs/b"}]
    out = render(tables.runs_table(rows))
    assert "accuracy 91.3%" in out and "loss 0.0123" in out and "diverged" in out and "runs/b" in out


def test_datasets_table_lists_parameters_with_defaults():
    rows = [{"name": "moons", "kind": "binary", "description": "two interleaving half circles", "two_d": True,
             "parameters": {"n_samples": 1000, "noise": 0.2}, "parameter_help": {}},
            {"name": "csv:PATH", "kind": "from the file", "description": "a CSV file", "two_d": False,
             "parameters": {"target": None}, "parameter_help": {}}]
    out = render(tables.datasets_table(rows))
    assert "n_samples=1000" in out and "noise=0.2" in out and "interleaving" in out and "target" in out


def test_tables_accept_results_without_values():
    cmp = make_comparison(seeds=1)
    cmp.results[0].grad_ratio_init = None
    cmp.results[1].test_accuracy_mean = None
    assert "relu" in render(tables.comparison_table(cmp))
    run = make_run("sigmoid", probes=False)
    run.test_accuracy = math.nan
    assert "–" in render(tables.run_results_table(run))


# ------------------------------------------------------------------------------------------------ figures

PNG = b"\x89PNG\r\n\x1a\n"


def _check_png(path, min_bytes: int = 10_000):
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > min_bytes
    assert not list(path.parent.glob(".*tmp*"))  # nothing half-written left behind


def _check_svg(path):
    head = path.read_text(encoding="utf-8")[:400]
    assert "<svg" in head or "<?xml" in head
    assert path.stat().st_size > 10_000


FIGURES = {
    "history": lambda p: plots.plot_history(make_run("relu"), p),
    "history_regression": lambda p: plots.plot_history(make_run("relu", kind="regression"), p),
    "history_diverged": lambda p: plots.plot_history(make_run("tanh", status="diverged"), p),
    "compare": lambda p: plots.plot_compare(make_comparison(diverged=1), p),
    "compare_regression": lambda p: plots.plot_compare(make_comparison(kind="regression"), p),
    "compare_gradients": lambda p: plots.plot_compare_gradients(make_comparison(), p),
    "gradient_norms": lambda p: plots.plot_gradient_norms(make_study(), p),
    "gradient_init": lambda p: plots.plot_gradient_init(make_study(), p),
    "gradient_hist": lambda p: plots.plot_gradient_hist(make_study(), p),
    "activation_hist": lambda p: plots.plot_activation_hist(make_study(), p),
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_is_written_as_png(name, tmp_path):
    path = tmp_path / f"{name}.png"
    assert FIGURES[name](path) == path
    _check_png(path)


@pytest.mark.parametrize("name", ["history", "compare", "gradient_norms", "gradient_init", "activation_hist"])
def test_figure_is_written_as_svg(name, tmp_path):
    path = tmp_path / f"{name}.svg"
    assert FIGURES[name](path) == path
    _check_svg(path)


def _moons_grid():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (200, 2))
    y = (x[:, 0] + 0.5 * np.sin(2 * x[:, 1]) > 0).astype(int)
    xx, yy = np.meshgrid(np.linspace(-3, 3, 60), np.linspace(-3, 3, 50))
    prob = 1 / (1 + np.exp(-3 * (xx + 0.5 * np.sin(2 * yy))))
    return xx, yy, prob, x, y


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_decision_boundary_binary(tmp_path, suffix):
    xx, yy, prob, x, y = _moons_grid()
    path = plots.plot_decision_boundary(xx, yy, prob, x, y, "relu on moons", tmp_path / f"boundary.{suffix}")
    _check_png(path) if suffix == "png" else _check_svg(path)


def test_decision_boundary_multiclass(tmp_path):
    xx, yy, _, x, _ = _moons_grid()
    logits = np.stack([xx, yy, -xx - yy], axis=-1)
    prob = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    y = np.argmax(np.stack([x[:, 0], x[:, 1], -x[:, 0] - x[:, 1]], -1), axis=1)
    _check_png(plots.plot_decision_boundary(xx, yy, prob, x, y, "softmax head", tmp_path / "b3.png"))


def test_plot_dataset_and_activation_function(tmp_path):
    _, _, _, x, y = _moons_grid()
    _check_png(plots.plot_dataset(x, y, "moons", tmp_path / "data.png"))
    z = np.linspace(-5, 5, 201)
    s = 1 / (1 + np.exp(-z))
    _check_png(plots.plot_activation_function("sigmoid", z, s, s * (1 - s), tmp_path / "f.png", "sigmoid"),
               min_bytes=5_000)


def test_figure_format_follows_the_suffix_and_rejects_others(tmp_path):
    from actcli.errors import UserError

    with pytest.raises(UserError, match="png, svg or pdf"):
        plots.plot_history(make_run("relu"), tmp_path / "loss.jpg")
    pdf = plots.plot_history(make_run("relu"), tmp_path / "loss.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_plotting_leaves_no_figure_open(tmp_path):
    import matplotlib.pyplot as plt

    plots.plot_gradient_norms(make_study(), tmp_path / "g.png")
    plots.plot_compare(make_comparison(), tmp_path / "c.png")
    assert plt.get_fignums() == []


def test_figures_draw_a_single_hidden_layer_and_all_nan_history(tmp_path):
    study = make_study(acts=("relu",), depth=1, epochs=2)
    _check_png(plots.plot_gradient_norms(study, tmp_path / "g1.png"))
    _check_png(plots.plot_gradient_init(study, tmp_path / "i1.png"), min_bytes=5_000)
    run = make_run("sigmoid", epochs=3)
    run.history["loss"] = [float("nan")] * 3
    _check_png(plots.plot_history(run, tmp_path / "nan.png"))


def test_short_scientific_tick_labels():
    assert [plots._short_sci(v) for v in (0.0, 2.5e-4, -5e-4, 1e-3)] == ["0", "2.5e-4", "-5e-4", "1e-3"]


def test_report_redraws_from_saved_json(tmp_path):
    """Run folders are redrawn from their JSON alone: NaN became None, tuples lists."""
    import json

    cmp = make_comparison(diverged=1)
    cmp.runs["tanh"][0].history["loss"][-1] = float("nan")
    again = Comparison.from_dict(json.loads(json.dumps(cmp.to_dict())))
    assert again.runs["tanh"][0].history["loss"][-1] is None
    assert render(tables.comparison_table(again)) == render(tables.comparison_table(cmp))
    _check_png(plots.plot_compare(again, tmp_path / "c.png"))
    study = GradientStudy.from_dict(json.loads(json.dumps(make_study().to_dict())))
    _check_png(plots.plot_gradient_hist(study, tmp_path / "h.png"))
    _check_png(plots.plot_gradient_norms(study, tmp_path / "n.png"))


def test_importing_the_report_loads_no_matplotlib_and_narrate_no_rich():
    import subprocess
    import sys

    code = ("import sys, actcli.teach.narrate; assert 'rich' not in sys.modules; "
            "import actcli.report.plots, actcli.report.tables; assert 'matplotlib' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------------------------------ what a picture shows

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@pytest.fixture
def drawn(monkeypatch):
    """The figures the plotting functions close, kept for inspection (closing does not empty them)."""
    import matplotlib.pyplot as plt

    figures, close = [], plt.close

    def keep(fig=None):
        figures.append(fig)
        close(fig)

    monkeypatch.setattr(plt, "close", keep)
    return figures


def test_decade_limits_are_whole_decades_around_the_values():
    assert plots.decade_limits([0.037, 0.13], min_decades=4) == (1e-4, 1.0)
    assert plots.decade_limits([2.7e-5, 0.18]) == (1e-5, 1.0)
    assert plots.decade_limits([0.0, -1.0, float("nan")]) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(1e-30, 1e30), min_size=1, max_size=20), st.integers(1, 6))
def test_decade_limits_hold_the_values_on_at_least_the_decades_asked(values, decades):
    lo, hi = plots.decade_limits(values, min_decades=decades)
    assert lo <= min(values) and max(values) <= hi
    assert math.log10(hi / lo) >= decades - 1e-9
    for end in (lo, hi):
        assert math.isclose(math.log10(end), round(math.log10(end)), abs_tol=1e-9)


def test_accuracy_limits_keep_chance_wobbles_small():
    assert plots.accuracy_limits([0.45, 0.51, 0.5]) == pytest.approx((0.40, 1.02))
    assert plots.accuracy_limits([0.33, 0.9, 0.98]) == pytest.approx((0.28, 1.02))
    assert plots.accuracy_limits([0.95, 0.99]) == pytest.approx((0.5, 1.02))
    assert plots.accuracy_limits([0.01, float("nan")]) == pytest.approx((0.0, 1.02))
    assert plots.accuracy_limits([]) == pytest.approx((0.5, 1.02))


def test_each_activation_keeps_its_colour_whatever_the_company():
    a = plots.activation_styles(["relu", "sigmoid", "tanh"])
    b = plots.activation_styles(["sigmoid", "tanh", "relu"])
    c = plots.activation_styles(["hard_sigmoid", "sigmoid"])
    assert a == b
    assert a["relu"] == ("#0072B2", "-") and a["sigmoid"] == c["sigmoid"] == ("#D55E00", "-")


@given(st.lists(st.text(min_size=1, max_size=12), unique=True, max_size=40))
def test_activation_styles_tell_every_name_apart(names):
    styles = plots.activation_styles(names)
    assert set(styles) == set(names)
    assert len(set(styles.values())) == len(names)
    if len(names) <= 15:  # fifteen colours before line styles are needed
        assert {s for _, s in styles.values()} <= {"-"}
        assert len({c for c, _ in styles.values()}) == len(names)


def test_boundary_caption_says_when_there_is_no_boundary():
    assert "black line" in plots.boundary_caption(np.linspace(0.1, 0.9, 50))
    flat = plots.boundary_caption(np.full((10, 10), 0.48))
    assert "is 0.48 everywhere" in flat and "class 0" in flat and "no boundary learned" in flat
    assert "between 0.47 and 0.49" in plots.boundary_caption(np.linspace(0.47, 0.49, 9))
    assert "class 1" in plots.boundary_caption(np.full(5, 0.7))
    assert "class 0" in plots.boundary_caption(np.full(5, 0.5))  # P = 0.5 is not > 0.5: class 0


def test_gradient_init_spans_four_decades_and_writes_each_value(tmp_path, drawn):
    study = make_study(acts=("relu",), depth=4)
    plots.plot_gradient_init(study, tmp_path / "i.png")
    ax = drawn[-1].axes[0]
    lo, hi = ax.get_ylim()
    assert ax.get_yscale() == "log" and math.log10(hi / lo) >= 4
    values = [s.delta_norm for s in study.probes["relu"].init]
    assert sorted(t.get_text() for t in ax.texts) == sorted(plots._short_sci(v) for v in values)


def test_compare_keeps_accuracy_bands_within_100_percent_and_names_colours(tmp_path, drawn):
    cmp = make_comparison(seeds=3)
    for runs in cmp.runs.values():  # seeds that disagree a lot near the top: mean + std > 1
        runs[0].history["test_accuracy"] = [1.0] * len(runs[0].history["test_accuracy"])
        runs[1].history["test_accuracy"] = [0.7] * len(runs[1].history["test_accuracy"])
    plots.plot_compare(cmp, tmp_path / "c.png")
    _, right = drawn[-1].axes[:2]
    tops = [poly.get_paths()[0].vertices[:, 1].max() for poly in right.collections]
    assert tops and max(tops) <= 1.0
    lines = {line.get_label(): line.get_color() for line in right.get_lines()}
    styles = plots.activation_styles([r.activation for r in cmp.results])
    assert all(lines[a] == styles[a][0] for a in styles)
    plots.plot_gradient_init(make_study(acts=("sigmoid", "relu")), tmp_path / "i.png")
    bars = {p.get_label().split()[0]: p.patches[0].get_facecolor() for p in drawn[-1].axes[0].containers}
    from matplotlib.colors import to_rgba

    assert bars == {"sigmoid": to_rgba(styles["sigmoid"][0]), "relu": to_rgba(styles["relu"][0])}


def test_history_axes_say_log_scale_and_keep_accuracy_wide(tmp_path, drawn):
    run = make_run("sigmoid", epochs=8)
    run.history["accuracy"] = [0.48, 0.5, 0.52, 0.49, 0.5, 0.51, 0.5, 0.49]
    run.history["loss"] = [0.69, 0.5, 0.1, 0.01, 0.005, 0.002, 0.001, 0.001]
    plots.plot_history(run, tmp_path / "h.png")
    loss_ax, acc_ax = drawn[-1].axes[:2]
    assert loss_ax.get_yscale() == "log" and "(log scale)" in loss_ax.get_ylabel()
    assert acc_ax.get_ylim() == pytest.approx((0.43, 1.02))
    run.history["loss"] = [0.70, 0.69, 0.70, 0.69, 0.70, 0.69, 0.70, 0.69]
    plots.plot_history(run, tmp_path / "h2.png")
    loss_ax = drawn[-1].axes[0]
    assert loss_ax.get_yscale() == "linear" and loss_ax.get_ylim()[0] == 0 and "log" not in loss_ax.get_ylabel()


def test_history_title_names_the_net():
    run = make_run("relu")
    assert plots.history_title(run, "relu hidden layers, sigmoid head").startswith(
        "Training history: relu hidden layers, sigmoid head on ")
    run.hidden_activation = "-"
    assert "a linear model (no hidden layer)" in plots.history_title(run)


def test_softmax_picture_shows_one_distribution_next_to_independent_sigmoids(tmp_path, drawn):
    from actcli.teach.explain import explain

    e = explain("softmax")
    plots.plot_activation_function(e.name, e.x, e.y, e.dy, tmp_path / "s.png", e.picture_title, worked=e.worked)
    curve_ax, bars_ax = drawn[-1].axes[:2]
    soft, sig = bars_ax.containers
    assert [b.get_height() for b in soft] == pytest.approx(e.worked.softmax10)
    assert sum(b.get_height() for b in soft) == pytest.approx(1.0)
    assert sum(b.get_height() for b in sig) == pytest.approx(e.worked.sigmoid10_total)
    assert "sigmoid" in curve_ax.get_title()


def test_dataset_legend_sits_beside_the_points(tmp_path, drawn):
    _, _, _, x, y = _moons_grid()
    plots.plot_dataset(x, y, "moons", tmp_path / "d.png")
    fig = drawn[-1]
    assert fig.axes[0].get_legend() is None and len(fig.legends) == 1


@pytest.mark.parametrize("config, words", [
    ("deep-sigmoid.yaml", "sigmoid hidden layers, sigmoid head"),
    ("notes-softmax-head.yaml", "relu hidden layers, softmax head"),
    ("regression-linear.yaml", "a single Dense layer (linear: a linear model)"),
])
def test_net_description_in_words(config, words):
    from pathlib import Path

    import actcli
    from actcli.lab import net_description
    from actcli.spec import load_spec

    assert net_description(load_spec(Path(actcli.__file__).parent / "data" / "configs" / config)) == words


def test_seconds_are_never_shown_as_zero():
    assert [tables.fmt_seconds(s) for s in (0.0, 0.042, 0.0996, 0.1, 1.26, 75)] == [
        "0 ms", "42 ms", "100 ms", "0.1 s", "1.3 s", "1 min 15 s"]


def test_run_and_layer_tables_in_korean():
    run = make_run("relu", status="diverged")
    run.stopped_at = {"epoch": 3, "step": 7}
    out = " ".join(render(tables.run_results_table(run, lang="ko")).split())
    assert "테스트 정확도" in out and "발산 (에포크 3, 스텝 7)" in out and "test accuracy" not in out
    layers = render(tables.layer_gradients_table(make_probes("relu"), lang="ko"))
    assert "은닉 1" in layers and "출력층" in layers and "층별 기울기" in layers and "hidden" not in layers
    study = render(tables.gradient_study_table(make_study(), lang="ko"))
    assert "은닉 6" in study and "첫/마지막 은닉층" in study and "hidden" not in study
    cmp = render(tables.comparison_table(make_comparison(), lang="ko"))
    assert "테스트" in cmp and "발산" in cmp and "diverged" not in cmp


def test_english_tables_keep_their_words():
    run = make_run("relu", status="interrupted")
    run.stopped_at = {"epoch": 2, "step": 1}
    out = " ".join(render(tables.run_results_table(run)).split())
    assert "interrupted (epoch 2, step 1)" in out and "test accuracy" in out
    run.hidden_activation = "-"
    assert "a linear model" in render(tables.run_results_table(run))


# ------------------------------------------------------------------------------------------ Korean pictures


def test_pictures_are_korean_only_with_a_hangul_font(monkeypatch):
    monkeypatch.setattr(plots, "hangul_font", lambda: None)
    assert plots.picture_lang("ko") == "en" and plots.picture_lang("en") == "en"
    monkeypatch.setattr(plots, "hangul_font", lambda: "NanumGothic")
    assert plots.picture_lang("ko") == "ko" and plots.picture_lang(None) == "en"


@pytest.fixture
def korean_font(monkeypatch):
    """Pretend matplotlib's own font has Hangul: the Korean words are set (their glyphs would be missing)."""
    import warnings

    monkeypatch.setattr(plots, "hangul_font", lambda: "DejaVu Sans")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Glyph ... missing from font(s) DejaVu Sans"
        yield


def _all_text(fig) -> str:
    parts = [fig._suptitle.get_text() if fig._suptitle else ""]
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
        legend = ax.get_legend()
        if legend is not None:
            parts += [t.get_text() for t in legend.get_texts()]
    for legend in fig.legends:
        parts += [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
    return "\n".join(parts)


@pytest.mark.parametrize("name, words", [
    ("history", ["훈련 기록", "에포크별 손실", "에포크별 정확도", "훈련", "테스트"]),
    ("compare", ["활성화 함수 비교", "은닉층 6개", "에포크별 훈련 손실", "테스트 정확도", "목표 90%"]),
    ("compare_gradients", ["기울기가 첫 은닉층까지", "소실 구간", "초기화 때", "훈련이 끝났을 때"]),
    ("gradient_norms", ["훈련 중 각 층에 도달하는 기울기", "은닉 1", "출력층", "에포크 (0 = 초기화)"]),
    ("gradient_init", ["초기화 때 각 층에 도달하는 기울기", "층 (입력 쪽 → 출력 쪽)", "‖δ‖"]),
    ("gradient_hist", ["역전파된 기울기 δ", "초기화 때", "값의 비율"]),
    ("activation_hist", ["활성화 값", "끝날 때"]),
])
def test_korean_pictures_say_it_in_korean(name, words, tmp_path, drawn, korean_font):
    make = {"history": lambda p: plots.plot_history(make_run("relu"), p, lang="ko"),
            "compare": lambda p: plots.plot_compare(make_comparison(), p, lang="ko"),
            "compare_gradients": lambda p: plots.plot_compare_gradients(make_comparison(), p, lang="ko"),
            "gradient_norms": lambda p: plots.plot_gradient_norms(make_study(), p, lang="ko"),
            "gradient_init": lambda p: plots.plot_gradient_init(make_study(), p, lang="ko"),
            "gradient_hist": lambda p: plots.plot_gradient_hist(make_study(), p, lang="ko"),
            "activation_hist": lambda p: plots.plot_activation_hist(make_study(), p, lang="ko")}[name]
    _check_png(make(tmp_path / f"{name}.png"), min_bytes=5_000)
    said = _all_text(drawn[-1])
    for word in words:
        assert word in said, (word, said)
    assert "$" not in said.replace("$\\|\\delta\\|$", "")  # no mathtext beside Hangul: it would lose the Hangul


def test_without_a_hangul_font_korean_pictures_are_english(tmp_path, drawn, monkeypatch):
    monkeypatch.setattr(plots, "hangul_font", lambda: None)
    plots.plot_compare(make_comparison(), tmp_path / "c.png", lang="ko")
    said = _all_text(drawn[-1])
    assert "Activations compared" in said and "활성화" not in said


def test_every_picture_word_used_in_code_exists():
    import inspect

    from actcli import lab
    from actcli.teach.texts import load

    def flat(node, prefix=""):
        return {k2: v2 for k, v in node.items() for k2, v2 in
                (flat(v, f"{prefix}{k}.").items() if isinstance(v, dict) else [(f"{prefix}{k}", v)])}

    source = inspect.getsource(plots) + inspect.getsource(lab)
    used = set(re.findall(r'w\(f?"([a-z_]+\.[a-z_]+)"', source))
    used |= set(re.findall(r'w\(\'([a-z_]+\.[a-z_]+)\'', source))
    used |= set(re.findall(r'"pictures", "([a-z_]+\.[a-z_]+)"', source))
    used |= {f"history.{k}" for k in ("loss", "loss_mse", "accuracy", "mae", "loss_title", "loss_mse_title",
                                      "accuracy_title", "mae_title", "train", "validation", "test")}
    used |= {"hist.at_init", "hist.at_end", "hist.delta_what", "hist.delta_x", "hist.act_what", "hist.act_x"}
    en = flat(load("pictures", "en"))
    assert len(used) > 40 and used <= set(en), used - set(en)


def test_curves_break_where_the_function_jumps():
    x = np.linspace(-1, 1, 5)
    slope = (x > 0).astype(float)  # relu's derivative: 0, 0, 0, 1, 1
    bx, by = plots._broken_at_jumps(x, slope)
    assert np.isnan(by).sum() == 1 and np.isnan(bx).sum() == 1
    assert list(by[:3]) == [0, 0, 0] and np.isnan(by[3]) and list(by[4:]) == [1, 1]
    smooth = 1 / (1 + np.exp(-np.linspace(-5, 5, 401)))
    assert not np.isnan(plots._broken_at_jumps(np.linspace(-5, 5, 401), smooth)[1]).any()


def test_a_long_history_title_is_wrapped_to_fit(tmp_path, drawn):
    run = make_run("relu", kind="regression")
    net = "a single Dense layer (linear: a linear model)"
    plots.plot_history(run, tmp_path / "h.png", net)
    title = drawn[-1]._suptitle.get_text()
    assert net.split()[0] in title and "\n" in title and max(len(line) for line in title.splitlines()) <= 80


def test_compare_title_speaks_of_bands_only_with_several_seeds(tmp_path, drawn):
    plots.plot_compare(make_comparison(seeds=3), tmp_path / "c3.png")
    assert "band: ± std" in drawn[-1]._suptitle.get_text()
    plots.plot_compare(make_comparison(seeds=1), tmp_path / "c1.png")
    assert "band" not in drawn[-1]._suptitle.get_text() and "1 seed per activation" in drawn[-1]._suptitle.get_text()


def test_gradient_hist_uses_log_sizes_on_one_axis_when_the_probes_have_them(tmp_path, drawn):
    import dataclasses

    from actcli.probes import LOG_EDGES

    study = make_study(acts=("relu", "sigmoid"), depth=3)
    plots.plot_gradient_hist(study, tmp_path / "lin.png")  # probes.json from before: δ itself, per-row axes
    assert drawn[-1]._supxlabel is None and "δ = ∂L/∂z" in drawn[-1].axes[-2].get_xlabel()
    rng = np.random.default_rng(0)
    for k, rec in enumerate(study.probes.values()):  # sigmoid's layers decades apart, relu's together
        for stats in (rec.init, rec.final):
            for i, s in enumerate(stats):
                logs = rng.normal(-4 - (3 - i) * k * 1.5, 0.5, 400)
                counts, _ = np.histogram(logs, bins=LOG_EDGES)
                stats[i] = dataclasses.replace(s, delta_loghist=(counts.tolist(), LOG_EDGES.tolist()))
    plots.plot_gradient_hist(study, tmp_path / "log.png")
    fig = drawn[-1]
    assert "log scale" in fig._supxlabel.get_text()
    lo, hi = fig.axes[0].get_xlim()
    assert all(ax.get_xlim() == (lo, hi) for ax in fig.axes[:4])  # one axis for every panel
    assert lo <= -4 - 3 * 1.5 - 1 and hi >= -3 and float(lo).is_integer() is False
