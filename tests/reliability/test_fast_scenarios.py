"""The fast scenarios of the fault matrix (`make reliability` runs them all): no harm, converged."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from harness.terraform import ENGINES, Terraform

from .runner import Scenario, run_scenario
from .scenarios import SCENARIOS

pytestmark = pytest.mark.terraform

FAST = [scenario for scenario in SCENARIOS if scenario.fast]


@pytest.mark.parametrize("scenario", FAST, ids=[scenario.name for scenario in FAST])
def test_no_harm_and_converged(scenario: Scenario, mirror: Path, tmp_path: Path) -> None:
    engine = ENGINES["1.15.5"]
    once = replace(scenario, runs=1)  # `make reliability` repeats them
    row = run_scenario(once, tmp_path, lambda path, env: Terraform(engine, path, mirror, env))
    assert row.harm == 0, row.details
    assert row.converged == row.runs, row.details
