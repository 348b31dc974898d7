"""A PostgreSQL database of a benchmark's own, on DATABASE_URL's server:
created on entry, dropped on exit. Without a URL (SQLite) it does nothing;
the benchmark uses a fresh file instead."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit


class ScratchDatabase:
    def __init__(self, url: str | None, *, name: str) -> None:
        self.server_url = url
        self.name = name

    @property
    def url(self) -> str | None:
        """DATABASE_URL for this database (None: SQLite)."""
        if not self.server_url:
            return None
        return urlunsplit(urlsplit(self.server_url)._replace(path=f"/{self.name}"))

    def __enter__(self) -> ScratchDatabase:
        if self.server_url:
            self.admin(f'CREATE DATABASE "{self.name}"')  # fails if it exists: never ours
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server_url:
            self.admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def admin(self, sql: str, *params: object, fetch: bool = False) -> Any:
        """Run SQL on the server's maintenance database."""
        import psycopg

        parts = urlsplit(self.server_url or "")
        maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
        with psycopg.connect(maintenance, autocommit=True) as connection:
            rows = connection.execute(sql, params or None)
            return rows.fetchall() if fetch else None


def server_database_name(url: str | None, default: str) -> str:
    """The database named in DATABASE_URL, as a prefix for scratch databases."""
    return (urlsplit(url).path.lstrip("/") if url else "") or default
