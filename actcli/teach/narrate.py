"""Plain words under the tables: a few sentences that say what a comparison or a gradient study shows.

Every claim is computed from the result dataclasses with fixed thresholds; the sentences themselves live in
`actcli/data/texts/<lang>/narrate.yaml`. No Rich and no drawing here.
"""

from __future__ import annotations

import math

from actcli.results import ActivationSummary, Comparison, GradientStudy, LayerStats, ProbeRecord
from actcli.teach.texts import text

# first/last hidden ‖δ‖ ratio: below VANISHING the gradient vanishes, above EXPLODING it explodes,
# between HEALTHY_LO and HEALTHY_HI it keeps its size; the gaps are "weakening" and "growing".
VANISHING, HEALTHY_LO, HEALTHY_HI, EXPLODING = 0.1, 0.33, 3.0, 10.0


def _ok(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def gradient_state(ratio: float) -> str:
    """'vanishing' (< 0.1), 'weakening', 'healthy' (0.33 … 3), 'growing' or 'exploding' (> 10)."""
    if ratio < VANISHING:
        return "vanishing"
    if ratio < HEALTHY_LO:
        return "weakening"
    if ratio <= HEALTHY_HI:
        return "healthy"
    if ratio <= EXPLODING:
        return "growing"
    return "exploding"


def fmt_share(ratio: float) -> str:
    """A ratio as a percentage with two significant digits at most: 0.008 -> '0.8%', 0.000977 -> '0.098%'."""
    pct = 100 * ratio
    if pct >= 10:
        return f"{pct:.0f}%"
    return f"{pct:.2g}%" if pct < 1 else f"{pct:.1f}%"


def fmt_ratio(x: float) -> str:
    """A ratio near 1 in plain digits ('1.0', '0.33'), far from 1 in scientific ('9.8e-04')."""
    if not 0.01 <= abs(x) < 1000:
        return f"{x:.1e}"
    shown = f"{x:.2g}"
    return f"{x:.1f}" if "." not in shown and abs(x) < 10 else shown


def _fmt_epochs(x: float) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 0.05 else f"{x:.1f}"


def _pct(x: float | None) -> str:
    return f"{100 * x:.1f}%" if _ok(x) else "–"


def _seeds(r: ActivationSummary, lang: str) -> str:
    return "" if r.reached_target >= r.seeds else text("narrate", "compare.seeds_note", lang,
                                                       k=r.reached_target, n=r.seeds)


def _gradient_sentence(rs: list[ActivationSummary], lang: str) -> list[str]:
    with_ratio = [r for r in rs if _ok(r.grad_ratio_init) and r.grad_ratio_init > 0]
    if not with_ratio:
        return []
    low = min(with_ratio, key=lambda r: r.grad_ratio_init)
    high = max(with_ratio, key=lambda r: r.grad_ratio_init)
    if low.grad_ratio_init < VANISHING:
        return [text("narrate", "compare.vanishing", lang, act=low.activation,
                     pct=fmt_share(low.grad_ratio_init))]
    if high.grad_ratio_init > EXPLODING:
        return [text("narrate", "compare.exploding", lang, act=high.activation,
                     ratio=fmt_ratio(high.grad_ratio_init))]
    if low is high:  # one activation (or an interrupted sweep): no range to speak of
        return [text("narrate", "compare.even_one", lang, ratio=fmt_ratio(low.grad_ratio_init), act=low.activation)]
    return [text("narrate", "compare.even", lang, lo=fmt_ratio(low.grad_ratio_init), lo_act=low.activation,
                 hi=fmt_ratio(high.grad_ratio_init), hi_act=high.activation)]


def _alive(r: ActivationSummary) -> bool:
    return _ok(r.grad_ratio_init) and gradient_state(r.grad_ratio_init) == "healthy"


def _outcome_sentences(cmp: Comparison, lang: str) -> list[str]:
    rs = cmp.results
    if cmp.kind == "regression":
        scored = [r for r in rs if _ok(r.test_loss_mean)]
        if len(scored) < 2:
            return []
        best = min(scored, key=lambda r: r.test_loss_mean)
        worst = max(scored, key=lambda r: r.test_loss_mean)
        key = "compare.regression_alive" if _alive(best) else "compare.regression_best"
        return [text("narrate", key, lang, act=best.activation, ratio=fmt_ratio(best.grad_ratio_init or 0.0),
                     mse=f"{best.test_loss_mean:.4g}", worst=worst.activation,
                     worst_mse=f"{worst.test_loss_mean:.4g}")]

    target = f"{100 * cmp.target:.0f}%"
    scored = [r for r in rs if _ok(r.test_accuracy_mean)]
    if not scored:
        return []
    reached = [r for r in scored if r.reached_target > 0 and _ok(r.epochs_to_target)]
    if not reached:
        best = max(scored, key=lambda r: r.test_accuracy_mean)
        return [text("narrate", "compare.none_reach", lang, target=target, total=cmp.epochs,
                     act=best.activation, acc=_pct(best.test_accuracy_mean))]
    # first to the target (ties: more seeds reached it, then higher accuracy)
    best = min(reached, key=lambda r: (r.epochs_to_target, -r.reached_target, -r.test_accuracy_mean))
    key = "compare.alive_reaches" if _alive(best) else "compare.reaches"
    out = [text("narrate", key, lang, act=best.activation, ratio=fmt_ratio(best.grad_ratio_init or 0.0),
                target=target, epochs=_fmt_epochs(best.epochs_to_target), seeds=_seeds(best, lang),
                acc=_pct(best.test_accuracy_mean))]
    never = [r for r in scored if r.reached_target == 0]
    if never:
        worst = min(never, key=lambda r: r.test_accuracy_mean)
        out.append(text("narrate", "compare.worst_never", lang, act=worst.activation, total=cmp.epochs,
                        acc=_pct(worst.test_accuracy_mean)))
    elif len(reached) > 1:
        worst = max(reached, key=lambda r: (r.epochs_to_target, -r.test_accuracy_mean))
        if worst is not best and worst.epochs_to_target > best.epochs_to_target:
            out.append(text("narrate", "compare.worst_slower", lang, act=worst.activation,
                            epochs=_fmt_epochs(worst.epochs_to_target), seeds=_seeds(worst, lang),
                            acc=_pct(worst.test_accuracy_mean)))
    return out


def compare_sentences(cmp: Comparison, lang: str = "en") -> list[str]:
    """2–3 sentences on a comparison: the gradient at initialisation, who reaches the target first and who
    never does (lowest MSE for regression), and a note when runs diverged."""
    out = _gradient_sentence(cmp.results, lang) + _outcome_sentences(cmp, lang)
    diverged = [r for r in cmp.results if r.diverged]
    if diverged:
        runs = ", ".join(text("narrate", "compare.diverged_item", lang, act=r.activation, k=r.diverged,
                              n=r.seeds) for r in diverged)
        out.append(text("narrate", "compare.diverged", lang, runs=runs))
    return out


def _final(rec: ProbeRecord) -> list[LayerStats]:
    return rec.final or (rec.epochs[-1] if rec.epochs else rec.init)


def per_layer_factor(ratio: float, hidden_layers: int) -> float:
    """The mean factor by which ‖δ‖ changes per hidden layer: ratio^(1/(n-1)), inverted when it shrinks."""
    step = ratio ** (1.0 / (hidden_layers - 1))
    return 1.0 / step if step < 1 else step


def gradient_sentences(study: GradientStudy, lang: str = "en") -> list[str]:
    """One item per activation: the first/last hidden ‖δ‖ ratio at initialisation with its per-layer factor,
    and the ratio at the end of training."""
    out = []
    for act, rec in study.probes.items():
        hidden = rec.hidden_indices()
        ratio = rec.grad_ratio("init")
        if len(hidden) == 1:
            i = hidden[0]
            out.append(text("narrate", "gradient.one_hidden", lang, act=act,
                            init=f"{rec.init[i].delta_norm:.2e}", end=f"{_final(rec)[i].delta_norm:.2e}"))
            continue
        if not _ok(ratio) or ratio <= 0:
            continue
        state = gradient_state(ratio)
        sentence = text("narrate", f"gradient.{state}", lang, act=act, pct=fmt_share(ratio),
                        ratio=fmt_ratio(ratio), factor=f"{per_layer_factor(ratio, len(hidden)):.1f}")
        end = rec.grad_ratio("final")
        if (rec.final or rec.epochs) and _ok(end) and end > 0:
            sentence += " " + text("narrate", "gradient.end", lang, ratio=fmt_ratio(end),
                                   state=text("narrate", f"gradient.state.{gradient_state(end)}", lang))
        out.append(sentence)
    return out
