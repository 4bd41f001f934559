"""A built-in, deterministic demo dataset: short English-like texts, 12 imbalanced classes.

It makes ``make demo`` work with no data files and no network. Class sizes follow a
Zipf law (largest:smallest about 54:1 at the default size), vocabularies overlap
(each content word comes from a neighbouring topic or a shared pool with some
probability, and all topics share the same verbs, adjectives and sentence frames),
and a fraction of labels is shuffled at random, so the task is learnable but not
trivially separable. Everything derives from ``seed``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from annal.data.dataset import Dataset
from annal.data.pipeline import build_dataset
from annal.errors import AnnalError

# Topic words, one line per class.
TOPICS: dict[str, tuple[str, ...]] = {
    "sports": tuple(
        "match coach league goal stadium striker tournament referee season trophy athlete penalty derby fans marathon team".split()
    ),
    "politics": tuple(
        "election senator parliament vote policy campaign minister reform ballot coalition debate governor treaty party cabinet law".split()
    ),
    "technology": tuple(
        "software laptop startup algorithm chip network app robot server browser update gadget cloud smartphone code data".split()
    ),
    "health": tuple(
        "doctor vaccine hospital patient diet clinic symptom therapy nurse virus fitness medicine surgery sleep infection trial".split()
    ),
    "finance": tuple(
        "market stocks bank investor inflation loan shares budget profit tax currency fund mortgage dividend earnings interest".split()
    ),
    "travel": tuple(
        "flight hotel beach passport airport island tourist luggage cruise resort visa itinerary train hostel destination trip".split()
    ),
    "food": tuple(
        "recipe chef restaurant pasta bakery flavour dessert kitchen menu soup spice cheese bread dinner salad coffee".split()
    ),
    "music": tuple(
        "album concert guitar singer band song festival drummer lyrics orchestra melody tour playlist piano chorus record".split()
    ),
    "science": tuple(
        "experiment physicist telescope molecule laboratory genome galaxy fossil theory particle climate species research microscope orbit data".split()
    ),
    "education": tuple(
        "school teacher student exam university classroom homework lecture degree curriculum scholarship campus tutor grades library research".split()
    ),
    "weather": tuple(
        "storm rain forecast heatwave snow wind flood temperature drought hurricane fog thunder frost sunshine humidity climate".split()
    ),
    "fashion": tuple(
        "dress designer runway jacket model boutique fabric collection sneakers jewellery style brand denim tailor handbag trend".split()
    ),
}
# Topics that borrow each other's words (overlapping vocabularies).
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "sports": ("health", "music"),
    "politics": ("finance", "education"),
    "technology": ("science", "finance"),
    "health": ("science", "food"),
    "finance": ("politics", "technology"),
    "travel": ("weather", "food"),
    "food": ("health", "travel"),
    "music": ("fashion", "sports"),
    "science": ("technology", "weather"),
    "education": ("science", "politics"),
    "weather": ("travel", "science"),
    "fashion": ("music", "travel"),
}
SHARED_NOUNS = tuple(
    "people city week report plan news family company problem idea story group money future world time".split()
)
VERBS = tuple(
    "changes helps surprises boosts worries follows rejects shapes supports delays questions reveals beats needs".split()
)
ADJECTIVES = tuple(
    "new big local strange popular young final major quiet early bright rare second tiny".split()
)
FRAMES = (
    "The {a} {n1} {v} the {n2} near the {n3}.",
    "Why is the {n1} so {a} about every {n2} and {n3}?",
    "New report: {n1} and {n2} {v} {a} {n3} this week",
    "I think the {n1} {v} our {n2}, not the {n3}!",
    "{A} {n1} {v} after {n2} talks about {n3}",
    "Experts say the {n1} {v} the {n2} and the {n3}.",
    "Local {n1} {v} {a} {n2} amid {n3} concerns",
    "Is the {a} {n1} better than the {n2} or the {n3}?",
    "Our {n1} finally {v} the {a} {n2}, says {n3} expert",
    "Nobody expected the {n1} to be so {a} about {n2} and {n3}",
)


def zipf_sizes(n: int, n_classes: int, exponent: float = 1.6) -> np.ndarray:
    """Class sizes proportional to ``rank ** -exponent`` that sum to ``n``.

    Every class gets at least 3 rows; the remainder goes to the largest class.

    Returns
    -------
    numpy.ndarray of int64, shape (n_classes,), descending
    """
    if n < 3 * n_classes:
        raise AnnalError(
            f"demo: n={n} is too small for {n_classes} classes (need >= {3 * n_classes})"
        )
    weights = np.arange(1, n_classes + 1, dtype=float) ** -exponent
    sizes = np.maximum(np.floor(n * weights / weights.sum()).astype(np.int64), 3)
    sizes[0] += n - sizes.sum()
    return sizes


def demo_table(
    seed: int = 0, n: int = 3000, n_classes: int = 12, noise: float = 0.04
) -> tuple[np.ndarray, np.ndarray]:
    """Generate the raw demo texts and labels (before cleaning).

    Parameters
    ----------
    seed : int
        Everything derives from ``numpy.random.default_rng(seed)``.
    n : int
        Rows.
    n_classes : int
        Topics used, 2 to 12 (the first ``n_classes`` of :data:`TOPICS`).
    noise : float
        Fraction of rows whose labels are shuffled among themselves (most of them
        end up wrong; class sizes are unchanged).

    Returns
    -------
    texts : numpy.ndarray of str, shape (n,), dtype object
        Unique texts.
    labels : numpy.ndarray of str, shape (n,), dtype object
    """
    if not 2 <= n_classes <= len(TOPICS):
        raise AnnalError(f"demo: n_classes must be in 2..{len(TOPICS)}, got {n_classes}")
    if not 0.0 <= noise < 1.0:
        raise AnnalError(f"demo: noise must be in [0, 1), got {noise}")
    rng = np.random.default_rng(seed)
    names = list(TOPICS)[:n_classes]
    true = np.repeat(np.arange(n_classes), zipf_sizes(n, n_classes))
    rng.shuffle(true)
    seen: set[str] = set()
    texts = np.empty(n, dtype=object)
    for i, c in enumerate(true):
        text = _sentence(rng, names[c], names)
        while text in seen:
            text = _sentence(rng, names[c], names)
        seen.add(text)
        texts[i] = text
    # Label noise: shuffle the labels of a random subset among themselves, so the
    # class sizes stay exactly Zipf while those rows mostly get a wrong label.
    labels = true.copy()
    noisy = np.flatnonzero(rng.random(n) < noise)
    labels[noisy] = true[rng.permutation(noisy)]
    out = np.empty(n, dtype=object)
    out[:] = [names[c] for c in labels]
    return texts, out


def _sentence(rng: np.random.Generator, topic: str, names: list[str]) -> str:
    neighbours = [t for t in NEIGHBOURS[topic] if t in names] or [topic]

    def noun() -> str:
        u = rng.random()
        if u < 0.6:
            pool = TOPICS[topic]
        elif u < 0.85:
            pool = TOPICS[neighbours[rng.integers(len(neighbours))]]
        else:
            pool = SHARED_NOUNS
        return pool[rng.integers(len(pool))]

    frame = FRAMES[rng.integers(len(FRAMES))]
    adjective = ADJECTIVES[rng.integers(len(ADJECTIVES))]
    verb = VERBS[rng.integers(len(VERBS))]
    return frame.format(
        a=adjective, A=adjective.capitalize(), v=verb, n1=noun(), n2=noun(), n3=noun()
    )


def demo(
    seed: int = 0,
    n: int = 3000,
    *,
    n_classes: int = 12,
    noise: float = 0.04,
    **steps: Any,
) -> Dataset:
    """The built-in demo dataset, deterministic from ``seed``.

    Parameters
    ----------
    seed : int
    n : int
        Rows generated (a few may be dropped by deduplication after cleaning).
    n_classes : int
        2 to 12 topics.
    noise : float
        Label-noise fraction.
    **steps
        How the pipeline treats the rows (:class:`annal.data.pipeline.PipelineSteps`), as in
        :func:`annal.data.load_dataset`.

    Returns
    -------
    Dataset
        Named ``"demo"``, no folder; ids are the generated row numbers.
    """
    texts, labels = demo_table(seed, n, n_classes, noise)
    return build_dataset(texts, labels, name="demo", **steps)
