"""How many sign-ins a second this machine's password hashing allows.

Run: .venv/bin/python bench/sign_in_rate.py [--processes 2] [--seconds 5] [--rounds 3]

For Trellis's hasher (OWASP's Argon2id parameters, trellis/accounts/hashers.py)
and Django's default Argon2 parameters, which Trellis used before, each round
prints:

- one check: the median wall time of check_password in a process alone;
- CPU/check: the CPU time it takes, all of its threads together, which other
  work on a shared machine barely changes;
- idle cores: the sign-ins a second `processes` idle cores would allow
  (processes / CPU per check);
- measured: sign-ins a second with `processes` processes checking passwords at
  once for `seconds`, as that many gunicorn sync workers would;
- peak memory: how much one hash grows a fresh process's peak resident set.

Only the hash is timed: a real sign-in adds a few queries and a redirect, well
under the hash's time. The goal (issue 12) is at least 25 sign-ins a second on
2 cores. The machine's load average is printed with each round: when it is
above 0.5 or so, other work shares the cores and "measured" is low by as much.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import time
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HASHERS = {
    "OWASP Argon2id (Trellis)": "trellis.accounts.hashers.Argon2idPasswordHasher",
    "Django default (before)": "django.contrib.auth.hashers.Argon2PasswordHasher",
}
PASSWORD = "correct horse battery staple"  # noqa: S105 (a benchmark's)
SINGLE_TRIES = 15


def _configure(hasher_path: str) -> str:
    """Set Django up with `hasher_path` as the only hasher; a stored hash of PASSWORD."""
    from django.conf import settings

    settings.configure(PASSWORD_HASHERS=[hasher_path])
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


def _check(encoded: str) -> None:
    from django.contrib.auth.hashers import check_password

    if not check_password(PASSWORD, encoded):
        raise SystemExit("a hasher did not verify its own hash")


def _single_check(hasher_path: str, results: Queue[Any]) -> None:
    """A worker: median wall and CPU milliseconds of one check_password."""
    encoded = _configure(hasher_path)
    wall, cpu = [], []
    for _ in range(SINGLE_TRIES):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        _check(encoded)
        wall.append((time.perf_counter() - wall_start) * 1000)
        cpu.append((time.process_time() - cpu_start) * 1000)
    results.put((statistics.median(wall), statistics.median(cpu)))


def _checks_until(hasher_path: str, seconds: float, start: float, results: Queue[Any]) -> None:
    """A worker: check the password from `start` for `seconds`; how many and how long."""
    encoded = _configure(hasher_path)
    while time.time() < start:
        time.sleep(0.001)
    done, end = 0, start + seconds
    while time.time() < end:
        _check(encoded)
        done += 1
    results.put((done, time.time() - start))


def _first_hash_memory(hasher_path: str, results: Queue[Any]) -> None:
    """A worker: the growth of a fresh process's peak RSS over its first hash, in KiB."""
    from argon2 import low_level
    from django.conf import settings

    settings.configure(PASSWORD_HASHERS=[hasher_path])
    from django.contrib.auth.hashers import make_password

    # Everything but the hash's own memory is in place before the baseline.
    low_level.hash_secret(b"x", b"saltsalt", 1, 8, 1, 16, low_level.Type.ID)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    make_password(PASSWORD)
    results.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)


def _run(target: Any, *args: Any, processes: int = 1) -> list[Any]:
    """Run `target(*args, queue)` in `processes` fresh processes; what each put."""
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    workers = [spawn.Process(target=target, args=(*args, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    reports = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return reports


def sign_ins_per_second(hasher_path: str, *, processes: int, seconds: float) -> float:
    start = time.time() + 2.0  # every worker has started and hashed once by then
    reports = _run(_checks_until, hasher_path, seconds, start, processes=processes)
    return sum(done for done, _ in reports) / max(elapsed for _, elapsed in reports)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    n = args.processes
    print(f"{os.cpu_count()} CPUs; sign-ins/s with {n} processes")
    print(
        f"{'round':<6} {'hasher':<26} {'params':<18} {'one check':>10} {'CPU/check':>10} "
        f"{'idle cores':>10} {'measured':>9} {'peak mem':>9} {'load':>5}"
    )
    for round_number in range(1, args.rounds + 1):
        for name, path in HASHERS.items():
            module, _, cls = path.rpartition(".")
            hasher = getattr(__import__(module, fromlist=[cls]), cls)
            params = f"m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}"
            load = os.getloadavg()[0]
            [(wall_ms, cpu_ms)] = _run(_single_check, path)
            measured = sign_ins_per_second(path, processes=n, seconds=args.seconds)
            [memory_kib] = _run(_first_hash_memory, path)
            print(
                f"{round_number:<6} {name:<26} {params:<18} {wall_ms:>8.1f}ms "
                f"{cpu_ms:>8.1f}ms {n * 1000 / cpu_ms:>10.1f} {measured:>9.1f} "
                f"{memory_kib / 1024:>6.1f}MiB {load:>5.2f}"
            )


if __name__ == "__main__":
    main()
