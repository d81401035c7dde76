"""Reference rates (贷款市场报价利率, LPR): riskpool.rates and `riskpool rates`."""

from __future__ import annotations

import argparse
import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from riskpool import rates_cli
from riskpool.calendar import WorkingCalendar
from riskpool.rates import (
    BUNDLED_RATES,
    FIRST_LPR,
    Fixing,
    RateError,
    RateTable,
    default_rates,
    install_rates,
    load_rates,
    rates_dir,
)


@pytest.fixture(autouse=True)
def empty_rates_dir(monkeypatch, tmp_path) -> Path:
    """Tests must not depend on fixings loaded on this machine."""
    folder = tmp_path / "rates"
    monkeypatch.setenv("RISKPOOL_RATES_DIR", str(folder))
    return folder


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


# Q4 2025: the fixings after the bundled file (3.00 / 3.50 unchanged); an administrator's file.
LATER = """\
    source: 中国人民银行授权全国银行间同业拆借中心公布
    covered_through: 2026-01-19
    fixings:
      - {on: 2025-10-20, lpr_1y: 3.00, lpr_5y: 3.50}
      - {on: 2025-11-20, lpr_1y: "3.00", lpr_5y: "3.50"}
      - {on: 2025-12-22, lpr_1y: 3, lpr_5y: 3.5}
    """


def good(**lines: str) -> str:
    """A valid two-month file, with any line replaced."""
    parts = {
        "source": "source: 全国银行间同业拆借中心",
        "covered": "covered_through: 2024-11-19",
        "head": "fixings:",
        "f0": "  - {on: 2024-09-20, lpr_1y: 3.35, lpr_5y: 3.85}",
        "f1": "  - {on: 2024-10-21, lpr_1y: 3.10, lpr_5y: 3.60}",
    }
    parts.update(lines)
    return "\n".join(v for v in parts.values() if v) + "\n"


# --- the bundled file ---------------------------------------------------------------


def test_bundled_file_loads_one_fixing_a_month_from_2019_08():
    rf = load_rates(BUNDLED_RATES)
    assert "全国银行间同业拆借中心" in rf.source
    assert rf.fixings[0].on == FIRST_LPR == date(2019, 8, 20)
    assert rf.fixings[-1].on == date(2025, 9, 22)
    assert len(rf.fixings) == 74  # 2019-08 .. 2025-09
    assert rf.covered_through == date(2025, 10, 19)  # the day before the 2025-10 fixing (Mon 2025-10-20)
    assert all(isinstance(f.lpr_1y, Decimal) and isinstance(f.lpr_5y, Decimal) for f in rf.fixings)


def test_bundled_fixing_days_are_the_20th_or_the_next_working_day():
    cal = WorkingCalendar()  # the chinese_calendar package only
    for f in load_rates(BUNDLED_RATES).fixings:
        expected = cal.next_working_day(date(f.on.year, f.on.month, 20))
        assert f.on == expected, f
    assert cal.next_working_day(date(2025, 10, 20)) == date(2025, 10, 20)


@pytest.mark.parametrize(
    ("reference", "on", "rate", "fixed_on"),
    [
        ("lpr_5y", date(2019, 8, 20), "0.0485", date(2019, 8, 20)),
        ("lpr_1y", date(2019, 8, 20), "0.0425", date(2019, 8, 20)),
        ("lpr_1y", date(2019, 10, 20), "0.0420", date(2019, 9, 20)),  # Sunday: the 2019-10 fixing is 10-21
        ("lpr_1y", date(2020, 4, 20), "0.0385", date(2020, 4, 20)),
        ("lpr_1y", date(2021, 9, 21), "0.0385", date(2021, 8, 20)),  # Mid-Autumn: the 2021-09 fixing is 09-22
        ("lpr_5y", date(2022, 5, 20), "0.0445", date(2022, 5, 20)),
        ("lpr_5y", date(2022, 8, 21), "0.0445", date(2022, 7, 20)),
        ("lpr_5y", date(2022, 8, 22), "0.0430", date(2022, 8, 22)),
        ("lpr_1y", date(2023, 8, 21), "0.0345", date(2023, 8, 21)),
        ("lpr_5y", date(2024, 2, 20), "0.0395", date(2024, 2, 20)),
        ("lpr_1y", date(2024, 10, 20), "0.0335", date(2024, 9, 20)),
        ("lpr_1y", date(2024, 10, 21), "0.031", date(2024, 10, 21)),
        ("lpr_5y", date(2024, 10, 21), "0.036", date(2024, 10, 21)),
        ("lpr_1y", date(2025, 5, 19), "0.031", date(2025, 4, 21)),
        ("lpr_1y", date(2025, 5, 20), "0.030", date(2025, 5, 20)),
        ("lpr_5y", date(2025, 10, 19), "0.035", date(2025, 9, 22)),  # the last day the file vouches for
    ],
)
def test_known_fixings(reference, on, rate, fixed_on):
    table = default_rates()
    assert table.rate(reference, on) == Decimal(rate)
    assert isinstance(table.rate(reference, on), Decimal)
    assert table.fixing(on).on == fixed_on


def test_no_rate_before_the_first_lpr():
    with pytest.raises(RateError) as exc:
        default_rates().rate("lpr_1y", date(2019, 8, 19))
    assert "2019-08-19" in str(exc.value) and "riskpool rates load FILE" in str(exc.value)


def test_no_rate_after_covered_through():
    with pytest.raises(RateError) as exc:
        default_rates().rate("lpr_5y", date(2025, 10, 20))
    message = str(exc.value)
    assert "2025-10-20" in message and "2025-10-19" in message and "riskpool rates load FILE" in message


def test_unknown_reference_is_refused():
    with pytest.raises(RateError, match="lpr_10y"):
        default_rates().rate("lpr_10y", date(2024, 1, 2))  # type: ignore[arg-type]


def test_table_refuses_a_gap_and_floats():
    a = Fixing(date(2024, 9, 20), Decimal("0.0335"), Decimal("0.0385"))
    c = Fixing(date(2024, 11, 20), Decimal("0.031"), Decimal("0.036"))
    with pytest.raises(RateError, match="gap: no LPR fixing for 2024-10"):
        RateTable([a, c], date(2024, 12, 19))
    with pytest.raises(TypeError):
        Fixing(date(2024, 9, 20), 0.0335, Decimal("0.0385"))  # type: ignore[arg-type]


# --- administrator files ---------------------------------------------------------------


def test_rates_dir_default_and_env(monkeypatch, tmp_path):
    assert rates_dir() == tmp_path / "rates"
    monkeypatch.delenv("RISKPOOL_RATES_DIR")
    assert rates_dir() == Path.home() / ".local" / "share" / "riskpool" / "rates"


def test_loaded_file_extends_coverage(tmp_path, empty_rates_dir):
    before = default_rates()
    assert default_rates() is before  # cached while no file changes
    src = write(tmp_path, "q4.yaml", LATER)
    dest = install_rates(src)
    assert dest == empty_rates_dir / "lpr-2025-10-to-2025-12.yaml"
    assert dest.read_bytes() == src.read_bytes()
    assert sorted(p.name for p in empty_rates_dir.iterdir()) == [dest.name]

    table = default_rates()
    assert table is not before
    assert table.covered_through == date(2026, 1, 19)
    assert table.rate("lpr_1y", date(2025, 11, 1)) == Decimal("0.03")
    assert table.fixing(date(2025, 12, 21)).on == date(2025, 11, 20)
    assert table.fixing(date(2025, 12, 22)).on == date(2025, 12, 22)
    assert table.rate("lpr_5y", date(2024, 10, 21)) == Decimal("0.036")  # the bundled months are kept
    assert table.rate("lpr_1y", date(2026, 1, 19)) == Decimal("0.03")
    with pytest.raises(RateError, match="2026-01-20: .* through 2026-01-19 .*riskpool rates load FILE"):
        table.rate("lpr_1y", date(2026, 1, 20))


def test_later_file_wins_for_the_same_month(tmp_path, empty_rates_dir):
    install_rates(write(tmp_path, "q4.yaml", LATER))
    correction = write(tmp_path, "fix.yaml", """\
        source: 全国银行间同业拆借中心
        covered_through: 2025-12-19
        fixings:
          - {on: 2025-11-20, lpr_1y: 2.95, lpr_5y: 3.45}
        """)
    install_rates(correction)  # lpr-2025-11-to-2025-11.yaml sorts after lpr-2025-10-to-2025-12.yaml
    table = default_rates()
    assert table.rate("lpr_1y", date(2025, 11, 25)) == Decimal("0.0295")
    assert table.rate("lpr_1y", date(2025, 12, 22)) == Decimal("0.03")
    assert table.covered_through == date(2026, 1, 19)  # the latest of the files


def test_install_refuses_a_file_that_leaves_a_gap(tmp_path, empty_rates_dir):
    far = write(tmp_path, "far.yaml", """\
        source: 全国银行间同业拆借中心
        covered_through: 2026-01-19
        fixings:
          - {on: 2025-12-22, lpr_1y: 3.00, lpr_5y: 3.50}
        """)
    with pytest.raises(RateError) as exc:
        install_rates(far)
    assert str(exc.value).startswith(f"{far}: fixings:") and "2025-10" in str(exc.value)
    assert not empty_rates_dir.exists() or not any(empty_rates_dir.iterdir())


def test_install_of_a_bad_file_leaves_the_folder_unchanged(tmp_path, empty_rates_dir):
    good_file = install_rates(write(tmp_path, "q4.yaml", LATER))
    kept = good_file.read_bytes()
    bad = write(tmp_path, "bad.yaml", LATER.replace("lpr_5y: 3.5}", "lpr_5y: 35}"))
    with pytest.raises(RateError, match=r"fixings\[2\]\.lpr_5y: got 35;"):
        install_rates(bad)
    assert sorted(p.name for p in empty_rates_dir.iterdir()) == [good_file.name]
    assert good_file.read_bytes() == kept


def test_a_broken_file_in_the_folder_is_reported(empty_rates_dir):
    empty_rates_dir.mkdir()
    broken = empty_rates_dir / "hand-copied.yaml"
    broken.write_text("source: x\ncovered_through: 2025-10-19\n", encoding="utf-8")
    with pytest.raises(RateError, match=f"{broken}: fixings: got nothing"):
        default_rates()


# --- bad files: one line, FILE: KEY.PATH: got VALUE; expected WHAT --------------------------


@pytest.mark.parametrize(
    ("lines", "key", "got", "expected"),
    [
        ({"f1": "  - {on: 2024-09-20, lpr_1y: 3.10, lpr_5y: 3.60}"},
         "fixings[1].on", "'2024-09-20'", "each date once (fixings[0] already has 2024-09-20)"),
        ({"f1": "  - {on: 2024-09-27, lpr_1y: 3.10, lpr_5y: 3.60}"},
         "fixings[1].on", "'2024-09-27'",
         "one fixing per calendar month (fixings[0] is already the fixing for 2024-09)"),
        ({"f1": "  - {on: 2024-11-20, lpr_1y: 3.10, lpr_5y: 3.60}", "covered": "covered_through: 2024-12-19"},
         "fixings[1].on", "'2024-11-20'", "the fixing for 2024-10 next (gap: no fixing for 2024-10)"),
        ({"f1": "  - {on: 2024-08-20, lpr_1y: 3.10, lpr_5y: 3.60}"},
         "fixings[1].on", "'2024-08-20'", "a date in 2024-10, the month after fixings[0]"),
        ({"f1": "  - {on: 2024-10-02, lpr_1y: 3.10, lpr_5y: 3.60}"},
         "fixings[1].on", "'2024-10-02'", "a day from the 20th of the month on"),
        ({"f0": "  - {on: 2019-07-22, lpr_1y: 4.31, lpr_5y: 4.90}"},
         "fixings[0].on", "'2019-07-22'", "a date on or after 2019-08-20"),
        ({"f1": "  - {on: 2024-10-32, lpr_1y: 3.10, lpr_5y: 3.60}"},
         "fixings[1].on", "'2024-10-32'", "a valid date YYYY-MM-DD"),
        ({"f1": "  - {on: 2024-10-21, lpr_1y: 3.105, lpr_5y: 3.60}"},
         "fixings[1].lpr_1y", "3.105", "a percentage above 0 and at most 20 with at most 2 decimal places"),
        ({"f1": "  - {on: 2024-10-21, lpr_1y: 3.10, lpr_5y: 0.036}"},
         "fixings[1].lpr_5y", "0.036", "a percentage above 0 and at most 20 with at most 2 decimal places"),
        ({"f1": "  - {on: 2024-10-21, lpr_1y: 31, lpr_5y: 3.60}"},
         "fixings[1].lpr_1y", "31", "a percentage above 0 and at most 20"),
        ({"f1": "  - {on: 2024-10-21, lpr_1y: -3.10, lpr_5y: 3.60}"},
         "fixings[1].lpr_1y", "-3.1", "a percentage above 0 and at most 20"),
        ({"f1": "  - {on: 2024-10-21, lpr_1y: 3.10%, lpr_5y: 3.60}"},
         "fixings[1].lpr_1y", "'3.10%'", "a percentage above 0 and at most 20"),
        ({"f1": "  - {on: 2024-10-21, lpr_1y: 3.1e0, lpr_5y: 3.60}"},
         "fixings[1].lpr_1y", "'3.1e0'", "a percentage above 0 and at most 20"),
        ({"f1": "  - {on: 2024-10-21, lpr_1y: true, lpr_5y: 3.60}"},
         "fixings[1].lpr_1y", "True", "a percentage above 0 and at most 20"),
        ({"f1": "  - {on: 2024-10-21, lpr_1y: 3.10, lpr_5y: 3.60, lpr_10y: 4.0}"},
         "fixings[1].lpr_10y", "4.0", "only the keys on, lpr_1y, lpr_5y (unknown key)"),
        ({"f1": "  - {on: 2024-10-21, lpr_1y: 3.10}"},
         "fixings[1].lpr_5y", "nothing (the key is missing)", "the keys on, lpr_1y, lpr_5y"),
        ({"source": "sources: 全国银行间同业拆借中心"},
         "sources", "'全国银行间同业拆借中心'", "only the keys source, covered_through, fixings (unknown key)"),
        ({"source": ""},
         "source", "nothing (the key is missing)", "the keys source, covered_through, fixings"),
        ({"source": "source: ''"},
         "source", "''", "who published the fixings"),
        ({"covered": "covered_through: 2024-10-20"},
         "covered_through", "'2024-10-20'", "a date from the last fixing (2024-10-21) to 2024-11-30"),
        ({"covered": "covered_through: 2025-11-19"},
         "covered_through", "'2025-11-19'", "a date from the last fixing (2024-10-21) to 2024-11-30"),
        ({"head": "fixings: []", "f0": "", "f1": ""},
         "fixings", "[]", "a non-empty list of fixings"),
    ],
)
def test_bad_file_is_refused_naming_file_key_value_expectation(tmp_path, lines, key, got, expected):
    path = write(tmp_path, "bad.yaml", good(**lines))
    with pytest.raises(RateError) as exc:
        load_rates(path)
    message = str(exc.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}: got {got}; expected {expected}"), message


def test_good_file_loads(tmp_path):
    rf = load_rates(write(tmp_path, "ok.yaml", good()))
    assert [f.on for f in rf.fixings] == [date(2024, 9, 20), date(2024, 10, 21)]
    assert rf.fixings[1] == Fixing(date(2024, 10, 21), Decimal("0.031"), Decimal("0.036"))
    assert rf.table().rate("lpr_1y", date(2024, 11, 19)) == Decimal("0.031")


def test_duplicate_yaml_key_is_refused(tmp_path):
    path = write(tmp_path, "dup.yaml", good(f1="  - {on: 2024-10-21, lpr_1y: 3.10, lpr_1y: 3.60, lpr_5y: 3.60}"))
    with pytest.raises(RateError) as exc:
        load_rates(path)
    message = str(exc.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert "fixings[1].lpr_1y: duplicate key 'lpr_1y'" in message and "'3.10'" in message and "'3.60'" in message


def test_unreadable_and_non_yaml_files(tmp_path):
    with pytest.raises(RateError, match="cannot read"):
        load_rates(tmp_path / "missing.yaml")
    with pytest.raises(RateError, match=r"top level"):
        load_rates(write(tmp_path, "list.yaml", "- 1\n- 2\n"))
    with pytest.raises(RateError, match="not valid YAML"):
        load_rates(write(tmp_path, "broken.yaml", "fixings: [\n"))


# --- `riskpool rates` ------------------------------------------------------------------------


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="riskpool")
    rates_cli.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_show(capsys):
    assert run_cli("rates", "show", "2024-10-20") == 0
    assert capsys.readouterr().out == "2024-10-20: 1-year LPR 3.35 %, over-5-year LPR 3.85 % (fixing of 2024-09-20)\n"
    assert run_cli("rates", "show", "2024-10-21", "--reference", "lpr_5y") == 0
    assert capsys.readouterr().out == "2024-10-21: over-5-year LPR 3.60 % (fixing of 2024-10-21)\n"


def test_cli_show_uncovered_date_raises_rate_error():
    with pytest.raises(RateError, match="riskpool rates load FILE"):
        run_cli("rates", "show", "2026-01-05")


def test_cli_load_then_show(tmp_path, capsys, empty_rates_dir):
    src = write(tmp_path, "q4.yaml", LATER)
    assert run_cli("rates", "load", str(src)) == 0
    assert capsys.readouterr().out == f"loaded {src} → {empty_rates_dir / 'lpr-2025-10-to-2025-12.yaml'}\n"
    assert run_cli("rates", "show", "2025-12-21", "--reference", "lpr_1y") == 0
    assert capsys.readouterr().out == "2025-12-21: 1-year LPR 3.00 % (fixing of 2025-11-20)\n"


def test_cli_load_bad_file_raises_rate_error(tmp_path, empty_rates_dir):
    bad = write(tmp_path, "bad.yaml", good(covered="covered_through: 2024-10-20"))
    with pytest.raises(RateError, match=r"covered_through: got '2024-10-20'"):
        run_cli("rates", "load", str(bad))
    assert not empty_rates_dir.exists()


def test_cli_bad_date_and_reference_are_usage_errors(capsys):
    for argv in (("rates", "show", "2024-13-01"), ("rates", "show", "2024-10-21", "--reference", "shibor")):
        with pytest.raises(SystemExit) as exc:
            run_cli(*argv)
        assert exc.value.code == 2
    capsys.readouterr()
