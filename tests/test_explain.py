"""`actcli activations` and `actcli explain`: facts from the registry, live numbers, and their rendering."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from actcli.nn import activations
from actcli.nn._registry import UnknownNameError
from actcli.report import teach_tables
from actcli.teach import explain as ex


def _render(renderable, width: int = 120) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def test_sigmoid_largest_slope_is_a_quarter_and_is_called_the_root_of_vanishing():
    e = ex.explain("sigmoid")
    assert e.max_derivative == 0.25
    assert float(e.dy.max()) == pytest.approx(0.25, abs=1e-12)  # at x = 0, on the grid
    assert any("0.25" in note and "vanishing" in note for note in e.notes)
    assert "0.25^10" in e.deep and "9.5e-07" in e.deep


def test_softmax_worked_example_sums_to_one_and_ten_sigmoids_do_not():
    w = ex.explain("softmax").worked
    assert w is not None
    assert w.probabilities == pytest.approx([0.6590011, 0.2424329, 0.0985660], abs=1e-6)
    assert abs(w.total - 1) < 1e-6 and abs(sum(w.probabilities) - 1) < 1e-6
    assert abs(w.softmax10_total - 1) < 1e-6
    assert len(w.sigmoid10) == 10
    assert w.sigmoid10_total == pytest.approx(sum(1 / (1 + np.exp(-z)) for z in ex.TEN_LOGITS))
    assert abs(w.sigmoid10_total - 1) > 1  # about 5.48: ten yes/no answers, not a distribution


def test_only_softmax_gets_a_worked_example():
    assert ex.explain("relu").worked is None


def test_unknown_name_raises_the_registry_error_with_the_closest_name():
    with pytest.raises(UnknownNameError) as info:
        ex.explain("softmx")
    assert info.value.suggestion == "softmax"


def test_aliases_explain_their_activation():
    e = ex.explain("swish")
    assert e.name == "silu" and e.aliases == ["swish"]


def test_initializer_advice_matches_auto_initializer():
    assert ex.explain("relu").initializer == "he_normal"
    assert ex.explain("tanh").initializer == "glorot_uniform"
    assert ex.explain("selu").initializer == "lecun_normal"
    assert "He" in ex.explain("relu").initializer_why


def test_activation_rows_cover_every_registered_activation_with_registry_facts():
    rows = ex.activation_rows("en")
    assert [r["name"] for r in rows] == activations.names()
    by_name = {r["name"]: r for r in rows}
    assert by_name["sigmoid"]["max_derivative"] == 0.25 and by_name["sigmoid"]["shrinks"]
    assert not by_name["relu"]["shrinks"]
    assert by_name["relu"]["formula"] == activations.ReLU.formula
    assert by_name["silu"]["aliases"] == ["swish"]
    assert by_name["softmax"]["roles"] == ["multi-class head"]
    assert by_name["glu"]["max_derivative_text"] == "∞"


def test_korean_rows_and_explanations_differ_from_english():
    en, ko = ex.activation_rows("en"), ex.activation_rows("ko")
    assert [r["formula"] for r in en] == [r["formula"] for r in ko]  # the math is not translated
    assert all(a["use"] != b["use"] for a, b in zip(en, ko, strict=True))
    assert ex.explain("sigmoid", "ko").deep != ex.explain("sigmoid", "en").deep


@pytest.mark.parametrize("name", activations.names())
def test_curve_matches_forward_and_finite_differences(name):
    x, y, dy = ex.curve(name, -4.0, 4.0, 801)
    assert x.shape == y.shape == dy.shape == (801,)
    assert np.isfinite(y).all() and np.isfinite(dy).all()
    # central differences of y, away from kinks/jumps of the piecewise functions
    h = x[1] - x[0]
    fd = (y[2:] - y[:-2]) / (2 * h)
    smooth = np.abs(dy[2:] - dy[:-2]) < 0.05  # derivative continuous on this stretch
    # O(h) error where only the second derivative jumps (elu, celu at 0) or the slope has a cusp (softsign)
    assert np.allclose(fd[smooth], dy[1:-1][smooth], atol=2e-2)
    assert np.median(np.abs(fd[smooth] - dy[1:-1][smooth])) < 1e-4


def test_curve_of_softmax_is_the_sigmoid_of_the_first_entry():
    x, y, dy = ex.curve("softmax")
    s = 1 / (1 + np.exp(-x))
    assert np.allclose(y, s) and np.allclose(dy, s * (1 - s))


@settings(max_examples=30, deadline=None)
@given(st.floats(-50, 50), st.floats(0.1, 50), st.integers(3, 200))
def test_curve_spans_the_requested_interval(lo, width, n):
    x, y, _ = ex.curve("tanh", lo, lo + width, n)
    assert x[0] == lo and x[-1] == pytest.approx(lo + width) and len(x) == n
    assert np.all(np.abs(y) <= 1)


def test_braille_plot_has_the_requested_size_and_draws_both_curves():
    x, y, dy = ex.curve("sigmoid")
    lines = teach_tables.braille_plot(x, [y, dy], width=40, height=6, dotted=[False, True])
    assert len(lines) == 6 + 2
    body = [line.split("┤", 1)[1] for line in lines[:6]]
    assert all(len(b) == 40 for b in body)
    assert all(0x2800 <= ord(c) <= 0x28FF for b in body for c in b)
    assert sum(c != "\u2800" for b in body for c in b) > 40  # something is drawn
    top, bottom = (float(lines[i].split("┤")[0]) for i in (0, 5))  # the data's max and min
    assert top == pytest.approx(y.max(), rel=1e-2)
    assert bottom == pytest.approx(min(y.min(), dy.min()), rel=1e-2)


def test_explain_renders_formula_plot_and_softmax_sum():
    out = _render(teach_tables.explanation_renderable(ex.explain("softmax")))
    assert activations.Softmax.formula in out
    assert "sum = 1.000000" in out
    assert "5.4845" in out  # the ten sigmoids' sum
    assert any(0x2800 < ord(c) <= 0x28FF for c in out)


def test_activations_table_lists_every_activation_in_korean_too():
    out = _render(teach_tables.activations_table(ex.activation_rows("ko"), "ko"), width=200)
    assert "활성화 함수" in out
    for name in activations.names():
        assert name in out


def test_picture_of_an_activation_is_written(tmp_path):
    plots = pytest.importorskip("actcli.report.plots")
    e = ex.explain("relu")
    path = plots.plot_activation_function(e.name, e.x, e.y, e.dy, tmp_path / "relu.png", e.picture_title)
    assert path.stat().st_size > 1000
    assert e.picture_title.isascii()
