import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps


@pytest.fixture
def document() -> dict[str, Any]:
    """A small, valid import file touching every section and rule."""
    return {
        "company": {
            "name": "Greenway Landscaping",
            "currency": "USD",
            "brand_colour": "#2f6b3a",
            "sending_address": "portal@greenway.example",
            "verified_sending_domains": ["greenway.example"],
            "requests_enabled": False,
        },
        "staff": [
            {"email": "jane.smith@greenway.example", "first_name": "Jane", "last_name": "Smith"},
            {"email": "Omar.Haddad@greenway.example", "first_name": "Omar"},
        ],
        "contacts": [
            {
                "external_id": "C-1",
                "first_name": "María",
                "last_name": "López",
                "email": "maria.lopez@example.com",
                "phone": "555-0101",
            },
            {"external_id": "C-2", "first_name": "Tom", "last_name": "O'Brien"},
            {
                "external_id": "C-3",
                "first_name": "Ana",
                "last_name": "García-Ruiz",
                "email": "ana@example.com",
                "company_name": "Ruiz Dental",
            },
        ],
        "properties": [
            {
                "external_id": "P-1",
                "name": "Lopez Residence",
                "street": "12 Elm St",
                "city": "Springfield",
                "region": "IL",
                "postal_code": "62701",
                "contacts": [
                    {"contact": "C-1", "role": "primary"},
                    {"contact": "C-2", "role": "billing"},
                    {"contact": "C-3", "role": "other"},
                ],
            },
            {
                "external_id": "P-2",
                "name": "Ruiz Dental Office",
                "contacts": [
                    {"contact": "C-3", "role": "primary"},
                    {"contact": "C-3", "role": "billing"},
                ],
            },
        ],
        "proposals": [
            {
                "external_id": "PR-1",
                "property": "P-1",
                "number": "PR-1001",
                "title": "Spring clean-up",
                "status": "sent",
                "valid_until": "2026-12-31",
                "printed_at": "2026-10-02T14:30:00Z",
                "items": [
                    {"description": "Bed edging", "quantity": 2, "unit_price": "45.00"},
                    {
                        "description": "Mulch refresh",
                        "unit_price": 120,
                        "optional": True,
                        "chosen": True,
                    },
                    {"description": "Aeration", "unit_price": "300.00", "optional": True},
                ],
            }
        ],
        "invoices": [
            {
                "external_id": "I-1",
                "property": "P-1",
                "number": "INV-1",
                "issued_on": "2026-10-01",
                "due_on": "2026-10-31",
                "tax_rate": "8.25",
                "emailed_at": "2026-10-01T15:00:00Z",
                "lines": [
                    {"description": "Mulch", "quantity": 3, "unit_price": 33.33},
                    {"description": "Labour", "unit_price": "120.00", "taxable": False},
                ],
            },
            {
                "external_id": "I-2",
                "property": "P-1",
                "number": "INV-2",
                "issued_on": "2026-11-01",
                "due_on": "2026-12-01",
                "amount_paid": "40.00",
                "lines": [{"description": "Edging", "unit_price": "100"}],
            },
            {
                "external_id": "I-3",
                "property": "P-2",
                "number": "INV-3",
                "issued_on": "2026-11-01",
                "due_on": "2026-11-01",
                "amount_paid": "100.00",
                "printed_at": "2026-11-01T09:00:00",
                "lines": [{"description": "Mowing", "quantity": "4", "unit_price": "25"}],
            },
            {
                "external_id": "I-4",
                "property": "P-2",
                "number": "INV-4",
                "status": "draft",
                "issued_on": "2026-11-20",
                "due_on": "2026-12-20",
                "lines": [{"description": "Snow removal", "unit_price": "65.00"}],
            },
            {
                "external_id": "I-5",
                "property": "P-2",
                "number": "INV-5",
                "status": "void",
                "issued_on": "2026-09-01",
                "due_on": "2026-09-30",
                "memo": "Billed twice by mistake.",
                "lines": [{"description": "Mowing", "unit_price": "25"}],
            },
        ],
        "issues": [
            {
                "external_id": "IS-1",
                "property": "P-1",
                "subject": "Sprinkler head broken",
                "description": "Zone 3, by the driveway.",
                "include_client": True,
                "created_by": {"contact": "C-1"},
                "created_at": "2026-11-03T08:15:00-05:00",
                "comments": [
                    {
                        "external_id": "CM-1",
                        "author": {"contact": "C-1"},
                        "body": "It sprays the street.",
                        "public": True,
                    },
                    {
                        "external_id": "CM-2",
                        "author": {"staff": "JANE.SMITH@greenway.example"},
                        "body": "Parts on order.",
                    },
                ],
            },
            {
                "external_id": "IS-2",
                "property": "P-2",
                "subject": "Check drainage",
                "status": "closed",
                "created_by": {"staff": "omar.haddad@greenway.example"},
            },
        ],
    }


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[..., Path]:
    def write(data: Any, name: str = "import.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
        return path

    return write


def database_snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every model, to prove that a rejected import changed nothing."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
    }


@pytest.fixture
def snapshot() -> Callable[[], dict[str, list[dict[str, Any]]]]:
    return database_snapshot
