"""Rich renderables for the teaching commands: `activations`, `explain NAME` and `check` findings.

Each function takes the plain data of `actcli.teach` and RETURNS a renderable; nothing is printed or computed
here beyond layout. The small terminal plot is drawn as unicode braille text (`braille_plot`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from actcli.teach.texts import text

LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
SHRINKS = "red"
VANISHING_ROOT = "bold red"
_BRAILLE_BASE = 0x2800
# dot bit for (column 0/1, row 0..3) inside one braille cell
_DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


# ------------------------------------------------------------------------------------------ activations


def activations_table(rows: list[dict], lang: str = "en") -> Table:
    """One row per activation: name (aliases), formula, range, largest slope (red below 1), use, pitfalls."""
    t = lambda key, **v: text("explain", key, lang, **v)  # noqa: E731
    table = Table(
        title=t("table.title", n=len(rows)),
        caption=t("table.caption"),
        caption_justify="left",
        show_lines=True,
        expand=False,
    )
    table.add_column(t("table.name"), style="bold", no_wrap=True)
    table.add_column(t("table.formula"), overflow="fold")
    table.add_column(t("table.range"), overflow="fold")
    table.add_column(t("table.max_derivative"), justify="right", no_wrap=True)
    table.add_column(t("table.use"), overflow="fold")
    table.add_column(t("table.pitfalls"), overflow="fold")
    for row in rows:
        name = Text(row["name"])
        if row["aliases"]:
            name.append("\n" + t("table.aliases", aliases=", ".join(row["aliases"])), style="dim")
        slope_style = VANISHING_ROOT if row["name"] == "sigmoid" else (SHRINKS if row["shrinks"] else "")
        use = Text(", ".join(row["roles"]), style="bold")
        use.append("\n" + row["use"], style="")
        table.add_row(
            name,
            row["formula"],
            row["output_range"],
            Text(row["max_derivative_text"], style=slope_style),
            use,
            row["pitfalls"],
        )
    return table


# ------------------------------------------------------------------------------------------ terminal plot


def braille_plot(
    x: Sequence[float],
    ys: Sequence[Sequence[float]],
    width: int = 48,
    height: int = 8,
    dotted: Sequence[bool] = (),
) -> list[str]:
    """Curves `ys` over `x` as `height` lines of `width` braille cells (2×4 dots each), shared y axis.

    `dotted[i]` draws curve i on every other dot column. Non-finite values are skipped. Returns plain text
    lines with the y range on the left and a zero line (·) when 0 is inside the range.
    """
    xs = np.asarray(x, dtype=float)
    curves = [np.asarray(y, dtype=float) for y in ys]
    finite = np.concatenate([c[np.isfinite(c)] for c in curves]) if curves else np.array([])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi - lo < 1e-12:
        lo, hi = lo - 1.0, hi + 1.0
    pad = 0.05 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    W, H = 2 * width, 4 * height
    cells = np.zeros((height, width), dtype=np.int64)

    def put(col: int, row: int) -> None:
        if 0 <= col < W and 0 <= row < H:
            cells[row // 4, col // 2] |= _DOTS[col % 2][row % 4]

    def row_of(v: float) -> int:
        return int(round((hi - v) / (hi - lo) * (H - 1)))

    if lo < 0 < hi:
        for col in range(0, W, 4):
            put(col, row_of(0.0))
    cols = np.clip(((xs - xs[0]) / max(xs[-1] - xs[0], 1e-12) * (W - 1)).round().astype(int), 0, W - 1)
    for i, c in enumerate(curves):
        step = 2 if (i < len(dotted) and dotted[i]) else 1
        prev = None
        for col in range(0, W, step):
            vals = c[cols == col]
            vals = vals[np.isfinite(vals)]
            if vals.size == 0:
                prev = None
                continue
            r = row_of(float(vals.mean()))
            if prev is not None and step == 1:  # join steep segments vertically
                for rr in range(min(prev, r), max(prev, r) + 1):
                    put(col, rr)
            put(col, r)
            prev = r
    top, bottom = _fmt_axis(hi - pad), _fmt_axis(lo + pad)
    label_w = max(len(top), len(bottom))
    lines = []
    for i in range(height):
        label = top if i == 0 else (bottom if i == height - 1 else "")
        lines.append(f"{label:>{label_w}} ┤" + "".join(chr(_BRAILLE_BASE + int(v)) for v in cells[i]))
    lines.append(" " * label_w + " └" + "─" * width)
    left, right = _fmt_axis(float(xs[0])), _fmt_axis(float(xs[-1]))
    lines.append(" " * (label_w + 2) + left + " " * max(1, width - len(left) - len(right)) + right)
    return lines


def _fmt_axis(v: float) -> str:
    if not math.isfinite(v):
        return "?"
    return f"{v:.3g}"


# ------------------------------------------------------------------------------------------ explain


def _fmt_list(values: Sequence[float], digits: int = 3) -> str:
    return "[" + ", ".join(f"{v:.{digits}f}" for v in values) + "]"


def explanation_renderable(expl) -> Group:
    """`actcli explain NAME`: the facts, the advice, a terminal plot, and softmax's worked example."""
    lang = expl.lang
    t = lambda key, **v: text("explain", key, lang, **v)  # noqa: E731
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column(overflow="fold")
    facts.add_row(t("label.formula"), expl.formula)
    facts.add_row(t("label.derivative"), expl.derivative_formula)
    facts.add_row(t("label.range"), expl.output_range)
    slope_style = VANISHING_ROOT if expl.name == "sigmoid" else (SHRINKS if expl.max_derivative < 1 else "")
    slope = "∞" if math.isinf(expl.max_derivative) else f"{expl.max_derivative:.4g}"
    facts.add_row(t("label.max_derivative"), Text(slope, style=slope_style))
    if expl.aliases:
        facts.add_row(t("label.aliases"), ", ".join(expl.aliases))
    facts.add_row(t("label.roles"), ", ".join(expl.roles))
    advice = Table.grid(padding=(0, 2))
    advice.add_column(style="bold", no_wrap=True)
    advice.add_column(overflow="fold")
    for key in ("use", "avoid", "pitfalls", "deep"):
        advice.add_row(t(f"label.{key}"), getattr(expl, key))
    advice.add_row(t("label.initializer"), expl.initializer_why)
    lo, hi = float(expl.x[0]), float(expl.x[-1])
    plot = Text("\n".join(braille_plot(expl.x, [expl.y, expl.dy], dotted=[False, True])))
    parts: list = [
        Panel(facts, title=f"[bold]{expl.name}[/bold]", expand=False),
        advice,
        Panel(plot, title=t("label.plot", lo=f"{lo:g}", hi=f"{hi:g}"), expand=False),
    ]
    for note in expl.notes:
        parts.append(Text(note, style=VANISHING_ROOT if expl.name == "sigmoid" else SHRINKS))
    if expl.worked is not None:
        parts.append(softmax_renderable(expl.worked, lang))
    return Group(*parts)


def softmax_renderable(w, lang: str = "en") -> Group:
    t = lambda key, **v: text("explain", key, lang, **v)  # noqa: E731
    head = Text(t("softmax.title"), style="bold")
    three = Text(t("softmax.three", logits=_fmt_list(w.logits, 1), probs=_fmt_list(w.probabilities)))
    total = Text(t("softmax.sum", total=f"{w.total:.6f}"), style="bold green")
    table = Table(title=t("softmax.ten_title"), show_footer=True)
    table.add_column("#", footer="")
    table.add_column(t("softmax.col_logit"), justify="right", footer=t("softmax.total"))
    table.add_column(
        t("softmax.col_softmax"), justify="right", footer=Text(f"{w.softmax10_total:.4f}", style="bold green")
    )
    table.add_column(
        t("softmax.col_sigmoid"), justify="right", footer=Text(f"{w.sigmoid10_total:.4f}", style="bold red")
    )
    for i, (z, s, g) in enumerate(zip(w.logits10, w.softmax10, w.sigmoid10, strict=True)):
        table.add_row(str(i), f"{z:.1f}", f"{s:.4f}", f"{g:.4f}")
    why = Text(t("softmax.why", soft_total=f"{w.softmax10_total:.4f}", sig_total=f"{w.sigmoid10_total:.4f}"))
    return Group(head, three, total, table, why)


# ------------------------------------------------------------------------------------------ check


def findings_table(findings: list, lang: str = "en") -> Table:
    """`actcli check`: one row per finding: level (in colour), key path, what and why, how to fix it."""
    t = lambda key, **v: text("check", key, lang, **v)  # noqa: E731
    counts = {lvl: sum(f.level == lvl for f in findings) for lvl in LEVEL_STYLE}
    table = Table(
        title=t("table.title", errors=counts["error"], warnings=counts["warning"], infos=counts["info"]),
        show_lines=True,
    )
    table.add_column(t("table.level"), no_wrap=True)
    table.add_column(t("table.path"), style="bold", overflow="fold")
    table.add_column(t("table.message"), overflow="fold", ratio=3)
    table.add_column(t("table.fix"), overflow="fold", ratio=2)
    for f in findings:
        where = f"{f.path}\n{t('table.line', n=f.line)}" if getattr(f, "line", 0) else f.path
        table.add_row(Text(t(f"level.{f.level}"), style=LEVEL_STYLE[f.level]), where, f.message, f.fix)
    return table
