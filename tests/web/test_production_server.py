"""The platform behind a WSGI server (waitress, `riskpool serve`) with production settings — DEBUG off, a
secret key from the environment, secure-cookie-ready — on the database the suite runs on (PostgreSQL in the
CI's second pass, in a database of its own): the login page and its CSS answer, a page behind the login
redirects to it, an unknown page is a 404 in Chinese and English, and a login works."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(request, tmp_path):
    """(base URL, the `riskpool serve` process), served with the options the test passes (indirect param)."""
    options = list(getattr(request, "param", []))
    env = {k: v for k, v in os.environ.items() if k not in ("RISKPOOL_DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(RISKPOOL_HOME=str(tmp_path), RISKPOOL_SECRET_KEY=uuid.uuid4().hex * 2,
               RISKPOOL_CHAIN_KEY=uuid.uuid4().hex)
    url = os.environ.get("DATABASE_URL")
    if url:  # a database of its own on the same server
        import psycopg

        name = f"rp_serve_{uuid.uuid4().hex[:8]}"
        admin = url.replace("postgres://", "postgresql://", 1).rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    riskpool = [sys.executable, "-c", "from riskpool.cli import main; raise SystemExit(main())"]
    subprocess.run([*riskpool, "programs", "list"], env=env, check=True, capture_output=True)
    create = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='riskpool.settings'; django.setup();"
              "from django.core.management import call_command; call_command('migrate', verbosity=0);"
              "from django.contrib.auth.models import User; from riskpool.registry.models import Institution;"
              "from riskpool.accounts.models import Membership;"
              "i=Institution.objects.create(code='bureau', name='财政局', kind='finance_bureau');"
              "Membership.objects.create(user=User.objects.create_user('bureau', password='s3cret-pass'), institution=i)")
    subprocess.run([sys.executable, "-c", create], env=env, check=True, capture_output=True, cwd=ROOT)
    port = _free_port()
    proc = subprocess.Popen([*riskpool, "serve", "--port", str(port), "--no-worker", *options], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/login/", timeout=1)
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    yield base, proc
    proc.terminate()
    proc.wait(10)
    if url:
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1).rsplit("/", 1)[0] + "/postgres",
                             autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{env["DATABASE_URL"].rsplit("/", 1)[1]}" WITH (FORCE)')


@pytest.fixture
def server(served):
    return served[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_served_with_production_settings(server):
    page = urllib.request.urlopen(server + "/login/").read().decode()
    assert "登录" in page and "csrfmiddlewaretoken" in page
    css = urllib.request.urlopen(server + "/static/web/site.css")
    assert css.status == 200 and b"--brand" in css.read()
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as e:
        opener.open(server + "/loans/")
    assert e.value.code == 302 and "/login/" in e.value.headers["Location"]
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(server + "/no-such-page/")
    assert e.value.code == 404
    body = e.value.read().decode()
    assert "未找到" in body and "Not found" in body and "Traceback" not in body


def test_a_login_works_and_a_forged_form_is_refused(server):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(server + "/login/").read().decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    data = f"csrfmiddlewaretoken={token}&username=bureau&password=s3cret-pass".encode()
    request = urllib.request.Request(server + "/login/", data=data, headers={"Referer": server + "/login/"})
    landed = opener.open(request)
    assert landed.geturl().rstrip("/") == server and "bureau" in landed.read().decode()
    forged = urllib.request.Request(server + "/login/", data=b"csrfmiddlewaretoken=forged&username=x&password=y",
                                    headers={"Referer": server + "/login/"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.build_opener().open(forged)
    assert e.value.code == 403 and "CSRF" in e.value.read().decode()


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.add(int(stat.parent.name))
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists() or not hasattr(os, "fork"), reason="needs fork and /proc")
@pytest.mark.parametrize("served", [["--processes", "3", "--threads", "1"]], indirect=True)
def test_several_processes_serve_one_port_and_one_that_dies_is_replaced(served):
    import signal
    from concurrent.futures import ThreadPoolExecutor

    base, proc = served
    assert len(_children(proc.pid)) == 3
    with ThreadPoolExecutor(6) as pool:  # concurrent requests on the one port, all answered
        pages = list(pool.map(lambda _: urllib.request.urlopen(base + "/login/", timeout=10).status, range(24)))
    assert pages == [200] * 24
    victim = min(_children(proc.pid))
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (victim in _children(proc.pid) or len(_children(proc.pid)) < 3):
        time.sleep(0.1)
    assert victim not in _children(proc.pid) and len(_children(proc.pid)) == 3
    assert urllib.request.urlopen(base + "/login/", timeout=10).status == 200
    children = _children(proc.pid)
    proc.terminate()  # SIGTERM stops the processes it started
    assert proc.wait(15) == 0
    assert not any(Path(f"/proc/{pid}").exists() and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                   != "Z" for pid in children)


@pytest.mark.skipif(not Path("/proc/self/stat").exists() or not hasattr(os, "fork"), reason="needs fork and /proc")
@pytest.mark.parametrize("served", [["--processes", "2", "--threads", "1"]], indirect=True)
def test_the_processes_end_when_their_parent_is_killed(served):
    import signal

    _base, proc = served
    children = _children(proc.pid)
    assert len(children) == 2
    os.kill(proc.pid, signal.SIGKILL)  # no chance to stop them: they notice on their own and free the port
    proc.wait(10)
    deadline = time.monotonic() + 10
    alive = lambda: [pid for pid in children if Path(f"/proc/{pid}/stat").exists()  # noqa: E731
                     and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
    while time.monotonic() < deadline and alive():
        time.sleep(0.2)
    assert alive() == []
