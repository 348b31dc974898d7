"""Django's admin as the superuser's raw-data tool, one module per app: every
model's rows as stored, for reading (trellis/office/admin/raw_data.py), under
/admin/ and for superusers only (trellis/office/admin_site.py). The one thing
done here is removing a lost phone's two-factor device (two_factor.py).
Staff work in the office's own pages (trellis/office/urls.py).

They live in the office, not beside the models: a domain app holds no UI and
imports neither the office nor the portal (the import-linter contracts in
pyproject.toml). The office comes after the domain apps and django-otp in
INSTALLED_APPS, so what it unregisters to replace (auth's Group, django-otp's
devices) is registered by then.
"""

from trellis.office.admin import (  # noqa: F401 (imported to register their pages)
    accounts,
    audit,
    billing,
    company,
    customers,
    issues,
    mail,
    proposals,
    two_factor,
)
