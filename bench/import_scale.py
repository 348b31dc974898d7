"""Time `trellis import` on a large file, imported and then imported again, at
two sizes, to show the re-import stays linear.

Run: .venv/bin/python bench/import_scale.py [contacts] [--small N] [--keep DIR]
         (default 100000 contacts; --small defaults to a tenth of that)
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/trellis_bench_import \\
         .venv/bin/python bench/import_scale.py 100000

For each size it writes a deterministic import file (docs/import-format.md):
`contacts` contacts; 0.4 x as many properties, each with a Primary and a
Billing contact; 1.32 x as many invoices (open, partly or fully paid through
`amount_paid` or a `payments` list, a few void and draft); a proposal and a
request on one property in twenty. Then, on a fresh database, it runs
`.venv/bin/trellis import FILE` three times, each a subprocess timed on its own
(wall time and peak RSS, through /usr/bin/time -v when there is one):

1. the first import;
2. the same file again: nothing to write, and no field kept (0 kept lines);
3. the file with 1% of the contacts' phone numbers changed: those written
   (counted in the database afterwards), still nothing kept.

The database is a SQLite file in a temporary folder, or, with DATABASE_URL
(postgres:// only), a database on that PostgreSQL server named after the URL's
with the size and this process's id (trellis_bench_import_10000_4242), created
for each size and dropped after, so two runs never share one and the database
the URL names is never touched. The table ends with
the per-record ratio between the two sizes (1.00 is linear), also without the
start-up cost, which a bare `trellis check` subprocess measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from production_like import PRODUCTION_LIKE
from scratch_database import ScratchDatabase, server_database_name

ROOT = Path(__file__).resolve().parent.parent
TRELLIS = ROOT / ".venv" / "bin" / "trellis"
GNU_TIME = Path("/usr/bin/time")
CENT = Decimal("0.01")
FIRST_DAY = dt.date(2025, 1, 1)
STAFF = "bench.staff@greenway.example"
CHANGED_PHONE_PREFIX = "(312) 9"  # no generated phone starts so


# -- the file -------------------------------------------------------------------


def generate(contacts: int, *, change_phones: bool = False) -> dict[str, Any]:
    """An import file of `contacts` contacts, the same every time; with
    `change_phones`, every hundredth contact has a new phone number."""
    places = contacts * 2 // 5
    invoices = contacts * 132 // 100
    return {
        "company": {"name": "Bench Landscaping", "currency": "USD"},
        "staff": [{"email": STAFF, "first_name": "Bench", "last_name": "Staff"}],
        "contacts": [_contact(i, change_phones) for i in range(contacts)],
        "properties": [_property(i, contacts) for i in range(places)],
        "proposals": [_proposal(i) for i in range(0, places, 20)],
        "invoices": [_invoice(j, places) for j in range(invoices)],
        "issues": [_issue(i) for i in range(10, places, 20)],
    }


def phone_changed(i: int) -> bool:
    return i % 100 == 7


def _contact(i: int, change_phones: bool) -> dict[str, Any]:
    record: dict[str, Any] = {
        "external_id": f"C-{i}",
        "first_name": ("Maria", "James", "Lucía", "Wei", "Amara", "Olek")[i % 6],
        "last_name": f"Family{i}",
        "phone": f"(217) {200 + i // 10000:03d}-{i % 10000:04d}",
    }
    if change_phones and phone_changed(i):
        record["phone"] = f"{CHANGED_PHONE_PREFIX}{i // 10000:02d}-{i % 10000:04d}"
    if i % 9 != 4:  # a few without email
        record["email"] = f"customer{i}@example.com"
    if i % 13 == 0:
        record["company_name"] = f"Holdings {i // 13}"
    if i % 7 == 3:
        record["language"] = "es"
    return record


def _property(i: int, contacts: int) -> dict[str, Any]:
    primary = f"C-{(2 * i) % contacts}"
    # One property in five has one contact as both Primary and Billing.
    billing = primary if i % 5 == 0 else f"C-{(2 * i + 1) % contacts}"
    roles = [{"contact": primary, "role": "primary"}, {"contact": billing, "role": "billing"}]
    if i % 10 == 3:
        roles.append({"contact": f"C-{(2 * i + 2) % contacts}", "role": "other"})
    return {
        "external_id": f"P-{i}",
        "name": f"Residence {i}",
        "street": f"{i % 900 + 1} Elm St",
        "city": ("Springfield", "Shelbyville", "Capital City")[i % 3],
        "region": "IL",
        "postal_code": f"{62700 + i % 100}",
        "contacts": roles,
    }


def _stamp(day: dt.date, hour: int = 15) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _invoice(j: int, places: int) -> dict[str, Any]:
    issued = FIRST_DAY + dt.timedelta(days=j % 600)
    lines: list[dict[str, Any]] = [
        {
            "description": f"Visit {k + 1}",
            "quantity": str(1 + (j + k) % 3),
            "unit_price": f"{40 + (j * 7 + k * 13) % 260}.{(j + k) % 100:02d}",
            "taxable": (j + k) % 4 != 0,
        }
        for k in range(1 + j % 3)
    ]
    tax_rate = Decimal("8.25") if j % 2 else Decimal(0)
    subtotal = sum((Decimal(x["quantity"]) * Decimal(x["unit_price"]) for x in lines), Decimal(0))
    taxable = sum(
        (Decimal(x["quantity"]) * Decimal(x["unit_price"]) for x in lines if x["taxable"]),
        Decimal(0),
    )
    total = _money(subtotal) + _money(taxable * tax_rate / 100)
    record: dict[str, Any] = {
        "external_id": f"I-{j}",
        "property": f"P-{j % places}",
        "number": f"INV-{j:07d}",
        "issued_on": issued.isoformat(),
        "due_on": (issued + dt.timedelta(days=30)).isoformat(),
        "tax_rate": str(tax_rate),
        "created_at": _stamp(issued, 9),
        "lines": lines,
    }
    kind = j % 100
    if kind < 2:
        record["status"] = "draft"  # never printed, emailed or paid
        return record
    record["emailed_at"] = _stamp(issued)
    if kind < 4:
        record["status"] = "void"
    elif kind < 40:
        pass  # open, nothing paid
    elif kind < 60:
        record["amount_paid"] = str(_money(total / 3))
    elif kind < 80:
        record["amount_paid"] = str(total)
        if kind % 2:
            record["paid_at"] = _stamp(issued + dt.timedelta(days=12), 11)
    else:
        first = total if kind % 3 == 0 else _money(total / 2)
        payments = [
            {
                "external_id": f"PAY-{j}-1",
                "amount": str(first),
                "received_on": (issued + dt.timedelta(days=10)).isoformat(),
                "means": ("cheque", "bank_transfer", "card", "cash")[j % 4],
                "reference": f"REF{j}",
            }
        ]
        if first != total and kind % 2:
            payments.append(
                {
                    "external_id": f"PAY-{j}-2",
                    "amount": str(total - first),
                    "received_on": (issued + dt.timedelta(days=20)).isoformat(),
                }
            )
        record["payments"] = payments
    return record


def _proposal(i: int) -> dict[str, Any]:
    day = FIRST_DAY + dt.timedelta(days=i % 500)
    status = ("draft", "sent", "sent", "approved", "declined")[(i // 20) % 5]
    record: dict[str, Any] = {
        "external_id": f"Q-{i}",
        "property": f"P-{i}",
        "number": f"PR-{i:07d}",
        "title": "Spring clean-up",
        "status": status,
        "valid_until": (day + dt.timedelta(days=60)).isoformat(),
        "created_at": _stamp(day, 9),
        "items": [
            {"description": "Mulch beds", "unit_price": "180.00"},
            {"description": "Hedge trim", "quantity": "2", "unit_price": "75.50", "optional": True},
        ],
    }
    if status != "draft":
        record["printed_at"] = _stamp(day)
    return record


def _issue(i: int) -> dict[str, Any]:
    day = FIRST_DAY + dt.timedelta(days=i % 500)
    return {
        "external_id": f"R-{i}",
        "property": f"P-{i}",
        "subject": f"Sprinkler head broken ({i})",
        "description": "Front lawn, near the drive.",
        "status": ("open", "in_progress", "closed")[(i // 20) % 3],
        "include_client": i % 40 == 10,
        "created_by": {"staff": STAFF},
        "created_at": _stamp(day, 10),
        "comments": [
            {
                "external_id": f"RC-{i}",
                "author": {"staff": STAFF},
                "body": "We'll come by on Tuesday.",
                "public": True,
                "created_at": _stamp(day, 12),
            }
        ],
    }


# -- the database ---------------------------------------------------------------


class Database:
    """A fresh database for one size: a SQLite file in `folder`, or a
    PostgreSQL database on DATABASE_URL's server, created and dropped."""

    def __init__(self, url: str | None, folder: Path, *, suffix: str = "") -> None:
        self.url = url
        self.folder = folder
        self.name = server_database_name(url, "trellis_bench_import") + suffix
        self.scratch = ScratchDatabase(url, name=self.name)
        # Production settings (DEBUG off: no query log kept), as a real import runs.
        self.env = {
            **os.environ,
            **PRODUCTION_LIKE,
            "TRELLIS_DATA_DIR": str(folder / "data"),
        }
        self.env.pop("DATABASE_URL", None)
        if self.scratch.url:
            self.env["DATABASE_URL"] = self.scratch.url

    def __enter__(self) -> Database:
        self.scratch.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.scratch.__exit__(*exc)

    def describe(self) -> str:
        if self.url:
            parts = urlsplit(self.url)
            where = f"{parts.hostname}:{parts.port or 5432}/{self.name}_<contacts>_{os.getpid()}"
            return f"PostgreSQL {where}"
        return "SQLite (a fresh file in a temporary folder)"


# -- running --------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system time of the subprocess (not of a database server)
    mb: float
    stdout: str

    def __str__(self) -> str:
        return f"{self.seconds:7.1f} s ({self.cpu:6.1f} s CPU) {self.mb:6.0f} MB, {self.kept} kept"

    @property
    def kept(self) -> int:
        """The kept lines the import printed: those before "Imported FILE:"."""
        lines = self.stdout.splitlines()
        for index, line in enumerate(lines):
            if line.startswith("Imported "):
                return index
        raise SystemExit(f"No 'Imported' line in the output:\n{self.stdout[-2000:]}")


def run(args: list[str], env: dict[str, str], folder: Path) -> Run:
    """Run a subprocess, measuring its wall time and peak RSS; stop on failure."""
    out, err, stats = folder / "stdout.txt", folder / "stderr.txt", folder / "time.txt"
    command = [str(GNU_TIME), "-v", "-o", str(stats), *args] if GNU_TIME.exists() else args
    with out.open("wb") as stdout, err.open("wb") as stderr:
        start = time.perf_counter()
        # Our own commands, with the file this script wrote.
        process = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr, cwd=ROOT)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(
            f"{' '.join(args)} failed ({process.returncode}):\n"
            f"{err.read_text(errors='replace')[-4000:]}{out.read_text(errors='replace')[-2000:]}"
        )
    cpu = usage.ru_utime + usage.ru_stime
    # Linux gives kilobytes, macOS bytes.
    kb = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    if GNU_TIME.exists():  # usage is then /usr/bin/time's own
        report = stats.read_text()
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
        kb = int(found.group(1)) if found else 0
        cpu = sum(
            float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", report)
        )
    return Run(seconds, cpu, kb / 1024, out.read_text(errors="replace"))


@dataclass
class Size:
    contacts: int
    records: int
    first: Run
    again: Run
    changed: Run
    written: int


def bench(contacts: int, url: str | None, keep: Path | None) -> Size:
    folder = Path(tempfile.mkdtemp(prefix=f"trellis-bench-import-{contacts}-"))
    try:
        start = time.perf_counter()
        document = generate(contacts)
        same = folder / "import.json"
        same.write_text(json.dumps(document))
        changed = folder / "import-changed.json"
        changed.write_text(json.dumps(generate(contacts, change_phones=True)))
        records = sum(len(document[s]) for s in document if isinstance(document[s], list))
        records += sum(len(i.get("payments", ())) for i in document["invoices"])
        megabytes = same.stat().st_size / 1e6
        print(
            f"{contacts} contacts: {records} records in the file, {megabytes:.0f} MB, "
            f"written in {time.perf_counter() - start:.1f} s",
            flush=True,
        )
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(same, keep / f"import-{contacts}.json")
            shutil.copy(changed, keep / f"import-{contacts}-changed.json")
        with Database(url, folder, suffix=f"_{contacts}_{os.getpid()}") as database:
            migrate = run([str(TRELLIS), "migrate", "--noinput", "-v", "0"], database.env, folder)
            print(f"  migrate            {migrate.seconds:7.1f} s", flush=True)
            first = run([str(TRELLIS), "import", str(same)], database.env, folder)
            print(f"  first import       {first}", flush=True)
            again = run([str(TRELLIS), "import", str(same)], database.env, folder)
            print(f"  re-import          {again}", flush=True)
            edited = run([str(TRELLIS), "import", str(changed)], database.env, folder)
            count = (
                "from trellis.customers.models import Contact; "
                f"print(Contact.objects.filter(phone__startswith={CHANGED_PHONE_PREFIX!r}).count())"
            )
            shell = run([str(TRELLIS), "shell", "-c", count], database.env, folder)
            written = int(shell.stdout.split()[-1])
            print(f"  1% phones changed  {edited}, {written} phones written", flush=True)
        for name, result in (("re-import", again), ("1% changed", edited)):
            if result.kept:
                print(f"  {name} kept {result.kept} fields; the first lines:")
                for line in result.stdout.splitlines()[: min(result.kept, 10)]:
                    print(f"    {line}")
        expected = sum(1 for i in range(contacts) if phone_changed(i))
        if written != expected:
            print(f"  !! {written} phone numbers written, {expected} expected")
        return Size(contacts, records, first, again, edited, written)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def startup(url: str | None) -> float:
    """The median time of a bare `trellis check`: Python, Django and Trellis
    starting, which every import pays once."""
    folder = Path(tempfile.mkdtemp(prefix="trellis-bench-check-"))
    try:
        env = Database(url, folder).env
        return statistics.median(
            run([str(TRELLIS), "check"], env, folder).seconds for _ in range(3)
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def ratio(big: float, small: float, sizes: tuple[Size, Size], base: float = 0.0) -> str:
    """Time per contact at the big size over time per contact at the small one."""
    large, little = sizes
    if small - base <= 0:
        return "   n/a"
    per_big = (big - base) / large.contacts
    per_small = (small - base) / little.contacts
    return f"{per_big / per_small:6.2f}"


def table(sizes: list[Size], check: float, where: str) -> None:
    print()
    print(f"trellis import on {where}; `trellis check` (start-up) takes {check:.2f} s")
    print("seconds wall (CPU of the import process) and peak MB; kept: lines the import printed")
    head = f"{'wall':>7} {'(CPU)':>8} {'MB':>5}"
    print(
        f"{'contacts':>9} {'records':>8} | {'first import':^22} | {'re-import':^28} | "
        f"{'1% phones changed':^36}"
    )
    print(f"{'':>9} {'':>8} | {head} | {head} {'kept':>5} | {head} {'kept':>5} {'written':>7}")
    for s in sizes:
        print(
            f"{s.contacts:>9} {s.records:>8} | {_cells(s.first)} | {_cells(s.again)} "
            f"{s.again.kept:>5} | {_cells(s.changed)} {s.changed.kept:>5} {s.written:>7}"
        )
    if len(sizes) == 2:
        small, big = sizes
        pair = (big, small)
        for label, base in (("wall", 0.0), ("wall less start-up", check)):
            print(
                f"per-contact {label}, {big.contacts} over {small.contacts} (1.00 = linear): "
                f"first {ratio(big.first.seconds, small.first.seconds, pair, base)}, "
                f"re-import {ratio(big.again.seconds, small.again.seconds, pair, base)}, "
                f"1% changed {ratio(big.changed.seconds, small.changed.seconds, pair, base)}"
            )
        print(
            f"per-contact CPU, {big.contacts} over {small.contacts}: "
            f"first {ratio(big.first.cpu, small.first.cpu, pair)}, "
            f"re-import {ratio(big.again.cpu, small.again.cpu, pair)}, "
            f"1% changed {ratio(big.changed.cpu, small.changed.cpu, pair)}"
        )
        print(
            "re-import over first import (wall): "
            f"{small.again.seconds / small.first.seconds:.2f} at {small.contacts}, "
            f"{big.again.seconds / big.first.seconds:.2f} at {big.contacts}"
        )


def _cells(run: Run) -> str:
    return f"{run.seconds:>7.1f} ({run.cpu:>6.1f}) {run.mb:>5.0f}"


def _stop(signum: int, frame: object) -> None:
    # Stopped (Ctrl-C, kill): still drop the database and remove the files.
    raise SystemExit(f"Stopped by signal {signum}.")


def main() -> None:
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("contacts", type=int, nargs="?", default=100_000)
    parser.add_argument("--small", type=int, help="the smaller size (default: a tenth)")
    parser.add_argument("--keep", type=Path, help="copy the generated files to this folder")
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or None
    if url and urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit("DATABASE_URL must be postgres://…; leave it unset for a fresh SQLite.")
    if not TRELLIS.exists():
        raise SystemExit(f"{TRELLIS} is missing: run `make install` first.")
    small = options.small or max(options.contacts // 10, 10)
    where = Database(url, Path(tempfile.gettempdir())).describe()
    check = startup(url)
    print(f"{where}; `trellis check` takes {check:.2f} s", flush=True)
    sizes = [bench(n, url, options.keep) for n in sorted({small, options.contacts})]
    table(sizes, check, where)


if __name__ == "__main__":
    main()
