"""A fund that adopts riskpool mid-way opens with its book (riskpool.opening, docs/opening.md), and every rule
counts it: kezhou's leverage (第二条) and per-borrower cap (第九条) count the opening loans, pingluo's 2 %
compensation-rate cap (第十五条) the compensation paid and guarantees released before the opening, kunshan's
50 % compensation ratio (第二十三条) the year's past compensation and financing; the fund pays only from the cash
it opened with; the books check passes and the fast and history paths of the lender figures agree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from riskpool.audit.models import AuditEvent, HistoryEvent
from riskpool.claims import services as claims
from riskpool.claims.reconcile import check_fund
from riskpool.figures import funds as fund_figs
from riskpool.figures import lenders as lender_figs
from riskpool.figures import totals
from riskpool.figures.models import OpeningFigure, OpeningPosition
from riskpool.integrity import chain
from riskpool.ledger import services as ledger
from riskpool.ledger.models import LedgerTransaction
from riskpool.loans import services as loans
from riskpool.loans.commands import LoanError
from riskpool.loans.models import Loan, Notice, Repayment
from riskpool.opening import services as opening
from riskpool.opening.commands import OpeningError
from riskpool.programs import services as programs
from riskpool.registry import services as registry
from riskpool.registry.models import Agreement, Institution

from claims.conftest import (
    KEZHOU_FIRM,
    KEZHOU_USCC,
    KUNSHAN_FIRM,
    KUNSHAN_USCC,
    PINGLUO_CONDITIONS,
    PINGLUO_DOCUMENTS,
    PINGLUO_FARMER,
    PINGLUO_IDS,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).parents[2]
BUREAU = "finance bureau"


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def D(text) -> Decimal:
    return Decimal(str(text))


class County:
    """A fund with its lender, guarantor and borrowers registered — and no business yet."""

    def __init__(self, program_code: str, prefix: str, start: str, end: str, facts: dict, ids: list[str],
                 kind: str = "enterprise", whitelist_on: str | None = None):
        self.program = programs.get(program_code)
        self.fund = registry.create_fund(f"{prefix}-fund", f"{prefix} fund", [program_code], actor=BUREAU,
                                         on=d(start))
        self.lender = registry.register_institution(f"{prefix}-bank", "合作银行", Institution.LENDER)
        self.guarantor = registry.register_institution(f"{prefix}-guarantee", "担保公司", Institution.GUARANTOR)
        registry.sign_agreement(self.lender, self.program, role=Institution.LENDER, start=d(start), end=d(end),
                                actor=BUREAU)
        registry.sign_agreement(self.guarantor, self.program, role=Institution.GUARANTOR,
                                start=d(start) + dt.timedelta(days=1), end=d(end), actor=BUREAU)
        self.borrowers = [registry.register_borrower(code, f"借款人{i}", kind=kind, facts=dict(facts))
                          for i, code in enumerate(ids)]
        if whitelist_on:
            policy = self.program.policy
            for b in self.borrowers:
                for step in policy.param(policy.whitelist.steps, d(whitelist_on)):
                    registry.whitelist_step(self.program, b, step.code, on=d(whitelist_on), actor=step.actor,
                                            key=f"wl:{b.code}:{step.code}")

    def loan(self, code: str, borrower: int, amount, outstanding, issued: str, months: int = 24, **kw) -> dict:
        return {"code": code, "program": self.program.code, "lender": self.lender.code,
                "guarantor": self.guarantor.code, "borrower": self.borrowers[borrower].code, "amount": str(amount),
                "outstanding": str(outstanding), "issue_date": issued, "term_months": months, **kw}

    def past(self, year: int, **amounts) -> dict:
        return {"program": self.program.code, "lender": self.lender.code, "guarantor": self.guarantor.code,
                "year": year, **{k: str(v) for k, v in amounts.items()}}

    def open(self, as_of: str, balances: dict, loans_=(), history=(), key: str | None = None) -> dict:
        body = opening.parse({"as_of": as_of, "balances": balances, "loans": list(loans_),
                              "history": list(history)}, "test", body_only=True)
        return opening.open_position(self.fund.code, body, actor="opening", key=key)

    def file(self, code: str, borrower: int, amount, on: str, months: int = 12) -> Loan:
        return loans.file_loan(code=code, program=self.program, lender=self.lender, borrower=self.borrowers[borrower],
                               amount=D(amount), issue_date=d(on), term_months=months, actor="bank",
                               guarantor=self.guarantor, guarantee_fee_rate=D("0.008"), key=f"file:{code}")


def kezhou(n: int = 2) -> County:
    return County("kezhou-industry", "kz", "2025-04-01", "2030-03-31", KEZHOU_FIRM, KEZHOU_USCC[:n],
                  whitelist_on="2025-05-12")


def kunshan() -> County:
    return County("kunshan-kunyurong", "ks", "2025-01-02", "2026-12-31", KUNSHAN_FIRM, KUNSHAN_USCC[:2],
                  whitelist_on="2025-02-10")


def pingluo() -> County:
    return County("pingluo-puhui-yidai", "pl", "2025-10-23", "2030-10-23", PINGLUO_FARMER, PINGLUO_IDS[:2],
                  kind="farmer")


def books_ok(county: County) -> None:
    assert check_fund(county.fund) == []
    assert totals.check() == []
    assert chain.verify() == []


def paths_agree(county: County, on: str) -> None:
    on = d(on)
    fast = lender_figs.lenders_figures(county.program, on, source="totals")
    slow = lender_figs.lenders_figures(county.program, on, source="history")
    assert fast == slow, on
    assert fund_figs.fund_figures(county.fund, on, source="totals") == fund_figs.fund_figures(
        county.fund, on, source="history")


# ----------------------------------------------------------------------------- kezhou

def test_kezhou_article_2_leverage_counts_the_opening_loans():
    """克州 第二条 1:10 放大倍数: 10,000,000 of cash covers 100,000,000; 99,600,000 is outstanding at the opening."""
    kz = kezhou()
    kz.open("2026-03-31", {"capital": 10000000},
            [kz.loan("KZ-OLD-1", 0, 99600000, 99600000, "2025-06-02", 36)])
    with pytest.raises(LoanError, match=r"LEVERAGE \[第二条\]"):
        kz.file("KZ-NEW-1", 1, 500000, "2026-04-10")
    assert kz.file("KZ-NEW-2", 1, 400000, "2026-04-10").status == Loan.FILED  # exactly at capacity
    cap = fund_figs.fund_figures(kz.fund, d("2026-04-10")).capacity(kz.program.code)
    assert (cap.capacity, cap.remaining) == (D("100000000.00"), D(0))
    books_ok(kz)


def test_kezhou_article_9_per_borrower_cap_counts_the_opening_outstanding():
    """克州 第九条: one borrower at most 10 % of the fund (1,000,000 of 10,000,000); 700,000 outstanding of a
    900,000 loan at the opening leaves 300,000."""
    kz = kezhou()
    kz.open("2026-03-31", {"capital": 10000000}, [kz.loan("KZ-OLD-1", 0, 900000, 700000, "2025-06-02", 36)])
    with pytest.raises(LoanError, match=r"PER_BORROWER_CAP \[第九条\]"):
        kz.file("KZ-NEW-1", 0, 400000, "2026-04-10")
    kz.file("KZ-NEW-2", 0, 300000, "2026-04-10")
    assert loans.borrower_outstanding(kz.program, kz.borrowers[0]) == D("1000000")
    books_ok(kz)


def test_the_opening_writes_one_audited_entry():
    kz = kezhou()
    result = kz.open("2026-03-31", {"capital": 10000000, "deposits": 3000000, "income_this_year": 20000,
                                    "earlier_surplus": 50000},
                     [kz.loan("KZ-OLD-1", 0, 900000, 700000, "2025-06-02", 36),
                      kz.loan("KZ-OLD-2", 1, 2000000, 2000000, "2025-09-01", 24, overdue_since="2026-02-01",
                              unpaid_interest="30000")],
                     [kz.past(2025, financing=1000000, released=1000000, compensation=100000, recoveries=20000)])
    assert result["cash"] == "6990000.00"  # 10,000,000 + 20,000 + 50,000 + 20,000 − 100,000 − 3,000,000
    assert result["covered_outstanding"] == "2700000.00" and result["loans"] == 2
    a = AuditEvent.objects.get(action="opening.open_position")
    kinds = sorted(a.history.values_list("kind", flat=True))
    assert kinds == ["fund.opened", "loan.arrears", "loan.filed", "loan.filed"]
    assert a.history.filter(kind="loan.filed", data__opening=True).count() == 2
    txn = LedgerTransaction.objects.get(book=kz.fund.book)
    assert (txn.kind, txn.date) == ("opening", d("2026-03-31"))
    bal = ledger.balances(kz.fund.book)
    assert bal["assets:cash"] == D("6990000") and bal["assets:deposits"] == D("3000000")
    assert bal["expenses:compensation"] == D("100000") and bal["equity:retained"] == D("-50000")
    old1 = Loan.objects.get(code="KZ-OLD-1")
    assert (old1.status, old1.filed_on, old1.outstanding_principal) == (Loan.FILED, d("2026-03-31"), D("700000"))
    assert old1.filing_decision["details"]["opening"] == "2026-03-31"
    assert old1.program_version.number == kz.program.versions.order_by("-number").first().number
    assert list(Repayment.objects.filter(loan=old1).values_list("on", "principal")) == [(d("2026-03-31"), D("200000"))]
    assert not Notice.objects.filter(due_on__lt=d("2026-03-31")).exists()  # duties before the opening: not ours
    assert OpeningFigure.objects.get().dated == d("2025-12-31")
    assert totals.get(totals.compensated(kz.program.pk, kz.lender.pk)) == D("100000")
    assert totals.get(totals.financing(kz.program.pk, kz.lender.pk, 2025)) == D("3900000")  # 1,000,000 + 2 loans
    books_ok(kz)
    paths_agree(kz, "2026-03-31")
    paths_agree(kz, "2026-12-31")
    # the history path at a date before the opening counts the years already closed
    f = lender_figs.lender_figures(kz.program, kz.lender, d("2026-01-15"), source="history")
    assert (f.compensated_total, f.released_total, f.outstanding) == (D("100000"), D("1000000"), D(0))


def test_figures_agree_after_business_on_top_of_the_opening():
    kz = kezhou()
    kz.open("2026-03-31", {"capital": 10000000},
            [kz.loan("KZ-OLD-1", 0, 900000, 700000, "2025-06-02", 36)],
            [kz.past(2025, financing=500000, released=500000), kz.past(2026, financing=300000, released=300000,
                                                                      compensation=10000)])
    loan = Loan.objects.get(code="KZ-OLD-1")
    loans.repay(loan, on=d("2026-05-04"), principal=D("100000"), actor="bank", key="r1")
    kz.file("KZ-NEW-1", 1, 400000, "2026-05-06")
    paths_agree(kz, "2026-05-06")
    f = lender_figs.lender_figures(kz.program, kz.lender, d("2026-05-06"))
    assert f.financing_this_year == D("700000") and f.compensation_this_year == D("10000")
    assert f.outstanding == D("1000000") and f.released_total == D("800000")
    books_ok(kz)


# ----------------------------------------------------------------------------- pingluo

def test_pingluo_article_15_rate_cap_counts_compensation_and_releases_before_the_opening():
    """平罗 第十五条: 30,000 paid and 2,000,000 released before the opening; with the defaulted loan's own
    1,000,000 the cap is 2 % × 3,000,000 = 60,000, so the fund pays 30,000 of its 480,000 share."""
    pl = pingluo()
    pl.open("2026-06-30", {"capital": 2000000, "compensation": 30000},
            [pl.loan("PL-OLD-1", 0, 1000000, 600000, "2025-11-03", overdue_since="2026-06-01")],
            [pl.past(2025, financing=1500000), pl.past(2026, financing=500000, released=2000000, compensation=30000)])
    loan = Loan.objects.get(code="PL-OLD-1")
    assert lender_figs.rate_cap_history(pl.program, pl.lender, d("2026-08-03"), loan=loan) == (D("30000"),
                                                                                                D("2000000"))
    claim = claims.submit_claim(loan, on=d("2026-08-03"), conditions=PINGLUO_CONDITIONS, documents=PINGLUO_DOCUMENTS,
                                actor="pl-bank", key="submit")
    claim = claims.review(claim, step="guarantor_review", on=d("2026-08-05"), approved=True, actor="担保", key="g")
    claim = claims.review(claim, step="county_review", on=d("2026-08-20"), approved=True, actor="财政局", key="c")
    claim = claims.pay(claim, on=d("2026-08-27"), actor="担保", key="pay")
    assert (claim.fund_share, claim.paid_amount, claim.forfeited) == (D("480000"), D("30000"), D("450000"))
    f = lender_figs.lender_figures(pl.program, pl.lender, d("2026-08-27"))
    assert f.compensation_rate == D("0.02")
    books_ok(pl)
    paths_agree(pl, "2026-08-27")


def test_the_fund_never_pays_more_than_the_cash_it_opened_with():
    """Limited liability (平罗 第二十一条): 100,000 of cash at the opening; a 480,000 share pays 100,000."""
    pl = pingluo()
    pl.open("2026-06-30", {"capital": 100000},
            [pl.loan("PL-OLD-1", 0, 1000000, 600000, "2025-11-03", overdue_since="2026-06-01")],
            [pl.past(2026, financing=1500000, released=20000000)])
    loan = Loan.objects.get(code="PL-OLD-1")
    claim = claims.submit_claim(loan, on=d("2026-08-03"), conditions=PINGLUO_CONDITIONS, documents=PINGLUO_DOCUMENTS,
                                actor="pl-bank", key="submit")
    claim = claims.review(claim, step="guarantor_review", on=d("2026-08-05"), approved=True, actor="担保", key="g")
    claim = claims.review(claim, step="county_review", on=d("2026-08-20"), approved=True, actor="财政局", key="c")
    claims.pay(claim, on=d("2026-08-27"), actor="担保", key="pay")
    claim.refresh_from_db()
    assert claim.paid_amount == D("100000")
    assert ledger.balance(pl.fund.book, "assets:cash") == D(0)
    books_ok(pl)


# ----------------------------------------------------------------------------- kunshan

def test_kunshan_article_23_compensation_ratio_counts_the_years_past_compensation():
    """昆山 第二十三条: 600,000 paid this year against 1,000,000 financed this year (60 % > 50 %): the lender is
    suspended on the opening date, and its next filing is refused."""
    ks = kunshan()
    result = ks.open("2026-03-31", {"capital": 20000000},
                     history=[ks.past(2026, financing=1000000, released=1000000, compensation=600000)])
    assert result["sanctions"] == {ks.program.code: {ks.lender.code: "suspend"}}
    a = Agreement.objects.get(institution=ks.lender, program=ks.program, role="lender")
    assert a.status == Agreement.SUSPENDED and "第二十三条" in a.status_reason
    with pytest.raises(LoanError, match=r"LENDER_STATUS"):
        ks.file("KS-NEW-1", 0, 500000, "2026-04-10")
    books_ok(ks)


def test_kunshan_article_23_compensation_ratio_counts_the_financing_released_before_the_opening():
    """600,000 paid against 1,000,000 released-and-repaid plus 1,000,000 outstanding issued this year: 30 %."""
    ks = kunshan()
    result = ks.open("2026-03-31", {"capital": 20000000},
                     [ks.loan("KS-OLD-1", 0, 1000000, 1000000, "2026-01-05", 12)],
                     [ks.past(2026, financing=1000000, released=1000000, compensation=600000)])
    assert result["sanctions"] == {}
    f = lender_figs.lender_figures(ks.program, ks.lender, d("2026-04-10"))
    assert (f.compensation_this_year, f.financing_this_year) == (D("600000"), D("2000000"))
    assert ks.file("KS-NEW-1", 1, 500000, "2026-04-10").status == Loan.FILED
    paths_agree(ks, "2026-04-10")
    books_ok(ks)


# ----------------------------------------------------------------------------- refusals, idempotency

def test_the_opening_comes_first_and_only_once():
    kz = kezhou()
    registry.inject_capital(kz.fund, d("2026-01-05"), D("1000000"), actor=BUREAU, key="cap")
    with pytest.raises(OpeningError, match="already has business"):
        kz.open("2026-03-31", {"capital": 1000000})
    assert not OpeningPosition.objects.exists()


def test_a_second_opening_is_refused_and_the_same_one_is_answered_from_the_first():
    kz = kezhou()
    first = kz.open("2026-03-31", {"capital": 1000000})
    again = kz.open("2026-03-31", {"capital": 1000000})  # the same request under the fund's opening key
    assert again == first and AuditEvent.objects.filter(action="opening.open_position").count() == 1
    with pytest.raises(OpeningError, match="already opened on 2026-03-31"):
        kz.open("2026-03-31", {"capital": 2000000}, key="another")


@pytest.mark.parametrize("balances, loans_, history, message", [
    ({"capital": 1000000, "cash": 999999}, [], [], r"balances.cash: 999999.00 does not balance"),
    ({"capital": 1000000}, [], [{"year": 2025, "compensation": 2000000}], r"leave cash at -1000000.00"),
    ({"capital": 1000000, "compensation": 5}, [], [], r"balances.compensation"),
    ({"capital": 1000000}, [{"borrower": "91653001MA7K000444"}], [], r"loans\[0\].borrower: no borrower"),
    ({"capital": 1000000}, [{"lender": "kz-guarantee"}], [], r"loans\[0\].lender: no lender"),
    ({"capital": 1000000}, [{"program": "pingluo-puhui-yidai"}], [], r"loans\[0\].program: fund kz-fund does not"),
])
def test_a_refused_opening_writes_nothing(balances, loans_, history, message):
    kz = kezhou()
    rows = [{**kz.loan("KZ-OLD-1", 0, 900000, 700000, "2025-06-02", 36), **x} for x in loans_]
    past = [{**kz.past(2025), **{k: str(v) for k, v in x.items()}} for x in history]
    with pytest.raises(OpeningError, match=message):
        kz.open("2026-03-31", balances, rows, past)
    assert not (OpeningPosition.objects.exists() or Loan.objects.exists() or LedgerTransaction.objects.exists()
                or HistoryEvent.objects.filter(kind="fund.opened").exists())


@pytest.mark.parametrize("patch, message", [
    ({"loans": [{"outstanding": "1000001"}]}, r"loans\[0\]: .*outstanding: expected an amount above 0 and at most"),
    ({"loans": [{"issue_date": "2026-04-01"}]}, r"loans\[0\].issue_date: expected a date on or before as_of"),
    ({"loans": [{"amount": "1e6"}]}, r"loans\[0\].amount: expected a decimal number, got '1e6'"),
    ({"history": [{"year": 2027}]}, r"history\[0\].year: expected a year up to the opening's 2026"),
    ({"balances": {"capital": 1, "cassh": 1}}, r"balances.cassh: unknown key"),
])
def test_bad_input_names_the_key_path_and_value(patch, message):
    loan = {"code": "X-1", "program": "kezhou-industry", "lender": "kz-bank", "borrower": KEZHOU_USCC[0],
            "amount": "1000000", "outstanding": "500000", "issue_date": "2025-06-02", "term_months": 12}
    data = {"fund": "kz-fund", "as_of": "2026-03-31", "balances": {"capital": 1000000}, "loans": [loan],
            "history": [{"program": "kezhou-industry", "lender": "kz-bank", "year": 2025}]}
    for key, value in patch.items():
        data[key] = [{**data[key][0], **value[0]}] if isinstance(value, list) else value
    with pytest.raises(opening.OpeningFileError, match=message):
        opening.parse(data, "f.yaml")


# ----------------------------------------------------------------------------- the CLI and the stories

def test_cli_opening_load_is_idempotent_and_refuses_bad_input_in_one_line(tmp_path, capsys):
    from riskpool.cli import main

    pl = pingluo()
    text = (ROOT / "examples" / "opening" / "pingluo-opening.yaml").read_text(encoding="utf-8")
    # the example names its own borrowers: point it at this test's
    text = text.replace('"640221198003120015"', f'"{pl.borrowers[0].code}"').replace(
        "92640221MA7P00010U", pl.borrowers[1].code)
    path = tmp_path / "opening.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["opening", "load", str(path), "--actor", "平罗县财政局"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("pl-fund: opened on 2026-06-30 — 2 loans, covered outstanding 2600000.00")
    assert main(["opening", "load", str(path)]) == 0
    assert "already opened on 2026-06-30 with this position; nothing written" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="opening.open_position").count() == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("cash: 1980000", "cash: 1980001"), encoding="utf-8")
    assert main(["opening", "load", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already opened on 2026-06-30 with another position" in err
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("amount: 2000000", "amount: 2,000,000.001"), encoding="utf-8")
    assert main(["opening", "load", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "loans[1].amount" in err and "2,000,000.001" in err
    books_ok(pl)


def test_a_story_may_give_its_opening_inline():
    from riskpool.scenarios import schema as s
    from riskpool.scenarios.runner import play

    story = {
        "story": "inline opening", "fund": {
            "code": "pl-fund", "name": "平罗", "programs": ["pingluo-puhui-yidai"],
            "opening": {"as_of": "2026-06-30", "balances": {"capital": 500000},
                        "history": [{"program": "pingluo-puhui-yidai", "lender": "pl-bank", "year": 2026,
                                     "released": 1000000, "compensation": 10000}]}},
        "parties": [{"code": "pl-bank", "name": "银行", "kind": "lender",
                     "facts": {"institution_type": "bank", "county": "平罗县"},
                     "agreements": [{"program": "pingluo-puhui-yidai", "start": "2025-10-23", "end": "2030-10-23"}]}],
        "events": [{"on": "2026-07-01", "do": "record_income", "fund": "pl-fund", "amount": 1000}],
        "expect": {"funds": {"pl-fund": {"cash": "491000.00", "compensated": "10000.00"}},
                   "lenders": {"pl-bank": {"pingluo-puhui-yidai": {"compensation_rate": "1.00%"}}},
                   "books_check": {"ok": True}}}
    result = play(s.Scenario.model_validate(story), "inline")
    assert result["expectation_mismatches"] == []


def test_example_opening_story_is_in_the_example_stories():
    assert (ROOT / "examples" / "scenarios" / "pingluo-opening-position.yaml").exists()
