"""How many queries each page of bench/run.py makes, counted once, apart from the timed runs.

Run by bench/run.py with the same settings as the server it measures (DEBUG
off: CaptureQueriesContext records the queries anyway), through Django's test
client: `.venv/bin/python bench/page_queries.py '<dataset.py's JSON>' '<[[name,
path], ...]>'`. It prints one JSON object, page name -> number of queries, each
page counted on its second request (a process's first loads more). The client
signs in with the password (that POST is "signing in"), opens each page, and
pays 0.01 with the saved card on two due invoices (the second confirming POST
is "paying an invoice").
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

# Appended: a PYTHONPATH of another Trellis tree (bench/run.py --source) comes first.
sys.path.append(str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def counted(client: Client, method: str, path: str, data: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(path, data) if method == "POST" else client.get(path)
    if response.status_code not in (200, 302):
        raise SystemExit(f"{method} {path} answered {response.status_code}")
    if method == "GET" and response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}: not signed in?")
    return len(queries)


def main() -> None:
    data = json.loads(sys.argv[1])
    pages = json.loads(sys.argv[2])
    client = Client(HTTP_HOST="127.0.0.1")
    client.get("/sign-in/")
    counts = {
        "signing in": counted(
            client, "POST", "/sign-in/", {"email": data["email"], "password": data["password"]}
        )
    }
    for name, path in pages:
        counted(client, "GET", path)  # the first request of a process loads more
        counts[name] = counted(client, "GET", path)
    for due in data["due_invoices"][-2:]:  # the first one warms up, the second is counted
        counts["paying an invoice"] = counted(
            client,
            "POST",
            f"/invoices/{due}/pay/",
            {
                "method": str(data["method"]),
                "amount": "0.01",
                "idempotency_key": uuid.uuid4().hex,
                "confirm": "1",
            },
        )
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
