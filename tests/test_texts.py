"""Teaching texts: every English file has a Korean twin with the same keys, nothing empty, nothing left in
English, and every registered activation has its entry in both languages."""

from __future__ import annotations

import re
import string

import pytest

from actcli.nn import activations
from actcli.teach import texts

MINE = ("activations", "explain", "check", "lessons", "starter", "tables", "pictures", "tasks")
# values that are names, formulas or commands, identical in every language by design
SAME_IN_EVERY_LANGUAGE = {"command"}
HANGUL = re.compile("[\uac00-\ud7a3]")


def _leaves(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    else:
        yield path, node


def _placeholders(value: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(value) if name}


@pytest.mark.parametrize("topic", texts.topics("en"))
def test_every_english_text_file_has_a_korean_twin_with_the_same_keys(topic):
    en, ko = texts.load(topic, "en"), texts.load(topic, "ko")
    assert ko, f"texts/ko/{topic}.yaml is missing"
    assert {p for p, _ in _leaves(en)} == {p for p, _ in _leaves(ko)}


@pytest.mark.parametrize("topic", MINE)
def test_korean_values_are_korean_and_keep_the_placeholders(topic):
    en = dict(_leaves(texts.load(topic, "en")))
    for path, value in _leaves(texts.load(topic, "ko")):
        assert isinstance(value, str) and value.strip(), (topic, path)
        assert _placeholders(value) == _placeholders(en[path]), (topic, path)
        if path[-1] in SAME_IN_EVERY_LANGUAGE:
            assert value == en[path], (topic, path)
            continue
        words = re.findall(r"[A-Za-z]{4,}", re.sub(r"\{[^}]*\}", "", en[path]))
        prose = len(words) >= 3  # a name ("softmax") or a formula may stay as it is
        if prose:
            assert value != en[path], (topic, path)
            assert HANGUL.search(value), (topic, path)


@pytest.mark.parametrize("lang", texts.LANGS)
def test_every_registered_activation_has_use_avoid_and_pitfalls(lang):
    entries = texts.load("activations", lang)
    assert set(entries) == set(activations.names())
    for name in activations.names():
        assert set(entries[name]) == {"use", "avoid", "pitfalls"}, name


def test_lessons_run_real_commands_on_shipped_configs():
    from actcli.teach.starter import example_names

    for key, lesson in texts.load("lessons", "en").items():
        assert lesson["command"].startswith("actcli "), key
        for ref in re.findall(r"configs/([\w-]+)\.yaml", lesson["command"]):
            assert ref in example_names(), (key, ref)


def test_text_fills_in_values_in_both_languages():
    en = texts.text("check", "softmax_one_unit.fix", "en", classes=10)
    ko = texts.text("check", "softmax_one_unit.fix", "ko", classes=10)
    assert "units: 10" in en and "{units: 1, activation: sigmoid}" in en
    assert "units: 10" in ko and ko != en


def test_task_descriptions_are_the_generators_own_in_english_and_cover_every_task():
    from actcli import data

    en, ko = texts.load("tasks", "en"), texts.load("tasks", "ko")
    assert en == {name: info.description for name, info in data.TASKS.items()}
    assert set(ko) == set(data.TASKS)
