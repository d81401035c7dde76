"""In a real browser, on the demo: a lender (kz-guoyou) uploads the demo book of loans
(examples/import/kz-guoyou-loans.csv, 300 loans) on the import page; the background job runs in the worker
that `riskpool serve` starts, the job's page shows its progress figure while it runs and, at the end, the
rows imported — every row through the same filing rules as a single filing."""

from __future__ import annotations

from pathlib import Path

from browser.conftest import shot

BOOK = Path(__file__).resolve().parents[2] / "examples" / "import" / "kz-guoyou-loans.csv"


def test_a_lender_imports_the_demo_book_through_the_page_and_sees_its_progress(login, demo_server):
    page = login("kz-guoyou")
    page.goto(demo_server + "/jobs/import/")
    page.select_option("select[name=kind]", "loans")
    page.set_input_files("input[name=file]", str(BOOK))
    page.click("form button[type=submit]")
    page.wait_for_url(f"{demo_server}/jobs/*/")
    assert page.locator("#progress progress").count() == 1  # the progress figure, while queued or running
    shot(page, "import-job-progress")
    page.wait_for_selector("#summary", timeout=120_000)  # the page refreshes itself every 2 s until the end
    text = page.inner_text("main")
    assert "已导入 300 行" in text or "300 rows imported" in text, text
    shot(page, "import-job-done")
    page.goto(demo_server + "/loans/KZGY-2026-0300/")
    assert "KZGY-2026-0300" in page.inner_text("main h1")
