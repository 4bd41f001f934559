"""Spec strings: ``name`` or ``name?key=value&key=value`` names a part and its parameters.

The one grammar for every part that can be named by a string: index backends
(``faiss:ivf?nlist=100&nprobe=10``), encoders (``tfidf?dim=256``), strategies and
classifiers. :func:`split_spec` checks the grammar and keeps every value as the text it
was written in (so a spec prints back identically); the part's constructor annotations
then type the values (:func:`annal.registry.typed_params`). Where no annotation is known,
:func:`read_value` reads a value the way YAML would: ``true``/``false``, ``none``/``null``,
numbers, ``[a, b]`` lists; anything else stays text.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

import yaml

from annal.errors import AnnalError

#: Characters a value may not hold (they belong to the grammar).
_RESERVED = "?&= "


def split_spec(
    spec: str, what: str = "spec", *, nested: str | None = None, own: Collection[str] = ()
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``"name?a=1&b=x"`` -> ``("name", (("a", "1"), ("b", "x")))``, values as text.

    Parameters
    ----------
    spec : str
        The spec string.
    what : str
        What the spec names, for error messages (``"index spec"``, ``"model spec"``).
    nested : str, optional
        A parameter whose value is itself a spec with parameters (a candidate pool's
        ``index``): ``seals?index=faiss:hnsw?M=32&efSearch=64&k=50`` gives ``index`` the
        value ``faiss:hnsw?M=32&efSearch=64``. After such a value, every ``key=value`` whose
        key is not in ``own`` belongs to it; the nested spec's own grammar is checked by
        whoever parses it.
    own : collection of str
        The parameters of the part itself (needed with ``nested``).

    Raises
    ------
    AnnalError
        Empty spec or name, a trailing ``?``, a part that is not ``name=value``, a repeated
        parameter, or a value that is empty or holds one of ``? & =`` or a space.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise AnnalError(f"{what} must be a non-empty string, got {spec!r}")
    name, sep, query = spec.partition("?")
    if not name:
        raise AnnalError(f"{what} {spec!r} has no name")
    params: list[tuple[str, str]] = []
    if sep:
        if not query:
            raise AnnalError(f"{what} {spec!r} ends with '?' but names no parameter")
        inner = -1  # position in params of a nested spec that has parameters
        for part in query.split("&"):
            key, eq, value = part.partition("=")
            if not eq or not key:
                raise AnnalError(f"{what} {spec!r}: expected name=value, got {part!r}")
            if inner >= 0 and key not in own:
                outer_key, text = params[inner]
                params[inner] = (outer_key, f"{text}&{part}")
                continue
            if any(key == k for k, _ in params):
                raise AnnalError(f"parameter {key!r} given twice in {what} {spec!r}")
            reserved = " " if key == nested else _RESERVED
            if not value or any(c in value for c in reserved):
                raise AnnalError(f"parameter {key!r} in {what} {spec!r} has an invalid value")
            if key == nested and "?" in value:
                inner = len(params)
            params.append((key, value))
    return name, tuple(params)


def format_value(value: object) -> str:
    """A value as spec text: ``none``, ``true``/``false``, else ``str(value)``."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def format_spec(name: str, params: Mapping[str, object] | Iterable[tuple[str, object]]) -> str:
    """Inverse of :func:`split_spec` (parameters in the given order)."""
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    if not pairs:
        return name
    return name + "?" + "&".join(f"{k}={format_value(v)}" for k, v in pairs)


def read_value(text: str) -> object:
    """A value written as text, read without knowing its type.

    ``true``/``false`` -> bool, ``none``/``null`` -> None, integers and floats -> numbers,
    ``[a, b]`` -> a tuple; anything else (``faiss:lsh?nbits=16``, ``cpu``) stays text.
    """
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text.strip().startswith("["):
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            return text
        if isinstance(value, list):
            return tuple(value)
    return text


def parse_assignments(pairs: Iterable[str], option: str = "--param") -> dict[str, object]:
    """``["aggregate=max", "n_clusters=20"]`` -> ``{"aggregate": "max", "n_clusters": 20}``.

    The values are read by :func:`read_value` (a value may itself be a spec string, like
    ``index=faiss:lsh?nbits=16``: only the first ``=`` splits).

    Raises
    ------
    AnnalError
        A pair without ``=`` or without a key, or a key given twice (the last would win
        silently).
    """
    params: dict[str, object] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise AnnalError(f"{option} must look like key=value, got {pair!r}")
        if key.strip() in params:
            raise AnnalError(f"{option} {key.strip()} is given twice; give each parameter once")
        params[key.strip()] = read_value(text)
    return params


def parse_named_spec(spec: str, what: str = "spec") -> tuple[str, dict[str, object]]:
    """``name?key=value&...`` -> the name and its parameters read by :func:`read_value`."""
    name, pairs = split_spec(str(spec).strip(), what)
    return name, {k: read_value(v) for k, v in pairs}
