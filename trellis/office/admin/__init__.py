"""The office's pages for each domain app's models, one module per app.

They live in the office, not beside the models: a domain app holds no UI and
imports neither the office nor the portal (the import-linter contracts in
pyproject.toml, checked in CI and by trellis/tests/test_architecture.py).
Django's admin autodiscovery imports this package, as the office is an
installed app; each module registers its app's models on `admin.site`, so the
URL names stay `admin:<app_label>_<model>_…`.

Each module imports what it builds on (the audited mixin, the published
document's page), so the order here is only the alphabet's. The office comes
after the domain apps and django-otp in INSTALLED_APPS, so what it unregisters
to replace (auth's Group, django-otp's devices) is registered by then.
"""

from trellis.office.admin import (  # noqa: F401 (imported to register their pages)
    accounts,
    audit,
    billing,
    company,
    customers,
    documents,
    issues,
    mail,
    proposals,
    two_factor,
)
