"""E-mails about signals (Django's mail backend: console/locmem in dev/tests).

Reporters get a confirmation and a message on every status change, when they
left an e-mail address — and, when their report was merged as a duplicate,
on every status change of the signal it is handled under (without anything
of that other report); the team gets a notice of a new signal. No e-mail
repeats the reporter's free text or contact details, and no log line names
them. Status names and explanations come from
:mod:`veerkracht.web.signals.workflow` (one definition, translated).
Failures to send are logged by reference and never undo the change.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation

from veerkracht.web.signals.workflow import status_explanation, status_label

log = logging.getLogger("veerkracht.web.signals")


def follow_path(signal) -> str:
    """Path of the follow page of ``signal`` (reference + secret token)."""
    return reverse("signals:follow", args=[signal.reference, signal.follow_token])


def _link(signal, follow_url) -> str:
    if follow_url is not None:
        return follow_url(signal)
    base = settings.VEERKRACHT_SITE_URL.rstrip("/")
    return f"{base}{follow_path(signal)}"


def _send(subject: str, body: str, to: str, reference: str) -> None:
    try:
        send_mail(subject, body, None, [to], fail_silently=False)
    except Exception:  # noqa: BLE001 - mail trouble must not undo the signal
        log.warning("e-mail over melding %s kon niet worden verstuurd", reference)


def _in_site_language(func):
    """Write the e-mail in the site's language (Dutch), whatever the language
    of the page whose action sent it: a reporter's language is not stored."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return wrapper


@_in_site_language
def signal_received(signal, follow_url=None) -> None:
    """Confirmation to the reporter and a notice to the team."""
    if signal.contact_email:
        _send(
            f"Uw melding {signal.reference} is ontvangen",
            "Beste melder,\n\n"
            f"Wij hebben uw melding ontvangen ({signal.category_label}).\n"
            f"Uw kenmerk is {signal.reference}.\n\n"
            f"Volg de stand van uw melding via:\n{_link(signal, follow_url)}\n\n"
            "Wij sturen u bericht als de status verandert.\n\n"
            "Met vriendelijke groet,\nHet meldpunt Samenleven",
            signal.contact_email,
            signal.reference,
        )
    if signal.team.email:
        base = settings.VEERKRACHT_SITE_URL.rstrip("/")
        path = reverse("signals:detail", args=[signal.reference])
        _send(
            f"Nieuwe melding {signal.reference}: {signal.category_label}",
            f"Er is een nieuwe melding voor {signal.team.name}.\n"
            f"Categorie: {signal.category_label}\n"
            f"Buurt: {signal.buurtcode or 'onbekend'}\n\n"
            f"Bekijk de melding (inloggen nodig):\n{base}{path}\n",
            signal.team.email,
            signal.reference,
        )


@_in_site_language
def status_changed(signal, follow_url=None) -> None:
    """Tell the reporter the new status (when they left an e-mail address)."""
    if not signal.contact_email:
        return
    _send(
        f"Uw melding {signal.reference}: {signal.status_label}",
        "Beste melder,\n\n"
        f"De status van uw melding {signal.reference} is nu: {signal.status_label}.\n"
        f"{status_explanation(signal.status)}\n\n"
        f"Bekijk de stand via:\n{_link(signal, follow_url)}\n\n"
        "Met vriendelijke groet,\nHet meldpunt Samenleven",
        signal.contact_email,
        signal.reference,
    )


@_in_site_language
def main_status_changed(duplicate, main, follow_url=None) -> None:
    """Tell a merged duplicate's reporter how the signal it is handled under
    stands now: its status only — never its reference, text, place or date."""
    if not duplicate.contact_email or duplicate.merged_into_id != main.pk:
        return
    _send(
        f"Uw melding {duplicate.reference}: {status_label(main.status)}",
        "Beste melder,\n\n"
        f"Uw melding {duplicate.reference} wordt behandeld samen met een andere "
        "melding over dezelfde situatie. De stand daarvan is nu: "
        f"{status_label(main.status)}.\n"
        f"{status_explanation(main.status)}\n\n"
        f"Bekijk de stand via:\n{_link(duplicate, follow_url)}\n\n"
        "Met vriendelijke groet,\nHet meldpunt Samenleven",
        duplicate.contact_email,
        duplicate.reference,
    )
