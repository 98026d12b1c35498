"""The narration: sentences under the tables say only what the numbers show, in English and Korean.

Uses the hand-made results of test_report.py (sigmoid's ‖δ‖ falls 4× per layer over 6 hidden layers, so its
first/last hidden ratio is 4^-5 = 0.098%; relu stays flat).
"""

from __future__ import annotations

import dataclasses
import string

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from test_report import make_comparison, make_study

from actcli.teach import narrate
from actcli.teach.texts import LANGS, load


def _summary(cmp, act):
    return next(r for r in cmp.results if r.activation == act)


def test_sigmoid_vanishing_sentence_gives_the_right_percentage():
    sentences = narrate.compare_sentences(make_comparison(), "en")
    assert sentences[0] == ("sigmoid's first hidden layer receives 0.098% of the gradient its last hidden "
                            "layer does at initialisation: the vanishing gradient.")


def test_korean_vanishing_sentence_names_the_concept():
    first = narrate.compare_sentences(make_comparison(), "ko")[0]
    assert "sigmoid" in first and "0.098%" in first and "기울기 소실" in first


def test_compare_says_who_reaches_the_target_and_who_never_does():
    sentences = narrate.compare_sentences(make_comparison(epochs=10), "en")
    assert sentences[1] == ("relu keeps the gradient alive (ratio 1.0) and reaches 90% test accuracy "
                            "in 4 epochs.")
    assert sentences[2].startswith("sigmoid never reaches it in 10 epochs")
    assert len(sentences) == 3  # nothing diverged: no note


def test_compare_counts_seeds_when_not_all_reached_the_target():
    cmp = make_comparison()
    _summary(cmp, "relu").reached_target = 2
    assert "(in 2 of 3 seeds)" in narrate.compare_sentences(cmp, "en")[1]
    assert "(시드 3개 중 2개)" in narrate.compare_sentences(cmp, "ko")[1]


def test_compare_mentions_the_slower_one_when_every_activation_reaches_the_target():
    cmp = make_comparison()
    sig = _summary(cmp, "sigmoid")
    sig.reached_target, sig.epochs_to_target = 3, 9.0
    sentences = narrate.compare_sentences(cmp, "en")
    assert sentences[2].startswith("sigmoid needs 9 epochs and ends at")


def test_compare_notes_diverged_runs():
    sentences = narrate.compare_sentences(make_comparison(diverged=2), "en")
    assert "tanh in 2 of 3" in sentences[-1] and "diverged" in sentences[-1]


def test_no_vanishing_claim_when_every_ratio_is_healthy():
    cmp = make_comparison()
    for r in cmp.results:
        r.grad_ratio_init = 0.8 if r.activation != "tanh" else 1.6
    sentences = narrate.compare_sentences(cmp, "en")
    assert "vanishing gradient" not in sentences[0]
    assert sentences[0].startswith("At initialisation the first/last hidden ‖δ‖ ratio runs from 0.8 (relu) "
                                   "to 1.6 (tanh)")


def test_exploding_gradient_is_named_above_ten():
    cmp = make_comparison()
    for r in cmp.results:
        r.grad_ratio_init = 1.0
    _summary(cmp, "tanh").grad_ratio_init = 25.0
    first = narrate.compare_sentences(cmp, "en")[0]
    assert first.startswith("tanh's first hidden layer receives 25× the gradient")


def test_compare_when_nobody_reaches_the_target():
    cmp = make_comparison()
    for r in cmp.results:
        r.reached_target, r.epochs_to_target = 0, None
    relu = _summary(cmp, "relu")
    assert narrate.compare_sentences(cmp, "en")[1] == (
        f"No activation reaches 90% test accuracy in 10 epochs; the best is relu with "
        f"{100 * relu.test_accuracy_mean:.1f}%.")


def test_regression_compare_names_the_lowest_mse():
    cmp = make_comparison(kind="regression")
    best = min(cmp.results, key=lambda r: r.test_loss_mean)
    sentence = narrate.compare_sentences(cmp, "en")[1]
    assert best.activation == "relu" and f"lowest test MSE ({best.test_loss_mean:.4g})" in sentence
    assert "sigmoid ends highest" in sentence


def test_gradient_sentences_give_ratio_and_per_layer_factor():
    sentences = dict(zip(["relu", "tanh", "sigmoid"], narrate.gradient_sentences(make_study(), "en"),
                         strict=True))
    assert "0.098%" in sentences["sigmoid"] and "shrinks about 4.0× per layer" in sentences["sigmoid"]
    assert sentences["sigmoid"].endswith("At the end of training the ratio is 0.01 (vanishing).")
    assert "keeps its size" in sentences["relu"] and "hidden ratio 1.0)" in sentences["relu"]
    assert "weakens" in sentences["tanh"] and "1.2× smaller per layer" in sentences["tanh"]


def test_gradient_sentences_in_korean():
    sentences = narrate.gradient_sentences(make_study(), "ko")
    assert len(sentences) == 3
    sigmoid = sentences[2]
    assert "0.098%" in sigmoid and "약 4.0배씩 줄어듭니다" in sigmoid and "기울기 소실" in sigmoid


def test_gradient_sentences_for_exploding_and_single_hidden_layer():
    study = make_study(acts=("relu",))
    rec = study.probes["relu"]
    hidden = rec.hidden_indices()
    for k, i in enumerate(hidden):  # grows 2x per layer going back
        rec.init[i] = dataclasses.replace(rec.init[i], delta_norm=2.0 ** (len(hidden) - 1 - k))
    sentence = narrate.gradient_sentences(study, "en")[0]
    assert "receives 32× the gradient" in sentence and "grows about 2.0× per layer" in sentence
    one = narrate.gradient_sentences(make_study(acts=("relu",), depth=1, epochs=2), "en")[0]
    assert one == ("relu: with a single hidden layer there is no first/last ratio; its ‖δ‖ is 1.00e-02 at "
                   "initialisation and 5.00e-03 at the end.")


@pytest.mark.parametrize(("ratio", "state"), [(0.0999, "vanishing"), (0.1, "weakening"), (0.329, "weakening"),
                                              (0.33, "healthy"), (3.0, "healthy"), (3.01, "growing"),
                                              (10.0, "growing"), (10.01, "exploding")])
def test_gradient_state_thresholds(ratio, state):
    assert narrate.gradient_state(ratio) == state


ORDER = ["vanishing", "weakening", "healthy", "growing", "exploding"]


@given(st.floats(1e-12, 1e12), st.floats(1e-12, 1e12))
def test_gradient_state_is_monotone_in_the_ratio(a, b):
    lo, hi = sorted((a, b))
    assert ORDER.index(narrate.gradient_state(lo)) <= ORDER.index(narrate.gradient_state(hi))


@given(st.floats(1e-6, 1e6), st.integers(2, 12))
def test_per_layer_factor_compounds_back_to_the_ratio(ratio, hidden):
    factor = narrate.per_layer_factor(ratio, hidden)
    assert factor >= 1.0
    compounded = factor ** (hidden - 1)
    assert compounded == pytest.approx(1 / ratio if ratio < 1 else ratio, rel=1e-9)


@pytest.mark.parametrize(("ratio", "shown"), [(0.0009765625, "0.098%"), (0.008, "0.8%"), (0.05, "5.0%"),
                                              (0.25, "25%")])
def test_fmt_share(ratio, shown):
    assert narrate.fmt_share(ratio) == shown


# ------------------------------------------------------------------------------------------------- texts

def _flatten(node, prefix=""):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: node}


def _fields(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name}


def test_korean_has_every_english_key_with_the_same_placeholders():
    en, ko = _flatten(load("narrate", "en")), _flatten(load("narrate", "ko"))
    assert en and set(en) == set(ko)
    for key in en:
        assert _fields(en[key]) == _fields(ko[key]), key


def test_every_narration_key_used_in_code_exists():
    import inspect
    import re

    from actcli.report import tables

    key = r'"((?:compare|gradient|caption|title)\.[a-z_]+)"'
    used = set(re.findall(key, inspect.getsource(narrate)))
    used |= set(re.findall(r'text\("narrate", ' + key, inspect.getsource(tables)))  # tables' own are _t(...)
    used |= {f"gradient.{s}" for s in ORDER} | {f"gradient.state.{s}" for s in ORDER}
    en = _flatten(load("narrate", "en"))
    assert used and used <= set(en)


def test_every_table_word_used_in_code_exists():
    import inspect
    import re

    from actcli.cli import study
    from actcli.report import tables

    literal = set(re.findall(r'_t\("([a-z_.]+)"', inspect.getsource(tables)))
    literal |= set(re.findall(r'_words\("([a-z_.]+)"', inspect.getsource(study)))
    templated = {("run", k) for k in ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "test_mse",
                                      "test_mae")}
    templated |= {("status", s) for s in tables.STATUS_STYLE}
    templated |= {("layers", h) for h in ("layer", "name", "units", "activation", "at_init", "at_end", "dead",
                                          "saturated")}
    en = _flatten(load("tables", "en"))
    assert len(literal) > 20 and literal <= set(en)
    assert {f"{a}.{b}" for a, b in templated} <= set(en)


def test_narration_files_are_plain_yaml_in_every_language():
    from importlib import resources

    for lang in LANGS:
        path = resources.files("actcli") / "data" / "texts" / lang / "narrate.yaml"
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict)
