"""The words a customer agrees to when they turn autopay on.

The text is built from what it authorises (the company, the method, the
property or all of them, when the company charges, how long before it says
so) in the customer's language, and stored with the enrollment exactly as it
was shown, with AUTHORISATION_VERSION. A change of these words is a new
version: a page showing the old one is refused (`AuthorisationChanged`), so
nobody is held to words they did not read.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trellis.billing.models import PaymentMethod
from trellis.company.models import Company
from trellis.customers.models import Property

AUTHORISATION_VERSION = "2026-12-01"


def authorisation_text(
    *, company: Company, method: PaymentMethod, property: Property | None
) -> str:
    """The authorisation, in the active language."""
    scope = (
        _("each invoice for %(property)s") % {"property": property.name}
        if property is not None
        else _("each invoice for any of my properties")
    )
    if company.autopay_charge_on == Company.AutopayCharge.PUBLISHING:
        when = _("as soon as the invoice is issued to me")
        notice = ""
    else:
        when = _("on the invoice's due date")
        days = company.autopay_notice_days
        notice = " " + ngettext(
            "I will be emailed %(days)d day before each charge.",
            "I will be emailed %(days)d days before each charge.",
            days,
        ) % {"days": days}
    return (
        _(
            "I authorise %(company)s to charge %(method)s for the balance of %(scope)s issued "
            "from today, %(when)s. If a charge fails it is tried again on each of the next two "
            "days, and I am emailed each time."
        )
        % {"company": company.name, "method": method, "scope": scope, "when": when}
        + notice
        + " "
        + _(
            "I will get a receipt after each charge. I can turn autopay off at any time under "
            "Manage Payments; invoices are then no longer charged."
        )
    )
