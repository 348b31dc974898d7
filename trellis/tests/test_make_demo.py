"""`make demo` serves on PORT, and the links in the demo's emails point there."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


MAKE = shutil.which("make")


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_the_demo_links_point_at_the_port_it_serves():
    # -n prints the commands without running them.
    commands = subprocess.run(  # noqa: S603 (our own Makefile)
        [str(MAKE), "-n", "demo", "PORT=9000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()

    [serve] = [line for line in commands if "runserver" in line]
    assert "runserver 127.0.0.1:9000" in serve
    assert "PUBLIC_BASE_URL=http://127.0.0.1:9000" in serve
    [reimport] = [line for line in commands if " import demo/demo.json" in line]
    assert "PUBLIC_BASE_URL=http://127.0.0.1:9000" in reimport
