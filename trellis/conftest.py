import pytest

from trellis.testing.factories import ContactFactory, CustomerAccountFactory, StaffFactory


@pytest.fixture
def staff(db):
    """Jane: a staff member of the company, with every permission."""
    return StaffFactory(email="jane@greenway.example", is_superuser=True)


@pytest.fixture
def alice(db):
    """Alice: a verified customer (she has a portal account)."""
    return CustomerAccountFactory(
        contact=ContactFactory(first_name="Alice", last_name="Arnold", email="alice@example.com")
    )


@pytest.fixture
def charlie(db):
    """Charlie: a contact with no portal account and no roles; a stranger to Alice's data."""
    return ContactFactory(first_name="Charlie", last_name="Chen", email="charlie@example.com")
