"""Web benchmark: latency of the dashboard and the REST API on a real server.

Builds a fresh SQLite workspace holding the whole UCI Online Retail file, starts
``python -m tradepilot serve`` on 127.0.0.1 in its own process, logs in like a browser
(login form, CSRF token, session cookie) and sends, over one keep-alive connection per
client, a fixed number of sequential requests to each endpoint after 5 warm-up ones.
Prints the first request's time (for the Overview page it is the cold one, which fills
the KPI cache), then p50, p95 and max of the measured requests, in milliseconds.

Target (issue): p95 under 300 ms for the Overview page and the main API endpoints.
With ``--demo PATH`` (a workspace built by ``tradepilot demo --no-serve -w PATH``,
reused as it is, no import) it measures the Today page (the daily brief, target
< 300 ms, issue 15), the Alerts page and the alerts API instead, logged in with the
demo's ``demo-login.txt`` (the Alerts page also filtered by one kind and with every
alert listed, the alerts API also with ``limit=50``); the first Today request builds
the day's brief if the workspace has none saved yet.
Every response must be a 200; any other is printed and makes the exit status 1.
The whole run, workspace import included, is bounded by ``--timeout`` seconds.

Usage: ``python bench/web_bench.py [--requests N] [--file PATH | --demo PATH]
[--port PORT] [--timeout S] [--json]``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx2 as httpx

DEFAULT_FILE = (
    Path(__file__).resolve().parents[2]
    / "shared/data/online_retail/online_retail_2010_2011.csv.gz"
)
HOST = "127.0.0.1"
EMAIL = "bench@example.com"
WARMUP = 5
TARGET_MS = 300.0
READY_TIMEOUT_S = 60.0
# (label, path, client): "browser" sends the session cookie, "api" the bearer token.
ENDPOINTS = [
    ("Overview page", "/", "browser"),
    ("Imports page", "/imports", "browser"),
    ("API status", "/api/v1/status", "api"),
    ("API kpis", "/api/v1/kpis", "api"),
    ("API kpis by country", "/api/v1/kpis?by=country", "api"),
    ("API quarantine", "/api/v1/quarantine?limit=50", "api"),
    ("API imports", "/api/v1/imports", "api"),
    ("API quality", "/api/v1/quality", "api"),
]
DEMO_ENDPOINTS = [
    ("Today page", "/today", "browser"),
    ("Alerts page", "/alerts", "browser"),
    # one kind, 50 a page; every alert one by one (before paging: the whole list)
    ("Alerts page overstock", "/alerts?kind=overstock", "browser"),
    ("Alerts page all=1", "/alerts?all=1", "browser"),
    ("API alerts", "/api/v1/alerts", "api"),
    ("API alerts limit=50", "/api/v1/alerts?limit=50", "api"),
]
CSRF_FIELD = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


# --- the workspace (built in a fresh process) -----------------------------------------


def build_workspace(path: str, home: str, password: str) -> dict[str, Any]:
    """Import ``path`` into a new workspace at ``home``; add the owner and a token."""
    from tradepilot.auth.service import create_owner, create_token
    from tradepilot.config import Settings
    from tradepilot.ingest.service import import_file
    from tradepilot.workspace import init_workspace

    engine = init_workspace(Settings(home=Path(home), database_url=None))
    started = time.perf_counter()
    report = import_file(engine, fmt="online-retail", path=Path(path))
    seconds = time.perf_counter() - started
    create_owner(engine, email=EMAIL, password=password)
    token = create_token(engine, name="bench")
    engine.dispose()
    return {"import_seconds": seconds, "rows": report.rows_read, "token": token}


def demo_workspace(home: str) -> dict[str, Any]:
    """The demo workspace's owner (from ``demo-login.txt``) and a new API token."""
    from tradepilot.auth.service import create_token
    from tradepilot.config import Settings
    from tradepilot.store.engine import create_engine

    login = Path(home, "demo-login.txt").read_text(encoding="utf-8").splitlines()
    fields = dict(line.split(": ", 1) for line in login if ": " in line)
    engine = create_engine(Settings(home=Path(home), database_url=None))
    name = f"web-bench-{secrets.token_hex(4)}"
    token = create_token(engine, name=name)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT count(*) FROM orders").scalar_one()
    engine.dispose()
    return {"email": fields["e-mail"], "password": fields["password"], "token": token,
            "token_name": name, "rows": rows, "import_seconds": 0.0}  # fmt: skip


def revoke_demo_token(home: str, name: str) -> None:
    """Revoke the token :func:`demo_workspace` made: the bench leaves the demo as it was."""
    from tradepilot.auth.service import revoke_token
    from tradepilot.config import Settings
    from tradepilot.store.engine import create_engine

    engine = create_engine(Settings(home=Path(home), database_url=None))
    revoke_token(engine, name=name)
    engine.dispose()


def in_child(target: Any, *args: Any) -> Any:
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(target, args)


# --- the server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(home: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TRADEPILOT_HOME": str(home)}
    env.pop("TRADEPILOT_DATABASE_URL", None)  # the workspace's SQLite file, always
    command = [sys.executable, "-m", "tradepilot", "serve"]
    with log.open("wb") as out:
        return subprocess.Popen(
            [*command, "--host", HOST, "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_until_ready(
    client: httpx.Client, server: subprocess.Popen[bytes], log: Path
) -> float:
    """Poll ``GET /login`` until it answers 200; return the seconds it took."""
    started = time.perf_counter()
    while time.perf_counter() - started < READY_TIMEOUT_S:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode}:\n{log.read_text()}")
        try:
            if client.get("/login").status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.2)
    sys.exit(f"the server did not answer within {READY_TIMEOUT_S:.0f} s")


def log_in(client: httpx.Client, password: str, email: str = EMAIL) -> None:
    """Log in through the form, as a browser does; the client keeps the cookies."""
    page = client.get("/login")
    found = CSRF_FIELD.search(page.text)
    if page.status_code != 200 or found is None or "tp_csrf" not in client.cookies:
        sys.exit(f"GET /login: {page.status_code}, no CSRF field or cookie")
    form = {"email": email, "password": password, "csrf_token": found.group(1)}
    answer = client.post("/login", data=form)
    if answer.status_code != 303 or "tp_session" not in client.cookies:
        sys.exit(f"POST /login: {answer.status_code}, expected 303 and a session")


# --- measuring ------------------------------------------------------------------------


def timed_get(client: httpx.Client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(path)
    return (time.perf_counter() - started) * 1000, response.status_code


def measure(client: httpx.Client, path: str, requests: int) -> dict[str, Any]:
    """The first request, ``WARMUP`` unmeasured ones, then ``requests`` measured."""
    first_ms, status = timed_get(client, path)
    statuses = [status]
    for _ in range(WARMUP):
        statuses.append(timed_get(client, path)[1])
    samples = []
    for _ in range(requests):
        ms, status = timed_get(client, path)
        samples.append(ms)
        statuses.append(status)
    failures = [s for s in statuses if s != 200]
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "first_ms": first_ms,
        "p50_ms": cuts[49],
        "p95_ms": cuts[94],
        "max_ms": max(samples),
        "failures": failures,
        "meets_target": cuts[94] < TARGET_MS and not failures,
    }


def run_endpoints(
    clients: dict[str, httpx.Client],
    requests: int,
    endpoints: list[tuple[str, str, str]] = ENDPOINTS,
) -> list[dict[str, Any]]:
    results = []
    for label, path, kind in endpoints:
        figures = measure(clients[kind], path, requests)
        results.append({"endpoint": label, "path": path, "auth": kind, **figures})
    return results


# --- the run --------------------------------------------------------------------------


class RunTimeout(Exception):
    """The run went over ``--timeout`` (not an OSError, so HTTP clients pass it on)."""


def on_alarm(signum: int, frame: Any) -> None:
    raise RunTimeout(
        "the run took longer than --timeout; any server started was stopped"
    )


def bench(args: argparse.Namespace, home: Path) -> dict[str, Any]:
    scratch = home  # the server's log stays out of a demo workspace
    if args.demo is not None:
        home = args.demo
        workspace = in_child(demo_workspace, str(home))
        password, email, endpoints = (
            workspace["password"],
            workspace["email"],
            DEMO_ENDPOINTS,
        )
    else:
        password, email, endpoints = secrets.token_urlsafe(16), EMAIL, ENDPOINTS
        workspace = in_child(build_workspace, str(args.file), str(home), password)
    port = args.port or free_port()
    base = f"http://{HOST}:{port}"
    log = scratch / "web-bench-server.log"
    server = start_server(home, port, log)
    try:
        with (
            httpx.Client(base_url=base, timeout=30) as browser,
            httpx.Client(base_url=base, timeout=30) as api,
        ):
            startup = wait_until_ready(browser, server, log)
            log_in(browser, password, email)
            api.headers["Authorization"] = f"Bearer {workspace['token']}"
            results = run_endpoints(
                {"browser": browser, "api": api}, args.requests, endpoints
            )
    finally:
        stop_server(server)
        if args.demo is not None:
            in_child(revoke_demo_token, str(home), workspace["token_name"])
    return {
        "file": args.file.name if args.demo is None else str(args.demo),
        "rows": workspace["rows"],
        "import_seconds": workspace["import_seconds"],
        "server_startup_seconds": startup,
        "requests": args.requests,
        "warmup": WARMUP,
        "target_p95_ms": TARGET_MS,
        "endpoints": results,
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--demo", type=Path, help="a `tradepilot demo` workspace")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--timeout", type=int, default=900, help="seconds, whole run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.requests < 2:
        parser.error("--requests must be at least 2")
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(args.timeout)
    try:
        with tempfile.TemporaryDirectory() as home:
            results = bench(args, Path(home))
    except RunTimeout as exc:
        sys.exit(str(exc))
    signal.alarm(0)
    report(results, as_json=args.json)
    if any(e["failures"] for e in results["endpoints"]):
        sys.exit(1)


def report(results: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"file: {results['file']} ({results['rows']:,} rows/orders, imported in"
        f" {results['import_seconds']:.1f} s); server ready in"
        f" {results['server_startup_seconds']:.1f} s"
    )
    print(
        f"{results['requests']} sequential requests per endpoint after"
        f" {results['warmup']} warm-up ones, one keep-alive connection, 127.0.0.1"
    )
    print(
        f"{'endpoint':<22}{'first ms':>10}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        f"{'fails':>7}  p95 < {results['target_p95_ms']:.0f} ms"
    )
    for e in results["endpoints"]:
        print(
            f"{e['endpoint']:<22}{e['first_ms']:>10.1f}{e['p50_ms']:>9.1f}"
            f"{e['p95_ms']:>9.1f}{e['max_ms']:>9.1f}{len(e['failures']):>7}"
            f"  {'yes' if e['meets_target'] else 'NO'}"
        )
        for status, times in sorted(Counter(e["failures"]).items()):
            print(f"  FAILED: {e['path']} answered {status} {times} times")
    print("first ms of the Overview page is the cold request (fills the KPI cache)")
    print(f"load average at the end: {results['load']:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
