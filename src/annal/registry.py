"""One way to name and build a pluggable part: a registered class, parameters checked once.

Every part that a config or a spec string can name (query strategies, initial-set methods,
classifiers, encoders, index backends, candidate pools) is a :class:`Component`: a
scikit-learn ``BaseEstimator`` whose constructor only stores its parameters. A
:class:`Registry` maps names to classes; :meth:`Registry.build` checks the parameter
*names* against the constructor and types and checks every *value* against the
constructor's annotations (pydantic), so a typo or a bad value in a YAML config fails
before any work, with one line that names the part and the parameter::

    class MySampling(Strategy):
        name = "mine"

        def __init__(self, alpha: Annotated[float, Ge(0)] = 0.5, mode: Literal["a", "b"] = "a"):
            self.alpha = alpha
            self.mode = mode

Values given as text (from a spec string or the command line) are converted to the
annotated type: ``"16"`` to ``16`` for an ``int``, ``"a,b"`` to ``("a", "b")`` for a tuple.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import annotated_types
from pydantic import ConfigDict, TypeAdapter, ValidationError
from sklearn.base import BaseEstimator

from annal.errors import AnnalError
from annal.spec import read_value, split_spec

T = TypeVar("T")


class Component(BaseEstimator):
    """Base of every registered part: ``get_params``/``set_params``/``clone`` from scikit-learn.

    ``repr`` shows every parameter (not only the changed ones, as scikit-learn's does), so a
    printed part can be pasted back to build the same one.
    """

    #: Registry name, e.g. ``"margin"``.
    name: ClassVar[str] = ""

    def ordered_params(self) -> dict[str, Any]:
        """``get_params()`` in the constructor's order (scikit-learn's is alphabetical)."""
        return {k: getattr(self, k) for k in constructor_params(type(self))}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.ordered_params().items())
        return f"{type(self).__name__}({args})"

    def __str__(self) -> str:
        return repr(self)

    def changed_params(self) -> dict[str, Any]:
        """The parameters whose values differ from the constructor's defaults, in order."""
        defaults = inspect.signature(type(self).__init__).parameters
        return {
            k: v
            for k, v in self.ordered_params().items()
            if not (isinstance(v, type(defaults[k].default)) and v == defaults[k].default)
        }

    def check_params(self) -> None:
        """Check every parameter value against the constructor's annotations.

        Raises
        ------
        AnnalError
            Naming the part and the first bad parameter.
        """
        typed_params(type(self), self.ordered_params(), where=f"of {type(self).__name__}")


# -- typing values from annotations ------------------------------------------------------


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls.__init__, include_extras=True)


def constructor_params(cls: type) -> list[str]:
    """Names of the keyword parameters of ``cls``'s constructor, in signature order."""
    return [
        name
        for name, p in inspect.signature(cls.__init__).parameters.items()
        if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]


@functools.cache
def _adapter(annotation: Any) -> TypeAdapter:
    return TypeAdapter(annotation, config=ConfigDict(arbitrary_types_allowed=True))


def _is_sequence(annotation: Any) -> bool:
    """Whether the annotation (or a member of its union) is a tuple or list type."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_sequence(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_is_sequence(a) for a in typing.get_args(annotation))
    return origin in (tuple, list)


def _describe(err: dict, annotation: Any) -> str:
    """A pydantic error as the end of one sentence: ``must be an integer``."""
    kind, ctx = err["type"], err.get("ctx", {})
    if kind == "literal_error":
        return "must be one of " + ", ".join(str(c) for c in _literal_choices(annotation))
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be an integer"
    if kind in ("float_parsing", "float_type"):
        return "must be a number"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind == "greater_than_equal":
        return f"must be >= {ctx['ge']}"
    if kind == "greater_than":
        return f"must be > {ctx['gt']}"
    if kind == "less_than_equal":
        return f"must be <= {ctx['le']}"
    if kind == "less_than":
        return f"must be < {ctx['lt']}"
    return str(err["msg"]).removeprefix("Value error, ")


def _literal_choices(annotation: Any) -> list[Any]:
    """Every literal value reachable in ``annotation`` (through unions, Annotated, tuples)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return list(typing.get_args(annotation))
    return [c for a in typing.get_args(annotation) for c in _literal_choices(a)]


def typed_value(annotation: Any, value: Any, name: str, where: str) -> Any:
    """``value`` checked against ``annotation`` (text converted to it), or :class:`AnnalError`.

    ``where`` ends the message's subject, e.g. ``"for strategy 'distance'"``.
    """
    if annotation is inspect.Parameter.empty or annotation is Any:
        return read_value(value) if isinstance(value, str) else value
    adapter = _adapter(annotation)
    if isinstance(value, str) and _is_sequence(annotation) and value.lower() not in ("none",):
        text = value.strip()
        value = read_value(text) if text.startswith("[") else tuple(p for p in text.split(",") if p)
    candidates = [value]
    if isinstance(value, str):
        candidates.insert(0, read_value(value))
    first_error = None
    for candidate in candidates:
        try:
            return adapter.validate_python(candidate)
        except ValidationError as exc:
            first_error = first_error or exc
    errors = first_error.errors() if first_error is not None else []
    telling = [e for e in errors if e["type"] not in ("none_required", "is_instance_of")]
    err = (telling or errors or [{"type": "", "msg": "is not valid"}])[0]
    shown = value if isinstance(value, str) else repr(value)
    raise AnnalError(f"parameter {name}={shown!r} {where} {_describe(err, annotation)}")


def typed_params(cls: type, params: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Check names and values of ``params`` for ``cls``'s constructor; return typed values.

    Raises
    ------
    AnnalError
        An unknown parameter (the message lists the valid ones) or a bad value.
    """
    valid = constructor_params(cls)
    unknown = [k for k in params if k not in valid]
    if unknown:
        raise AnnalError(
            f"unknown parameter {unknown[0]!r} {where}; valid: {', '.join(valid) or 'none'}"
        )
    hints = _hints(cls)
    return {
        k: typed_value(hints.get(k, inspect.Parameter.empty), v, k, where)
        for k, v in params.items()
    }


# -- the parameter table of a class --------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One constructor parameter as a table row: type, default, allowed values, lower bound."""

    kind: type
    default: Any
    choices: tuple[Any, ...] | None = None
    minimum: int | float | None = None


def param_table(cls: type) -> dict[str, Param]:
    """Every constructor parameter of ``cls`` as a :class:`Param`, in signature order."""
    hints = _hints(cls)
    sig = inspect.signature(cls.__init__)
    table = {}
    for name in constructor_params(cls):
        ann = hints.get(name, Any)
        choices = tuple(_literal_choices(ann)) or None
        minimum = next(
            (m.ge for m in _metadata(ann) if isinstance(m, annotated_types.Ge)),
            None,
        )
        kind = type(choices[0]) if choices else _base_type(ann)
        table[name] = Param(kind, sig.parameters[name].default, choices, minimum)
    return table


def _metadata(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) is typing.Annotated:
        return list(annotation.__metadata__)
    return [m for a in typing.get_args(annotation) for m in _metadata(a)]


def _base_type(annotation: Any) -> type:
    if isinstance(annotation, type):
        return annotation
    for arg in typing.get_args(annotation):
        if arg is not type(None):
            return _base_type(arg)
    return object


# -- the registry ----------------------------------------------------------------------------


class Registry(Generic[T]):
    """Names -> classes of one kind of part.

    Parameters
    ----------
    kind : str
        What the parts are, for messages (``"strategy"``, ``"index backend"``).
    classes : iterable of classes, or a mapping name -> class
        The registered classes; a plain class is registered under its ``name`` attribute.
    """

    def __init__(self, kind: str, classes: Iterable[type[T]] | Mapping[str, type[T]] = ()) -> None:
        self.kind = kind
        self._classes: dict[str, type[T]] = {}
        items = classes.items() if isinstance(classes, Mapping) else ((None, c) for c in classes)
        for name, cls in items:
            self.register(cls, name)

    def register(self, cls: type[T], name: str | None = None) -> type[T]:
        """Add ``cls`` under ``name`` (default ``cls.name``); usable as a class decorator."""
        key = name or getattr(cls, "name", "")
        if not key:
            raise ValueError(f"{cls.__name__} has no registry name")
        if key in self._classes and self._classes[key] is not cls:
            raise ValueError(f"{self.kind} {key!r} is registered twice")
        self._classes[key] = cls
        return cls

    def unregister(self, name: str) -> None:
        """Remove ``name`` (tests that register a toy part clean up with this)."""
        self._classes.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(self._classes)

    def __len__(self) -> int:
        return len(self._classes)

    def __getitem__(self, name: str) -> type[T]:
        if name not in self._classes:
            raise AnnalError(f"unknown {self.kind} {name!r}; valid: {', '.join(self._classes)}")
        return self._classes[name]

    def names(self) -> tuple[str, ...]:
        """The registered names, in registration order."""
        return tuple(self._classes)

    def items(self) -> list[tuple[str, type[T]]]:
        """``(name, class)`` pairs in registration order."""
        return list(self._classes.items())

    def build(self, name: str, params: Mapping[str, Any] | None = None, **kw: Any) -> T:
        """The part ``name`` with ``params`` (and/or keyword parameters), values checked.

        Raises
        ------
        AnnalError
            Unknown name, unknown parameter or a bad value (one line, listing what is valid).
        """
        cls = self[name]
        given = {**(params or {}), **kw}
        part = cls(**typed_params(cls, given, f"for {self.kind} {name!r}"))
        if isinstance(part, Component):
            part.check_params()  # checks that span parameters (a class may add some)
        return part

    def parse_spec(self, spec: str, nested: str | None = None) -> tuple[str, dict[str, Any]]:
        """A spec string ``name?key=value&...`` as the part's name and its typed parameters.

        ``nested`` names a parameter whose value may itself be a spec with parameters (see
        :func:`annal.spec.split_spec`).

        Raises
        ------
        AnnalError
            Bad grammar, an unknown part or parameter, a value of the wrong type.
        """
        what = f"{self.kind} spec"
        if not isinstance(spec, str) or not spec.strip():
            split_spec(spec, what)  # raises: empty
        text = spec.strip()
        cls = self[text.partition("?")[0]]
        name, pairs = split_spec(text, what, nested=nested, own=constructor_params(cls))
        return name, typed_params(cls, dict(pairs), f"for {self.kind} {name!r}")

    def from_spec(self, spec: str, nested: str | None = None) -> T:
        """The part a spec string ``name?key=value&...`` names (see :meth:`parse_spec`)."""
        name, params = self.parse_spec(spec, nested)
        return self.build(name, params)
