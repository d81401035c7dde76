"""A bench world: the three seed programs, one fund each, a lender and a guarantor under agreement, and
whitelisted borrowers — built through the services (the dispatcher), as a county would. Used by
``bench/import.py``, ``bench/reports.py`` and ``bench/api.py``.

``loan_rows(n)`` yields n loan rows (the import's columns) spread over the three programs, each of which the
filing rules accept: amounts and borrowers are chosen under every cap (per-borrower, single-loan, leverage).
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

DAY = dt.date(2025, 11, 3)  # every program in force, every agreement active, a working day
LOAN_COLUMNS = ("code", "program", "lender", "borrower", "amount", "issue_date", "term_months", "guarantor",
                "guarantee_fee_rate", "product_type", "all_in_cost_rate")

KEZHOU_FACTS = {"registered_region": "克孜勒苏柯尔克孜自治州", "registered_on": "2022-04-01", "good_credit": True,
                "stable_cash_flow": True, "tax_compliant": True, "genuine_trade_background": True,
                "no_major_risk_event": True, "repayment_capacity": True, "industries": ["cotton_textile_apparel"],
                "stable_employees_6m": 40}
KUNSHAN_FACTS = {"registered_region": "昆山市",
                 "qualifications": [{"kind": "high_tech_enterprise", "valid_from": "2024-11-01",
                                     "valid_to": "2027-10-31"}]}
KUNSHAN_FORM = {"company_name": "昆山某科技有限公司", "registered_address": "昆山市玉山镇", "industry_field": "集成电路",
                "financing_need": 800, "paid_in_capital": 2000, "core_ip": True, "contact": "王经理",
                "contact_phone": "0512-00000000", "town_officer": "李科员", "town_officer_phone": "0512-11111111",
                "reasons": "高新技术企业"}
PINGLUO_FACTS = {"size": {"industry": "retail", "employees": 8, "revenue": 2000000}, "local_premises": True,
                 "birth_date": "1980-03-12", "maturity_date": "2028-12-31", "current_arrears": False,
                 "max_consecutive_days_past_due_24m": 0, "overdue_periods_24m": 0, "major_litigation": False,
                 "criminal_case": False, "restructurings": []}

# program: (fund, lender, lender facts, guarantor, guarantor facts, borrower code prefix, kind, facts, form,
#           capital, loan amount, term, fee rate, product, all-in cost)
PROGRAMS = {
    "kezhou-industry": ("kz-fund", "kz-bank", {"institution_type": "bank"}, "kz-guarantee",
                        {"institution_type": "guarantee"}, "91653001MA7B", "enterprise", KEZHOU_FACTS, None,
                        "2000000000", "5000", 24, "0.008", "loan", ""),
    "kunshan-kunyurong": ("ks-pool", "ks-leasing", {"institution_type": "financial_leasing", "state_owned": True,
                                                    "city": "苏州市"},
                          "ks-guarantee", {"institution_type": "guarantee", "state_owned": True, "province": "江苏省"},
                          "91320583MA1K", "enterprise", KUNSHAN_FACTS, KUNSHAN_FORM,
                          "2000000000", "5000", 36, "0.01", "financial_leasing", "0.075"),
    "pingluo-puhui-yidai": ("pl-fund", "pl-bank", {"institution_type": "bank", "county": "平罗县"}, "pl-guarantee",
                            {"institution_type": "guarantee", "government_guarantor": True, "county": "平罗县"},
                            "92640221MA7P", "individual_business", PINGLUO_FACTS, None,
                            "200000000", "5000", 12, "0.002", "loan", ""),
}
START = {"kezhou-industry": dt.date(2025, 4, 1), "kunshan-kunyurong": dt.date(2024, 6, 1),
         "pingluo-puhui-yidai": dt.date(2025, 10, 23)}


def borrower_code(prefix: str, i: int) -> str:
    from stdnum.cn import uscc

    base = f"{prefix}{i:05d}"
    return base + uscc.calc_check_digit(base)


def build(borrowers_per_program: int = 600) -> dict[str, list[str]]:
    """The world, in the current (migrated, empty) database; returns each program's borrower codes."""
    from riskpool.programs import services as programs
    from riskpool.registry import services as registry

    out = {}
    for code, (fund_code, lender, lender_facts, guarantor, guarantor_facts, prefix, kind, facts, form, capital,
               *_rest) in PROGRAMS.items():
        program = programs.get(code)
        start = START[code]
        fund = registry.create_fund(fund_code, fund_code, [code], actor="bench", on=start)
        registry.inject_capital(fund, start, Decimal(capital), actor="bench")
        bank = registry.register_institution(lender, lender, "lender", facts=lender_facts)
        guarantee = registry.register_institution(guarantor, guarantor, "guarantor", facts=guarantor_facts)
        end = start.replace(year=start.year + 4)
        registry.sign_agreement(bank, program, role="lender", start=start, end=end, actor="bench")
        registry.sign_agreement(guarantee, program, role="guarantor", start=start, end=end, actor="bench")
        policy = program.policy
        steps = [s for s in policy.param(policy.whitelist.steps, DAY)] if policy.whitelist else []
        codes = []
        for i in range(borrowers_per_program):
            borrower = registry.register_borrower(borrower_code(prefix, i), f"{code} firm {i}", kind=kind,
                                                  facts=facts)
            for n, s in enumerate(steps):
                actor = lender if s.actor == "lender" else s.actor
                registry.whitelist_step(program, borrower, s.code, on=DAY, actor=actor,
                                        form=form if n == 0 else None)
            codes.append(borrower.code)
        out[code] = codes
    return out


def loan_rows(n: int, borrowers: dict[str, list[str]], prefix: str = "L"):
    """n loan rows, round-robin over the programs and their borrowers (each under every cap)."""
    names = list(PROGRAMS)
    for i in range(n):
        code = names[i % len(names)]
        (_fund, lender, _lf, guarantor, _gf, _p, _k, _f, _form, _capital, amount, term, fee, product,
         cost) = PROGRAMS[code]
        people = borrowers[code]
        yield (f"{prefix}{i:07d}", code, lender, people[(i // len(names)) % len(people)], amount, DAY.isoformat(),
               str(term), guarantor, fee, product, cost)


def write_csv(path, n: int, borrowers: dict[str, list[str]]) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(LOAN_COLUMNS)
        writer.writerows(loan_rows(n, borrowers))


def bare_insert(path) -> float:
    """The loans of a CSV written by ``write_csv`` inserted as they are into the loans table — codes resolved to
    ids by dictionary, no rule, no history, no totals — SQLite: ``executemany`` in the caller's transaction;
    PostgreSQL: ``COPY``. Returns the seconds it took (reading the file included)."""
    import csv
    import time

    from django.db import connection

    from riskpool.loans.models import Loan
    from riskpool.programs.models import ProgramVersion
    from riskpool.registry.models import Borrower, Fund, Institution

    versions = {}
    for v in ProgramVersion.objects.select_related("program").order_by("number"):
        versions[v.program.code] = (v.program_id, v.pk)
    funds = {p: f.pk for f in Fund.objects.all() for p in f.programs.values_list("code", flat=True)}
    institutions = dict(Institution.objects.values_list("code", "pk"))
    people = dict(Borrower.objects.values_list("code", "pk"))
    columns = ("code", "program_id", "program_version_id", "fund_id", "lender_id", "guarantor_id", "borrower_id",
               "amount", "exposure", "issue_date", "maturity_date", "term_months", "guarantee_fee_rate",
               "product_type", "all_in_cost_rate", "interest_rate", "facts", "guarantee_letter_date", "filed_on",
               "status", "outstanding_principal", "unpaid_interest", "overdue_since", "released_on",
               "extended_months", "claim_conditions", "filing_decision")
    sqlite = connection.vendor == "sqlite"

    def rows():
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            next(reader)
            for code, program, lender, borrower, amount, issue, term, guarantor, fee, product, cost in reader:
                program_id, version_id = versions[program]
                issued = dt.date.fromisoformat(issue)
                if sqlite:
                    issued = issue
                yield (code, program_id, version_id, funds[program], institutions[lender], institutions[guarantor],
                       people[borrower], amount if sqlite else Decimal(amount), amount if sqlite else Decimal(amount),
                       issued, issued, int(term), fee if sqlite else Decimal(fee), product,
                       (cost or None) if sqlite else (Decimal(cost) if cost else None), None, "{}", None, issued,
                       "filed", amount if sqlite else Decimal(amount), "0" if sqlite else Decimal(0), None, None, 0,
                       "{}", "{}")

    table = Loan._meta.db_table
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if sqlite:
            marks = ", ".join(["?"] * len(columns))
            cursor.cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows())
        else:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
    return time.perf_counter() - started


def fresh_postgres(name: str) -> str | None:
    """A database ``name`` dropped and created afresh on the server of $BENCH_PG_URL (default
    postgres://postgres@127.0.0.1:5432/postgres): its DATABASE_URL, or None (said why) when there is none."""
    try:
        import psycopg
    except ImportError:
        print("postgres: skipped (psycopg not installed)")
        return None
    server = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        with psycopg.connect(server.replace("postgres://", "postgresql://", 1), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as e:
        print(f"postgres: skipped ({e.__class__.__name__}: {e})")
        return None
    return server.rsplit("/", 1)[0] + "/" + name
