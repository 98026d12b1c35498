"""Teaching texts, kept in data files (one folder per language: `actcli/data/texts/<lang>/<topic>.yaml`).

`text(topic, key, lang, **values)` returns the string with `{values}` filled in. English is the default;
Korean (`ko`) is chosen by `--lang ko` or a Korean `LANG`/`LC_ALL`. Code holds no prose of its own.
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from typing import Any

import yaml

LANGS = ("en", "ko")
DEFAULT = "en"


def current_lang(explicit: str | None = None) -> str:
    """`explicit` if given, else Korean when LC_ALL / LC_MESSAGES / LANG starts with 'ko', else English."""
    if explicit:
        lang = explicit.lower().split("_")[0].split("-")[0]
        if lang not in LANGS:
            raise ValueError(f"unknown language {explicit!r}: choose one of {', '.join(LANGS)}")
        return lang
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "ko" if value.lower().startswith("ko") else DEFAULT
    return DEFAULT


@functools.lru_cache(maxsize=None)
def load(topic: str, lang: str = DEFAULT) -> dict[str, Any]:
    """The whole mapping of one topic in one language ({} when the file does not exist)."""
    path = resources.files("actcli") / "data" / "texts" / lang / f"{topic}.yaml"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def topics(lang: str = DEFAULT) -> list[str]:
    folder = resources.files("actcli") / "data" / "texts" / lang
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def text(topic: str, key: str, lang: str = DEFAULT, **values: Any) -> Any:
    """One entry (a dotted key walks nested mappings); strings are formatted with `values`.

    Falls back to English when the language lacks the key (a test keeps that from happening).
    """
    for language in (lang, DEFAULT):
        node: Any = load(topic, language)
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            return node.format(**values) if isinstance(node, str) and values else node
    raise KeyError(f"no text '{topic}:{key}'")
