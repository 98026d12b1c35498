"""One registry per family (activations, initializers, losses, optimizers, ...), keyed by Keras names.

An unknown name raises `UnknownNameError` (a `ValueError`) that lists the valid names and the closest one,
so every family answers a typo the same way.
"""

from __future__ import annotations

import difflib
from typing import Any, Callable, Generic, Iterator, TypeVar

T = TypeVar("T")


class UnknownNameError(ValueError):
    """A name that is not in a registry. `.family`, `.name`, `.valid` and `.suggestion` say which."""

    def __init__(self, family: str, name: str, valid: list[str]):
        self.family, self.name, self.valid = family, name, valid
        self.suggestion = closest(name, valid)
        hint = f" — did you mean '{self.suggestion}'?" if self.suggestion else ""
        super().__init__(f"unknown {family} '{name}'{hint} Valid: {', '.join(valid)}")


def closest(name: str, valid: list[str]) -> str | None:
    """The valid name nearest to `name` (case-insensitive), or None when nothing is close."""
    lowered = {v.lower(): v for v in valid}
    hits = difflib.get_close_matches(str(name).lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[hits[0]] if hits else None


class Registry(Generic[T]):
    """A dict of factories keyed by public name, plus aliases (e.g. `swish` → `silu`)."""

    def __init__(self, family: str):
        self.family = family
        self._items: dict[str, T] = {}
        self._aliases: dict[str, str] = {}

    def register(self, name: str, *aliases: str) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            self.add(name, obj, *aliases)
            return obj

        return deco

    def add(self, name: str, obj: T, *aliases: str) -> None:
        if name in self._items or name in self._aliases:
            raise KeyError(f"{self.family} '{name}' registered twice")
        self._items[name] = obj
        for alias in aliases:
            self._aliases[alias] = name

    def canonical(self, name: str) -> str:
        """The registered name for `name` or one of its aliases; raises UnknownNameError."""
        key = str(name)
        if key in self._items:
            return key
        if key in self._aliases:
            return self._aliases[key]
        # Keras accepts CamelCase class names too (e.g. 'GlorotUniform', 'MaxNorm').
        snake = "".join("_" + c.lower() if c.isupper() else c for c in key).lstrip("_")
        if snake in self._items:
            return snake
        if snake in self._aliases:
            return self._aliases[snake]
        folded = {n.lower(): n for n in [*self._items, *self._aliases]}
        if key.lower() in folded:
            return self.canonical(folded[key.lower()])
        raise UnknownNameError(self.family, key, self.names())

    def __getitem__(self, name: str) -> T:
        return self._items[self.canonical(name)]

    def __contains__(self, name: object) -> bool:
        try:
            self.canonical(str(name))
        except UnknownNameError:
            return False
        return True

    def names(self, aliases: bool = False) -> list[str]:
        out = list(self._items)
        return out + list(self._aliases) if aliases else out

    def aliases(self) -> dict[str, str]:
        return dict(self._aliases)

    def items(self) -> Iterator[tuple[str, T]]:
        return iter(self._items.items())


def split_config(identifier: Any) -> tuple[str, dict[str, Any]]:
    """`'relu'` → `('relu', {})`; `{'name': 'leaky_relu', 'negative_slope': 0.1}` → name and params.

    Also takes Keras's serialised form `{'class_name': ..., 'config': {...}}`.
    """
    if isinstance(identifier, str):
        return identifier, {}
    if isinstance(identifier, dict):
        d = dict(identifier)
        if "class_name" in d:
            return str(d["class_name"]), dict(d.get("config") or {})
        if "name" not in d:
            raise ValueError(f"a mapping needs a 'name' key, got keys {sorted(d)}")
        name = d.pop("name")
        return str(name), d
    raise TypeError(f"expected a name or a mapping, got {type(identifier).__name__}")
