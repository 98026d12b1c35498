"""matplotlib figures a teacher can project: training curves, decision boundaries, gradient pictures.

Each function takes results and a path (png, svg or pdf by its suffix), writes the file atomically, closes the
figure and returns the path. matplotlib is imported inside (Agg backend) so the CLI starts fast. `lang="ko"` draws
the words in Korean (texts/*/pictures.yaml) when a font with Hangul is installed (`hangul_font`), else in English
(matplotlib's own font has no Hangul). Nothing here trains or recomputes results.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from actcli.errors import UserError
from actcli.results import STATUSES, Comparison, GradientStudy, LayerStats, ProbeRecord, RunResult
from actcli.teach.narrate import fmt_ratio as _fmt_ratio
from actcli.teach.texts import text

FORMATS = ("png", "svg", "pdf")
# Okabe–Ito, reordered so the pale yellow comes last (it is hard to see as a line on white)
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
# Paul Tol's muted scheme after Okabe–Ito's first seven: fifteen colours before a line style has to tell apart
EXTRA_COLOURS = ["#882255", "#44AA99", "#999933", "#AA4499", "#661100", "#332288", "#888888", "#117733"]
# one colour per activation in every picture (compare, plot-gradients); others take the first colour left
ACTIVATION_COLOURS = {"relu": "#0072B2", "sigmoid": "#D55E00", "tanh": "#009E73", "elu": "#CC79A7",
                      "leaky_relu": "#E69F00", "selu": "#56B4E9", "gelu": "#000000", "softplus": "#882255",
                      "silu": "#44AA99", "linear": "#888888"}
LINE_STYLES = ["-", "--", "-.", ":"]
# compare_gradients: before and after training, in greys so they do not read as two activations
MOMENT_COLOURS = {"init": "#C8C8C8", "end": "#505050"}
SPLIT_COLOURS = {"train": "#0072B2", "validation": "#E69F00", "test": "#009E73"}
SPLIT_STYLES = {"train": "-", "validation": "--", "test": ":"}
STYLE = {
    "font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "legend.fontsize": 10,
    "figure.titlesize": 14,
    "xtick.labelsize": 10, "ytick.labelsize": 10, "axes.grid": True, "grid.alpha": 0.3, "grid.linewidth": 0.6,
    "axes.spines.top": False, "axes.spines.right": False, "lines.linewidth": 2.0, "svg.hashsalt": "actcli",
    "savefig.dpi": 150,
}
DELTA = r"$\|\delta\|$"
# fonts with Hangul, most common first: Linux (fonts-nanum, fonts-noto-cjk), Windows, macOS
KOREAN_FONTS = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic",
                "Apple SD Gothic Neo", "AppleGothic", "UnDotum", "Baekmuk Gulim")


# their files' names, lower-cased, for fonts installed after matplotlib listed the fonts (its list is cached)
KOREAN_FONT_FILES = ("nanumgothic", "nanumbarungothic", "notosanscjk", "notosanskr", "malgun", "applesdgothicneo",
                     "applegothic", "undotum", "baekmuk")


@functools.cache
def hangul_font() -> str | None:
    """The name of an installed font that has Hangul (from KOREAN_FONTS), or None. matplotlib's font list is
    cached on disk when it first runs, so a font installed later is looked for among the system's font files
    and added for this process."""
    from matplotlib import font_manager

    def known() -> str | None:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in KOREAN_FONTS if name in installed), None)

    if known() is None:
        try:
            files = font_manager.findSystemFonts()
        except Exception:  # no fontconfig, an unreadable folder: no Korean pictures, not a failure
            files = []
        for path in sorted(files):
            if Path(path).name.lower().startswith(KOREAN_FONT_FILES):
                with contextlib.suppress(Exception):  # a damaged font file is skipped
                    font_manager.fontManager.addfont(path)
    return known()


def picture_lang(lang: str | None) -> str:
    """The language the pictures can be drawn in: Korean only with a Hangul font, else English."""
    return "ko" if lang == "ko" and hangul_font() else "en"


def _words(lang: str):
    """`w(key, **values)`: a picture's words in `lang` (texts/*/pictures.yaml)."""
    return lambda key, **values: text("pictures", key, lang, **values)


def _delta(lang: str) -> str:
    """‖δ‖ for an axis label: mathtext in English; plain characters in Korean, because a label with mathtext in
    it is drawn all in one font, which would lose the Hangul around it."""
    return DELTA if lang == "en" else "‖δ‖"


def _layer_word(lang: str, hidden: int | None) -> str:
    return text("tables", "layer.head", lang) if hidden is None else text("tables", "layer.hidden", lang, n=hidden)


# ------------------------------------------------------------------------------------------- plumbing

def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _format(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UserError(f"cannot write a figure as '{path.name}': use a .png, .svg or .pdf file name "
                        f"(png, svg or pdf)")
    return fmt


@contextlib.contextmanager
def _figure(path: str | os.PathLike, nrows: int = 1, ncols: int = 1, figsize=(10, 6), lang: str = "en",
            **kw) -> Iterator:
    """Yield (fig, axes[row][col]); on a clean exit save to `path` atomically. Closes the figure anyway.
    `lang="ko"`: matplotlib's own font, and the Hangul font for what it lacks."""
    path = Path(path)
    fmt = _format(path)
    plt = _pyplot()
    style = dict(STYLE)
    if lang == "ko" and hangul_font():
        # matplotlib's own font first (Latin, Greek, the minus sign; the log axes' 10⁻⁴ are drawn in it, and they
        # do not fall back), the Hangul font for the characters it lacks
        style["font.family"] = ["DejaVu Sans", hangul_font()]
    with plt.rc_context(style):
        fig, axes = plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", squeeze=False, **kw)
        try:
            yield fig, axes
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}.{fmt}")
            try:
                fig.savefig(tmp, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        finally:
            plt.close(fig)


def _series(values: Sequence[float | None] | None) -> np.ndarray:
    """A history list as floats, None (JSON's NaN) as NaN."""
    return np.array([np.nan if v is None else v for v in (values or [])], dtype=float)


def _mean_std(curves: list[Sequence[float | None]]) -> tuple[np.ndarray, np.ndarray]:
    """Per-epoch mean and std over runs of different lengths, ignoring NaN/inf; NaN where no run has one."""
    n = max((len(c) for c in curves), default=0)
    a = np.full((len(curves), n), np.nan)
    for i, c in enumerate(curves):
        a[i, : len(c)] = _series(c)
    ok = np.isfinite(a)
    count = ok.sum(axis=0)
    with np.errstate(over="ignore", invalid="ignore"):
        mean = np.where(count > 0, np.where(ok, a, 0.0).sum(axis=0) / np.maximum(count, 1), np.nan)
        dev = np.where(ok, a - np.where(count > 0, mean, 0.0), 0.0)
        std = np.where(count > 0, np.sqrt((dev**2).sum(axis=0) / np.maximum(count, 1)), np.nan)
    return mean, std


def _positive(values) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return v[np.isfinite(v) & (v > 0)]


def _log_if_wide(ax, values, span: float = 30.0) -> bool:
    """Log y when the positive values span more than `span`× (a loss that drops by decades, or blows up);
    else a linear axis from 0 (a loss is never negative, and a zoom would make noise look like learning).
    True when log."""
    v = _positive(values)
    if v.size and v.max() / v.min() > span:
        ax.set_yscale("log")
        return True
    ax.set_ylim(bottom=0)
    return False


def decade_limits(values, min_decades: int = 3) -> tuple[float, float] | None:
    """Log-axis limits on whole decades around the positive finite `values`, at least `min_decades` apart
    (extended downwards), or None when there are none. A log axis fitted to the data makes a 3x spread look
    like a collapse: on at least three decades, a gradient that is fine looks fine."""
    v = _positive(values)
    if not v.size:
        return None
    high, low = float(v.max()), float(v.min())
    top, bottom = math.ceil(math.log10(high)), math.floor(math.log10(low))
    if _decade(top) < high:  # log10 rounds: log10(1.0000000000000003e-30) is -30.0
        top += 1
    if _decade(bottom) > low:
        bottom -= 1
    return _decade(min(bottom, top - min_decades)), _decade(top)


def _decade(k: int) -> float:
    """10**k as the float nearest to it (10.0 ** -30 is not)."""
    return float(f"1e{k}")


def accuracy_limits(values) -> tuple[float, float]:
    """An accuracy axis from at most 50 % (lower when the data go lower) to just above 100 %: chance-level
    wobbles stay small, and a rise from 33 % shows whole."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    low = float(v.min()) - 0.05 if v.size else 0.5
    return max(0.0, min(low, 0.5)), 1.02


def activation_styles(names: Sequence[str]) -> dict[str, tuple[str, str]]:
    """(colour, line style) per activation: its own colour from ACTIVATION_COLOURS when it has one, else the
    first colour no other name here uses; past fifteen names, colours repeat with dashed, dash-dot, dotted lines."""
    colours = PALETTE[:7] + EXTRA_COLOURS
    styles: dict[str, tuple[str, str]] = {}
    for name in names:
        colour = ACTIVATION_COLOURS.get(name)
        if colour is not None and colour not in {c for c, _ in styles.values()}:
            styles[name] = (colour, "-")
    free = [c for c in colours if c not in {c for c, _ in styles.values()}]
    k = 0
    for name in names:
        if name in styles:
            continue
        if free:
            styles[name] = (free.pop(0), "-")
        else:
            styles[name] = (colours[k % len(colours)], LINE_STYLES[1 + (k // len(colours)) % 3])
            k += 1
    return styles


def _percent_axis(ax) -> None:
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _integer_x(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _layer_names(rec: ProbeRecord, lang: str = "en") -> list[str]:
    """'hidden 1' … 'hidden n', 'head' (the head is the layer that is not hidden)."""
    names, k = [], 0
    for info in rec.layers:
        k += info.hidden
        names.append(_layer_word(lang, k if info.hidden else None))
    return names


def _layer_colours(n: int) -> list:
    """First → last layer along viridis (stopping before its palest yellow)."""
    from matplotlib import colormaps

    return [colormaps["viridis"](x) for x in np.linspace(0.0, 0.85, max(n, 1))]


def _final(rec: ProbeRecord) -> list[LayerStats]:
    return rec.final or (rec.epochs[-1] if rec.epochs else rec.init)


def _panel_grid(k: int) -> tuple[int, int]:
    return (1, k) if k <= 3 else (math.ceil(k / 3), 3) if k > 4 else (2, 2)


# ------------------------------------------------------------------------------------------- one run

def history_title(run: RunResult, net: str | None = None, lang: str = "en") -> str:
    """loss.png's title: what trained (`net`, e.g. 'relu hidden layers, sigmoid head', else the hidden
    activation, or 'a linear model' without hidden layers), on which task, under which run name."""
    w = _words(lang)
    what = net or (w("net.hidden_only", act=run.hidden_activation) if run.hidden_activation not in ("", "-")
                   else w("net.linear"))
    return w("history.title", what=what, task=run.task, name=run.name)


def plot_history(run: RunResult, path, net: str | None = None, lang: str = "en") -> Path:
    """loss.png: the loss (train, validation, test) and accuracy panels over epochs (MAE for regression).
    `net` describes the network for the title (see `history_title`)."""
    lang = picture_lang(lang)
    w = _words(lang)
    h = run.history
    metric = "mae" if run.kind == "regression" else "accuracy"
    splits = (("train", ""), ("validation", "val_"), ("test", "test_"))
    has_metric = any(f"{p}{metric}" in h for _, p in splits)
    size = (10, 5.5) if has_metric else (8, 5.5)
    with _figure(path, 1, 2 if has_metric else 1, figsize=size, lang=lang) as (fig, axes):
        # a long net description ('a single Dense layer (linear: ...)') would run off the picture's edges
        fig.suptitle(textwrap.fill(history_title(run, net, lang), width=int(size[0] * 8)))
        loss = "loss_mse" if run.kind == "regression" else "loss"
        panels = [("loss", w(f"history.{loss}"), w(f"history.{loss}_title"))]
        if has_metric:
            panels.append((metric, w(f"history.{metric}"), w(f"history.{metric}_title")))
        for ax, (key, label, title) in zip(axes[0], panels, strict=True):
            everything = []
            for split, prefix in splits:
                values = _series(h.get(f"{prefix}{key}"))
                if not values.size:
                    continue
                epochs = np.arange(1, values.size + 1)
                ax.plot(epochs, values, SPLIT_STYLES[split], color=SPLIT_COLOURS[split], label=w(f"history.{split}"),
                        marker="o" if values.size <= 30 else None, markersize=4)
                everything.extend(values)
            ax.set_title(title)
            ax.set_xlabel(w("history.epoch"))
            _integer_x(ax)
            if key == "accuracy":
                ax.set_ylabel(label)
                _percent_axis(ax)
                ax.set_ylim(*accuracy_limits(everything))
            else:
                ax.set_ylabel(w("history.log", label=label) if _log_if_wide(ax, everything) else label)
            if run.status != "completed" and run.stopped_at:
                status = text("tables", f"status.{run.status}", lang) if run.status in STATUSES else run.status
                ax.axvline(run.stopped_at.get("epoch", 0), color="#D55E00", ls="--", lw=1.5,
                           label=w("history.stopped", status=status, epoch=run.stopped_at.get("epoch")))
            if ax.get_legend_handles_labels()[0]:
                ax.legend()
    return Path(path)


def plot_activation_function(name: str, x, y, dy, path, title: str, worked=None, lang: str = "en") -> Path:
    """The activation f(x) and its derivative f'(x) on one axis (for `explain`). With `worked` (softmax's
    `WorkedSoftmax`), a second panel shows what the curve cannot: ten logits through softmax (one distribution,
    summing to 1) next to ten independent sigmoids, and the curve is labelled as the two-logit case it is."""
    lang = picture_lang(lang)
    w = _words(lang)
    with _figure(path, 1, 2 if worked is not None else 1,
                 figsize=(14, 6) if worked is not None else (10, 6), lang=lang) as (fig, axes):
        ax = axes[0][0]
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        if worked is not None:
            ax.plot(x, y, color="#0072B2", label=w("explain.two_curve", name=name))
            ax.plot(x, dy, "--", color="#D55E00", label=w("explain.two_derivative"))
            ax.set_title(w("explain.two_title"))
            ax.set_xlabel(w("explain.two_x"))
            ax.set_ylabel(w("explain.value"))
        else:
            ax.plot(*_broken_at_jumps(x, y), color="#0072B2", label=f"{name}(x)")
            ax.plot(*_broken_at_jumps(x, dy), "--", color="#D55E00", label=w("explain.derivative", name=name))
            slope = np.asarray(dy, dtype=float)
            if slope.size and np.isfinite(slope).any():  # the lesson of sigmoid: its slope is at most 0.25
                i = int(np.nanargmax(np.where(np.isfinite(slope), slope, -np.inf)))
                ax.plot([x[i]], [slope[i]], "o", color="#D55E00", markersize=6)
                ax.annotate(w("explain.peak", v=f"{slope[i]:.3g}"), (x[i], slope[i]), xytext=(8, 8),
                            textcoords="offset points", color="#D55E00", fontsize=10)
            ax.set_title(title)
            ax.set_xlabel(w("explain.x"))
            ax.set_ylabel(w("explain.y", name=name))
        ax.legend()
        if worked is not None:
            fig.suptitle(title)
            _plot_worked_softmax(axes[0][1], worked, w)
    return Path(path)


def _broken_at_jumps(x, y) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) with a gap where y jumps (relu's slope at 0, a threshold's step), so no vertical line is drawn
    that the function does not have: a jump is a step of more than a quarter of y's range in one grid step."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    finite = y[np.isfinite(y)]
    if x.size < 3 or not finite.size or np.ptp(finite) == 0:
        return x, y
    with np.errstate(invalid="ignore"):
        jumps = np.flatnonzero(np.abs(np.diff(y)) > 0.25 * np.ptp(finite)) + 1
    return np.insert(x, jumps, np.nan), np.insert(y, jumps, np.nan)


def _plot_worked_softmax(ax, worked, w) -> None:
    k = np.arange(len(worked.logits10))
    width = 0.4
    soft = ax.bar(k - width / 2, worked.softmax10, width, color="#0072B2", edgecolor="black", linewidth=0.4,
                  label=w("explain.softmax_bars", total=f"{worked.softmax10_total:.2f}"))
    ax.bar(k + width / 2, worked.sigmoid10, width, color="#D55E00", edgecolor="black", linewidth=0.4,
           label=w("explain.sigmoid_bars", total=f"{worked.sigmoid10_total:.2f}"))
    best = int(np.argmax(worked.softmax10))
    ax.annotate(f"{worked.softmax10[best]:.2f}", (soft[best].get_x() + soft[best].get_width() / 2,
                                                  worked.softmax10[best]),
                xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(k, [f"{v:g}" for v in worked.logits10])
    ax.grid(axis="x", visible=False)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(w("explain.ten_x"))
    ax.set_ylabel(w("explain.probability"))
    ax.set_title(w("explain.ten_title"))
    ax.legend(loc="upper right")


# ------------------------------------------------------------------------------------------- 2-D tasks

def _labels(y) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    return y.reshape(-1)


def _scatter_classes(ax, x, labels, w) -> None:
    markers = "os^DvP*X"
    size = 28 if len(labels) <= 400 else 14  # a thousand big markers hide the shape of the task
    for j, cls in enumerate(np.unique(labels)):
        m = labels == cls
        ax.scatter(x[m, 0], x[m, 1], s=size, color=PALETTE[j % len(PALETTE)],
                   marker=markers[j % len(markers)], edgecolors="black", linewidths=0.6,
                   label=w("points.class", c=f"{cls:g}"), zorder=3)


def plot_dataset(x, y, title: str, path, lang: str = "en") -> Path:
    """A 2-D task: its points coloured by class (by value, with a colour bar, for a regression target); a task
    with one feature (sine): the target against it."""
    lang = picture_lang(lang)
    w = _words(lang)
    x = np.asarray(x, dtype=float)
    labels = _labels(y)
    if x.ndim == 2 and x.shape[1] == 1:
        with _figure(path, figsize=(8, 5.5), lang=lang) as (fig, axes):
            ax = axes[0][0]
            ax.scatter(x[:, 0], np.asarray(labels, dtype=float), s=16, color=PALETTE[0], edgecolors="black",
                       linewidths=0.3)
            ax.set_title(title)
            ax.set_xlabel(w("points.x_only"))
            ax.set_ylabel(w("points.target"))
        return Path(path)
    with _figure(path, figsize=(8, 6.5), lang=lang) as (fig, axes):
        ax = axes[0][0]
        continuous = labels.dtype.kind == "f" and (np.unique(labels).size > 20 or
                                                   not np.allclose(labels, np.round(labels)))
        if continuous:
            points = ax.scatter(x[:, 0], x[:, 1], c=labels, cmap="viridis", s=28, edgecolors="black",
                                linewidths=0.4)
            fig.colorbar(points, ax=ax, label=w("points.target"))
        else:
            _scatter_classes(ax, x, labels.astype(int) if labels.dtype.kind == "f" else labels, w)
            fig.legend(loc="outside right center")  # beside the points, never over them
        ax.set_title(title)
        ax.set_xlabel(w("points.x1"))
        ax.set_ylabel(w("points.x2"))
        ax.set_aspect("equal", adjustable="datalim")
    return Path(path)


def plot_decision_boundary(xx, yy, prob, x_test, y_test, title: str, path, lang: str = "en") -> Path:
    """Like TF Playground: P(class 1) as a filled contour with the 0.5 line (or, for a multi-class `prob` of
    shape (gx, gy, k), the argmax class as regions), and the test points coloured by class, black edges."""
    from matplotlib.colors import LinearSegmentedColormap

    lang = picture_lang(lang)
    w = _words(lang)
    xx, yy, prob = np.asarray(xx, float), np.asarray(yy, float), np.asarray(prob, float)
    x_test = np.asarray(x_test, float)
    labels = _labels(y_test).astype(int)
    with _figure(path, figsize=(9, 7), lang=lang) as (fig, axes):
        ax = axes[0][0]
        if prob.ndim == 3 and prob.shape[-1] > 1:
            # class j wins where its margin p_j - max_{i≠j} p_i > 0; the margin's 0 line is the boundary
            k = prob.shape[-1]
            for j in range(k):
                margin = prob[..., j] - np.max(np.delete(prob, j, axis=-1), axis=-1)
                if margin.max() > 0:
                    ax.contourf(xx, yy, margin, levels=[0.0, 1.5], colors=[PALETTE[j % len(PALETTE)]],
                                alpha=0.3)
                if margin.min() < 0 < margin.max():
                    ax.contour(xx, yy, margin, levels=[0.0], colors="black", linewidths=1.2)
            caption = w("boundary.multi")
        else:
            p = prob.reshape(xx.shape)
            cmap = LinearSegmentedColormap.from_list("blue_white_vermillion",
                                                     [PALETTE[0], "#FFFFFF", PALETTE[1]])
            filled = ax.contourf(xx, yy, p, levels=np.linspace(0, 1, 21), cmap=cmap, alpha=0.55)
            if p.min() < 0.5 < p.max():
                ax.contour(xx, yy, p, levels=[0.5], colors="black", linewidths=2)
            fig.colorbar(filled, ax=ax, label=w("boundary.colorbar"), ticks=np.linspace(0, 1, 6))
            caption = boundary_caption(p, lang)
        _scatter_classes(ax, x_test, labels, w)
        ax.set_title(f"{title}\n{caption}")
        ax.set_xlabel(w("points.x1"))
        ax.set_ylabel(w("points.x2"))
        ax.set_xlim(xx.min(), xx.max())
        ax.set_ylim(yy.min(), yy.max())
        ax.legend(title=w("points.test_points"), loc="upper right", framealpha=0.9)
    return Path(path)


def boundary_caption(p, lang: str = "en") -> str:
    """The decision boundary's caption for a grid of P(class 1): what the shading and the line show, or, when P
    never crosses 0.5, that there is no line and why (a net that learned nothing predicts ~0.5 everywhere)."""
    w = _words(lang)
    p = np.asarray(p, dtype=float)
    p = p[np.isfinite(p)]
    if not p.size:
        return w("boundary.none")
    if p.min() > 0.5 or p.max() <= 0.5:  # class 1 means P > 0.5, as the accuracy counts it
        side = w("boundary.class1") if p.min() > 0.5 else w("boundary.class0")
        lo, hi = f"{p.min():.2f}", f"{p.max():.2f}"
        if lo == hi:  # the same to two decimals everywhere: no range to give
            return w("boundary.flat_one", p=lo, side=side)
        return w("boundary.flat", lo=lo, hi=hi, side=side)
    return w("boundary.line")


# ------------------------------------------------------------------------------------------- compare

def _compare_title(cmp: Comparison, lang: str = "en") -> str:
    w = _words(lang)
    seeds = max((r.seeds for r in cmp.results), default=0)
    return w("compare.what", task=cmp.task, depth=cmp.depth, width=cmp.width,
             seeds=w("compare.seed" if seeds == 1 else "compare.seeds", n=seeds))


def plot_compare(cmp: Comparison, path, lang: str = "en") -> Path:
    """compare.png: training loss and test accuracy (test MSE for regression) per activation over epochs,
    the mean over seeds as a line with a ± std band, one colour per activation."""
    lang = picture_lang(lang)
    w = _words(lang)
    regression = cmp.kind == "regression"
    right_key = "test_loss" if regression else "test_accuracy"
    with _figure(path, 1, 2, figsize=(11, 5.5), lang=lang) as (fig, axes):
        ax_loss, ax_right = axes[0]
        one_seed = max((r.seeds for r in cmp.results), default=0) <= 1  # no spread to draw a band of
        fig.suptitle(w("compare.title_one" if one_seed else "compare.title", what=_compare_title(cmp, lang)))
        everything: dict[str, list] = {"loss": [], right_key: []}
        styles = activation_styles([r.activation for r in cmp.results])
        for summary in cmp.results:
            runs = cmp.runs.get(summary.activation, [])
            colour, line = styles[summary.activation]
            label = (w("compare.diverged", act=summary.activation, d=summary.diverged, s=summary.seeds)
                     if summary.diverged else summary.activation)
            for ax, key in ((ax_loss, "loss"), (ax_right, right_key)):
                key = key if any(key in r.history for r in runs) or key != "test_accuracy" else "accuracy"
                mean, std = _mean_std([r.history.get(key, []) for r in runs])
                if not mean.size:
                    continue
                epochs = np.arange(1, mean.size + 1)
                ax.plot(epochs, mean, line, color=colour, label=label)
                if key in ("test_accuracy", "accuracy"):  # an accuracy stays within [0, 1], its band too
                    lower, upper = np.clip(mean - std, 0.0, 1.0), np.clip(mean + std, 0.0, 1.0)
                else:
                    lower, upper = np.maximum(mean - std, mean / 10), mean + std
                ax.fill_between(epochs, lower, upper, color=colour, alpha=0.18, linewidth=0)
                everything[key if key in everything else right_key].extend(mean)
        ax_loss.set_title(w("compare.loss_title"))
        label = w("compare.loss_label_mse" if regression else "compare.loss_label")
        ax_loss.set_ylabel(w("compare.log", label=label) if _log_if_wide(ax_loss, everything["loss"]) else label)
        if regression:
            ax_right.set_title(w("compare.mse_title"))
            label = w("compare.mse_label")
            log = _log_if_wide(ax_right, everything[right_key])
            ax_right.set_ylabel(w("compare.log", label=label) if log else label)
        else:
            ax_right.set_title(w("compare.accuracy_title"))
            ax_right.set_ylabel(w("compare.accuracy_label"))
            ax_right.axhline(cmp.target, color="black", ls="--", lw=1.2,
                             label=w("compare.target", p=f"{100 * cmp.target:.0f}"))
            _percent_axis(ax_right)
            ax_right.set_ylim(*accuracy_limits(everything[right_key] + [cmp.target]))
        for ax in (ax_loss, ax_right):
            ax.set_xlabel(w("compare.epoch"))
            _integer_x(ax)
        handles, labels = ax_loss.get_legend_handles_labels()
        extra = ax_right.get_legend_handles_labels()
        handles, labels = handles + extra[0][len(cmp.results):], labels + extra[1][len(cmp.results):]
        if handles:
            fig.legend(handles, labels, loc="outside lower center", ncols=min(len(handles), 5))
    return Path(path)


def plot_compare_gradients(cmp: Comparison, path, lang: str = "en") -> Path:
    """compare_gradients.png: first ÷ last hidden ‖δ‖ per activation at init and at the end, as bars from the
    ratio-1 line ("no vanishing") on a log axis, with the values written on them."""
    lang = picture_lang(lang)
    w = _words(lang)
    acts = [r.activation for r in cmp.results]
    series = ((w("ratios.init"), [r.grad_ratio_init for r in cmp.results], MOMENT_COLOURS["init"]),
              (w("ratios.end"), [r.grad_ratio_final for r in cmp.results], MOMENT_COLOURS["end"]))
    upright = len(acts) > 4  # side by side, horizontal labels of neighbouring bars would run into each other
    good = _positive([v for _, vals, _ in series for v in vals if v is not None])
    pad = 20 if upright else 4  # room for the values written beyond the bars' ends
    lo = min(good.min() if good.size else 1.0, 0.1) / pad
    hi = max(good.max() if good.size else 1.0, 10.0) * pad
    with _figure(path, figsize=(10, 6), lang=lang) as (fig, axes):
        ax = axes[0][0]
        ax.set_yscale("log")
        ax.set_ylim(lo, hi)
        ax.axhspan(lo, 0.1, color="#D55E00", alpha=0.15, lw=0, label=w("ratios.vanishing"))
        ax.axhspan(10, hi, color="#CC79A7", alpha=0.15, lw=0, label=w("ratios.exploding"))
        ax.axhline(1.0, color="black", ls="--", lw=1.2, label=w("ratios.one"))
        x = np.arange(len(acts))
        width = 0.38
        for k, (label, values, colour) in enumerate(series):
            pos = x + (k - 0.5) * width
            ok = [v is not None and math.isfinite(v) and v > 0 for v in values]
            heights = [v - 1.0 if good_ else 0.0 for v, good_ in zip(values, ok, strict=True)]
            bars = ax.bar(pos, heights, width * 0.95, bottom=1.0, color=colour, label=label,
                          edgecolor="black", linewidth=0.5)
            for bar, v, good_ in zip(bars, values, ok, strict=True):
                value = _fmt_ratio(v) if good_ else w("ratios.na")
                y = v if good_ else 1.0
                below = good_ and v < 1
                ax.annotate(value, (bar.get_x() + bar.get_width() / 2, y), xytext=(0, -4 if below else 4),
                            textcoords="offset points", ha="center", va="top" if below else "bottom",
                            fontsize=9 if upright else 10, rotation=90 if upright else 0)
        ax.set_xticks(x, acts)
        ax.grid(axis="x", visible=False)
        ax.set_xlabel(w("ratios.x"))
        ax.set_ylabel(w("ratios.y", delta=_delta(lang)))
        ax.set_title(f"{w('ratios.title')}\n{_compare_title(cmp, lang)}")
        fig.legend(loc="outside lower center", ncols=3)
    return Path(path)


# ------------------------------------------------------------------------------------------- gradient study

def plot_gradient_norms(study: GradientStudy, path, lang: str = "en") -> Path:
    """gradient_norms.png: one panel per activation, each layer's ‖δ‖ over epochs (0 = initialisation), the
    epoch's mean with its std as a thin band; log y shared by all panels; layers coloured first → last."""
    lang = picture_lang(lang)
    w = _words(lang)
    acts = list(study.probes)
    nrows, ncols = _panel_grid(len(acts))
    everything = []
    size = (max(10, 4 * ncols + 2), 4.5 * nrows + 1)
    with _figure(path, nrows, ncols, figsize=size, sharey=True, lang=lang) as (fig, axes):
        fig.suptitle(f"{w('norms.title', task=study.task, depth=study.depth, width=study.width)}\n"
                     f"{w('norms.bands')}")
        flat = axes.ravel()
        for ax in flat[len(acts):]:
            ax.set_visible(False)
        for ax, act in zip(flat, acts, strict=False):
            rec = study.probes[act]
            names = _layer_names(rec, lang)
            colours = _layer_colours(len(names))
            snapshots = [rec.init] + (rec.epochs or ([rec.final] if rec.final else []))
            x = np.arange(len(snapshots)) if rec.epochs or not rec.final else np.array([0, study.epochs])
            for i, (name, colour) in enumerate(zip(names, colours, strict=True)):
                mean = np.array([s[i].delta_norm if s[i].delta_norm and s[i].delta_norm > 0 else np.nan
                                 for s in snapshots], dtype=float)
                std = np.array([s[i].delta_norm_std or 0.0 for s in snapshots], dtype=float)
                ax.plot(x, mean, color=colour, label=name, lw=1.8, marker="o" if len(x) <= 25 else None,
                        markersize=3)
                ax.fill_between(x, np.maximum(mean - std, mean / 10), mean + std, color=colour, alpha=0.08,
                                linewidth=0)
                everything.extend(mean)
            init = study.inits.get(act)
            ax.set_title(w("norms.panel", act=act, init=init) if init else act)
            ax.set_xlabel(w("norms.x"))
            _integer_x(ax)
        for row in axes:
            row[0].set_ylabel(w("norms.y", delta=_delta(lang)))
        limits = decade_limits(everything)
        if limits:
            flat[0].set_yscale("log")
            flat[0].set_ylim(*limits)
        handles, labels = flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside right center", title=w("norms.layer"))
    return Path(path)


def plot_gradient_init(study: GradientStudy, path, lang: str = "en") -> Path:
    """gradient_init.png (Nielsen's figure): ‖δ‖ of each layer at initialisation, activations side by side."""
    lang = picture_lang(lang)
    w = _words(lang)
    acts = list(study.probes)
    names = max((_layer_names(r, lang) for r in study.probes.values()), key=len, default=[])
    with _figure(path, figsize=(10, 6), lang=lang) as (fig, axes):
        ax = axes[0][0]
        x = np.arange(len(names))
        width = 0.8 / max(len(acts), 1)
        styles = activation_styles(acts)
        bars = []
        for j, act in enumerate(acts):
            rec = study.probes[act]
            v = np.array([s.delta_norm if s.delta_norm and s.delta_norm > 0 else np.nan for s in rec.init])
            ratio = rec.grad_ratio("init")
            label = w("init.label", act=act, ratio=_fmt_ratio(ratio)) if ratio else act
            pos = x[: v.size] + (j - (len(acts) - 1) / 2) * width
            ax.bar(pos, np.nan_to_num(v, nan=0.0), width * 0.95, color=styles[act][0], label=label,
                   edgecolor="black", linewidth=0.4)
            bars.extend(zip(pos, v, strict=True))
        limits = decade_limits([v for _, v in bars], min_decades=4)
        if limits:
            ax.set_yscale("log")
            ax.set_ylim(limits[0], limits[1] * 3)  # room above the highest bar for its value
            if len(bars) <= 40:  # each bar's value, upright above it (beyond that they would be too small)
                for pos, v in bars:
                    if np.isfinite(v):
                        ax.annotate(_short_sci(v), (pos, v), xytext=(0, 3), textcoords="offset points",
                                    ha="center", va="bottom", rotation=90, fontsize=8)
        ax.set_xticks(x, names)
        ax.grid(axis="x", visible=False)
        ax.set_xlabel(w("init.x"))
        ax.set_ylabel(w("init.y", delta=_delta(lang)))
        ax.set_title(f"{w('init.title')}\n{w('init.net', task=study.task, depth=study.depth, width=study.width)}")
        fig.legend(loc="outside lower center", ncols=min(len(acts), 3))
    return Path(path)


def _short_sci(v: float, _pos=None) -> str:
    """A tick label for tiny numbers: 0.00025 -> '2.5e-4', 0 -> '0'."""
    if v == 0:
        return "0"
    mantissa, exponent = f"{v:.1e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def _plot_hists(study: GradientStudy, path, attr: str, what: str, xlabel: str, lang: str = "en") -> Path:
    from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

    lang = picture_lang(lang)
    w = _words(lang)
    acts = list(study.probes)
    size = (11, max(6.0, 2.8 * len(acts) + 1))
    log = attr == "delta_loghist"  # log10|δ| on one axis for every panel: decades apart are seen as such
    spans = []
    with _figure(path, len(acts), 2, figsize=size, sharex=True if log else "row", lang=lang) as (fig, axes):
        fig.suptitle(f"{w('hist.title', what=w(what))}\n"
                     f"{w('init.net', task=study.task, depth=study.depth, width=study.width)}")
        handles = {}
        for row, act in zip(axes, acts, strict=True):
            rec = study.probes[act]
            names = _layer_names(rec, lang)
            colours = _layer_colours(len(names))
            moments = ((row[0], rec.init, "hist.at_init"), (row[1], _final(rec), "hist.at_end"))
            for ax, stats, moment in moments:
                drawn = False
                for name, colour, s, info in zip(names, colours, stats, rec.layers, strict=True):
                    hist = getattr(s, attr)
                    if not hist or not info.hidden:  # the head's δ = p - y and outputs are another story
                        continue
                    counts, edges = np.asarray(hist[0], float), np.asarray(hist[1], float)
                    total = counts.sum()
                    if total <= 0 or edges.size != counts.size + 1:
                        continue
                    handles[name] = ax.stairs(counts / total, edges, color=colour, lw=1.6, label=name)
                    filled = np.flatnonzero(counts >= 0.001 * total)  # the axis leaves out the thinnest tails
                    spans += [edges[filled[0]], edges[filled[-1] + 1]] if filled.size else []
                    drawn = True
                if not drawn:
                    ax.text(0.5, 0.5, w("hist.none"), transform=ax.transAxes, ha="center",
                            va="center", color="0.4")
                ax.set_title(w(moment, act=act))
                ax.set_ylabel(w("hist.fraction"))
                if log:  # a tick per decade (every other one past eight), labelled as the size it stands for
                    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"1e{int(round(v))}"))
                    continue
                ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
                if attr == "delta_hist":  # tiny δ: '2.5e-4' per tick (an offset text would hit the x label)
                    ax.xaxis.set_major_formatter(FuncFormatter(_short_sci))
        if log and spans:
            lo, hi = math.floor(min(spans)) - 0.5, math.ceil(max(spans)) + 0.5
            axes[0][0].set_xlim(lo, hi)
            for ax in axes.ravel():
                ax.xaxis.set_major_locator(MultipleLocator(1 if hi - lo <= 9 else 2))
        if log:  # one axis for all: one label under it (two would run into each other)
            fig.supxlabel(w(xlabel))
        else:
            for ax in axes[-1]:
                ax.set_xlabel(w(xlabel))
        if handles:
            fig.legend(list(handles.values()), list(handles), loc="outside right center", title=w("norms.layer"))
    return Path(path)


def plot_gradient_hist(study: GradientStudy, path, lang: str = "en") -> Path:
    """gradient_hist.png: histograms of the back-propagated gradient δ per layer, at init and at the end: of
    log10|δ| on one axis for all panels when the probes recorded it (a vanishing gradient is a distribution
    sliding down by decades, layer by layer), else of δ itself (probes.json written before that)."""
    hidden = [s for rec in study.probes.values() for stats in (rec.init, _final(rec))
              for s, info in zip(stats, rec.layers, strict=True) if info.hidden]
    if hidden and all(s.delta_loghist for s in hidden):
        return _plot_hists(study, path, "delta_loghist", "hist.delta_what", "hist.delta_log_x", lang)
    return _plot_hists(study, path, "delta_hist", "hist.delta_what", "hist.delta_x", lang)


def plot_activation_hist(study: GradientStudy, path, lang: str = "en") -> Path:
    """activation_hist.png: histograms of each layer's activation values, at init and at the end."""
    return _plot_hists(study, path, "act_hist", "hist.act_what", "hist.act_x", lang)
