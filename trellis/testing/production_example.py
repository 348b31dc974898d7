"""The README's production example, as environment variables.

The README is the one place it is written: CI's deploy check and
trellis/tests/test_settings.py read it from there, so what the README tells an
operator to set is exactly what is checked. `python -m
trellis.testing.production_example` prints it as NAME=value lines.
"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
MARKER = "<!-- production example: checked by CI's deploy check -->"
ASSIGNMENT = re.compile(r"^(?:export\s+)?([A-Z][A-Z0-9_]*)=(.*)$")


def production_example(readme: Path = README) -> dict[str, str]:
    """The variables the example sets, without placeholders such as <that key>."""
    text = readme.read_text(encoding="utf-8")
    _, found, after = text.partition(MARKER)
    if not found:
        raise LookupError(f"{readme} has no production example ({MARKER})")
    block = after.split("```", 2)[1]
    variables = {}
    for line in block.splitlines():
        match = ASSIGNMENT.match(line.strip())
        if match and not match[2].startswith("<"):
            variables[match[1]] = match[2]
    return variables


if __name__ == "__main__":
    for name, value in production_example().items():
        print(f"{name}={value}")
