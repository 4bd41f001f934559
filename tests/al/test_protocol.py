"""One protocol type (initial, budget, rounds) for the loop, the CLI and YAML configs."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from annal.al import ActiveLearningLoop, RunProtocol
from annal.cli import app
from annal.errors import AnnalError
from annal.experiments.config import Config, parse_config


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"budget": 0}, "budget: a count must be >= 1"),
        ({"rounds": 0}, "rounds: Input should be greater than or equal to 1"),
        ({"initial": 0}, "initial: a count must be >= 1"),
        ({"budget": 1.5}, "budget: a fraction of the pool must lie in"),
        ({"rounds": True}, "rounds"),
    ],
)
def test_the_python_api_refuses_what_a_config_refuses(kw, message):
    with pytest.raises(AnnalError, match=message):
        ActiveLearningLoop("random", **kw)
    base = {"datasets": ["demo"], "strategies": ["random"]}
    with pytest.raises(AnnalError, match=f"protocol.{list(kw)[0]}"):
        parse_config({**base, "protocol": kw})


def test_one_type_everywhere_and_fractions_resolve_against_the_pool():
    assert Config.model_fields["protocol"].annotation is RunProtocol
    loop = ActiveLearningLoop("random", initial=np.int64(12), budget=0.05, rounds=2, seed=0)
    assert loop.protocol == RunProtocol(initial=12, budget=0.05, rounds=2)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((220, 4)).astype(np.float32)
    y = rng.integers(0, 3, 220)
    records = loop.run(X[:200], y[:200], X[200:], y[200:])
    assert [r.n_labelled for r in records] == [12, 22, 32]  # 5% of 200 per round
    assert RunProtocol(initial=0.0125, budget=0.025, rounds=20).resolve(20000) == (250, 500, 20)


@pytest.mark.parametrize(
    ("flag", "message"),
    [("--rounds", "protocol: rounds"), ("--budget", "protocol: budget: a count must be >= 1")],
)
def test_cli_refuses_zero_rounds_or_budget_before_any_work(flag, message, tmp_path):
    out = tmp_path / "rounds.csv"
    args = ["al", "run", "demo", "--strategy", "random", flag, "0", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output and not out.exists()
