"""Experiment configuration: a validated YAML file (or a built-in preset).

A config names the datasets, the embeddings, the split, the seeds, the AL protocol, the
classifier and one or more *experiments* (a set of strategies crossed with a set of
initialisations). Validation is done once, here, with pydantic; every problem becomes one
:class:`~annal.errors.AnnalError` line that names the offending key, e.g.
``config paper.yaml: experiments[0].strategies[2]: unknown strategy 'marjin'``.

The built-in preset ``paper`` encodes the paper's Experiment 1 (random, margin, entropy,
cluster, distance), Experiment 2 (random, cluster, distance, combined), Table 1
(random / class-coverage / cluster-coverage / combined initialisation x random / distance
sampling) and its section 3.1 (distance through the flat index vs through LSH vs random);
distance is the paper's, the mean distance through ``faiss:lsh?nbits=16``. Its protocol keeps the paper's proportions (250 initial, 500 per round, 20 rounds on
a pool of 20 000 texts) as fractions of each dataset's pool, so it fits the smaller datasets.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_serializer,
    model_validator,
)

from annal.al.classifiers import CLASSIFIERS
from annal.al.protocol import RunProtocol
from annal.al.registry import INITIALIZERS, STRATEGIES
from annal.errors import AnnalError, validated
from annal.registry import Registry

#: A seed: what numpy's generators accept (0 <= seed < 2**32).
Seed = Annotated[int, Field(ge=0, le=2**32 - 1)]

INIT_NAMES: tuple[str, ...] = tuple(INITIALIZERS)


def _registered(registry: Registry) -> Any:
    """A field validator: the value must be a name in ``registry`` (the error lists them)."""

    def check(cls: type, v: str) -> str:
        registry[v]  # raises AnnalError (a ValueError): unknown ..., valid: ...
        return v

    return classmethod(check)


def _named(v: Any) -> Any:
    """YAML shorthand: a bare string in a list stands for ``{"name": string}``."""
    if isinstance(v, list):
        return [{"name": s} if isinstance(s, str) else s for s in v]
    return v


class _Strict(BaseModel):
    # strict: a YAML value of the wrong type is refused, never coerced (`budget: true` is
    # not 1, `rounds: 2.5` is not 2); extra: a misspelt key is refused, never dropped.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DatasetConfig(_Strict):
    """One dataset: a name under the data root, a dataset folder, a file, or ``"demo"``."""

    name: str = Field(min_length=1)
    label: str | None = None
    text_col: str = "text"
    label_col: str = "label"
    label_policy: str = "single"
    clean: bool = True
    dedupe: bool = True
    min_class_size: int = Field(default=2, ge=1)

    def load_options(self) -> dict[str, Any]:
        """The keyword options of :func:`annal.data.load_dataset` this entry sets (every key
        but ``name`` and ``label``)."""
        return self.model_dump(exclude={"name", "label"})

    @property
    def key(self) -> str:
        """The dataset's name in results: ``label``, else the folder/file stem, else ``name``."""
        if self.label:
            return self.label
        stem = Path(self.name).stem if ("/" in self.name or "." in self.name) else self.name
        if stem == "data":  # a path to <folder>/data.csv names the folder
            stem = Path(self.name).parent.name or stem
        return stem


#: The protocol block of a config: the one protocol type of the loop and the CLI.
ProtocolConfig = RunProtocol


class StrategyConfig(_Strict):
    """A sampling strategy with its parameters; ``label`` names it in results.

    ``pool`` narrows where it looks each round: a pool spec (``seals?k=100&index=faiss:hnsw``)
    or ``{name, params}``; see :mod:`annal.al.pools`. Without a label, a pooled strategy is
    named ``<strategy>@<pool spec>`` in results.
    """

    name: str
    params: dict[str, Any] = Field(default_factory=dict)
    label: str | None = None
    pool: str | None = None

    @field_validator("pool", mode="before")
    @classmethod
    def _pool_spec(cls, v: Any) -> Any:
        if v is None:
            return None
        from annal.al.pools import make_pool, pool_spec

        if isinstance(v, dict):
            extra = sorted(set(v) - {"name", "params"})
            if extra or "name" not in v:
                raise ValueError("a pool is a spec string or {name, params}")
            return pool_spec(make_pool(str(v["name"]), **dict(v.get("params") or {})))
        if not isinstance(v, str):
            raise ValueError("a pool is a spec string or {name, params}")
        make_pool(v)
        return v

    @model_serializer(mode="wrap")
    def _drop_unset_pool(self, handler: Any) -> dict[str, Any]:
        # Configs without a pool dump (and hash) exactly as before pools existed.
        data = handler(self)
        if data.get("pool") is None:
            data.pop("pool", None)
        return data

    _known = field_validator("name")(_registered(STRATEGIES))

    @property
    def key(self) -> str:
        """The strategy's name in results (``label``, else ``name`` plus ``@pool`` if any)."""
        if self.label:
            return self.label
        return self.name if self.pool is None else f"{self.name}@{self.pool}"


class ClassifierConfig(_Strict):
    """The classifier fitted every round: a name and its parameters.

    YAML: ``classifier: sgd`` or ``classifier: {name: sgd, params: {epochs: 5}}``; ``annal al
    run --classifier sgd --classifier-param epochs=5``. The name and the parameters are checked
    here, by :data:`annal.al.classifiers.CLASSIFIERS` (the classifier's annotations), before
    any work; the parameters are kept as given.
    """

    name: str = "sgd"
    params: dict[str, Any] = Field(default_factory=dict)

    _known = field_validator("name")(_registered(CLASSIFIERS))

    @model_validator(mode="after")
    def _buildable(self) -> ClassifierConfig:
        CLASSIFIERS.build(self.name, self.params)  # an AnnalError names the bad parameter
        return self

    def __str__(self) -> str:
        """``sgd`` or ``sgd epochs=5``: how results and reports name it."""
        return " ".join([self.name, *(f"{k}={v}" for k, v in sorted(self.params.items()))])


class ExperimentConfig(_Strict):
    """One experiment: every strategy crossed with every initialisation."""

    name: str = Field(min_length=1)
    strategies: list[StrategyConfig] = Field(min_length=1)
    inits: list[str] = Field(default_factory=lambda: ["random"], min_length=1)

    _strategy_names = field_validator("strategies", mode="before")(_named)

    @field_validator("inits")
    @classmethod
    def _known_inits(cls, v: list[str]) -> list[str]:
        for name in v:
            if name not in INIT_NAMES:
                raise ValueError(f"unknown initialisation {name!r}; known: {', '.join(INIT_NAMES)}")
        return v


class Config(_Strict):
    """A whole experiment grid: datasets x seeds x (strategy, init) pairs of the experiments."""

    name: str = "experiment"
    data_root: str | None = None
    datasets: list[DatasetConfig] = Field(min_length=1)
    encoder: str | None = None
    test_size: float = Field(default=0.2, gt=0, lt=1)
    seeds: list[Seed] = Field(default_factory=lambda: [0, 1, 2], min_length=1)
    protocol: RunProtocol = Field(default_factory=RunProtocol)
    classifier: ClassifierConfig = Field(default_factory=ClassifierConfig)
    warm_start: bool = False
    #: Sequential mode of the loop: strategies that use the labels of rows picked earlier in
    #: the same round (galaxy, direct) ask the simulated oracle row by row.
    sequential: bool = False
    baseline: str = "random"
    experiments: list[ExperimentConfig] = Field(min_length=1)

    _dataset_names = field_validator("datasets", mode="before")(_named)

    @field_validator("classifier", mode="before")
    @classmethod
    def _classifier_name(cls, v: Any) -> Any:
        return {"name": v} if isinstance(v, str) else v

    @field_validator("seeds", mode="before")
    @classmethod
    def _seed_count(cls, v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool):
            if v < 1:
                raise ValueError("a number of seeds must be >= 1")
            return list(range(v))
        return v

    @field_validator("seeds")
    @classmethod
    def _unique_seeds(cls, v: list[Seed]) -> list[Seed]:
        if len(set(v)) != len(v):
            raise ValueError("seeds must be unique")
        return v

    @model_validator(mode="before")
    @classmethod
    def _single_experiment(cls, data: Any) -> Any:
        # Shorthand: top-level `strategies:`/`inits:` is one experiment called "main".
        if isinstance(data, dict) and "strategies" in data and "experiments" not in data:
            data = dict(data)
            exp = {"name": "main", "strategies": data.pop("strategies")}
            if "inits" in data:
                exp["inits"] = data.pop("inits")
            data["experiments"] = [exp]
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Config:
        keys = [d.key for d in self.datasets]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"datasets: duplicate dataset name {dupes[0]!r}; give each a label")
        names = [e.name for e in self.experiments]
        if len(set(names)) != len(names):
            raise ValueError("experiments: experiment names must be unique")
        seen: dict[str, StrategyConfig] = {}
        for i, exp in enumerate(self.experiments):
            for j, s in enumerate(exp.strategies):
                prev = seen.setdefault(s.key, s)
                if prev.name != s.name or prev.params != s.params or prev.pool != s.pool:
                    raise ValueError(
                        f"experiments[{i}].strategies[{j}]: label {s.key!r} is used for two "
                        "different strategies; give one a distinct label"
                    )
        return self

    def strategies(self) -> dict[str, StrategyConfig]:
        """Every distinct strategy of the experiments, by its key, in first-seen order."""
        out: dict[str, StrategyConfig] = {}
        for exp in self.experiments:
            for s in exp.strategies:
                out.setdefault(s.key, s)
        return out

    def config_hash(self) -> str:
        """A short, stable hash of everything that determines the results."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def to_yaml(self) -> str:
        """The config as YAML (round-trips through :func:`parse_config`)."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


_PAPER = """\
# The paper's experiments (Fichman et al., 2024), as one grid.
# Protocol: 250 initial, 500 per round, 20 rounds on a pool of 20 000 texts, kept as
# fractions of each dataset's pool so the smaller datasets fit.
# Distance sampling is the paper's Table 2 "Distance": the mean distance to the labelled set
# through a FAISS LSH index with nbits = 16 (its footnote 18), also inside combined.
name: paper
datasets: [tmdb_genre, arxiv_thealphacubicle]  # stand-ins for IMDb and arXiv
test_size: 0.2
seeds: 3
protocol: {initial: 0.0125, budget: 0.025, rounds: 20}
classifier: sgd
baseline: random
experiments:
  - name: experiment-1
    strategies:
      - random
      - margin
      - entropy
      - cluster
      - &lsh {name: distance, params: {index: "faiss:lsh?nbits=16", aggregate: mean}}
    inits: [random]
  - name: experiment-2
    strategies:
      - random
      - cluster
      - *lsh
      - name: combined
        params:
          strategies: "cluster:0.5,distance:0.5"
          distance.index: "faiss:lsh?nbits=16"
          distance.aggregate: mean
    inits: [random]
  - name: table-1
    strategies: [random, *lsh]
    inits: [random, class-coverage, cluster-coverage, combined]
  # Section 3.1: distance sampling through the exact (flat) cosine index against the LSH
  # index and random (paper: macro-F1 0.18 / 0.25 / 0.24).
  - name: lsh-vs-flat
    strategies:
      - random
      - *lsh
      - {name: distance, label: distance-flat, params: {index: "exact?metric=cosine", aggregate: mean}}
    inits: [random]
"""

_DEMO = """\
# What `make demo` runs: built-in demo data, 5 strategies, 5 seeds.
# Five seeds are enough for the report's paired 95% intervals to mean something.
name: demo
datasets: [demo]
test_size: 0.2
seeds: 5
protocol: {initial: 50, budget: 50, rounds: 10}
classifier: sgd
baseline: random
experiments:
  - name: strategies
    strategies: [random, margin, cluster, distance, combined]
    inits: [random]
  - name: initialisations
    strategies: [random, margin]
    inits: [random, class-coverage]
"""

_TOURNAMENT = """\
# The tournament (issue 13): margin against the strategies of the literature made for
# imbalanced classes on fixed embeddings, on every shared dataset, paper protocol in fractions
# of each pool (250 / 500 / 20 rounds on 20 000 texts), 5 seeds, published default
# hyper-parameters fixed before any result was seen. Baseline: margin.
name: tournament
datasets: [arxiv_thealphacubicle, banking77, emotion, r8, tmdb_genre, trec50, trec6]
test_size: 0.2
seeds: 5
protocol: {initial: 0.0125, budget: 0.025, rounds: 20}
classifier: sgd
sequential: true  # galaxy and direct see the answers of their earlier picks of a round
baseline: margin
experiments:
  - name: tournament
    strategies:
      - margin
      - least-confident
      - entropy
      - random
      - cluster
      - class-balanced
      - margin-kmeans
      - galaxy
      - direct
      - cal
      - badge
      - typiclust
      - probcover
    inits: [random]
"""

PRESETS: dict[str, str] = {"paper": _PAPER, "demo": _DEMO, "tournament": _TOURNAMENT}


def preset_summaries() -> dict[str, str]:
    """``name -> summary`` for every preset: the first sentence of its YAML's leading
    comment."""
    out = {}
    for name, text in PRESETS.items():
        lines = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            lines.append(line.lstrip("#").strip())
        comment = " ".join(lines)
        end = comment.find(". ")
        out[name] = comment[: end + 1] if end >= 0 else comment
    return out


def parse_config(data: Any, *, source: str = "config") -> Config:
    """Validate a config mapping.

    Parameters
    ----------
    data : dict
        The parsed YAML.
    source : str
        Where it came from, for error messages.

    Raises
    ------
    AnnalError
        One line naming the first bad key and what is wrong with it.
    """
    if not isinstance(data, dict):
        raise AnnalError(f"{source}: expected a mapping of keys at the top level")
    return validated(Config, data, source=source, top_level=True)


def load_config(source: str | Path) -> Config:
    """A config from a preset name (``"paper"``) or a YAML file path.

    Raises
    ------
    AnnalError
        The file is missing or not valid YAML, or the config does not validate.
    """
    text = PRESETS.get(str(source))
    label = f"preset {source}"
    if text is None:
        path = Path(source)
        if not path.is_file():
            known = ", ".join(PRESETS)
            raise AnnalError(f"config {source}: no such file, and not a preset ({known})")
        label = f"config {path}"
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise AnnalError(f"{label}: cannot read: {exc.strerror or exc}") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise AnnalError(f"{label}: line {line} is not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise AnnalError(f"{label}:{line} not valid YAML") from None
    return parse_config(data, source=label)
