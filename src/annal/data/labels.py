"""Label parsing and the multi-label policy.

Labels arrive in several shapes: plain (``"Drama"``, ``"DESC:manner"``,
``"reverted_card_payment?"``, ``"postmodern literature"``), Python/JSON list literals
(``"['cs.CV', 'cs.LG']"``), pipe-separated (``"a|b"``) or comma-separated
(``"Drama, Comedy"``), or real lists (JSONL / Parquet). :func:`parse_label` turns
each into a tuple of label strings; :func:`apply_policy` applies ``single`` (keep
single-label rows only, the paper's choice), ``first`` or ``keep``.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from typing import Literal

import numpy as np

from annal.errors import AnnalError

LabelPolicy = Literal["single", "first", "keep"]
POLICIES: tuple[str, ...] = ("single", "first", "keep")
_QUOTES = "'\"`"


def _strip_part(part: str) -> str:
    return part.strip().strip(_QUOTES).strip()


def _unique(parts: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for part in parts:
        if part:
            seen.setdefault(part, None)
    return tuple(seen)


def parse_label(value: object, sep: str | None = "auto") -> tuple[str, ...]:
    """Parse one raw label value into a tuple of label names.

    Parameters
    ----------
    value : object
        A string, a number, or a list/tuple/array of those. Missing values
        (``None``, NaN) give an empty tuple.
    sep : {"auto"} or str or None
        ``"auto"``: list literals (``[...]``) are parsed, else ``|`` splits, else a
        comma splits. A string: split on exactly that separator (list literals are
        still parsed). ``None``: never split (each string is one label).

    Returns
    -------
    tuple of str
        Label names in their original order, stripped, without empties or repeats.
        Plain labels such as ``"DESC:manner"``, ``"reverted_card_payment?"`` or
        ``"postmodern literature"`` come back as one label.
    """
    if value is None:
        return ()
    if isinstance(value, float) and np.isnan(value):
        return ()
    if isinstance(value, list | tuple | np.ndarray):
        return _unique([_strip_part(str(v)) for v in value if v is not None])
    text = str(value).strip()
    if sep is None:
        return _unique([text])
    if len(text) >= 2 and text[0] == "[" and text[-1] == "]":
        parsed = _literal_list(text)
        if parsed is not None:
            return _unique([_strip_part(str(v)) for v in parsed])
        return _unique([_strip_part(p) for p in text[1:-1].split(",")])
    if sep == "auto":
        sep = "|" if "|" in text else ("," if "," in text else None)
    if sep is None or sep not in text:
        return _unique([text])
    return _unique([_strip_part(p) for p in text.split(sep)])


def _literal_list(text: str) -> list | None:
    for parse in (json.loads, ast.literal_eval):
        try:
            parsed = parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(parsed, list | tuple):
            return list(parsed)
    return None


def apply_policy(
    label_lists: Sequence[tuple[str, ...]], policy: str
) -> tuple[list[tuple[str, ...]], np.ndarray]:
    """Apply a multi-label policy.

    Parameters
    ----------
    label_lists : sequence of tuple of str, length n
        Parsed labels per row (empty tuples are treated as missing and kept out).
    policy : {"single", "first", "keep"}
        ``single`` keeps rows with exactly one label; ``first`` keeps the first label
        of every row; ``keep`` keeps every row with all its labels.

    Returns
    -------
    labels : list of tuple of str
        The labels of the kept rows (one-element tuples unless ``keep``).
    keep : numpy.ndarray of bool, shape (n,)
        Which input rows are kept.
    """
    if policy not in POLICIES:
        raise AnnalError(f"unknown label policy {policy!r}; choose one of {', '.join(POLICIES)}")
    keep = np.zeros(len(label_lists), dtype=bool)
    out: list[tuple[str, ...]] = []
    for i, labels in enumerate(label_lists):
        if not labels or (policy == "single" and len(labels) != 1):
            continue
        keep[i] = True
        out.append(labels[:1] if policy == "first" else labels)
    return out, keep


def sort_classes(names: set[str] | Sequence[str]) -> tuple[str, ...]:
    """Stable class order: numeric order if every name is an integer, else string order."""
    names = set(names)
    try:
        return tuple(sorted(names, key=lambda s: (int(s), s)))
    except ValueError:
        return tuple(sorted(names))
