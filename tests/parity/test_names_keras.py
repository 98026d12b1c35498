"""Which spellings of a name Keras itself accepts. `actcli check` warns about a name when
`Registry.keras_spelling` says Keras would refuse it: that must never happen to a spelling `keras.<family>.get`
takes (no false warning), for every registered name and its capitalised variants; for activations, the names
learners write most, the two agree both ways."""

from __future__ import annotations

import importlib

import pytest

keras = pytest.importorskip("keras")

FAMILIES = {"activation": "activations", "initializer": "initializers", "loss": "losses",
            "optimizer": "optimizers", "constraint": "constraints", "regularizer": "regularizers"}


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _variants(name: str) -> set[str]:
    return {name, name.upper(), name.capitalize(), _camel(name), name.lower()}


def _keras_accepts(family: str, name: str) -> bool:
    try:
        obj = getattr(keras, FAMILIES[family]).get(name)
    except Exception:
        return False
    return obj is not None


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_keras_spelling_agrees_with_keras(family):
    registry = importlib.import_module(f"actcli.nn.{FAMILIES[family]}").REGISTRY
    checked, disagree = 0, []
    for name in registry.names(aliases=True):
        for variant in sorted(_variants(name)):
            if variant not in registry or not _keras_accepts(family, registry.canonical(variant)):
                continue  # actcli does not take it, or Keras lacks the thing itself (an actcli-only name)
            checked += 1
            ours, theirs = registry.keras_spelling(variant), _keras_accepts(family, variant)
            if (ours != theirs) if family == "activation" else (theirs and not ours):
                disagree.append((variant, ours, theirs))
    assert checked > 0
    assert not disagree, disagree
