"""`actcli check`: the linter's findings on the shipped configs and on specs built to trip each rule."""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from actcli.report import teach_tables
from actcli.spec import load_spec, spec_from_dict
from actcli.teach.check import Finding, check_spec, errors_only

CONFIGS = Path(__file__).resolve().parents[1] / "actcli" / "data" / "configs"

BASE = {
    "name": "t",
    "task": {"dataset": "moons", "n_samples": 200, "seed": 0},
    "model": {"layers": [
        {"units": 8, "activation": "relu", "kernel_initializer": "he_normal"},
        {"units": 1, "activation": "sigmoid"},
    ]},
    "training": {"loss": "binary_crossentropy", "epochs": 1},
}


def spec(**changes):
    """BASE with dotted-path changes, e.g. spec(**{"model.layers[1].units": 2})."""
    d = copy.deepcopy(BASE)
    for path, value in changes.items():
        node, parts = d, re.findall(r"[^.\[\]]+", path)
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        last = parts[-1]
        node[int(last) if last.isdigit() else last] = value
    return spec_from_dict(d)


def codes(findings: list[Finding], level: str | None = None) -> list[str]:
    return [f.code for f in findings if level is None or f.level == level]


def config(name: str):
    return load_spec(CONFIGS / f"{name}.yaml")


def test_a_sound_spec_has_nothing_to_say():
    assert check_spec(spec()) == []


def test_notes_sigmoid_head_gives_exactly_one_warning_at_the_head_activation():
    findings = check_spec(config("notes-sigmoid-head"), CONFIGS)
    warnings = [f for f in findings if f.level == "warning"]
    assert len(warnings) == 1
    w = warnings[0]
    assert w.path == "model.layers[2].activation" and w.code == "sigmoid_multiclass_head"
    assert "sum to 1" in w.message and "softmax" in w.fix
    assert errors_only(findings) == []


def test_notes_softmax_head_has_no_warning():
    assert codes(check_spec(config("notes-softmax-head"), CONFIGS), "warning") == []


def test_deep_sigmoid_warns_of_the_vanishing_gradient_quoting_the_ratio():
    findings = check_spec(config("deep-sigmoid"), CONFIGS)
    (w,) = [f for f in findings if f.code == "vanishing_gradient"]
    assert w.level == "warning"
    ratio = float(re.search(r"ratio ([0-9.e+-]+)", w.message).group(1))
    pct = float(re.search(r"receives ([0-9.]+)%", w.message).group(1))
    assert 0 < ratio < 0.1 and pct == pytest.approx(100 * ratio, rel=0.06)
    assert "he_normal" in w.fix


def test_deep_relu_has_no_vanishing_warning():
    assert "vanishing_gradient" not in codes(check_spec(config("deep-relu"), CONFIGS))


def test_probe_false_skips_the_gradient_measurement():
    assert "vanishing_gradient" not in codes(check_spec(config("deep-sigmoid"), CONFIGS, probe=False))


def test_one_hidden_layer_is_never_measured():
    s = spec(**{"model.layers[0].activation": "sigmoid",
                "model.layers[0].kernel_initializer": "glorot_uniform"})
    assert check_spec(s) == []


@pytest.mark.parametrize("name", ["binary-sigmoid-head", "circles-relu", "deep-relu", "deep-sigmoid",
                                  "digits-deep-sigmoid", "notes-sigmoid-head", "notes-softmax-head",
                                  "regression-linear", "spiral3-softmax"])
def test_shipped_configs_have_no_errors(name):
    assert errors_only(check_spec(config(name), CONFIGS)) == []


def test_softmax_with_one_unit_is_an_error():
    findings = check_spec(spec(**{"model.layers[1].activation": "softmax"}))
    assert codes(findings) == ["softmax_one_unit"]
    assert findings[0].path == "model.layers[1].activation" and "1.0" in findings[0].message


def test_linear_head_with_cross_entropy_without_logits_is_an_error_and_with_logits_is_fine():
    assert codes(check_spec(spec(**{"model.layers[1].activation": None}))) == ["linear_head_cross_entropy"]
    ok = spec(**{"model.layers[1].activation": None,
                 "training.loss": {"name": "binary_crossentropy", "from_logits": True}})
    assert check_spec(ok) == []


def test_relu_head_with_cross_entropy_is_a_warning():
    findings = check_spec(spec(**{"model.layers[1].activation": "relu"}))
    assert [(f.level, f.code) for f in findings] == [("warning", "relu_head_cross_entropy")]


def test_from_logits_on_a_sigmoid_head_is_a_warning():
    s = spec(**{"training.loss": {"name": "binary_crossentropy", "from_logits": True}})
    assert codes(check_spec(s), "warning") == ["from_logits_on_probabilities"]


def test_categorical_crossentropy_on_a_one_unit_binary_head_is_an_error():
    findings = check_spec(spec(**{"training.loss": "categorical_crossentropy"}))
    assert codes(findings, "error") == ["cce_one_unit"] and findings[0].path == "training.loss"


def test_sparse_crossentropy_with_one_unit_is_an_error():
    assert codes(check_spec(spec(**{"training.loss": "sparse_categorical_crossentropy"})), "error") == [
        "sparse_one_unit"]


def test_head_units_that_do_not_match_the_classes_is_an_error():
    s = spec(**{"task": {"dataset": "blobs", "classes": 4, "n_samples": 200},
                "model.layers[1]": {"units": 3, "activation": "softmax"},
                "training.loss": "categorical_crossentropy"})
    findings = check_spec(s)
    assert codes(findings) == ["units_mismatch"]
    assert findings[0].path == "model.layers[1].units" and "4" in findings[0].fix


def test_regression_loss_on_a_softmax_classifier_is_a_warning():
    s = spec(**{"task": {"dataset": "blobs", "classes": 3, "n_samples": 200},
                "model.layers[1]": {"units": 3, "activation": "softmax"}, "training.loss": "mse"})
    assert [(f.level, f.code) for f in check_spec(s)] == [("warning", "regression_loss_on_classification")]


def test_classification_loss_on_a_regression_task_is_an_error():
    s = spec(**{"task": {"dataset": "plane", "n_samples": 200}, "model.layers[1].activation": None})
    findings = check_spec(s)
    assert codes(findings) == ["classification_loss_on_regression"] and findings[0].level == "error"


def test_sigmoid_head_on_regression_is_a_warning():
    s = spec(**{"task": {"dataset": "plane", "n_samples": 200}, "training.loss": "mse"})
    assert codes(check_spec(s), "warning") == ["bounded_regression_head"]


def test_input_dim_that_does_not_match_the_task_is_an_error():
    s = spec(**{"model.input_dim": 5})
    assert codes(check_spec(s), "error") == ["input_dim_mismatch"]


def test_hidden_softmax_dead_bias_and_selu_without_lecun_are_warnings():
    s = spec(**{"model.layers": [
        {"units": 8, "activation": "softmax"},
        {"units": 8, "activation": "relu", "kernel_initializer": "he_normal",
         "bias_initializer": {"name": "constant", "value": -1.0}},
        {"units": 8, "activation": "selu", "kernel_initializer": "glorot_uniform"},
        {"units": 1, "activation": "sigmoid"}]})
    found = {(f.level, f.path, f.code) for f in check_spec(s, probe=False)}
    assert ("warning", "model.layers[0].activation", "softmax_hidden") in found
    assert ("warning", "model.layers[1].bias_initializer", "dead_bias") in found
    assert ("warning", "model.layers[2].kernel_initializer", "selu_init") in found


def test_a_slightly_negative_bias_is_not_flagged():
    s = spec(**{"model.layers[0].bias_initializer": {"name": "constant", "value": -0.1}})
    assert check_spec(s) == []


def test_initializer_advice_is_info_and_grouped_per_activation():
    s = spec(**{"model.layers": [
        {"units": 8, "activation": "relu"}, {"units": 8, "activation": "relu"},
        {"units": 8, "activation": "tanh", "kernel_initializer": "he_uniform"},
        {"units": 1, "activation": "sigmoid"}]})
    infos = [f for f in check_spec(s, probe=False) if f.level == "info"]
    assert [(f.path, f.code) for f in infos] == [("model.layers[0].kernel_initializer", "init_advice"),
                                                 ("model.layers[2].kernel_initializer", "init_advice")]
    assert "0, 1" in infos[0].message and "he_normal" in infos[0].fix
    assert "glorot_uniform" in infos[1].fix


def test_findings_come_errors_first_then_warnings_then_info():
    s = spec(**{"model.layers": [
        {"units": 8, "activation": "relu"},
        {"units": 8, "activation": "softmax", "kernel_initializer": "he_normal"},
        {"units": 1, "activation": "softmax"}]})
    levels = [f.level for f in check_spec(s, probe=False)]
    assert levels == sorted(levels, key=["error", "warning", "info"].index) and levels[0] == "error"


def test_korean_findings_differ_from_english_but_keep_paths_and_codes():
    en = check_spec(config("notes-sigmoid-head"), CONFIGS, lang="en")
    ko = check_spec(config("notes-sigmoid-head"), CONFIGS, lang="ko")
    assert [(f.level, f.path, f.code) for f in en] == [(f.level, f.path, f.code) for f in ko]
    for a, b in zip(en, ko, strict=True):
        assert a.message != b.message and a.fix != b.fix
        assert re.search("[\uac00-\ud7a3]", b.message)


def test_unreadable_data_is_one_error_at_task(tmp_path):
    s = spec(**{"task": {"dataset": "csv", "path": "missing.csv"}})
    findings = check_spec(s, tmp_path)
    assert [(f.level, f.path, f.code) for f in findings] == [("error", "task", "data_unreadable")]


def test_findings_table_shows_level_path_message_and_fix():
    findings = check_spec(config("notes-sigmoid-head"), CONFIGS)
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(teach_tables.findings_table(findings, "en"))
    out = console.file.getvalue()
    assert "warning" in out and "model.layers[2].activation" in out and "softmax" in out
    assert "0 error(s), 1 warning(s), 1 note(s)" in out


def test_finding_to_dict_is_plain_json():
    f = check_spec(spec(**{"model.layers[1].activation": "softmax"}))[0]
    assert f.to_dict() == {"level": "error", "path": "model.layers[1].activation", "code": "softmax_one_unit",
                           "message": f.message, "fix": f.fix, "line": 0}


def test_binary_crossentropy_on_a_multiclass_softmax_head_is_a_warning(tmp_path):
    from actcli.spec import spec_from_dict
    from actcli.teach.check import check_spec

    spec = spec_from_dict({"name": "bce-softmax", "task": {"dataset": "blobs", "classes": 4},
                           "model": {"layers": [{"units": 8, "activation": "relu"},
                                                {"units": 4, "activation": "softmax"}]},
                           "training": {"loss": "binary_crossentropy"}})
    for lang in ("en", "ko"):
        found = [f for f in check_spec(spec, tmp_path, lang) if f.code == "bce_on_softmax_head"]
        assert len(found) == 1 and found[0].level == "warning" and found[0].path == "training.loss"
        assert "categorical_crossentropy" in found[0].fix


def test_binary_crossentropy_one_unit_head_on_a_multiclass_task_points_to_softmax():
    s = spec(**{"task": {"dataset": "spiral", "classes": 3, "n_samples": 150}})
    findings = check_spec(s)
    assert codes(findings, "error") == ["bce_one_unit_multiclass"]
    f = findings[0]
    assert f.path == "model.layers[1].units" and "3 classes" in f.message
    assert "softmax" in f.fix and "categorical_crossentropy" in f.fix and "3 units" in f.fix
    fixed = spec(**{"task": {"dataset": "spiral", "classes": 3, "n_samples": 150},
                    "model.layers[1]": {"units": 3, "activation": "softmax"},
                    "training.loss": "categorical_crossentropy"})
    assert codes(check_spec(fixed), "error") == [] and codes(check_spec(fixed), "warning") == []


def test_names_keras_would_refuse_are_warned_about_and_keras_spellings_are_not():
    s = spec(**{"model.layers[0].activation": "Relu", "model.layers[0].kernel_initializer": "HeNormal",
                "training.loss": "BinaryCrossentropy", "training.optimizer": "ADAM"})
    findings = [f for f in check_spec(s) if f.code == "keras_spelling"]
    assert [(f.path, f.level) for f in findings] == [("model.layers[0].activation", "warning")]
    assert "'Relu'" in findings[0].message and "relu" in findings[0].fix
    assert not [f for f in check_spec(spec()) if f.code == "keras_spelling"]
    wrong = spec(**{"model.layers[0].kernel_initializer": "HE_NORMAL", "training.loss": "Binary_Crossentropy"})
    assert {f.path for f in check_spec(wrong) if f.code == "keras_spelling"} == {
        "model.layers[0].kernel_initializer", "training.loss"}


def test_findings_know_their_line_in_the_yaml_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: s\n"
                    "task: {dataset: spiral, classes: 3, n_samples: 150}\n"
                    "model:\n"
                    "  layers:\n"
                    "    - {units: 8, activation: relu}\n"
                    "    - units: 1\n"
                    "      activation: softmax\n"
                    "training: {loss: binary_crossentropy, epochs: 1}\n")
    findings = check_spec(load_spec(path), probe=False)
    lines = {f.path: f.line for f in findings}
    assert lines["model.layers[1].activation"] == 7  # the key itself
    assert lines["model.layers[0].kernel_initializer"] == 5  # not written: its layer's line
    assert all(f.line == 0 for f in check_spec(spec(**{"training.loss": "categorical_crossentropy"})))
