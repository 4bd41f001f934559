"""Config validation: presets, one-line errors naming the bad key, protocol resolution."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from annal.errors import AnnalError
from annal.experiments import expand_grid, load_config, parse_config
from annal.experiments.config import ProtocolConfig

BASE = {"datasets": ["demo"], "strategies": ["random"]}


def test_paper_preset_validates_and_encodes_the_papers_experiments():
    cfg = load_config("paper")
    exps = {e.name: e for e in cfg.experiments}
    assert [s.key for s in exps["experiment-1"].strategies] == [
        "random",
        "margin",
        "entropy",
        "cluster",
        "distance",
    ]
    assert [s.key for s in exps["experiment-2"].strategies] == [
        "random",
        "cluster",
        "distance",
        "combined",
    ]
    t1 = exps["table-1"]
    assert [s.key for s in t1.strategies] == ["random", "distance"]
    assert t1.inits == ["random", "class-coverage", "cluster-coverage", "combined"]
    assert cfg.classifier.name == "sgd" and cfg.classifier.params == {} and cfg.test_size == 0.2
    # The paper's 250 / 500 x 20 on a 20 000-text pool, as fractions.
    assert cfg.protocol.resolve(20000) == (250, 500, 20)
    # The paper's distance: mean distance through FAISS LSH, nbits 16 (footnote 18), in
    # combined too; section 3.1 sets it against the flat index and random.
    lsh = {"index": "faiss:lsh?nbits=16", "aggregate": "mean"}
    assert cfg.strategies()["distance"].params == lsh
    combined = cfg.strategies()["combined"].params
    assert combined["distance.index"] == lsh["index"] and combined["distance.aggregate"] == "mean"
    sec31 = exps["lsh-vs-flat"]
    assert [s.key for s in sec31.strategies] == ["random", "distance", "distance-flat"]
    assert sec31.strategies[2].params == {"index": "exact?metric=cosine", "aggregate": "mean"}
    # 7 strategies with random init + 3 other inits x {random, distance}, per dataset and seed.
    assert len(expand_grid(cfg)) == len(cfg.datasets) * len(cfg.seeds) * 13


def test_tournament_preset_pits_every_literature_strategy_against_margin(shared_root):
    cfg = load_config("tournament")
    names = [s.key for s in cfg.experiments[0].strategies]
    classic = ["margin", "least-confident", "entropy", "random", "cluster"]
    literature = ["class-balanced", "margin-kmeans", "galaxy", "direct", "cal", "badge"]
    assert names == classic + literature + ["typiclust", "probcover"]
    assert all(not s.params for s in cfg.experiments[0].strategies)  # published defaults
    assert cfg.baseline == "margin" and cfg.sequential and cfg.seeds == [0, 1, 2, 3, 4]
    assert cfg.protocol.resolve(20000) == (250, 500, 20)
    shared = sorted(p.name for p in shared_root.iterdir() if (p / "data.csv").is_file())
    assert sorted(d.key for d in cfg.datasets) == shared


def test_presets_round_trip_through_yaml(tmp_path):
    for name in ("paper", "demo", "tournament"):
        cfg = load_config(name)
        path = tmp_path / f"{name}.yaml"
        path.write_text(cfg.to_yaml())
        again = load_config(path)
        assert again == cfg and again.config_hash() == cfg.config_hash()


def test_hash_changes_with_anything_that_changes_results():
    a = parse_config(BASE)
    assert a.config_hash() == parse_config(dict(BASE)).config_hash()
    assert a.config_hash() != parse_config({**BASE, "seeds": [0, 1]}).config_hash()
    b = parse_config({**BASE, "protocol": {"rounds": 3}})
    assert a.config_hash() != b.config_hash()


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({**BASE, "strategies": ["marjin"]}, "strategies[0].name: unknown strategy 'marjin'"),
        ({**BASE, "protocl": {}}, "protocl"),
        ({**BASE, "protocol": {"initial": 1.5}}, "protocol.initial"),
        ({**BASE, "protocol": {"budget": 0}}, "protocol.budget"),
        ({**BASE, "protocol": {"rounds": 0}}, "protocol.rounds"),
        ({**BASE, "test_size": 1.2}, "test_size"),
        ({**BASE, "seeds": [1, 1]}, "seeds"),
        ({**BASE, "datasets": []}, "datasets"),
        ({**BASE, "strategies": [{"name": "random", "prams": {}}]}, "prams"),
        (
            {
                "datasets": ["demo"],
                "experiments": [{"name": "x", "strategies": ["random"], "inits": ["foo"]}],
            },
            "experiments[0].inits: unknown initialisation 'foo'",
        ),
        (
            {
                "datasets": ["demo"],
                "experiments": [
                    {"name": "a", "strategies": [{"name": "distance", "label": "d"}]},
                    {"name": "b", "strategies": [{"name": "cluster", "label": "d"}]},
                ],
            },
            "label 'd' is used for two different strategies",
        ),
        ({"datasets": ["demo", "demo"], "strategies": ["random"]}, "duplicate dataset name"),
        ({**BASE, "classifier": "svm"}, "classifier.name: unknown classifier 'svm'"),
        ({**BASE, "classifier": {"name": "sgd", "parms": {}}}, "classifier.parms"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(data, where):
    with pytest.raises(AnnalError) as exc:
        parse_config(data, source="config x.yaml")
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith("config x.yaml: ")
    assert where in msg


def test_bad_files(tmp_path):
    with pytest.raises(AnnalError, match="no such file, and not a preset"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("datasets: [demo\nstrategies: x\n")
    with pytest.raises(AnnalError, match="not valid YAML"):
        load_config(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n- b\n")
    with pytest.raises(AnnalError, match="mapping"):
        load_config(listy)


def test_seed_count_and_single_experiment_shorthand():
    cfg = parse_config({**BASE, "seeds": 4, "inits": ["random", "class-coverage"]})
    assert cfg.seeds == [0, 1, 2, 3]
    assert [e.name for e in cfg.experiments] == ["main"]
    assert cfg.experiments[0].inits == ["random", "class-coverage"]


def test_budget_larger_than_the_pool_is_refused():
    p = ProtocolConfig(initial=100, budget=100, rounds=10)
    assert p.resolve(1100) == (100, 100, 10)
    with pytest.raises(AnnalError, match="exceeds the pool of 1099"):
        p.resolve(1099)


@settings(deadline=None, max_examples=60)
@given(
    initial=st.one_of(st.integers(1, 500), st.floats(0.001, 0.5)),
    budget=st.one_of(st.integers(1, 500), st.floats(0.001, 0.5)),
    rounds=st.integers(1, 30),
    n_pool=st.integers(1, 50_000),
)
def test_resolved_protocol_fits_the_pool_or_is_refused(initial, budget, rounds, n_pool):
    p = ProtocolConfig(initial=initial, budget=budget, rounds=rounds)
    try:
        i, b, r = p.resolve(n_pool)
    except AnnalError:
        i = p._count(p.initial, n_pool)
        b = p._count(p.budget, n_pool)
        assert i + b * rounds > n_pool
        return
    assert r == rounds and i >= 1 and b >= 1 and i + b * r <= n_pool
    if isinstance(initial, int):
        assert i == initial
    else:
        assert abs(i - initial * n_pool) <= 1 or i == 1


def test_strategy_pool_as_spec_or_name_params_and_its_key():
    pooled = {
        **BASE,
        "strategies": [
            {"name": "coreset", "pool": "seals?k=100&index=faiss:hnsw?M=32"},
            {"name": "margin", "pool": {"name": "anchoral", "params": {"size": 500}}},
            "margin",
        ],
    }
    cfg = parse_config(pooled)
    keys = list(cfg.strategies())
    assert keys == [
        "coreset@seals?k=100&index=faiss:hnsw?M=32",
        "margin@anchoral?size=500",
        "margin",
    ]
    assert parse_config(yaml.safe_load(cfg.to_yaml())) == cfg
    # A strategy without a pool dumps (and so hashes) exactly as before pools existed.
    plain = parse_config(BASE)
    assert all("pool" not in s for s in plain.model_dump()["experiments"][0]["strategies"])
    assert cfg.config_hash() != plain.config_hash()
    with pytest.raises(AnnalError, match=r"strategies\[0\].pool.*unknown pool 'seal'"):
        parse_config({**BASE, "strategies": [{"name": "margin", "pool": "seal"}]})


def test_classifier_takes_parameters_and_they_change_the_hash():
    plain = parse_config({**BASE, "classifier": "sgd"})
    tuned = parse_config({**BASE, "classifier": {"name": "sgd", "params": {"epochs": 5}}})
    assert plain.classifier.name == tuned.classifier.name == "sgd"
    assert tuned.classifier.params == {"epochs": 5} and str(tuned.classifier) == "sgd epochs=5"
    assert plain.config_hash() != tuned.config_hash()
    assert parse_config(yaml.safe_load(tuned.to_yaml())) == tuned
