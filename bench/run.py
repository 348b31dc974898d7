"""Trellis's portal pages against a bare Django view, under the same gunicorn, with wrk.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
         .venv/bin/python bench/run.py [--scale 1] [--rounds 3] [--duration 5] [--only PDF]

Issue 12's benchmark. On DATABASE_URL's server (PostgreSQL only) it creates a
database of its own, `trellis_bench_run_<pid>` (dropped at the end; the one the
URL names is not touched), migrates it and fills it with bench/dataset.py (at
scale 1: 100,000 contacts, 40,000 properties, 132,000 invoices, and one
customer with 1,000 invoices, 1,000 proposals and 300 requests on 5
properties). It counts each page's queries once (bench/page_queries.py), then
starts Trellis with the README's production example (DEBUG off, plain HTTP on
127.0.0.1) and the bare Django 5.2 project of bench/bare/ under identical
gunicorn settings (2 sync workers), signs the customer in over HTTP, and, for
several rounds, loads the bare view and then each page with wrk (32
connections), printing requests per second of both, Trellis as a share of
bare, wrk's p50 and p99 latency, and the machine's load average. The machine
may be shared: only the ratios mean something. Nothing here is asserted.
bench/README.md says what else it does; `--source DIR` measures another
Trellis tree (an export of a commit: before and after, side by side).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode, urlsplit

from forgot_password_timing import Browser as FormBrowser
from forgot_password_timing import free_port, wait_until_up
from production_like import PRODUCTION_LIKE
from scratch_database import ScratchDatabase

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT))

from trellis.testing.production_example import production_example  # noqa: E402

WORKERS = 2


def production_env(database_url: str, folder: str, source: Path) -> dict[str, str]:
    """The README's production example, changed only where this machine differs:
    no TLS proxy in front (plain HTTP on the loopback, no X-Forwarded-For),
    email kept in memory, files in a temporary folder; Trellis imported from
    `source`."""
    env = {**os.environ, **production_example()}
    env.update(
        {
            "PYTHONPATH": str(source),
            **PRODUCTION_LIKE,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(Path(folder) / "media"),
            "TRELLIS_DATA_DIR": folder,
            "SECURE_COOKIES": "false",
            "SECURE_SSL_REDIRECT": "false",
            "TRUSTED_PROXY_COUNT": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def python(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [str(BIN / "python"), *args],
        env=env,
        cwd=env["PYTHONPATH"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{' '.join(args)[:80]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextmanager
def gunicorn(env: dict[str, str], app: str, *, pythonpath: Path, log: IO[bytes]):
    """A gunicorn on a free port of 127.0.0.1, the same settings for either app;
    its output (Trellis logs every sign-in) goes to `log`."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            app,
            "--pythonpath",
            str(pythonpath),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=pythonpath,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        try:
            wait_until_up(server, port)
        except SystemExit:
            log.flush()
            print(Path(log.name).read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


class Browser(FormBrowser):
    """One visitor's cookies, over plain HTTP to 127.0.0.1."""

    def post(self, path: str, fields: dict[str, str]) -> int:
        status, _ = self.request("POST", path, urlencode(fields))
        return status

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    @property
    def csrf_token(self) -> str:
        # Django takes the cookie's unmasked secret as the form's token too.
        return self.cookies["csrftoken"]


def signed_in(port: int, email: str, password: str) -> Browser:
    browser = Browser(port)
    browser.request("GET", "/sign-in/")
    fields = {"csrfmiddlewaretoken": browser.csrf_token, "email": email, "password": password}
    status = browser.post("/sign-in/", fields)
    if status != 302 or "sessionid" not in browser.cookies:
        raise SystemExit(f"Signing in answered {status} without a session")
    return browser


@dataclass
class Load:
    """A page loaded with wrk: a GET of `path`, or the requests `script` makes."""

    name: str
    path: str
    script: str = ""
    cookies: str = ""
    on_bare: bool = False  # the bare project's own page, as a reference


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    seconds: int
    errors: str

    @property
    def line(self) -> str:
        return f"{self.rps:8.1f} req/s  p50 {self.p50_ms:7.1f} ms  p99 {self.p99_ms:7.1f} ms"


def wrk(port: int, load: Load, *, connections: int, duration: int, folder: str) -> Result:
    command = wrk_command(port, load, connections=connections, duration=duration, folder=folder)
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    drain(port)
    return wrk_result(load, done.returncode, done.stdout, done.stderr, duration)


def wrk_command(
    port: int, load: Load, *, connections: int, duration: int, folder: str
) -> list[str]:
    command = [
        "wrk",
        f"--threads={min(2, connections)}",
        f"--connections={connections}",
        f"--duration={duration}s",
        "--timeout=60s",
        "--latency",
    ]
    if load.cookies:
        command += ["--header", f"Cookie: {load.cookies}"]
    if load.script:
        script = Path(folder) / (re.sub(r"\W+", "-", load.name) + ".lua")
        script.write_text(load.script)
        command += ["--script", str(script)]
    command.append(f"http://127.0.0.1:{port}{load.path}")
    return command


def wrk_result(load: Load, returncode: int, out: str, err: str, duration: int) -> Result:
    if returncode or err.strip():
        raise SystemExit(f"wrk failed on {load.name}:\n{out}\n{err}")
    return Result(
        rps=float(_found(r"Requests/sec:\s+([\d.]+)", out)),
        p50_ms=_ms(_found(r"\s50%\s+([\d.]+\w+)", out)),
        p99_ms=_ms(_found(r"\s99%\s+([\d.]+\w+)", out)),
        requests=int(_found(r"(\d+) requests in", out)),
        seconds=duration,
        errors="; ".join(
            line.strip()
            for line in out.splitlines()
            if "Non-2xx" in line or "Socket errors" in line
        ),
    )


def drain(port: int) -> None:
    """Wait for the requests wrk left in flight when it stopped: gunicorn still
    answers them, and they would slow the next run. A probe per worker, queued
    behind them, answers once they are done."""
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda _: status_of(port, "/favicon.ico"), range(WORKERS)))


def status_of(port: int, path: str, cookies: str = "") -> int:
    """The status of a GET, whatever the body (HTML or a PDF)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        connection.request("GET", path, headers={"Cookie": cookies})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise SystemExit(f"wrk's output has no {pattern!r}:\n{text}")
    return match.group(1)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def pay_script(browser: Browser, method: int, invoices: list[int]) -> str:
    """POSTs that pay 0.01 with the saved card on the customer's due invoices in
    turn, each with an idempotency key of its own (thread, counter, time)."""
    fields = urlencode({"csrfmiddlewaretoken": browser.csrf_token, "method": method})
    return f"""
local invoices = {{{", ".join(map(str, invoices))}}}
local counter = 0
local started = os.time()
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
request = function()
  counter = counter + 1
  local n = (tid * 7919 + counter) % #invoices + 1
  local key = string.format("%016x%08x%08x", started, tid, counter)
  local body = "{fields}&amount=0.01&confirm=1&idempotency_key=" .. key
  return wrk.format("POST", "/invoices/" .. invoices[n] .. "/pay/", {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "{browser.cookie_header()}",
  }}, body)
end
"""


def sign_in_script(token: str, email: str, password: str) -> str:
    """Anonymous password POSTs with one CSRF cookie and its token: each signs in anew."""
    body = urlencode({"csrfmiddlewaretoken": token, "email": email, "password": password})
    return f"""
wrk.method = "POST"
wrk.body = "{body}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "csrftoken={token}"
"""


def rows(env: dict[str, str], sql: str) -> str:
    """A number from the benchmark's database, to check what the POSTs did."""
    return python(
        env,
        "-c",
        "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'trellis.settings');"
        "django.setup(); from django.db import connection; c = connection.cursor();"
        f"c.execute({sql!r}); print(c.fetchone()[0])",
    ).strip()


def warm_up_posts(port: int, customer: Browser, data: dict[str, Any]) -> None:
    """One payment and one sign-in before wrk: a worker's first of each loads code."""
    fields = {
        "csrfmiddlewaretoken": customer.csrf_token,
        "method": str(data["method"]),
        "amount": "0.01",
        "idempotency_key": uuid.uuid4().hex,
        "confirm": "1",
    }
    for worker in range(WORKERS):
        status = customer.post(f"/invoices/{data['due_invoices'][worker]}/pay/", fields)
        if status != 302:
            raise SystemExit(f"Paying an invoice answered {status}")
        fields["idempotency_key"] = uuid.uuid4().hex
        signed_in(port, data["email"], data["password"])


BARE_SIGNED_IN = "bare Django, signed in"


def bare_signed_in_session(bare_env: dict[str, str]) -> str:
    """Migrate the bare project's database and sign a user in: the session key.
    The reference for every signed-in page: Django's own session and user,
    read from PostgreSQL on each request, and the bare page."""
    python(bare_env, "-m", "django", "migrate", "--noinput", "--verbosity", "0")
    return python(
        bare_env,
        "-c",
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY\n"
        "from django.contrib.auth.models import User\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "user = User.objects.create_user('bench', password=None)\n"
        "session = SessionStore()\n"
        "session[SESSION_KEY] = str(user.pk)\n"
        "session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]\n"
        "session[HASH_SESSION_KEY] = user.get_session_auth_hash()\n"
        "session.create()\n"
        "print(session.session_key)",
    ).strip()


def flush_redis(url: str) -> None:
    """Empty the benchmark's Redis database: no cached company or session of a
    run before."""
    import redis

    redis.Redis.from_url(url).flushdb()


def load_average() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="of the dataset (0.1: quicker)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--only", default="", help="measure only the pages whose name contains this"
    )
    parser.add_argument(
        "--redis",
        default="",
        metavar="URL",
        help="run Trellis with this REDIS_URL (a database of the benchmark's own: it is "
        "flushed), as the README's several-servers layout does",
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=ROOT,
        help="the Trellis tree to measure (default: this one), e.g. an export of a commit",
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a round a line
    url = os.environ.get("DATABASE_URL") or ""
    if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit("Set DATABASE_URL=postgres://...: the benchmark runs on PostgreSQL.")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")

    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="trellis-bench-run-") as folder,
        ScratchDatabase(url, name=f"trellis_bench_run_{os.getpid()}") as database,
        ScratchDatabase(url, name=f"trellis_bench_bare_{os.getpid()}") as bare_database,
    ):
        source = args.source.resolve()
        env = production_env(database.url or "", folder, source)
        if args.redis:
            env["REDIS_URL"] = args.redis
            flush_redis(args.redis)
            print(f"Trellis with REDIS_URL={args.redis}")
        python(env, "-m", "trellis.manage", "migrate", "--noinput", "--verbosity", "0")
        # As a deployment does: pages name the hashed static files of the manifest.
        python(env, "-m", "trellis.manage", "collectstatic", "--noinput", "--verbosity", "0")
        data = json.loads(python(env, str(BENCH / "dataset.py"), "--scale", str(args.scale)))
        if Path(data["source"]) != source:
            raise SystemExit(f"Trellis was imported from {data['source']}, not {source}")
        print(f"Trellis from {source}")
        print(f"dataset (scale {args.scale}) in {data['seconds']} s, database {database.name}:")
        print("  " + ", ".join(f"{n:,} {what}" for what, n in data["rows"].items()))
        invoice = data["invoice"]
        pages = [
            ("dashboard /", "/"),
            ("/invoices/", "/invoices/"),
            ("/proposals/", "/proposals/"),
            ("/requests/", "/requests/"),
            ("invoice detail", f"/invoices/{invoice}/"),
            ("invoice PDF (30 lines)", f"/invoices/{invoice}/pdf/"),
        ]
        queries = json.loads(
            python(env, str(BENCH / "page_queries.py"), json.dumps(data), json.dumps(pages))
        )
        bare_env = {
            **env,
            "DJANGO_SETTINGS_MODULE": "bare.settings",
            "PYTHONPATH": str(BENCH),
            "BARE_DATABASE_URL": bare_database.url or "",
        }
        bare_session = bare_signed_in_session(bare_env)
        with (
            open(Path(folder) / "gunicorn.log", "wb") as log,
            gunicorn(env, "trellis.wsgi:application", pythonpath=source, log=log) as trellis_port,
            gunicorn(bare_env, "bare.wsgi:application", pythonpath=BENCH, log=log) as bare_port,
        ):
            customer = signed_in(trellis_port, data["email"], data["password"])
            for _, path in pages:  # warm up, and make sure the session opens each page
                status = status_of(trellis_port, path, customer.cookie_header())
                if status != 200:
                    raise SystemExit(f"GET {path} answered {status} to the signed-in customer")
            warm_up_posts(trellis_port, customer, data)
            anonymous = Browser(trellis_port)
            anonymous.request("GET", "/sign-in/")
            bare_cookie = f"sessionid={bare_session}"
            loads = [Load(BARE_SIGNED_IN, "/signed-in/", cookies=bare_cookie, on_bare=True)]
            loads += [Load(name, path, cookies=customer.cookie_header()) for name, path in pages]
            loads.append(
                Load(
                    "paying an invoice",
                    "/",
                    pay_script(customer, data["method"], data["due_invoices"]),
                )
            )
            loads.append(
                Load(
                    "signing in (password POST)",
                    "/sign-in/",
                    sign_in_script(anonymous.csrf_token, data["email"], data["password"]),
                )
            )
            loads = [load for load in loads if args.only in load.name]
            results = measure(args, loads, bare_port, trellis_port, folder, customer)
            by_name = {load.name: load for load in loads}
            if "dashboard /" in by_name and "invoice PDF (30 lines)" in by_name:
                with_pdf_downloads(
                    args,
                    trellis_port,
                    folder,
                    by_name["dashboard /"],
                    by_name["invoice PDF (30 lines)"],
                )
            payments = rows(
                env,
                "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n"
                " FROM billing_payment WHERE source = 'portal' GROUP BY status) s",
            )
            sessions = rows(env, "SELECT count(*) FROM django_session")
    summary(results, queries, args)
    print(f"portal payments made: {payments}; sessions in the database: {sessions}")
    print(f"whole run: {time.monotonic() - started:.0f} s")
    return 0


def measure(
    args: argparse.Namespace,
    loads: list[Load],
    bare_port: int,
    trellis_port: int,
    folder: str,
    customer: Browser,
) -> dict[str, list[tuple[Result, Result]]]:
    """Each round: for each page, the bare view and then the page, with wrk.
    wrk counts a redirect as an answer: the session must still open the
    dashboard before each round (or the pages measured would be redirects)."""
    results: dict[str, list[tuple[Result, Result]]] = {load.name: [] for load in loads}
    options = {"connections": args.connections, "duration": args.duration, "folder": folder}
    bare = Load("bare", "/")
    print(
        f"\nwrk, {args.connections} connections, {args.duration} s a run; gunicorn "
        f"{WORKERS} sync workers each; {os.cpu_count()} CPUs"
    )
    for number in range(1, args.rounds + 1):
        print(f"round {number} of {args.rounds}, load average {load_average()}")
        status = status_of(customer.port, "/", customer.cookie_header())
        if status != 200:
            raise SystemExit(f"The customer's session no longer opens the dashboard ({status})")
        for load in loads:
            base = wrk(bare_port, bare, **options)
            port = bare_port if load.on_bare else trellis_port
            page = wrk(port, load, **options)
            if page.requests < 2 * args.connections:
                # Too few answers to count on (a slow page: PDFs, payments, sign-ins):
                # once more, long enough for about four answers a connection.
                wanted = 4 * args.connections / max(page.rps, 0.1)
                longer = min(math.ceil(wanted), 8 * args.duration)
                page = wrk(port, load, **{**options, "duration": longer})
            results[load.name].append((base, page))
            print(
                f"  {load.name:27} {page.line}   bare {base.rps:7.0f} req/s"
                f"   {100 * page.rps / base.rps:5.2f} %  ({page.requests} in {page.seconds} s)"
                f"  {page.errors}"
            )
        print(f"  load average after the round {load_average()}")
    return results


def with_pdf_downloads(
    args: argparse.Namespace, trellis_port: int, folder: str, dashboard: Load, pdf: Load
) -> None:
    """The dashboard alone, then while 16 connections download the 30-line
    invoice's PDF, for `--rounds` rounds: how much the downloads slow it."""
    options = {"connections": args.connections, "duration": args.duration, "folder": folder}
    print(f"\n{dashboard.name} while 16 connections download {pdf.name}")
    drops = []
    for number in range(1, args.rounds + 1):
        alone = wrk(trellis_port, dashboard, **options)
        downloads = subprocess.Popen(  # noqa: S603
            wrk_command(
                trellis_port, pdf, connections=16, duration=args.duration + 2, folder=folder
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1)  # the downloads are under way before the dashboard is measured
        beside = wrk(trellis_port, dashboard, **options)
        out, err = downloads.communicate()
        drain(trellis_port)
        pdfs = wrk_result(pdf, downloads.returncode, out, err, args.duration + 2)
        drops.append(100 * (1 - beside.rps / alone.rps))
        print(
            f"  round {number}: alone {alone.line}; beside the downloads {beside.line}"
            f" ({drops[-1]:.0f} % slower); PDFs {pdfs.rps:.1f} req/s  {pdfs.errors}"
        )
    print(f"  median: the downloads take {statistics.median(drops):.0f} % off the dashboard")


def summary(
    results: dict[str, list[tuple[Result, Result]]],
    queries: dict[str, int],
    args: argparse.Namespace,
) -> None:
    print(
        f"\nmedians of {args.rounds} rounds (share: Trellis as a share of bare; "
        "min-max of the rounds)"
    )
    print(
        f"| {'page':27} | bare req/s | Trellis req/s | share of bare         "
        "| p50 ms | p99 ms | queries |"
    )
    print(f"|{'-' * 29}|-----------:|--------------:|{'-' * 22}|-------:|-------:|--------:|")
    for name, pairs in results.items():
        ratios = [100 * page.rps / base.rps for base, page in pairs]
        count = queries.get(name, queries.get(name.split(" (")[0], "?"))
        print(
            f"| {name:27} | {statistics.median(b.rps for b, _ in pairs):10.0f} "
            f"| {statistics.median(p.rps for _, p in pairs):13.1f} "
            f"| {f'{statistics.median(ratios):5.2f} % ({min(ratios):.2f}-{max(ratios):.2f})':20} "
            f"| {statistics.median(p.p50_ms for _, p in pairs):6.0f} "
            f"| {statistics.median(p.p99_ms for _, p in pairs):6.0f} "
            f"| {count!s:>7} |"
        )


if __name__ == "__main__":
    sys.exit(main())
