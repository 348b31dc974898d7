import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Photos are written to storage: never into the project's data/media.
    settings.MEDIA_ROOT = tmp_path
