"""Rich tables for the terminal: every function takes results and RETURNS a renderable, never prints.

The numbers come from `actcli.results` as they are; this module only formats them, picks the best value per
column for highlighting and draws log-scale unicode bars. Explaining sentences live in `actcli.teach.narrate`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from rich.table import Table
from rich.text import Text

from actcli.results import ActivationSummary, Comparison, GradientStudy, LayerStats, ProbeRecord, RunResult
from actcli.teach import narrate
from actcli.teach.texts import text

BEST = "bold green"
DASH = "–"
STATUS_STYLE = {"completed": "green", "diverged": "bold red", "interrupted": "bold yellow"}
_EIGHTHS = "▏▎▍▌▋▊▉█"  # 1/8 … 8/8 of a cell


# ------------------------------------------------------------------------------------------- formatting

def _ok(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def fmt_pct(x: float | None, digits: int = 1) -> str:
    """0.9134 -> '91.3%'."""
    return f"{100 * x:.{digits}f}%" if _ok(x) else DASH


def fmt_loss(x: float | None) -> str:
    if not _ok(x):
        return DASH
    return f"{x:.4f}" if abs(x) < 1000 else f"{x:.3e}"


def fmt_norm(x: float | None) -> str:
    """Gradient norms span decades: always scientific, '1.23e-03'."""
    return f"{x:.2e}" if _ok(x) else DASH


def fmt_ratio(x: float | None) -> str:
    """A ratio near 1 in plain digits ('0.92'), far from 1 in scientific ('9.8e-04')."""
    return narrate.fmt_ratio(x) if _ok(x) else DASH


def fmt_seconds(s: float | None) -> str:
    if not _ok(s):
        return DASH
    if s < 0.1:  # a lesson-sized run: "0.0 s" would say it took no time
        return f"{s * 1000:.0f} ms"
    if s < 60:
        return f"{s:.1f} s"
    minutes, sec = divmod(int(round(s)), 60)
    return f"{minutes} min {sec:02d} s"


def fmt_epochs(x: float | None) -> str:
    if not _ok(x):
        return DASH
    return f"{x:.0f}" if abs(x - round(x)) < 0.05 else f"{x:.1f}"


def log_bar(value: float | None, lo: float, hi: float, width: int = 8, min_decades: float = 2.0) -> str:
    """A bar of at most `width` cells, its length linear in log10(value): hi fills it, lo gets one eighth.

    The scale spans at least `min_decades` below hi, so values that differ by a few percent look alike
    and a fall-off over decades is plain to see. Non-positive or missing values get no bar.
    """
    if not _ok(value) or value <= 0 or not _ok(hi) or hi <= 0:
        return ""
    lo = min(lo, hi / 10**min_decades) if _ok(lo) and lo > 0 else hi / 10**min_decades
    frac = (math.log10(value) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
    eighths = 1 + round(min(max(frac, 0.0), 1.0) * (width * 8 - 1))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest - 1] if rest else "")


def _bar_range(values: Sequence[float | None]) -> tuple[float, float]:
    good = [v for v in values if _ok(v) and v > 0]
    return (min(good), max(good)) if good else (1.0, 1.0)


def _t(key: str, lang: str, **values) -> str:
    return text("tables", key, lang, **values)


def _status(status: str, stopped_at: dict | None = None, lang: str = "en") -> Text:
    label = _t(f"status.{status}", lang) if status in STATUS_STYLE else status
    if stopped_at and status != "completed":
        label = _t("status.stopped", lang, status=label, epoch=stopped_at.get("epoch"), step=stopped_at.get("step"))
    return Text(label, style=STATUS_STYLE.get(status, ""))


def final_stats(rec: ProbeRecord) -> list[LayerStats]:
    """The stats at the end of training: `final`, else the last epoch's, else those at initialisation."""
    return rec.final or (rec.epochs[-1] if rec.epochs else rec.init)


def layer_label(rec: ProbeRecord, i: int, lang: str = "en") -> str:
    """'hidden 1' … 'hidden n' for hidden layers, 'head' for the output layer (as in the figures)."""
    if not rec.layers[i].hidden:
        return _t("layer.head", lang)
    return _t("layer.hidden", lang, n=rec.hidden_indices().index(i) + 1)


# ---------------------------------------------------------------------------------------------- tables

def model_summary_table(rows: list[tuple[str, str, int]], total: int, name: str | None = None) -> Table:
    """Keras's `model.summary()`: Layer (type), Output Shape, Param #, the totals in the caption (float32)."""

    def size(n: int) -> str:  # Keras's readable_memory_size, 4 bytes per float32 weight
        value = 4.0 * n
        for unit in ("B", "KB", "MB", "GB"):
            if value < 1024:
                return f"{value:.2f} {unit}"
            value /= 1024
        return f"{value:.2f} TB"

    table = Table(title=f'Model: "{name}"' if name else None, title_justify="left", caption_justify="left",
                  caption=f"Total params: {total:,} ({size(total)})\n"
                          f"Trainable params: {total:,} ({size(total)})\n"
                          f"Non-trainable params: 0 ({size(0)})")
    table.add_column("Layer (type)")
    table.add_column("Output Shape")
    table.add_column("Param #", justify="right")
    for layer, shape, params in rows:
        table.add_row(layer, shape, f"{params:,}")
    return table


def run_results_table(run: RunResult, lang: str = "en") -> Table:
    """One run's outcome: train and test loss/accuracy (MSE/MAE for regression), epochs, time, status."""
    act = run.hidden_activation if run.hidden_activation not in ("", "-") else _t("run.linear", lang)
    table = Table(title=_t("run.title", lang, name=run.name, act=act, task=run.task), title_justify="left",
                  show_header=False)
    table.add_column("quantity", style="bold")
    table.add_column("value", justify="right")
    if run.kind == "regression":
        rows = (("train_loss", fmt_loss(run.train_loss)), ("test_mse", fmt_loss(run.test_loss)),
                ("test_mae", fmt_loss(run.test_mae)))
    else:
        rows = (("train_loss", fmt_loss(run.train_loss)), ("train_accuracy", fmt_pct(run.train_accuracy)),
                ("test_loss", fmt_loss(run.test_loss)), ("test_accuracy", fmt_pct(run.test_accuracy)))
    for key, value in rows:
        table.add_row(_t(f"run.{key}", lang), value)
    table.add_row(_t("run.epochs", lang), str(run.epochs))
    table.add_row(_t("run.time", lang), fmt_seconds(run.seconds))
    table.add_row(_t("run.status", lang), _status(run.status, run.stopped_at, lang))
    if run.probes is not None:
        table.add_row(_t("run.ratio", lang), _t("run.ratio_value", lang,
                                                init=fmt_ratio(run.probes.grad_ratio("init")),
                                                end=fmt_ratio(run.probes.grad_ratio("final"))))
    if run.run_dir:
        table.add_row(_t("run.saved", lang), Text(run.run_dir, style="dim"))
    return table


def _norm_cell(value: float | None, lo: float, hi: float, prefix: str = "") -> Text:
    cell = Text(f"{prefix}{fmt_norm(value)} ")
    cell.append(log_bar(value, lo, hi), style="cyan")
    return cell


def layer_gradients_table(probes: ProbeRecord, lang: str = "en") -> Table:
    """One row per layer: ‖δ‖ at init and at the end with log-scale bars, and the dead / saturated share."""
    end = final_stats(probes)
    lo, hi = _bar_range([s.delta_norm for s in probes.init + end])
    table = Table(title=_t("layers.title", lang), title_justify="left",
                  caption=_t("layers.caption", lang, init=fmt_ratio(probes.grad_ratio("init")),
                             end=fmt_ratio(probes.grad_ratio("final"))),
                  caption_justify="left")
    for header, justify in (("layer", "left"), ("name", "left"), ("units", "right"), ("activation", "left"),
                            ("at_init", "left"), ("at_end", "left"), ("dead", "right"), ("saturated", "right")):
        table.add_column(_t(f"layers.{header}", lang), justify=justify)
    for i, (info, a, b) in enumerate(zip(probes.layers, probes.init, end, strict=True)):
        table.add_row(layer_label(probes, i, lang), info.name, str(info.units), info.activation,
                      _norm_cell(a.delta_norm, lo, hi), _norm_cell(b.delta_norm, lo, hi),
                      fmt_pct(b.dead_fraction), fmt_pct(b.saturated_fraction))
    return table


def _best_indices(values: list[float | None], rule: str) -> set[int]:
    """Rows holding the best value: 'max', 'min', or 'one' (closest to 1 in log distance). Needs 2 values."""
    key: Callable[[float], float] = {"max": lambda v: -v, "min": lambda v: v,
                                     "one": lambda v: abs(math.log(v)) if v > 0 else math.inf}[rule]
    scored = [(key(v), i) for i, v in enumerate(values) if _ok(v)]
    if len(scored) < 2:
        return set()
    best = min(s for s, _ in scored)
    if not math.isfinite(best):
        return set()
    return {i for s, i in scored if math.isclose(s, best, rel_tol=1e-9, abs_tol=1e-12)}


def _dead_or_saturated(r: ActivationSummary, lang: str = "en") -> tuple[float | None, str]:
    if r.dead_fraction is not None:
        return r.dead_fraction, _t("compare.dead", lang)
    if r.saturated_fraction is not None:
        return r.saturated_fraction, _t("compare.sat", lang)
    return None, ""


def comparison_table(cmp: Comparison, lang: str = "en") -> Table:
    """`compare`: one row per activation; the best value of each column in bold green.

    Best = highest accuracy, lowest loss, fewest epochs to the target, first/last ratio closest to 1 (in
    log distance), lowest dead/saturated share. Regression comparisons show the test MSE instead.
    """
    rs = cmp.results
    seeds = max((r.seeds for r in rs), default=0)
    regression = cmp.kind == "regression"
    # (header, raw values used for "best", cell texts, rule)
    columns: list[tuple[str, list[float | None], list[str], str | None]] = []
    if regression:
        columns.append((_t("compare.test_mse", lang), [r.test_loss_mean for r in rs],
                        [fmt_loss(r.test_loss_mean) for r in rs], "min"))
    else:
        columns.append((_t("compare.test_accuracy", lang), [r.test_accuracy_mean for r in rs],
                        [fmt_pct(r.test_accuracy_mean) + (f" ± {100 * r.test_accuracy_std:.1f}"
                                                          if _ok(r.test_accuracy_std) and r.seeds > 1 else "")
                         for r in rs], "max"))
        columns.append((_t("compare.test_loss", lang), [r.test_loss_mean for r in rs],
                        [fmt_loss(r.test_loss_mean) for r in rs], "min"))
    if not regression or any(r.epochs_to_target is not None for r in rs):
        reached = [r.epochs_to_target if r.reached_target else None for r in rs]
        target = fmt_pct(cmp.target, 0) if not regression else cmp.target
        shown = [f"{fmt_epochs(e)} ({r.reached_target}/{r.seeds})" for e, r in zip(reached, rs, strict=True)]
        columns.append((_t("compare.to_target", lang, target=target), reached, shown, "min"))
    columns.append((_t("compare.ratio_init", lang), [r.grad_ratio_init for r in rs],
                    [fmt_ratio(r.grad_ratio_init) for r in rs], "one"))
    columns.append((_t("compare.ratio_end", lang), [r.grad_ratio_final for r in rs],
                    [fmt_ratio(r.grad_ratio_final) for r in rs], "one"))
    dead = [_dead_or_saturated(r, lang) for r in rs]
    columns.append((_t("compare.dead_sat", lang), [v for v, _ in dead],
                    [f"{fmt_pct(v, 0)} {what}" if v is not None else DASH for v, what in dead], "min"))
    columns.append((_t("compare.diverged", lang), [float(r.diverged) for r in rs],
                    [f"{r.diverged}/{r.seeds}" for r in rs], None))
    columns.append((_t("compare.time", lang), [r.seconds for r in rs], [fmt_seconds(r.seconds) for r in rs], None))

    if cmp.init_mode == "auto":
        inits = ", ".join(f"{r.activation} → {r.init}" for r in rs if r.init)
        init_text = text("narrate", "caption.init_auto", lang, inits=inits or DASH)
    else:
        init_text = text("narrate", "caption.init_keep", lang)
    caption = text("narrate", "caption.compare", lang, task=cmp.task, depth=cmp.depth, width=cmp.width,
                   epochs=cmp.epochs, seeds=seeds, init=init_text)
    table = Table(title=text("narrate", "title.compare", lang), title_justify="left", caption=caption,
                  caption_justify="left")
    table.add_column(_t("compare.activation", lang), style="bold", no_wrap=True)
    for header, *_ in columns:
        table.add_column(header, justify="right", no_wrap=True)
    best = [_best_indices(raw, rule) if rule else set() for _, raw, _, rule in columns]
    for i, r in enumerate(rs):
        cells: list[Text | str] = [r.activation]
        for (_, _, shown, _), winners in zip(columns, best, strict=True):
            cells.append(Text(shown[i], style=BEST if i in winners else ""))
        table.add_row(*cells)
    return table


def gradient_study_table(study: GradientStudy, lang: str = "en") -> Table:
    """`plot-gradients`: one row per layer (hidden 1 … head), one column per activation.

    Each cell: ‖δ‖ at initialisation and, below it, at the end, each with a bar on one log scale shared by
    the whole table; the last row gives the first/last hidden ratio.
    """
    acts = list(study.probes)
    values = [s.delta_norm for rec in study.probes.values() for s in rec.init + final_stats(rec)]
    lo, hi = _bar_range(values)
    table = Table(title=_t("study.title", lang), title_justify="left", show_lines=True,
                  caption=_t("study.caption", lang, task=study.task, depth=study.depth, width=study.width,
                             epochs=study.epochs),
                  caption_justify="left")
    table.add_column(_t("study.layer", lang), style="bold")
    for act in acts:
        init = study.inits.get(act)
        table.add_column(f"{act}\n({init})" if init else act)
    n_layers = max((len(rec.layers) for rec in study.probes.values()), default=0)
    for i in range(n_layers):
        first = next(rec for rec in study.probes.values() if len(rec.layers) > i)
        cells: list[Text | str] = [layer_label(first, i, lang)]
        for act in acts:
            rec = study.probes[act]
            if i >= len(rec.layers):
                cells.append("")
                continue
            cell = _norm_cell(rec.init[i].delta_norm, lo, hi, prefix="  ")
            cell.append("\n")
            cell.append_text(_norm_cell(final_stats(rec)[i].delta_norm, lo, hi, prefix="→ "))
            cells.append(cell)
        table.add_row(*cells)
    ratios = [f"  {fmt_ratio(study.probes[a].grad_ratio('init'))}\n"
              f"→ {fmt_ratio(study.probes[a].grad_ratio('final'))}" for a in acts]
    table.add_row(_t("study.ratio", lang), *ratios, style="italic")
    return table


def runs_table(rows: list[dict]) -> Table:
    """`actcli runs`: name, date, task, status, the test metric and the folder."""
    table = Table(title="Runs", title_justify="left")
    for header, justify in (("name", "left"), ("date", "left"), ("task", "left"), ("status", "left"),
                            ("test metric", "right"), ("folder", "left")):
        table.add_column(header, justify=justify, overflow="fold")
    for row in rows:
        if row.get("kind") in ("comparison", "gradient study"):  # a folder of runs: say which activations
            acts = ", ".join(str(a) for a in row.get("activations") or [])
            row = {**row, "name": f"{row['name']} ({row['kind']}{': ' + acts if acts else ''})"}
        if row.get("kind") == "comparison" and row.get("test_accuracy") is not None:
            metric = f"best accuracy {fmt_pct(row['test_accuracy'])}"
        elif row.get("test_accuracy") is not None:
            metric = f"accuracy {fmt_pct(row['test_accuracy'])}"
        elif row.get("test_loss") is not None:
            metric = f"loss {fmt_loss(row['test_loss'])}"
        else:
            metric = DASH
        table.add_row(str(row.get("name", "")), str(row.get("date", "")), str(row.get("task", "")),
                      _status(str(row.get("status", ""))), metric,
                      Text(str(row.get("run_dir") or ""), style="dim"))
    return table


def datasets_table(rows: list[dict], lang: str = "en") -> Table:
    """`actcli datasets`: one row per task from `actcli.data.describe_tasks()`."""
    table = Table(title=_t("datasets.title", lang), title_justify="left", show_lines=True)
    table.add_column(_t("datasets.name", lang), style="bold", no_wrap=True)
    table.add_column(_t("datasets.kind", lang))
    table.add_column("2-D", justify="center")
    table.add_column(_t("datasets.parameters", lang))
    table.add_column(_t("datasets.description", lang), ratio=1)
    for row in rows:
        params = row.get("parameters") or {}
        shown = "\n".join(f"{k}={v}" if v is not None else k for k, v in params.items())
        table.add_row(str(row.get("name", "")), str(row.get("kind", "")), "yes" if row.get("two_d") else "",
                      shown, str(row.get("description", "")))
    return table

