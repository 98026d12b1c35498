"""One registry per family (activations, initializers, losses, optimizers, ...), keyed by Keras names.

An unknown name raises `UnknownNameError` (a `ValueError`) that lists the valid names and the closest one,
so every family answers a typo the same way.
"""

from __future__ import annotations

import difflib
import inspect
from typing import Any, Callable, Generic, Iterator, TypeVar

T = TypeVar("T")


class UnknownNameError(ValueError):
    """A name that is not in a registry. `.family`, `.name`, `.valid` and `.suggestion` say which."""

    def __init__(self, family: str, name: str, valid: list[str]):
        self.family, self.name, self.valid = family, name, valid
        self.suggestion = closest(name, valid)
        super().__init__(unknown_name(family, name, valid, self.suggestion))


def unknown_name(family: str, name: str, valid, suggestion: str | None = None) -> str:
    """"unknown activation 'relux' — did you mean 'relu'? Valid: …" (or "… 'zzz' — Valid: …" with nothing close):
    the one wording of every unknown-name message. `suggestion` defaults to the closest valid name."""
    valid = list(valid)
    suggestion = suggestion if suggestion is not None else closest(name, valid)
    hint = f" — did you mean '{suggestion}'?" if suggestion else " —"
    return f"unknown {family} '{name}'{hint} Valid: {', '.join(valid)}"


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

    def keras_spelling(self, name: str) -> bool:
        """Whether Keras knows `name` spelt exactly so: a registered name or alias or, except for activations
        (which Keras looks up as functions, by their own names), a CamelCase class name. `canonical` also takes
        other capitalisations ('Relu'), which Keras refuses."""
        key = str(name)
        if key in self._items or key in self._aliases:
            return True
        if self.family == "optimizer":  # keras.optimizers.get lower-cases the name: 'ADAM' works
            return key.lower() in self._items or key.lower() in self._aliases
        if self.family == "activation" or not key[:1].isupper() or "_" in key:  # a class name: 'MaxNorm'
            return False
        snake = "".join("_" + c.lower() if c.isupper() else c for c in key).lstrip("_")
        return snake in self._items or snake in self._aliases

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


# -- building objects from configs, and their config / repr / equality (initializers, regularizers,
#    constraints and optimizers all work this way) ---------------------------------------------------------


def build(registry: Registry, base: type, identifier: Any) -> Any:
    """Instance of `base` from a name, a mapping, a subclass of `base` or an instance (returned as is)."""
    if isinstance(identifier, base):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, base):
        return identifier()
    if not isinstance(identifier, (str, dict)):
        raise TypeError(
            f"cannot make a {registry.family} from {type(identifier).__name__} {identifier!r}; "
            f"give a name (one of {', '.join(registry.names())}), a mapping or a {base.__name__}"
        )
    name, params = split_config(identifier)
    return construct(registry[name], params, registry.family)


def construct(cls: type, params: dict[str, Any], family: str) -> Any:
    """`cls(**params)`, with an unknown parameter reported along with the valid ones."""
    valid = _param_names(cls)
    unknown = sorted(set(params) - set(valid))
    takes_any = any(p.kind is p.VAR_KEYWORD for p in inspect.signature(cls.__init__).parameters.values())
    if unknown and not takes_any:  # a class with **kwargs checks its own
        raise TypeError(
            f"{family} '{cls.name}' got unknown parameter(s) {unknown}; valid: {', '.join(valid) or 'none'}"
        )
    return cls(**params)


def _param_names(cls: type) -> list[str]:
    """The named constructor parameters of `cls` (not self, *args or **kwargs)."""
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    params = inspect.signature(cls.__init__).parameters.values()
    return [p.name for p in params if p.kind in named and p.name != "self"]


def _params_of(obj: Any) -> dict[str, Any]:
    """The constructor parameters of `obj`, read back from its attributes (all classes store them so)."""
    return {p: getattr(obj, p) for p in _param_names(type(obj))}


def _defaults_of(cls: type) -> dict[str, Any]:
    sig = inspect.signature(cls.__init__)
    return {p.name: p.default for p in sig.parameters.values() if p.default is not inspect.Parameter.empty}


def _repr(obj: Any, always: tuple[str, ...]) -> str:
    """`ClassName(k=v, ...)` with the `always` parameters and those that differ from their default."""
    defaults = _defaults_of(type(obj))
    shown = {
        k: v
        for k, v in _params_of(obj).items()
        if k in always or k not in defaults or not _same(v, defaults[k])
    }
    return f"{type(obj).__name__}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays and odd values count as different
        return False


class Configurable:
    """A family member whose constructor parameters are stored as attributes of the same names:
    `get_config()` round-trips through the family's `get`, `repr` shows Keras's class name and the parameters
    that differ from their defaults (plus `_always`), and two members are equal when their configs are."""

    name: str = ""
    keras_class: str = ""
    _always: tuple[str, ...] = ()  # parameters that __repr__ always shows

    def get_config(self) -> dict[str, Any]:
        """`{'name': ..., **params}`; the family's `get(obj.get_config())` builds an equal object."""
        return {"name": self.name, **_params_of(self)}

    def __repr__(self) -> str:
        return _repr(self, self._always)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()  # type: ignore[union-attr]

    __hash__ = None  # type: ignore[assignment]
