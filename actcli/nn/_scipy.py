"""scipy.special, imported on first use: it costs 0.13 s, which every command would otherwise pay at start
(only gelu and the from-logits losses need it)."""

from __future__ import annotations


def special():
    from scipy import special as module

    return module
