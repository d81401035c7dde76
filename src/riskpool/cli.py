"""The `riskpool` command line. Thin: parses arguments, calls riskpool.policy / rules / evaluate,
prints. Bad input prints one clear message to stderr and exits 2, never a traceback."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from pydantic import BaseModel

from riskpool.calendar import CalendarError, default_calendar, install_notice
from riskpool.evaluate import QuestionError, evaluate_file
from riskpool.inputs import InputError
from riskpool.policy import PolicyError, bundled_ids, load_file, load_program
from riskpool.policy.schema import Param, ParameterNotInForce, Program
from riskpool.rates import RateError
from riskpool.rates_cli import add_parser as add_rates_parser
from riskpool.reports import ReportError
from riskpool.reports.commands import register as register_reports

EXIT_BAD_INPUT = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a command whose reader closed early


class UsageError(Exception):
    pass


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _walk_params(node: Any, path: str = "") -> list[tuple[str, Param]]:
    if isinstance(node, Param):
        return [(path, node)]
    found: list[tuple[str, Param]] = []
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            found += _walk_params(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, dict):
        for key, value in node.items():
            found += _walk_params(value, f"{path}.{key}")
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return str(value) if not isinstance(value, (bool, int, str)) else value


def cmd_programs_list(args: argparse.Namespace) -> int:
    for pid in bundled_ids():
        p = load_program(pid)
        end = p.effective.end or "—"
        print(f"{pid:22} {p.effective.start} → {end}  {p.region}  {p.name}")
    return 0


def _program(ref: str) -> Program:
    """A policy file, a bundled program, or one installed with `riskpool programs install` (its newest version)."""
    if ref.endswith((".yaml", ".yml")):
        return load_file(ref)
    if ref in bundled_ids():
        return load_program(ref)
    setup_django()
    from riskpool.programs.models import Program as Installed

    found = Installed.objects.filter(code=ref).first()
    if found is None:
        raise UsageError(f"{ref}: no such program (bundled: {', '.join(bundled_ids())}; installed: "
                         f"{', '.join(Installed.objects.values_list('code', flat=True)) or 'none'})")
    return found.policy


def cmd_programs_show(args: argparse.Namespace) -> int:
    p = _program(args.program)
    on = args.on or p.effective.start
    print(f"{p.id}: {p.name} ({p.name_en})\n  issuer {p.issuer}; region {p.region}; "
          f"in force {p.effective.start} → {p.effective.end or '—'} [{p.effective.article}]\n"
          f"  parameters in force on {on}:")
    for path, param in _walk_params(p):
        try:
            value = json.dumps(_plain(p.param(param, on)), ensure_ascii=False)
        except ParameterNotInForce as e:
            value = f"(not in force: {e})"
        print(f"  {path} = {value}  [{param.article}]")
    print("  admission criteria:" + ("" if p.admission else " none"))
    for c in (p.admission.criteria if p.admission else []):
        print(f"  - {c.code} [{c.article}] {c.description}")
    return 0


def cmd_programs_validate(args: argparse.Namespace) -> int:
    bad = 0
    for f in args.files:
        try:
            p = load_file(f)
        except PolicyError as e:
            print(f"INVALID {e}", file=sys.stderr)
            bad += 1
        else:
            print(f"OK {f}: {p.id} ({len(_walk_params(p))} parameters, {len(p.admission.criteria) if p.admission else 0} admission criteria)")
    return EXIT_BAD_INPUT if bad else 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    results = [evaluate_file(f) for f in args.files]
    _print_json(results[0] if len(results) == 1 else results)
    return 1 if any(r.get("expectation_mismatches") for r in results) else 0  # as `scenario run`


def render_decision(result: dict[str, Any]) -> str:
    head = f"{result['program']} · {result['question']} · {result['on']} → {result['outcome'].upper()}"
    lines = [head]
    if result.get("amounts"):
        lines.append("    " + ", ".join(f"{k} {v}" for k, v in result["amounts"].items()))
    if result.get("details"):
        lines.append("    " + ", ".join(f"{k} {v}" for k, v in result["details"].items()))
    for r in result["reasons"]:
        mark = "✗" if r["blocking"] else "·"
        lines.append(f"    {mark} {r['code']} [{r['article']}] {r['message']}")
    return "\n".join(lines)


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: play the example stories on the embedded database, then answer the example questions."""
    stories = Path(args.stories)
    questions = Path(args.questions)
    differing: list[str] = []
    story_files = sorted(stories.glob("*.yaml"))
    question_files = sorted(questions.glob("*.yaml")) + sorted(questions.glob("*.json"))
    if not story_files and not question_files:
        raise UsageError(f"{stories} and {questions}: no scenario or question files found")
    if story_files:
        print(f"Playing {len(story_files)} stories through the services (database: {_database_label()})")
        setup_django()
        from riskpool.scenarios.runner import ScenarioError, run_file

        for i, f in enumerate(story_files, 1):
            try:
                result = run_file(f)
            except ScenarioError as e:
                raise UsageError(str(e)) from None
            bad = result.get("expectation_mismatches")
            mark = "✗ NOT as expected: " + "; ".join(bad) if bad else "✓ as expected"
            if bad:
                differing.append(f.name)
            print(f"[{i}/{len(story_files)}] {f.name}  {mark}")
            print(render_story(result), end="\n\n")
    counts: dict[str, int] = {}
    if question_files:
        print(f"Answering {len(question_files)} questions with the rules")
    for i, f in enumerate(question_files, 1):
        result = evaluate_file(f)
        counts[result["outcome"]] = counts.get(result["outcome"], 0) + 1
        check = ""
        if "expectation_mismatches" in result:
            check = "  ✓ as expected" if not result["expectation_mismatches"] else "  ✗ NOT as expected: " + \
                "; ".join(result["expectation_mismatches"])
            if result["expectation_mismatches"]:
                differing.append(f.name)
        print(f"[{i}/{len(question_files)}] {f.name}{check}")
        if args.verbose:
            print(render_decision(result), end="\n\n")
    print(f"\nSummary: {len(story_files)} stories played, {len(question_files)} questions answered ("
          + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) + "); "
          + (f"{len(differing)} differ from their expectation: {', '.join(differing)}" if differing
             else "every stated expectation met"))
    return 1 if differing else 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the platform on a WSGI server (waitress); with --demo, load the demo first (once)."""
    import os

    setup_django()
    if args.demo:
        from riskpool.web import demo

        root = Path(args.stories)
        print(f"Loading the demo (database: {_database_label()}) …", flush=True)
        loaded = demo.load(root)
        print("demo loaded" if loaded else "demo already loaded", flush=True)
        print(f"Demo logins (password: {demo.PASSWORD}):")
        for row in demo.logins():
            print(f"  {row['username']:22} {row['role']:20} {row['name']}")
    import threading

    import waitress
    from django.core.wsgi import get_wsgi_application

    def warm_font() -> None:  # the PDF font is converted once (about 30 s) — not on the first download
        try:
            from riskpool.documents import cjk_font

            cjk_font()
        except Exception as e:  # noqa: BLE001 - the notices say so when asked for; serving goes on
            print(f"(PDF font not ready: {e})", flush=True)

    threading.Thread(target=warm_font, daemon=True).start()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskpool.settings")
    from riskpool.jobs.cli import start_for_serve

    if args.processes < 1 or args.threads < 1:
        print("riskpool serve: --processes and --threads must be at least 1", file=sys.stderr)
        return 2
    if args.processes > 1 and not hasattr(os, "fork"):
        print("riskpool serve: --processes above 1 needs fork (Linux, macOS); on this system run several "
              "servers on their own ports behind a load balancer", file=sys.stderr)
        return 2
    worker = start_for_serve(args.no_worker)  # background imports (riskpool.jobs): a child worker process
    app = get_wsgi_application()
    how = f"{args.processes} processes × {args.threads} threads" if args.processes > 1 else f"{args.threads} threads"
    print(f"Serving riskpool on http://{args.host}:{args.port}/ ({how}; Ctrl-C stops)", flush=True)
    try:
        if args.processes == 1:
            waitress.serve(app, host=args.host, port=args.port, threads=args.threads, _quiet=True)
        else:
            _serve_processes(app, args.host, args.port, args.processes, args.threads)
    finally:
        if worker is not None:
            worker.stop()
    return 0


def _serve_processes(app, host: str, port: int, processes: int, threads: int) -> None:
    """Several waitress processes on one listening socket (pre-fork): the kernel hands each connection to one
    of them. Why: a Python process runs on one core at a time, and a filing holds its fund's lock while its
    thread runs Python, so at saturation the threads of one process wait for each other's turn at the
    interpreter while holding locks (docs/performance.md). A process that dies is started again; Ctrl-C or
    SIGTERM stops them all."""
    import os
    import signal
    import socket
    import time

    import waitress
    from django.db import connections

    connections.close_all()  # each process opens its own connections, never the parent's
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    children: dict[int, float] = {}  # pid → when it started
    stopping = False
    parent = os.getpid()
    backoff = 0.0

    def start() -> None:
        pid = os.fork()
        if pid == 0:  # the child: serve until killed, never return into the parent's code
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)

            from riskpool.jobs.cli import _watch_parent

            _watch_parent(parent)  # the parent killed outright (SIGKILL): end too, freeing the port
            code = 0
            try:
                waitress.serve(app, sockets=[listener], threads=threads, _quiet=True)
            except BaseException:  # noqa: BLE001 - reported by the parent, which starts another
                code = 1
            os._exit(code)
        children[pid] = time.monotonic()

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for _ in range(processes):
            start()
        while children:
            time.sleep(0.5)
            for pid in list(children):  # our own children only: the background-import worker is not ours to reap
                try:
                    done, status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    done, status = pid, -1
                if done:
                    lived = time.monotonic() - children.pop(pid)
                    if not stopping:
                        # one that ends at once (a broken setting) is started again ever more slowly, up to 30 s
                        backoff = 0.0 if lived > 10 else min(30.0, backoff * 2 or 1.0)
                        print(f"serve process {pid} ended (status {status}); starting another"
                              + (f" in {backoff:.0f} s" if backoff else ""), file=sys.stderr, flush=True)
                        time.sleep(backoff)
                        if not stopping:
                            start()
    finally:
        stop(None, None)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        listener.close()


def _database_label() -> str:
    import os

    url = os.environ.get("DATABASE_URL")
    if url:
        return url.split("@")[-1]
    return f"SQLite at {Path(os.environ.get('RISKPOOL_HOME', './var')).resolve() / 'riskpool.sqlite3'}"


def cmd_calendar_load(args: argparse.Namespace) -> int:
    dest = install_notice(args.file)
    print(f"loaded {args.file} → {dest}")
    return 0


def cmd_calendar_check(args: argparse.Namespace) -> int:
    cal = default_calendar()
    d = args.date
    print(f"{d} is {'a working day' if cal.is_working_day(d) else 'not a working day'}"
          + (f"; +{args.add} working days → {cal.add_working_days(d, args.add)}" if args.add else ""))
    return 0


def setup_django(migrate: bool = True) -> None:
    """Configure Django on the embedded SQLite default (or DATABASE_URL) and bring its schema up to date."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskpool.settings")
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", verbosity=0, interactive=False)


def _scenario_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted(p.glob("*.yaml")) if p.is_dir() else [p]
    if not files:
        raise UsageError(f"{', '.join(paths)}: no scenario files (*.yaml) found")
    return files


def cmd_scenario_run(args: argparse.Namespace) -> int:
    setup_django()
    from riskpool.scenarios.runner import ScenarioError, run_file

    results, differing = [], 0
    try:
        for f in _scenario_files(args.files):
            result = run_file(f, keep=args.keep)
            differing += bool(result.get("expectation_mismatches"))
            results.append(result)
    except ScenarioError as e:
        raise UsageError(str(e)) from None
    _print_json(results[0] if len(results) == 1 else results)
    return 1 if differing else 0


def render_story(result: dict[str, Any]) -> str:
    lines = [f"  {result['story']}"]
    for code, loan in result["loans"].items():
        claim = loan.get("claim")
        text = f"    loan {code}: {loan['status']}, outstanding {loan['outstanding_principal']}, {loan['risk_class']}"
        if claim:
            reasons = ", ".join(f"{r['code']} [{r['article']}]" for r in claim["reasons"])
            text += (f"; claim {claim['status']}: loss {claim['loss_base']}, fund {claim['fund_share']} / lender "
                     f"{claim['lender_share']} / guarantor {claim['guarantor_share']}, paid {claim['paid_amount']}"
                     + (f", forfeited {claim['forfeited']}" if claim["forfeited"] != "0.00" else "")
                     + (f", unfunded {claim['unfunded']}" if claim["unfunded"] != "0.00" else "")
                     + (f", recovered {claim['recovered_to_fund']}" if claim["recovered_to_fund"] != "0.00" else "")
                     + (f" — {reasons}" if reasons else ""))
        lines.append(text)
    for r in result["refusals"]:
        lines.append(f"    refused as expected, event {r['event']} ({r['do']} {r['on']}): {r['refused'][:160]}")
    for code, f in result["funds"].items():
        lines.append(f"    fund {code}: cash {f['cash']}, compensated {f['compensated']}, recovered {f['recovered']}, "
                     f"covered outstanding {f['covered_outstanding']}")
    for code, programs_ in result["lenders"].items():
        for pid, l in programs_.items():
            lines.append(f"    lender {code} in {pid}: {l['status']}, NPL {l['npl_ratio']}, "
                         f"compensation ratio {l['compensation_ratio']}, compensation rate {l['compensation_rate']}")
    check = result["books_check"]
    lines.append(f"    books: debits {check['debits']} = credits {check['credits']}; "
                 + ("balanced and consistent" if check["ok"] else "PROBLEMS: " + "; ".join(check["problems"])))
    return "\n".join(lines)


def cmd_books_check(args: argparse.Namespace) -> int:
    """Each fund's books (balanced, running balances = postings, its ledger chain intact, agreeing with the loan
    and claim records), then every running total against its history and every hash chain (audit and history
    rows included): an edited, inserted or deleted row is reported even if its plain hash was recomputed."""
    setup_django()
    from riskpool.claims.reconcile import check_fund
    from riskpool.figures import totals
    from riskpool.integrity import chain
    from riskpool.registry.models import Fund

    funds = Fund.objects.filter(code=args.fund) if args.fund else Fund.objects.all()
    if args.fund and not funds.exists():
        raise UsageError(f"unknown fund {args.fund!r}")
    bad = 0
    for fund in funds.order_by("code"):
        problems = check_fund(fund)
        bad += bool(problems)
        print(f"{fund.code}: " + ("books balance and agree with the loan and claim records" if not problems
                                  else "\n  " + "\n  ".join(problems)))
    if not funds.exists():
        print("no funds in the database")
    if not args.fund:
        for what, problems in (("running totals", totals.check()), ("hash chains", chain.verify())):
            bad += bool(problems)
            print(f"{what}: " + ("each equals its history" if what == "running totals" and not problems else
                                 "intact: no row edited, inserted or deleted" if not problems else
                                 "\n  " + "\n  ".join(problems)))
    return 1 if bad else 0


def cmd_sweep(args: argparse.Namespace) -> int:
    setup_django()
    from riskpool.sweep import sweep

    print(sweep(args.on or dt.date.today()))
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def cmd_programs_install(args: argparse.Namespace) -> int:
    bad = 0
    for f in args.files:
        try:
            load_file(f)  # a broken file: one message per problem, exit 2, nothing stored
        except PolicyError as e:
            print(f"INVALID {e}", file=sys.stderr)
            bad += 1
    if bad:
        return EXIT_BAD_INPUT
    setup_django()
    from riskpool.programs import services as programs

    for f in args.files:
        before = {v.pk for v in programs.history(load_file(f).id)}
        program, version = programs.install(f, actor=args.actor)
        state = "already installed as" if version.pk in before else "installed as"
        print(f"{program.code}: {state} version {version.number} (sha256 {version.sha256[:12]}…, effective from "
              f"{version.effective_from}, by {version.installed_by} at {version.installed_at:%Y-%m-%d %H:%M})")
    return 0


def cmd_programs_history(args: argparse.Namespace) -> int:
    setup_django()
    from riskpool.programs import services as programs

    versions = programs.history(args.program)
    if not versions:
        raise UsageError(f"no program {args.program!r} is installed in this database")
    for v in versions:
        loans, claims = v.loans.count(), v.claims.count()
        print(f"{v.program.code} v{v.number}  sha256 {v.sha256[:12]}…  effective from {v.effective_from}  "
              f"installed {v.installed_at:%Y-%m-%d %H:%M} by {v.installed_by}  from {v.source}  "
              f"({loans} loans, {claims} claims decided under it)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="riskpool", description="Loan risk-compensation funds (风险补偿资金).")
    sub = parser.add_subparsers(dest="command", required=True)

    programs = sub.add_parser("programs", help="policy files: list, show, validate, install, history").add_subparsers(
        dest="action", required=True)
    programs.add_parser("list", help="the bundled programs").set_defaults(func=cmd_programs_list)
    show = programs.add_parser("show", help="a program's parameters in force on a date")
    show.add_argument("program", help="bundled id or policy file path")
    show.add_argument("--on", type=_date, help="date (default: the program's start)")
    show.set_defaults(func=cmd_programs_show)
    validate = programs.add_parser("validate", help="check policy files against the schema")
    validate.add_argument("files", nargs="+")
    validate.set_defaults(func=cmd_programs_validate)
    install = programs.add_parser("install", help="store a county's own policy file as a new program version")
    install.add_argument("files", nargs="+")
    install.add_argument("--actor", default="administrator", help="who installs it (recorded)")
    install.set_defaults(func=cmd_programs_install)
    hist = programs.add_parser("history", help="the installed versions of a program")
    hist.add_argument("program")
    hist.set_defaults(func=cmd_programs_history)

    ev = sub.add_parser("evaluate", help="answer question files (YAML/JSON); prints decisions as JSON")
    ev.add_argument("files", nargs="+")
    ev.set_defaults(func=cmd_evaluate)

    demo = sub.add_parser("demo", help="the main job: play the example stories, answer the example questions")
    demo.add_argument("--stories", default="examples/scenarios")
    demo.add_argument("--questions", default="examples/questions")
    demo.add_argument("-v", "--verbose", action="store_true", help="print every question's reasons too")
    demo.set_defaults(func=cmd_demo)

    scenario = sub.add_parser("scenario", help="scenario files (stories)").add_subparsers(dest="action", required=True)
    srun = scenario.add_parser("run", help="play stories on a fresh database state; print the final state as JSON")
    srun.add_argument("files", nargs="+", help="scenario files or folders")
    srun.add_argument("--keep", action="store_true",
                      help="keep the story's records in the database (for reports), instead of rolling back")
    srun.set_defaults(func=cmd_scenario_run)

    books = sub.add_parser("books", help="the funds' books (专账)").add_subparsers(dest="action", required=True)
    bcheck = books.add_parser("check", help="debits = credits, and balances agree with the loan and claim records")
    bcheck.add_argument("--fund")
    bcheck.set_defaults(func=cmd_books_check)

    register_reports(sub)

    from riskpool.sim.cli import add_parser as add_simulate_parser

    add_simulate_parser(sub)  # `riskpool simulate`: the stress simulator (docs/simulation.md)
    add_rates_parser(sub)  # `riskpool rates load FILE` / `riskpool rates show DATE` (docs/reference-rates.md)
    from riskpool.api.cli import add_parser as add_api_parser

    add_api_parser(sub)  # `riskpool api token create|revoke|list` (docs/api.md)
    from riskpool.imports.cli import add_parser as add_import_parser

    add_import_parser(sub)  # `riskpool import loans|repayments|arrears FILE` (docs/import.md)
    from riskpool.opening.cli import add_parser as add_opening_parser
    add_opening_parser(sub)  # `riskpool opening load FILE` (docs/opening.md)
    from riskpool.jobs.cli import add_parser as add_jobs_parser

    add_jobs_parser(sub)  # `riskpool jobs worker|list`: background imports (docs/import.md)
    serve = sub.add_parser("serve", help="serve the platform the five roles log into (waitress, WSGI)")
    serve.add_argument("--demo", action="store_true", help="load the demo first: programs, logins, a year of activity")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--threads", type=int, default=8, help="worker threads of each process (default 8)")
    serve.add_argument("--processes", type=int, default=1,
                       help="server processes on the one port (default 1; on a busy box about one process a "
                            "core, with a few threads each: docs/deployment.md)")
    serve.add_argument("--stories", default="examples/scenarios", help="the stories the demo plays")
    serve.add_argument("--no-worker", action="store_true",
                       help="start no background-import worker (one runs separately: riskpool jobs worker)")
    serve.set_defaults(func=cmd_serve)

    sw = sub.add_parser("sweep", help="daily sweep: overdue notices and claim steps, loans by risk class")
    sw.add_argument("--on", type=_date)
    sw.set_defaults(func=cmd_sweep)

    cal = sub.add_parser("calendar", help="working days: load a holiday notice, check a date").add_subparsers(
        dest="action", required=True)
    load = cal.add_parser("load", help="validate a State Council holiday notice (YAML) and install it")
    load.add_argument("file")
    load.set_defaults(func=cmd_calendar_load)
    check = cal.add_parser("check", help="is a date a working day; optionally add N working days")
    check.add_argument("date", type=_date)
    check.add_argument("--add", type=int, default=0)
    check.set_defaults(func=cmd_calendar_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        try:
            code = args.func(args)
            sys.stdout.flush()
            return code
        except (PolicyError, QuestionError, CalendarError, RateError, UsageError, ReportError, InputError) as e:
            print(f"riskpool: {e}", file=sys.stderr)
            return EXIT_BAD_INPUT
    except BrokenPipeError:
        # the reader went away (`riskpool scenario run FILE | head`): end quietly, as other commands do
        _quiet_stdout()
        return EXIT_BROKEN_PIPE


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it again at exit raises nothing."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture it)
        pass


if __name__ == "__main__":
    sys.exit(main())
