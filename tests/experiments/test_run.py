"""Running grids locally: fairness, skipping finished cells, failures, bad input, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from annal.al import ActiveLearningLoop
from annal.cli import app
from annal.errors import AnnalError
from annal.experiments import ResultsStore, load_config, run_experiment
from annal.experiments.prepare import prepare_dataset
from annal.experiments.store import TIMING_FIELDS

runner = CliRunner()


FAIR_GRID = {
    "seeds": [0, 1],
    "experiments": [
        {"name": "a", "strategies": ["random", "margin", "entropy"], "inits": ["random"]},
        {"name": "b", "strategies": ["random", "margin"], "inits": ["random", "class-coverage"]},
    ],
}


@pytest.fixture(scope="module")
def fair_run(tmp_path_factory, make_config):
    """One 2-worker run of a 10-cell grid, shared by the tests below."""
    out = tmp_path_factory.mktemp("fair")
    with pytest.MonkeyPatch.context() as mp:  # module scope: keep the cache private here too
        mp.setenv("ANNAL_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        cfg = make_config(**FAIR_GRID)
        summary = run_experiment(cfg, out, jobs=2, progress=False)
    return cfg, out, summary


def test_fairness_same_split_and_initial_set_across_strategies(fair_run):
    cfg, out, summary = fair_run
    assert summary.ok and summary.done == 2 * 5 and summary.skipped == 0
    with ResultsStore.existing(out) as store:
        runs = store.runs()
        rounds = store.rounds_frame()
    assert set(runs["status"]) == {"done"}
    by_seed = runs.groupby("seed")["split_fingerprint"].nunique()
    assert (by_seed == 1).all()
    assert runs.groupby("seed")["split_fingerprint"].first().nunique() == 2
    for (_seed, _init), g in runs.groupby(["seed", "init"]):
        assert g["initial_ids"].nunique() == 1 and len(g) >= 2
    # The driver's initial set is the one the loop itself draws for that seed and init.
    prep = prepare_dataset(cfg.datasets[0], cfg, ["random", "class-coverage"], progress=False)
    train, _ = prep.splits[1]
    loop = ActiveLearningLoop(init="class-coverage", initial=30, seed=1)
    own = loop.initial_ids(
        prep.X[train], prep.ids[train], n_classes=len(prep.classes), y_pool=prep.y[train]
    )
    stored = runs[(runs["seed"] == 1) & (runs["init"] == "class-coverage")]["initial_ids"].iloc[0]
    assert json.loads(stored) == sorted(own.tolist())
    # Same split + same initial set + same classifier seed => identical round 0 everywhere.
    r0 = rounds[rounds["round"] == 0]
    for _, g in r0.groupby(["seed", "init"]):
        assert g["f1_macro"].nunique() == 1 and g["accuracy"].nunique() == 1
    assert (rounds.groupby(["strategy", "init", "seed"]).size() == 4).all()
    assert rounds[rounds["round"] == 0]["n_labelled"].eq(30).all()


def test_rerun_skips_finished_cells(fair_run):
    cfg, out, _ = fair_run
    again = run_experiment(cfg, out, jobs=2, progress=False)
    assert again.skipped == 10 and again.done == 0 and again.ok


def test_a_failing_cell_is_recorded_and_the_others_finish(tmp_path, make_config):
    cfg = make_config(
        strategies=[
            "random",
            # a valid spec that fails at run time: IVF needs nlist build vectors
            {"name": "distance", "label": "broken", "params": {"index": "faiss:ivf?nlist=99999"}},
        ],
        experiments=None,
    )
    path = tmp_path / "c.yaml"
    path.write_text(cfg.to_yaml())
    result = runner.invoke(
        app, ["experiment", "run", str(path), "--out", str(tmp_path / "r"), "--no-progress"]
    )
    assert result.exit_code == 1, result.output
    assert "1 failed" in result.output and "broken" in result.output
    with ResultsStore.existing(tmp_path / "r") as store:
        runs = store.runs().set_index("strategy")
    assert runs.loc["random", "status"] == "done"
    assert runs.loc["broken", "status"] == "failed"
    assert "Traceback" in runs.loc["broken", "traceback"]
    assert "nlist=99999" in runs.loc["broken", "traceback"]


@pytest.mark.parametrize(
    ("over", "match"),
    [
        ({"protocol": {"initial": 2000, "budget": 500, "rounds": 3}}, "exceeds the pool"),
        ({"datasets": ["no-such-dataset-here"]}, "no-such-dataset-here"),
        (
            {"strategies": [{"name": "margin", "params": {"foo": 1}}], "experiments": None},
            "strategy 'margin'",
        ),
        ({"classifier": "nope"}, "classifier"),
        (  # a bad part fails before any work, not in every cell
            {
                "strategies": [{"name": "distance", "params": {"index": "bogus:x"}}],
                "experiments": None,
            },
            "unknown index backend 'bogus:x'",
        ),
        ({"classifier": {"name": "sgd", "params": {"epochs": 0}}}, "epochs must be an integer"),
        ({"classifier": {"name": "sgd", "params": {"epoch": 3}}}, "valid: alpha, batch_size"),
    ],
)
def test_bad_input_fails_before_running(tmp_path, make_config, over, match):
    data = make_config().model_dump(mode="json")
    data.update(over)
    if data.get("experiments") is None:
        data.pop("experiments")
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    result = runner.invoke(
        app, ["experiment", "run", str(path), "--out", str(tmp_path / "r"), "--no-progress"]
    )
    assert result.exit_code == 2
    assert match in result.output
    with pytest.raises(AnnalError):
        run_experiment(load_config(path), tmp_path / "r2", progress=False)


def test_cli_run_export_report_and_config_show(tmp_path, make_config):
    cfg = make_config(seeds=[0, 1])
    path = tmp_path / "c.yaml"
    path.write_text(cfg.to_yaml())
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["experiment", "run", str(path), "--out", str(out), "--jobs", "1", "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["results", "export", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out / "rounds.csv")
    assert len(df) == 2 * 2 * 4  # strategies x seeds x (rounds + 1)
    assert {"dataset", "strategy", "init", "seed", "round", "f1_macro", "recall_macro"} <= set(
        df.columns
    )
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "report.md").is_file() and (out / "report.html").is_file()
    # A different config in the same run directory is refused (exit 2), --force replaces it.
    other = tmp_path / "other.yaml"
    other.write_text(make_config(seeds=[3]).to_yaml())
    result = runner.invoke(
        app, ["experiment", "run", str(other), "--out", str(out), "--no-progress"]
    )
    assert result.exit_code == 2 and "different config" in result.output
    result = runner.invoke(
        app, ["experiment", "run", str(other), "--out", str(out), "--no-progress", "--force"]
    )
    assert result.exit_code == 0, result.output
    with ResultsStore.existing(out) as store:
        assert set(store.runs()["seed"]) == {3}

    shown = runner.invoke(app, ["config", "show", "paper"])
    assert shown.exit_code == 0
    assert load_config("paper").model_dump(mode="json") == yaml.safe_load(shown.output)
    bad = runner.invoke(app, ["config", "show", "nonsense"])
    assert bad.exit_code == 2 and "not a preset" in bad.output


def test_numbers_depend_neither_on_jobs_nor_on_the_rest_of_the_grid(
    tmp_path, fair_run, make_config
):
    _, fair_out, _ = fair_run
    sub = make_config(seeds=[1], strategies=["margin"], experiments=None)
    run_experiment(sub, tmp_path, jobs=1, progress=False)
    frames = []
    for d in (tmp_path, fair_out):
        with ResultsStore.existing(d) as store:
            df = store.rounds_frame()
        df = df[(df.strategy == "margin") & (df.init == "random") & (df.seed == 1)]
        frames.append(
            df.drop(columns=[*TIMING_FIELDS, "config_hash", "experiments"]).reset_index(drop=True)
        )
    assert len(frames[0]) == 4
    pd.testing.assert_frame_equal(*frames)
    assert np.isfinite(frames[0]["f1_macro"]).all()


def test_resume_refuses_when_the_data_changed(tmp_path, make_config):
    cfg = make_config(strategies=["random"], experiments=None)
    run_experiment(cfg, tmp_path, jobs=1, progress=False)
    with ResultsStore.existing(tmp_path) as store:  # as if the data file had been edited
        store.con.execute("UPDATE runs SET split_fingerprint='other', status='running'")
        store.con.commit()
    with pytest.raises(AnnalError, match="the data changed"):
        run_experiment(cfg, tmp_path, jobs=1, progress=False)


def test_pooled_strategy_stores_its_pool_columns(tmp_path, make_config):
    pool = f"seals?k=10&index=faiss:flat&index_dir={tmp_path / 'idx'}"
    cfg = make_config(
        experiments=None,
        strategies=[{"name": "margin", "pool": pool}],
        protocol={"initial": 30, "budget": 20, "rounds": 2},
    )
    summary = run_experiment(cfg, tmp_path / "run", jobs=1, progress=False)
    assert summary.ok
    with ResultsStore.existing(tmp_path / "run") as store:
        rounds = store.rounds_frame()
    assert set(rounds["strategy"]) == {f"margin@{pool}"}
    sizes = rounds.sort_values("round")["pool_size"].tolist()
    assert sizes[0] >= 20 and sizes[-1] == 0
    assert rounds["pool_search_s"].notna().all()
