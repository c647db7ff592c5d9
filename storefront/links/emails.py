"""Emails to hosts: the brand's decision on their application. Sent by
storefront.links.tasks after the decision commits (bilingual, Chinese
first)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from storefront.core.urls import absolute_url

from .models import ApplicationStatus, HostApplication


def send_application_decided(*, application_id: int) -> bool:
    """False when there is nothing to send (no such application, still
    pending, or the host has no address)."""
    application = (
        HostApplication.objects.select_related("host", "brand")
        .filter(pk=application_id)
        .first()
    )
    if application is None or application.status == ApplicationStatus.PENDING:
        return False
    host = application.host
    if not (host.email and host.is_active):
        return False
    approved = application.status == ApplicationStatus.APPROVED
    context = {
        "SITE_NAME": settings.SITE_NAME,
        "application": application,
        "approved": approved,
        "name": host.get_full_name() or host.get_username(),
        "brand": application.brand,
        # Where to go next: their links if approved, else applying again
        # (never from a request: SITE_URL, as every e-mail).
        "next_url": absolute_url(
            reverse("links:my-links" if approved else "links:apply")
        ),
    }
    subject = render_to_string("links/email/application_decided_subject.txt", context)
    body = render_to_string("links/email/application_decided.txt", context)
    send_mail(
        " ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [host.email]
    )
    return True
