"""A story kept in the database feeds `riskpool books check`, the reports and the sweep."""

from pathlib import Path

import pytest

from riskpool.cli import main

STORY = Path(__file__).parents[2] / "examples" / "scenarios" / "kezhou-default-compensated-recovered.yaml"
pytestmark = pytest.mark.django_db(transaction=True)


def test_kept_story_is_reported_and_its_books_check(capsys):
    assert main(["scenario", "run", "--keep", str(STORY)]) == 0
    capsys.readouterr()
    assert main(["books", "check"]) == 0
    assert "kz-fund: books balance and agree with the loan and claim records" in capsys.readouterr().out
    assert main(["report", "position", "--fund", "kz-fund", "--on", "2027-03-03"]) == 0
    out = capsys.readouterr().out
    assert "100,967,500.00" in out and "672,500.00" in out
    # the story's fund is there now: playing it again with --keep is refused, nothing doubled
    assert main(["scenario", "run", "--keep", str(STORY)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_books_check_finds_a_record_that_disagrees_with_the_books(capsys):
    from riskpool.claims.models import Claim

    assert main(["scenario", "run", "--keep", str(STORY)]) == 0
    Claim.objects.update(paid_amount="600000.00")  # a record changed behind the services' back
    capsys.readouterr()
    assert main(["books", "check", "--fund", "kz-fund"]) == 1
    assert "approved − paid on the claims 72500.00" in capsys.readouterr().out


def test_sweep_lists_a_notice_not_given(capsys):
    assert main(["scenario", "run", "--keep", str(STORY)]) == 0
    capsys.readouterr()
    assert main(["sweep", "--on", "2026-12-01"]) == 0
    assert "OVERDUE" not in capsys.readouterr().out  # the 30-day alert was given (第十三条（一）)
