"""Does forgot password answer in the same time whoever is asked?

Run: .venv/bin/python bench/forgot_password_timing.py [--tries 30] [--tasks database]
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/trellis_bench_forgot \\
         .venv/bin/python bench/forgot_password_timing.py

Starts Trellis under gunicorn (one worker) on a free port of 127.0.0.1 with
production settings (DEBUG off, TASKS_BACKEND=database, so the lookup and the
email happen in a worker, not in the request), on a fresh database: a SQLite
file in a temporary folder, or, with DATABASE_URL (postgres:// only), a
database named after the URL's with this process's id, created and dropped.
It makes `tries` customer accounts, then posts the forgot-password form over
real HTTP `tries` times for their emails and `tries` times for emails of the
same length that have no account, interleaved (which goes first alternates),
after a few warm-up posts. Each email is asked once, so the per-email limit
(3 an hour) never answers instead; the per-address limit is raised for the
run for the same reason (both limits are tested in the suite).

It prints both medians and their difference, then runs `trellis db_worker
--batch` and checks that exactly the known emails got a reset email. It exits
1 if the medians differ by 10 ms or more. `--tasks immediate` runs the same
with the work inside the request, to show what the queue hides.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from production_like import PRODUCTION_LIKE
from scratch_database import ScratchDatabase, server_database_name

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
LIMIT_MS = 10.0
WARM_UP = 6
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def known(n: int) -> str:
    return f"bench.known.{n:03d}@example.com"


def unknown(n: int) -> str:
    return f"bench.other.{n:03d}@example.com"  # the same length as known(n)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Database(ScratchDatabase):
    """A SQLite file in `folder`, or a PostgreSQL database of our own."""

    def __init__(self, url: str | None, env: dict[str, str]) -> None:
        prefix = server_database_name(url, "trellis_bench_forgot")
        super().__init__(url, name=f"{prefix}_{os.getpid()}")
        env.pop("DATABASE_URL", None)
        if self.url:
            env["DATABASE_URL"] = self.url

    def describe(self) -> str:
        return f"PostgreSQL database {self.name}" if self.url else "SQLite (a temporary file)"


def trellis(env: dict[str, str], *args: str) -> str:
    command = [str(BIN / "trellis"), *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise SystemExit(f"trellis {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def setup(env: dict[str, str], tries: int) -> None:
    trellis(env, "migrate", "--verbosity", "0")
    emails = [known(n) for n in range(tries + WARM_UP)]
    trellis(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from trellis.testing.factories import ContactFactory, CustomerAccountFactory\n"
        f"for email in {emails!r}:\n"
        "    CustomerAccountFactory(contact=ContactFactory(email=email))\n",
    )


class Browser:
    """One visitor's cookies and CSRF token, over plain HTTP to 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(self, method: str, path: str, body: str = "") -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, text
        finally:
            connection.close()

    def open_form(self) -> None:
        status, page = self.request("GET", "/forgot-password/")
        match = CSRF_FIELD.search(page)
        if status != 200 or match is None:
            raise SystemExit(f"GET /forgot-password/ answered {status} without a form")
        self.token = match.group(1)

    def ask(self, email: str) -> tuple[float, str]:
        body = urlencode({"csrfmiddlewaretoken": self.token, "email": email})
        started = time.perf_counter()
        status, page = self.request("POST", "/forgot-password/", body)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise SystemExit(f"POST /forgot-password/ for {email} answered {status}")
        return elapsed, page.replace(email, "EMAIL")


def wait_until_up(server: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped before it answered")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 30 s")


def measure(env: dict[str, str], tries: int) -> tuple[list[float], list[float]]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            "trellis.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_until_up(server, port)
        browser = Browser(port)
        browser.open_form()
        for n in range(WARM_UP):  # the first requests load code and fill caches
            browser.ask(known(tries + n) if n % 2 else f"bench.warm.{n:04d}@example.com")
        known_ms: list[float] = []
        unknown_ms: list[float] = []
        pages: set[str] = set()
        for n in range(tries):
            pair = [(known(n), known_ms), (unknown(n), unknown_ms)]
            for email, times in pair if n % 2 == 0 else reversed(pair):
                elapsed, page = browser.ask(email)
                times.append(elapsed)
                pages.add(CSRF_FIELD.sub("", page))
        if len(pages) != 1:
            raise SystemExit("The answers differ between known and unknown emails")
        return known_ms, unknown_ms
    finally:
        server.terminate()
        server.wait(timeout=30)


def check_emails(env: dict[str, str], tries: int, tasks: str) -> str:
    if tasks == "database":
        trellis(env, "db_worker", "--batch", "--no-startup-delay", "--verbosity", "0")
    return trellis(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from trellis.mail.models import OutgoingEmail\n"
        "to = set(OutgoingEmail.objects.filter(kind='password_reset')"
        ".values_list('to_address', flat=True))\n"
        f"known = {{f'bench.known.{{n:03d}}@example.com' for n in range({tries})}}\n"
        "print('ok' if known <= to and not any('other' in t for t in to) else f'wrong: {to}')\n",
    ).strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tries", type=int, default=30)
    parser.add_argument("--tasks", choices=["database", "immediate"], default="database")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or None
    if url and urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit("DATABASE_URL must be postgres://...; leave it unset for SQLite.")

    with tempfile.TemporaryDirectory(prefix="trellis-bench-forgot-") as folder:
        env = {
            **os.environ,
            **PRODUCTION_LIKE,
            "ALLOWED_HOSTS": "127.0.0.1",
            "TRELLIS_DATA_DIR": folder,
            "TASKS_BACKEND": args.tasks,
            # Plain HTTP on the loopback: no TLS in front of this gunicorn.
            "SECURE_COOKIES": "false",
            "SECURE_SSL_REDIRECT": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "FORGOT_PASSWORD_PER_IP_PER_HOUR": "100000",
            "LOG_LEVEL": "WARNING",
        }
        with Database(url, env) as database:
            setup(env, args.tries)
            known_ms, unknown_ms = measure(env, args.tries)
            emails = check_emails(env, args.tries, args.tasks)
            where = database.describe()

    known_median = statistics.median(known_ms)
    unknown_median = statistics.median(unknown_ms)
    difference = abs(known_median - unknown_median)
    print(f"forgot password, gunicorn, TASKS_BACKEND={args.tasks}, {where}")
    print(f"{args.tries} tries each, interleaved, after {WARM_UP} warm-up requests")
    for label, times in [("existing account", known_ms), ("no account", unknown_ms)]:
        print(
            f"  {label:17} median {statistics.median(times):6.1f} ms"
            f"  (min {min(times):6.1f}, max {max(times):6.1f})"
        )
    print(f"  difference of the medians {difference:.1f} ms (must be under {LIMIT_MS:.0f} ms)")
    print(f"  reset emails after the worker ran: {emails}")
    if emails != "ok":
        return 1
    return 0 if difference < LIMIT_MS else 1


if __name__ == "__main__":
    sys.exit(main())
