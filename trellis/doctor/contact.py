"""Troubleshoot portal access for one contact: the four checks of the reference
article "Customer Portal 2.0 - Basic troubleshooting", each a question with
its answer, the rows it read and the fix that applies.

A check fails only for something that really stops the customer and that
staff can act on. Not yet being invited, having no card saved, or an old
address once typed at forgot password are not failures: they are answered as
they are (INFO) or shown as hints beside a passing answer. What the contact
sees is decided by trellis.visibility alone, the rules the portal enforces.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q
from django.utils import timezone

from trellis.accounts.attempts import normalized
from trellis.accounts.invitations import InviteRefused, contact_invite_check
from trellis.accounts.models import AccessAttempt, AccessToken, User
from trellis.billing.models import Invoice, PaymentMethod
from trellis.company.models import Company
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.customers.selectors import contact_invitations
from trellis.doctor.checks import Check, Fix, Verdict
from trellis.issues.models import Issue
from trellis.mail.models import OutgoingEmail
from trellis.mail.senders import sender_on_behalf_of
from trellis.proposals.models import Proposal
from trellis.visibility import PropertyRole, SectionOn

# How many of the contact's reset emails and access attempts are read.
RECENT = 20

# A bank account saved but not yet verified by its two small deposits.
UNCONFIRMED = "waiting for the customer to confirm the deposits: it cannot be charged yet"

SPAM_ADVICE = (
    "Ask them to check their spam or junk folder, and to add the sender to their approved senders."
)

# What a customer having trouble leaves behind: a sign-in refused, or a link
# from an email that no longer works.
TROUBLE = (
    AccessAttempt.Result.WRONG_CREDENTIALS,
    AccessAttempt.Result.THROTTLED,
    AccessAttempt.Result.BAD_LINK,
)
SECTIONS = (Proposal, Invoice, Issue)
WAITING = (OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.SENDING)


def _account(contact: Contact) -> User | None:
    try:
        return contact.portal_account
    except ObjectDoesNotExist:
        return None


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _email_status(token: AccessToken) -> str:
    email = token.email
    if email is None:
        return "no email recorded"
    status = email.get_status_display().lower()
    if email.last_error:
        return f"{status}: {email.last_error}"
    return status


def _not_delivered(token: AccessToken) -> bool:
    return token.email is None or token.email.status == OutgoingEmail.Status.FAILED


def _why_not_delivered(token: AccessToken) -> str:
    if token.email is None:
        return "no email was recorded for it"
    return token.email.last_error or "the email failed"


# --- Can they see payment methods? ---------------------------------------------


def _payment_methods(contact: Contact) -> Check:
    name = contact.full_name
    question = f"Can {name} see payment methods?"
    methods = list(contact.payment_methods.filter(removed_at__isnull=True))
    if not methods:
        return Check(
            "payment_methods",
            Verdict.INFO,
            question,
            "None saved: the portal lists a payment method once one is saved.",
            evidence=(f"{name} has no saved payment methods.",),
            fix=Fix.SAVE_PAYMENT_METHOD,
            advice="They can add one from Manage Payments, or while paying an invoice.",
        )
    today = timezone.localdate()
    return Check(
        "payment_methods",
        Verdict.PASS,
        question,
        f"Yes: {len(methods)} saved.",
        evidence=tuple(f"{method} ({_method_state(method)})" for method in methods),
        hints=tuple(hint for hint in (_method_hint(method, today) for method in methods) if hint),
    )


def _method_state(method: PaymentMethod) -> str:
    """A card's expiry; a bank account's type and whether it can be charged
    (bank accounts do not expire, but one not verified cannot be charged)."""
    if not method.is_bank_account:
        return f"expires {method.exp_month:02d}/{method.exp_year}"
    kind = method.get_account_type_display().lower()
    if method.verification == PaymentMethod.Verification.PENDING:
        return f"{kind}, {UNCONFIRMED}"
    if method.verification == PaymentMethod.Verification.FAILED:
        return f"{kind}, could not be verified: it cannot be charged"
    return f"{kind}, verified"


def _method_hint(method: PaymentMethod, today: date) -> str:
    """What stops a saved method from paying, and what they can do about it."""
    if method.expired_on(today):
        return (
            f"{method} expired at the end of {method.exp_month:02d}/{method.exp_year}: it "
            "cannot pay until they add a new card."
        )
    if method.verification == PaymentMethod.Verification.PENDING:
        return (
            f"{method} is {UNCONFIRMED}. They enter the two small deposits' amounts in "
            "the portal, under Manage Payments."
        )
    if method.verification == PaymentMethod.Verification.FAILED:
        return (
            f"{method} could not be verified: it cannot be charged. They can remove it and "
            "add it again, or use another method."
        )
    return ""


# --- Can they see proposals, invoices and requests? ------------------------------


def _content(contact: Contact, company: Company) -> Check:
    name = contact.full_name
    question = f"Can {name} see proposals, invoices and requests?"
    roles = PropertyContact.objects.filter(contact=contact)
    properties = (
        Property.objects.filter(roles__contact=contact)
        .distinct()
        .order_by("name", "id")
        .prefetch_related(Prefetch("roles", queryset=roles))
    )
    seen: list[str] = []
    refused: list[str] = []
    held_elsewhere: set[str] = set()  # the labels of the roles that give nothing
    for prop in properties:
        failure = PropertyRole.failure(contact, prop)
        if failure is None:
            held = ", ".join(sorted({PropertyContact.Role(r.role).label for r in prop.roles.all()}))
            seen.append(f"Sees {prop} as its {held} contact.")
        else:
            refused.append(failure.message)
            held_elsewhere |= {PropertyContact.Role(r.role).label for r in prop.roles.all()}
    off = [model for model in SECTIONS if not SectionOn.is_on(company, model)]
    switched_off = [f for f in (SectionOn.failure(company, model) for model in off) if f]
    evidence = (*seen, *(failure.message for failure in switched_off))
    if not seen:
        if refused:
            held = " and ".join(f"“{label}”" for label in sorted(held_elsewhere))
            answer = (
                f"No: {name} holds only {held} roles, and only a property's Primary or "
                "Billing contact sees its content."
            )
        else:
            answer = f"No: {name} holds no role on any property."
        return Check("content", Verdict.FAIL, question, answer, (*refused, *evidence))
    count = len(seen)
    what = (
        f"those of {count} propert{'y' if count == 1 else 'ies'}, as their Primary or "
        "Billing contact"
    )
    if off:
        sections = " and ".join(SectionOn.FLAGS[model][1] for model in off)
        return Check(
            "content",
            Verdict.FAIL,
            question,
            f"Not all of it: they see {what}, but the company has switched the {sections} "
            f"section{'s' if len(off) > 1 else ''} of the portal off.",
            evidence,
            tuple(refused),
        )
    return Check("content", Verdict.PASS, question, f"Yes: {what}.", evidence, tuple(refused))


# --- Have they received the invitation? ----------------------------------------


def _sender_lines(staff: User | None, company: Company) -> tuple[str, ...]:
    if staff is None:
        return ()
    sender = sender_on_behalf_of(staff=staff, company=company)
    domain = (staff.email or "").rpartition("@")[2]
    reply = f", replies to {sender.reply_to}" if sender.reply_to else ""
    return (
        f"The next invitation would be sent from {sender.from_header}{reply}.",
        f"The domain {domain} is verified for sending."
        if company.sends_for_domain(domain)
        else f"The domain {domain} is not verified for sending, so the company's "
        "address is used instead.",
    )


def _invitation_answer(
    contact: Contact, invitations: list[AccessToken]
) -> tuple[Verdict, str, Fix | None]:
    """For a contact without a portal account: what became of the latest invitation."""
    name = contact.full_name
    try:
        contact_invite_check(contact=contact)
    except InviteRefused as refused:
        # Without an email a contact is simply not a portal user; a bad or
        # taken address stops one who should be.
        verdict = Verdict.INFO if refused.code == InviteRefused.NO_EMAIL else Verdict.FAIL
        return verdict, f"No: {refused.message}", None
    if not invitations:
        return Verdict.INFO, f"Not yet: {name} has not been invited.", Fix.SEND_INVITATION
    latest = invitations[0]
    when = _when(latest.created_at)
    state = latest.state_at(timezone.now())
    if _not_delivered(latest):
        answer = (
            f"No: the invitation of {when} to {latest.sent_to} was not delivered "
            f"({_why_not_delivered(latest)})."
        )
    elif normalized(latest.sent_to) != normalized(contact.email):
        answer = (
            f"No: the latest invitation went to {latest.sent_to}, not to their email "
            f"{contact.email}."
        )
    elif state == AccessToken.State.EXPIRED:
        answer = (
            f"No: the invitation of {when} expired on {_when(latest.expires_at)} before "
            "they accepted it."
        )
    elif state == AccessToken.State.REVOKED:
        answer = (
            f"No: the invitation of {when} no longer works (a newer one, or a change of "
            "their email, voided it)."
        )
    elif state == AccessToken.State.USED:
        answer = f"No: the invitation of {when} was used, but they have no portal account now."
    elif latest.email is not None and latest.email.status in WAITING:
        return (
            Verdict.INFO,
            f"Not yet: the invitation of {when} is waiting to be sent.",
            Fix.SEND_INVITATION,
        )
    else:
        return (
            Verdict.PASS,
            f"Yes: the invitation of {when} was delivered to {latest.sent_to}; it works "
            f"until {_when(latest.expires_at)} and they have not accepted it yet.",
            Fix.SEND_INVITATION,
        )
    return Verdict.FAIL, answer, Fix.SEND_INVITATION


def _invitation(contact: Contact, company: Company, staff: User | None) -> Check:
    name = contact.full_name
    question = f"Has {name} received the portal invitation?"
    invitations = list(contact_invitations(contact=contact))
    now = timezone.now()
    evidence = (
        *(
            f"Invitation of {_when(invitation.created_at)} to {invitation.sent_to}: "
            f"{AccessToken.State(invitation.state_at(now)).label.lower()}; "
            f"email {_email_status(invitation)}."
            for invitation in invitations
        ),
        *_sender_lines(staff, company),
    )
    if _account(contact) is not None:
        return Check(
            "invitation",
            Verdict.PASS,
            question,
            f"Yes: {name} is Customer Portal Verified, so no invitation can be sent. They "
            f"sign in with {contact.email}.",
            evidence,
            fix=Fix.SEND_PASSWORD_RESET,
            advice="If they forgot their password, send a password reset.",
        )
    verdict, answer, fix = _invitation_answer(contact, invitations)
    return Check("invitation", verdict, question, answer, evidence, fix=fix, advice=SPAM_ADVICE)


# --- Can they reset their password? --------------------------------------------


def _attempts(contact: Contact, account: User) -> list[AccessAttempt]:
    """The newest sign-in, forgot-password and link attempts with the contact's
    email or on their account (which keeps those made with an earlier email)."""
    return list(
        AccessAttempt.objects.filter(
            Q(user=account) | Q(email_tried__iexact=contact.email)
        ).order_by("-created_at", "-id")[:RECENT]
    )


def _trouble(attempts: list[AccessAttempt], current: str) -> list[AccessAttempt]:
    """Attempts with their current email that failed since they last signed in."""
    found = []
    for attempt in attempts:
        if attempt.result == AccessAttempt.Result.SIGNED_IN:
            break
        if attempt.result in TROUBLE and normalized(attempt.email_tried) == current:
            found.append(attempt)
    return found


def _password_reset(contact: Contact) -> Check:
    name = contact.full_name
    question = f"Can {name} reset their password?"
    account = _account(contact)
    if account is None:
        return Check(
            "password_reset",
            Verdict.INFO,
            question,
            f"Not yet: {name} has no portal account, so there is no password to reset; "
            "accepting an invitation sets one.",
        )
    current = normalized(contact.email)
    resets = list(
        AccessToken.objects.filter(contact=contact, purpose=AccessToken.Purpose.PASSWORD_RESET)
        .select_related("email")
        .order_by("-created_at", "-id")[:RECENT]
    )
    attempts = _attempts(contact, account)
    trouble = _trouble(attempts, current)
    evidence = (
        f"{name}'s portal account is {'active' if account.is_active else 'deactivated'}.",
        f"They sign in with {contact.email}.",
        *(
            f"Password reset of {_when(reset.created_at)} to {reset.sent_to}: "
            f"email {_email_status(reset)}."
            for reset in resets
        ),
        *(
            f"{attempt.get_kind_display()} on {_when(attempt.created_at)} with "
            f"{attempt.email_tried}: {attempt.get_result_display().lower()}."
            for attempt in trouble
        ),
    )
    tried: dict[str, AccessAttempt] = {}
    for attempt in attempts:
        address = normalized(attempt.email_tried)
        if address and address != current:
            tried.setdefault(address, attempt)
    hints = tuple(
        f"{address} was tried at {attempt.get_kind_display().lower()} on "
        f"{_when(attempt.created_at)}: it is not their email, {contact.email}. Tell them "
        "which address they sign in with."
        for address, attempt in tried.items()
    )
    if not account.is_active:
        return Check(
            "password_reset",
            Verdict.FAIL,
            question,
            f"No: {name}'s portal account is deactivated.",
            evidence,
            hints,
        )
    verdict, answer = _reset_answer(resets, trouble, current)
    return Check(
        "password_reset",
        verdict,
        question,
        answer,
        evidence,
        hints,
        fix=Fix.SEND_PASSWORD_RESET,
        advice=SPAM_ADVICE,
    )


def _reset_answer(
    resets: list[AccessToken], trouble: list[AccessAttempt], current: str
) -> tuple[Verdict, str]:
    """Fails only when the latest reset to their current email was not
    delivered, or none was asked for while they could not sign in. Resets sent
    to an earlier address say nothing about the one they use now."""
    latest = next((r for r in resets if normalized(r.sent_to) == current), None)
    if latest is not None:
        when = _when(latest.created_at)
        if _not_delivered(latest):
            return (
                Verdict.FAIL,
                f"No: the latest reset email, of {when} to {latest.sent_to}, was not "
                f"delivered ({_why_not_delivered(latest)}).",
            )
        if latest.email is not None and latest.email.status in WAITING:
            return Verdict.INFO, f"Not yet: the reset email of {when} is waiting to be sent."
        return (
            Verdict.PASS,
            f"Yes: the latest reset email, of {when}, was delivered to {latest.sent_to}.",
        )
    if trouble:
        return (
            Verdict.FAIL,
            f"Not yet: they could not sign in on {_when(trouble[0].created_at)} and no reset "
            f"email has been sent to {current}.",
        )
    return Verdict.PASS, "Yes: their account is active; no reset has been asked for."


def contact_checks(*, contact: Contact, company: Company, staff: User | None = None) -> list[Check]:
    """The article's four checks for one contact, in its order. `staff` is the
    signed-in staff member, whose address the next invitation would be sent from."""
    return [
        _payment_methods(contact),
        _content(contact, company),
        _invitation(contact, company, staff),
        _password_reset(contact),
    ]
