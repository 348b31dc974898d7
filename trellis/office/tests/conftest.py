import pytest


@pytest.fixture
def office(client, staff):
    """A browser signed in to the back office as Jane (staff)."""
    client.force_login(staff)
    return client
