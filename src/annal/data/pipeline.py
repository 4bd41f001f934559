"""The loading pipeline: raw texts and labels in, a clean, deduplicated :class:`Dataset` out.

:func:`build_dataset` runs in this order and counts every drop in
:class:`~annal.data.dataset.DropReport`:

1. rows with no text or no label are dropped (``missing``);
2. labels are parsed into lists and the policy applied (``multi_label``);
3. texts are cleaned; rows empty afterwards are dropped (``empty_after_clean``);
4. identical cleaned texts are deduplicated, before any split: repeats with the same
   label keep the first row (``duplicates``); a text seen with different labels is
   dropped entirely (``conflicting``);
5. classes under ``min_class_size`` rows are dropped with a warning naming them
   (``rare_class``), since they cannot be stratified;
6. class names are sorted and encoded.

Ids stay the 0-based data-row numbers of the source file through every step.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from annal.data.clean import CleanConfig, clean_texts
from annal.data.dataset import Dataset, DropReport
from annal.data.labels import apply_policy, parse_label, sort_classes
from annal.errors import AnnalError


@dataclass(frozen=True)
class PipelineSteps:
    """How the pipeline treats the rows: the keyword arguments every loader passes on
    (:func:`annal.data.load_dataset`, :func:`annal.data.demo`, :func:`build_dataset`), defined
    once so no loader can drop one.

    Parameters
    ----------
    label_policy : {"single", "first", "keep"}
        Multi-label rows: keep single-label rows only, keep the first label, or keep
        all labels (in :attr:`Dataset.label_sets`).
    clean : bool or CleanConfig
        ``True``: all cleaning steps; ``False``: texts exactly as read.
    min_class_size : int
        Classes with fewer rows are dropped with a warning.
    dedupe : bool
        Deduplicate identical (cleaned) texts.
    label_sep : {"auto"} or str or None
        How label strings split into lists (see :func:`annal.data.labels.parse_label`).
    """

    label_policy: str = "single"
    clean: bool | CleanConfig = True
    min_class_size: int = 2
    dedupe: bool = True
    label_sep: str | None = "auto"


def build_dataset(
    texts: Sequence[object],
    labels: Sequence[object],
    *,
    name: str,
    folder: Path | None = None,
    source: Path | None = None,
    **steps: Any,
) -> Dataset:
    """Run the loading pipeline (module docstring) on raw texts and labels.

    Parameters
    ----------
    texts : sequence, length n
        Raw texts (``None``/NaN = missing). Position ``i`` becomes id ``i``.
    labels : sequence, length n
        Raw label values (strings, list literals, lists).
    name, folder, source
        Stored on the :class:`Dataset`.
    **steps
        ``label_policy``, ``clean``, ``min_class_size``, ``dedupe``, ``label_sep``: the
        fields of :class:`PipelineSteps` (its defaults where not given).

    Returns
    -------
    Dataset
    """
    if len(texts) != len(labels):
        raise AnnalError(f"{name}: {len(texts)} texts but {len(labels)} labels")
    step = PipelineSteps(**steps)
    config = _clean_config(step.clean)
    where = source or name
    n = len(texts)
    ids = np.arange(n, dtype=np.int64)
    counts: dict[str, int] = {"rows_read": n}

    # 1. missing text or label
    parsed = [parse_label(v, step.label_sep) for v in labels]
    present = np.array(
        [
            isinstance(t, str) and bool(t.strip()) and bool(p)
            for t, p in zip(texts, parsed, strict=True)
        ],
        dtype=bool,
    )
    counts["missing"] = int(n - present.sum())
    ids = ids[present]
    raw = np.empty(len(ids), dtype=object)
    raw[:] = [texts[i] for i in ids]
    parsed = [parsed[i] for i in ids]

    # 2. label policy
    label_lists, keep = apply_policy(parsed, step.label_policy)
    counts["multi_label"] = int((~keep).sum())
    ids, raw = ids[keep], raw[keep]

    # 3. cleaning
    cleaned = clean_texts(raw, config)
    nonempty = np.array([bool(t.strip()) for t in cleaned], dtype=bool)
    counts["empty_after_clean"] = int((~nonempty).sum())
    ids, raw, cleaned = ids[nonempty], raw[nonempty], cleaned[nonempty]
    label_lists = [lab for lab, k in zip(label_lists, nonempty, strict=True) if k]

    # 4. dedupe
    if step.dedupe:
        keep, counts["duplicates"], counts["conflicting"] = _dedupe(cleaned, label_lists)
        ids, raw, cleaned = ids[keep], raw[keep], cleaned[keep]
        label_lists = [lab for lab, k in zip(label_lists, keep, strict=True) if k]

    # 5. rare classes
    keep, rare = _rare_class_mask(label_lists, step.min_class_size)
    counts["rare_class"] = int((~keep).sum())
    if rare:
        warnings.warn(
            f"{name}: dropped {counts['rare_class']} rows of {len(rare)} classes with fewer "
            f"than {step.min_class_size} rows: {', '.join(rare)}",
            UserWarning,
            stacklevel=3,
        )
    ids, raw, cleaned = ids[keep], raw[keep], cleaned[keep]
    label_lists = [lab for lab, k in zip(label_lists, keep, strict=True) if k]

    # 6. encode
    if not len(ids):
        raise AnnalError(f"{where}: no rows left after loading ({_drop_summary(counts)})")
    classes = sort_classes({lab for labs in label_lists for lab in labs})
    if len(classes) < 2:
        raise AnnalError(f"{where}: only one class ({classes[0]!r}); need at least two")
    code = {c: i for i, c in enumerate(classes)}
    y = np.array([code[labs[0]] for labs in label_lists], dtype=np.int64)
    label_sets = None
    if step.label_policy == "keep":
        label_sets = tuple(tuple(code[lab] for lab in labs) for labs in label_lists)
    report = DropReport(rare_classes=tuple(rare), kept=len(ids), **counts)
    return Dataset(
        name=name,
        texts=cleaned,
        raw_texts=raw,
        y=y,
        classes=classes,
        ids=ids,
        folder=folder,
        report=report,
        label_sets=label_sets,
        source=source,
    )


def _clean_config(clean: bool | CleanConfig) -> CleanConfig:
    if isinstance(clean, CleanConfig):
        return clean
    return CleanConfig() if clean else CleanConfig.off()


def _dedupe(texts: np.ndarray, label_lists: list[tuple[str, ...]]) -> tuple[np.ndarray, int, int]:
    """Keep the first row of each text; drop every copy of a text with differing labels."""
    first: dict[str, int] = {}
    conflict: set[str] = set()
    keep = np.zeros(len(texts), dtype=bool)
    for i, text in enumerate(texts):
        j = first.get(text)
        if j is None:
            first[text] = i
            keep[i] = True
        elif set(label_lists[j]) != set(label_lists[i]):
            conflict.add(text)
    duplicates = int(len(texts) - keep.sum())
    conflicting = 0
    if conflict:
        in_conflict = np.array([t in conflict for t in texts], dtype=bool)
        conflicting = int(in_conflict.sum())
        duplicates -= conflicting - len(conflict)
        keep &= ~in_conflict
    return keep, duplicates, conflicting


def _rare_class_mask(
    label_lists: list[tuple[str, ...]], min_class_size: int
) -> tuple[np.ndarray, list[str]]:
    sizes: dict[str, int] = {}
    for labs in label_lists:
        for lab in labs:
            sizes[lab] = sizes.get(lab, 0) + 1
    rare = set(c for c, k in sizes.items() if k < min_class_size)
    keep = np.array([not (set(labs) & rare) for labs in label_lists], dtype=bool)
    return keep, list(sort_classes(rare)) if rare else []


def _drop_summary(counts: dict[str, int]) -> str:
    parts = [f"{k.replace('_', ' ')}: {v}" for k, v in counts.items() if k != "rows_read" and v]
    return f"{counts['rows_read']} rows read" + (", dropped " + ", ".join(parts) if parts else "")
