"""An import file too large, or nested too deep, is refused with words that
name the limit, before anything is checked or written, never a traceback."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from trellis.customers.models import Contact
from trellis.imports.services import (
    FORMAT_DEPTH,
    ImportTooLarge,
    import_document,
    parse_document,
)

pytestmark = pytest.mark.django_db


def import_refusal(path):
    with pytest.raises(CommandError) as refused:
        call_command("import", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return str(refused.value)


def nested(depth):
    """{"contacts": [[[…]]]}: `depth` levels of objects and lists."""
    return '{"contacts": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def test_a_file_nested_deeper_than_the_parser_can_go_is_refused_in_words(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(nested(100_000))

    message = import_refusal(path)

    assert message == (
        f"Nothing was imported from {path}: it is nested more than 20 levels deep "
        "(the IMPORT_MAX_DEPTH setting); the import format needs 6."
    )
    assert not Contact.objects.exists()


def test_a_file_nested_just_past_the_limit_is_refused_and_one_at_it_parses(settings):
    settings.IMPORT_MAX_DEPTH = 8

    parse_document(nested(8))
    with pytest.raises(ImportTooLarge, match="nested more than 8 levels deep"):
        parse_document(nested(9))


def test_the_demo_file_needs_no_more_depth_than_the_format_says(settings):
    settings.IMPORT_MAX_DEPTH = FORMAT_DEPTH
    parse_document((settings.BASE_DIR / "demo" / "demo.json").read_bytes())


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(
    tmp_path, settings, document, write_json
):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    path = tmp_path / "large.json"
    with path.open("w") as large:
        large.write('{"contacts": [')
        large.write(",".join(['{"external_id": "C-1"}'] * 60_000))
        large.write("]}")

    message = import_refusal(path)

    assert message.startswith(
        f"Nothing was imported from {path}: the file is 1.3 MB, more than the 1 MB an "
        "import file may be (the IMPORT_MAX_BYTES setting)."
    )
    assert not Contact.objects.exists()
    # A file under the limit imports as before.
    call_command("import", str(write_json(document)), stdout=io.StringIO())
    assert Contact.objects.count() == 3


def test_parsing_text_over_the_limit_is_refused_whoever_calls_it(settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportTooLarge, match="is 116 bytes, more than the 100 bytes"):
        parse_document('{"contacts": []}' + " " * 100)


def test_a_refused_file_is_a_value_error_for_callers_that_catch_those(settings):
    settings.IMPORT_MAX_DEPTH = 3
    with pytest.raises(ValueError):
        import_document(data=parse_document(nested(5)))
