"""Static files in the tests: unhashed names for the suite, and production's
hashed ones for the tests that ask for them.

Production's storage (settings.STORAGES["staticfiles"]) names each file by its
hash, from the manifest `trellis collectstatic` writes, and with DEBUG off, as
in the tests, it refuses to name a file missing from that manifest. Collecting
for the whole suite would cost each run seconds, and then another 20 ms a test:
WhiteNoise reads the ~900 collected files again for each test client. So the
suite keeps the unhashed names, and the tests of the production storage ask for
`production_static_files`, which collects once a session into a temporary folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

UNHASHED = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


@pytest.fixture(scope="session", autouse=True)
def production_storages(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """The storages the settings name, while every test runs with unhashed
    static names and, as in CI's clean clone, nothing collected (whatever a
    local `collectstatic` left in STATIC_ROOT)."""
    production = settings.STORAGES
    with override_settings(
        STORAGES={**production, "staticfiles": UNHASHED},
        STATIC_ROOT=tmp_path_factory.mktemp("nothing-collected"),
    ):
        yield production


@pytest.fixture(scope="session")
def collected_static_files(production_storages, tmp_path_factory) -> Path:
    """A STATIC_ROOT collected once by production's storage: hashed names, and
    their gzip and Brotli copies."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES=production_storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production_static_files(settings, production_storages, collected_static_files) -> Path:
    """Pages name static files by their hashes, and WhiteNoise serves them
    from the collected folder, as in production."""
    # Through pytest-django's `settings`, which undoes every change a test
    # makes in reverse order: an override of our own, undone out of turn,
    # would leave the next tests with production's storage.
    settings.STATIC_ROOT = collected_static_files
    settings.STORAGES = production_storages
    return collected_static_files
