"""The password hasher: Argon2id with OWASP's parameters."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id at m=19 MiB (19456 KiB), t=2, p=1: the configuration OWASP's
    Password Storage Cheat Sheet recommends ("Use Argon2id with a minimum
    configuration of 19 MiB of memory, an iteration count of 2, and 1 degree
    of parallelism"), in place of Django's default of 100 MiB, t=2, p=8.

    Why these: Argon2id makes each guess costly through the memory it must
    fill; more lanes (p) shorten one hash but cost an attacker nothing, who
    runs guesses side by side anyway. On our 2 cores Django's p=8 spread every sign-in over both
    cores (about 200 ms of CPU and 100 MiB), so ten sign-ins a second took
    the whole machine; with p=1 each sign-in stays on one core (about 20 ms
    of CPU and 19 MiB), so two sync workers sign in about 100 people a second
    and a sign-in never stalls the other worker's pages (bench/sign_in_rate.py).
    Of OWASP's equivalent settings (46 MiB with t=1 down to 7 MiB with t=5)
    this one gives the same defence as the first for less memory per
    concurrent sign-in, and more memory than the later ones.

    The algorithm name stays "argon2", so this class verifies every Argon2
    hash already stored, whatever its parameters, and Django's must_update()
    rehashes one with other parameters at its next successful sign-in.
    """

    memory_cost = 19456
    time_cost = 2
    parallelism = 1
