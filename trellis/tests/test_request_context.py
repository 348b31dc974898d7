import json
import logging

import pytest
from django.test import Client, override_settings
from django.urls import path

from trellis.audit.models import AuditEntry
from trellis.audit.services import audit_record
from trellis.security_log import security_event


def _fails(request):
    raise RuntimeError("SELECT secret FROM boom")


def _audits(request):
    from django.http import HttpResponse

    audit_record(action="test.touched")
    security_event("test.event", outcome="ok")
    return HttpResponse("ok")


urlpatterns = [path("boom/", _fails), path("audits/", _audits)]
handler500 = "trellis.errors.server_error"


pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def test_every_response_names_its_request():
    first = Client().get("/audits/")
    second = Client().get("/audits/")
    assert len(first["X-Request-ID"]) == 16
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_an_audit_entry_keeps_the_request_id_and_client_address():
    response = Client(REMOTE_ADDR="203.0.113.9").get("/audits/")
    entry = AuditEntry.objects.get(action="test.touched")
    assert entry.request_id == response["X-Request-ID"]
    assert entry.ip_address == "203.0.113.9"


def test_an_audit_entry_outside_a_request_has_no_request_id():
    entry = audit_record(action="test.from_a_worker")
    assert entry.request_id == ""
    assert entry.ip_address is None


def test_a_security_event_is_one_json_line_with_request_id_and_address(caplog):
    with caplog.at_level(logging.INFO, logger="trellis.security"):
        response = Client(REMOTE_ADDR="198.51.100.7").get("/audits/")
    (record,) = [r for r in caplog.records if r.name == "trellis.security"]
    line = json.loads(record.getMessage())
    assert line["event"] == "test.event"
    assert line["request_id"] == response["X-Request-ID"]
    assert line["ip"] == "198.51.100.7"
    assert line["at"].endswith("+00:00")


def test_a_security_event_refuses_a_secret_field():
    with pytest.raises(ValueError, match="password"):
        security_event("test.event", password="hunter2")


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_trusted_proxy_s_request_id_is_kept_and_a_malformed_one_replaced():
    kept = Client().get("/audits/", HTTP_X_REQUEST_ID="lb-1234abcd")
    replaced = Client().get("/audits/", HTTP_X_REQUEST_ID="bad id\r\nSet-Cookie: x")
    assert kept["X-Request-ID"] == "lb-1234abcd"
    assert "\n" not in replaced["X-Request-ID"]
    assert len(replaced["X-Request-ID"]) == 16


def test_the_500_page_apologises_with_the_request_id_and_no_traceback(caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert response["X-Request-ID"] in body
    assert "Traceback" not in body
    assert "SELECT" not in body
    assert "RuntimeError" not in body
