"""The browser tests drive Debian's Chromium with Playwright (no browser download) against `riskpool serve
--demo` — the README's main job — on a SQLite database of their own. Without Chromium they are skipped, unless
RISKPOOL_REQUIRE_BROWSER=1 (set by scripts/test.sh where it installed Chromium, as CI does): then they fail.
With RISKPOOL_SCREENSHOTS=1 the key pages are saved under docs/screenshots/ (scripts/screenshots.sh)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "riskpool-demo"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM is None and os.environ.get("RISKPOOL_REQUIRE_BROWSER") != "1":
        skip = pytest.mark.skip(reason="no Chromium (apt-get install chromium; scripts/test.sh does as root)")
        for item in items:
            if "browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    if CHROMIUM is None:
        pytest.fail("RISKPOOL_REQUIRE_BROWSER=1 but no Chromium is installed")
    home = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["RISKPOOL_HOME"] = str(home)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (home / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-c", "from riskpool.cli import main; raise SystemExit(main())",
                             "serve", "--demo", "--port", str(port)], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail("riskpool serve --demo stopped:\n" + (home / "serve.log").read_text())
        try:
            urllib.request.urlopen(base + "/login/", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        pytest.fail("riskpool serve --demo did not answer within 300 s")
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture
def login(browser, demo_server):
    """``login(username)`` → a logged-in page on the dashboard (a fresh browser context per user)."""
    contexts = []

    def _login(username: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.goto(demo_server + "/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(demo_server + "/")
        return page

    yield _login
    for c in contexts:
        c.close()


def shot(page, name: str) -> None:
    if os.environ.get("RISKPOOL_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
