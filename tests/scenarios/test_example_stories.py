"""Every example story plays through the services with its hand-computed figures, and the books check
passes after each one."""

from pathlib import Path

import pytest

from riskpool.scenarios.runner import run_file

STORIES = sorted((Path(__file__).parents[2] / "examples" / "scenarios").glob("*.yaml"))


def test_three_stories_per_program():
    for prefix in ("kezhou-", "kunshan-", "pingluo-"):
        assert len([p for p in STORIES if p.name.startswith(prefix)]) >= 3


@pytest.mark.django_db
@pytest.mark.parametrize("path", STORIES, ids=[p.stem for p in STORIES])
def test_story_meets_its_expected_figures(path):
    result = run_file(path)
    assert result["expectation_mismatches"] == []
    assert result["books_check"]["ok"], result["books_check"]["problems"]
    assert result["books_check"]["debits"] == result["books_check"]["credits"]


@pytest.mark.django_db
def test_a_story_leaves_the_database_as_it_was():
    from riskpool.loans.models import Loan
    from riskpool.registry.models import Fund

    run_file(STORIES[0])
    assert not Fund.objects.exists() and not Loan.objects.exists()
