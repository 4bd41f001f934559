"""The report's stopping section, from rounds with known stop flags and through make_report."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats as sps

from annal.experiments import ResultsStore
from annal.report import make_report
from annal.report.document import Document
from annal.report.stopping import add_stopping_section, stop_points, stopping_table

from .conftest import fill_store

# First round at which each criterion fires, per seed (None: never).
FIRES = {
    0: {"stabilizing": 2, "change": None, "uncertainty": 4},
    1: {"stabilizing": 3, "change": None, "uncertainty": None},
}


def known_rounds() -> pd.DataFrame:
    rows = []
    for seed, fires in FIRES.items():
        for r in range(5):
            row = {
                "dataset": "a",
                "strategy": "margin",
                "init": "random",
                "seed": seed,
                "round": r,
                "n_labelled": 10 + 10 * r,
                "f1_macro": 0.3 + 0.1 * r + 0.01 * seed,
            }
            for name, at in fires.items():
                row[f"stop_{name}"] = float(at is not None and r >= at)
            rows.append(row)
    return pd.DataFrame(rows)


def test_table_says_where_each_criterion_stopped_and_its_cost():
    table = stopping_table(known_rounds()).set_index("Criterion")
    stab = table.loc["stabilizing"]
    assert stab["Stopped"] == "2/2" and stab["Round"] == "2.5"
    assert stab["Labels"] == "35" and stab["Labels saved"] == "15"
    # F1 there: 0.5 (seed 0, round 2) and 0.61 (seed 1, round 3); at end 0.7 and 0.71.
    half = sps.t.ppf(0.975, 1) * pd.Series([0.5, 0.61]).std() / 2**0.5
    assert stab["F1 there"] == f"0.555 ± {half:.3f}"
    cost_half = sps.t.ppf(0.975, 1) * pd.Series([0.2, 0.1]).std() / 2**0.5
    assert stab["F1 at end"].startswith("0.705 ± ")
    assert stab["Cost (F1)"] == f"0.150 ± {cost_half:.3f}"
    change = table.loc["change"]
    assert change["Stopped"] == "0/2" and change["Round"] == "never"
    assert change["F1 at end"].startswith("0.705") and change["Cost (F1)"] == "–"
    unc = table.loc["uncertainty"]
    assert unc["Stopped"] == "1/2" and unc["Round"] == "4.0" and unc["Labels saved"] == "0"
    assert unc["F1 there"] == "0.700" and unc["Cost (F1)"] == "0.000"
    assert list(table.index) == ["stabilizing", "change", "uncertainty"]


def test_unobserved_criteria_and_old_runs_are_left_out():
    rounds = known_rounds()
    rounds["stop_change"] = float("nan")  # not observed in these runs
    assert set(stop_points(rounds)["criterion"]) == {"stabilizing", "uncertainty"}
    old = rounds.drop(columns=[c for c in rounds.columns if c.startswith("stop_")])
    assert stop_points(old).empty
    doc = Document("t")
    add_stopping_section(doc, old)
    assert "No stopping criterion was recorded" in doc.to_markdown()


def test_make_report_has_the_section(tmp_path):
    fill_store(tmp_path)
    md = make_report(tmp_path).markdown.read_text()
    assert "Stopping criteria: where a person could have stopped" in md
    assert "No stopping criterion was recorded" in md  # the filled rounds carry no flags
    # Give every stored round the flags: stabilizing fires from round 3 on in every run.
    with ResultsStore(tmp_path / "results.sqlite") as store:
        with store.con:
            store.con.execute(
                "UPDATE rounds SET stop_stabilizing = (round >= 3), stop_change = 0, "
                "stop_uncertainty = 0"
            )
    md = make_report(tmp_path).markdown.read_text()
    rows = [line for line in md.splitlines() if line.startswith("| alpha | margin | random |")]
    stab = next(r for r in rows if "| stabilizing |" in r)
    assert "| 3/3 | 3.0 | 40 | 10 |" in stab
    assert any("| change | 0/3 | never |" in r for r in rows)


@pytest.mark.parametrize("level", [2, 3])
def test_section_heading_level_is_the_callers(level):
    doc = Document("t")
    add_stopping_section(doc, known_rounds(), level=level)
    assert doc.to_markdown().count("#" * level + " Stopping criteria") == 1
