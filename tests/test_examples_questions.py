"""Every example question in examples/questions/ meets the expectation written in it (hand-computed
figures, readable by a policy officer, as OpenFisca's YAML tests are)."""

from pathlib import Path

import pytest

from riskpool import yamlio
from riskpool.evaluate import evaluate_file

EXAMPLES = sorted((Path(__file__).parent.parent / "examples" / "questions").glob("*.yaml"))


def test_there_are_examples_for_every_program():
    programs = {yamlio.load(p.read_text("utf-8"))["program"] for p in EXAMPLES}
    assert programs == {"kezhou-industry", "kunshan-kunyurong", "pingluo-puhui-yidai"}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_meets_its_expectation(path):
    result = evaluate_file(path)
    assert "expectation_mismatches" in result, f"{path.name} states no expectation"
    assert result["expectation_mismatches"] == []
