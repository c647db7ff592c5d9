"""New-order notices: each workshop is told once of its own paid parcel.

When an order is paid, `order_mark_paid` schedules (on commit) the task
`notify_workshops`, which calls `workshop_notices_send` for the order. For
each parcel (Fulfillment) still to pack, like the confirmation email
(storefront.orders.emails), in three steps with no transaction open while
the mail server or WeCom is talked to:

1. claim: one conditional UPDATE stamps `workshop_notified_at`, only if it is
   unset and the parcel is paid and still to pack (two senders: one wins);
2. send, outside any transaction: an email to the workshop's managers (the
   users with the workshop-manager membership, with an email address) and,
   when the workshop has one, a text message to its WeCom group robot;
3. mark: the WORKSHOP_NOTIFIED event (what was sent: the email count and
   the WeCom result) and the final stamp, in one transaction.

The event is the mark: a stamp without its event after CLAIM_SECONDS is a
sender that died between claim and mark, and the sweep sends it again
(at least once, as for the confirmation email). A failed email gives the
claim back at once and raises, so the task retries with backoff and the
sweep `workshop_notices_send_unsent` finds what is still unsent. A failed
WeCom post does not undo the email: the notice is marked (wecom "failed")
and `post_workshop_wecom` retries the post alone, so the managers never get
the email twice. WeCom answers HTTP 200 with a non-zero `errcode` when it
refuses a message; that is a failure too.

The email carries what the managers pack from (recipient, phone, address,
note); the WeCom group may hold others, so its message names only the city.
A parcel of another workshop in the same order is never mentioned.
"""

import json
import logging
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from brands.models import Membership, Role
from brands.webhooks import wecom_webhook_url_problem
from storefront.core.urls import absolute_url

from .models import (
    Fulfillment,
    FulfillmentStatus,
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
)
from .services import order_event

log = logging.getLogger(__name__)

# Longer than any send can take (EMAIL_TIMEOUT plus WECOM_TIMEOUT).
CLAIM_SECONDS = 600
# A paid order's own task gets this long before the sweep steps in.
SWEEP_GRACE = timedelta(minutes=5)
# Parcels paid before this are left alone (so that deploying the notices does
# not announce every old parcel still unshipped).
SWEEP_HORIZON = timedelta(days=3)
SWEEP_BATCH = 200
# WeCom's limit on a text message is 2,048 bytes of UTF-8.
WECOM_MAX_BYTES = 2048
# Orders whose parcels may still be waiting to be packed.
TO_PACK_STATES = (
    OrderStatus.PAID,
    OrderStatus.PARTIALLY_FULFILLED,
    OrderStatus.PARTIALLY_REFUNDED,
)


class WeComError(OSError):
    """The robot did not take the message (HTTP error, errcode ≠ 0, bad
    answer). An OSError, as a refused connection or a timeout is."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: the checked URL is the only place we post to."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# No proxies from the environment, no redirects followed.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def wecom_post(url: str, content: str) -> None:
    """POST one text message to a WeCom group robot; raises OSError (or
    WeComError) when it was not taken. Every WeCom call goes through here."""
    body = json.dumps(
        {"msgtype": "text", "text": {"content": content}}, ensure_ascii=False
    ).encode()
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with _OPENER.open(request, timeout=settings.WECOM_TIMEOUT) as response:
        raw = response.read(65536)
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise WeComError(f"WeCom answered no JSON: {raw[:200]!r}") from exc
    errcode = answer.get("errcode", 0) if isinstance(answer, dict) else None
    if errcode != 0:
        raise WeComError(f"WeCom errcode {errcode}: {answer}")


def _to_pack():
    return Fulfillment.objects.filter(
        status=FulfillmentStatus.PENDING,
        order__paid_at__isnull=False,
        order__status__in=TO_PACK_STATES,
    )


def workshop_notice_claim(*, fulfillment_id: int, stale_stamp=None) -> bool:
    """Take the parcel's notice for this sender: unset (or, for the sweep,
    still `stale_stamp`, a dead sender's claim). False when it is sent,
    being sent, or the parcel is not waiting to be packed."""
    now = timezone.now()
    parcels = _to_pack().filter(pk=fulfillment_id)
    if stale_stamp is None:
        parcels = parcels.filter(workshop_notified_at__isnull=True)
    else:
        parcels = parcels.filter(workshop_notified_at=stale_stamp)
    return bool(parcels.update(workshop_notified_at=now))


def workshop_managers_emails_of(workshop_ids) -> dict[int, list[str]]:
    """{workshop id: its active managers' emails, sorted}, in one query."""
    found: dict[int, set[str]] = {}
    rows = (
        Membership.objects.filter(
            role=Role.WORKSHOP_MANAGER,
            workshop_id__in=set(workshop_ids),
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("workshop_id", "user__email")
    )
    for workshop_id, email in rows:
        found.setdefault(workshop_id, set()).add(email)
    return {workshop_id: sorted(emails) for workshop_id, emails in found.items()}


def admin_order_url(order: Order) -> str:
    return absolute_url(reverse("admin:orders_order_change", args=[order.pk]))


def notice_context(fulfillment: Fulfillment, lines=None) -> dict:
    """`lines`: the order's lines when the caller has them already."""
    order = fulfillment.order
    if lines is None:
        lines = order.lines.filter(workshop_id=fulfillment.workshop_id)
    return {
        "order": order,
        "workshop": fulfillment.workshop,
        "fulfillment": fulfillment,
        # This workshop's lines only: never another workshop's.
        "lines": [
            line for line in lines if line.workshop_id == fulfillment.workshop_id
        ],
        "link": admin_order_url(order),
    }


def send_notice_email(context: dict, recipients: list[str]) -> None:
    order, workshop = context["order"], context["workshop"]
    EmailMessage(
        subject=(
            f"【共富工坊】新订单待发货 {order.number} · {workshop.name} / "
            f"New order {order.number} to pack"
        ),
        body=render_to_string("orders/workshop_notice_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    ).send()


def wecom_content(context: dict) -> str:
    text = render_to_string("orders/workshop_notice_wecom.txt", context).strip()
    raw = text.encode()
    if len(raw) <= WECOM_MAX_BYTES:
        return text
    return raw[: WECOM_MAX_BYTES - 4].decode(errors="ignore") + " …"


def _wecom_try(url: str, context: dict) -> tuple[str, str]:
    """("ok" | "failed" | "refused", error) of one post; "refused": a URL
    that may not be used (brands.webhooks), not posted at all."""
    problem = wecom_webhook_url_problem(url)
    if problem:
        return "refused", problem
    try:
        wecom_post(url, wecom_content(context))
    except OSError as exc:
        log.warning("WeCom notice to %s failed: %s", url.split("?")[0], exc)
        return "failed", str(exc)[:300]
    return "ok", ""


def workshop_notice_send(*, fulfillment_id: int, stale_stamp=None) -> bool:
    """Notify the parcel's workshop unless it is notified or being notified.
    True if this call sent the notice. A failed email raises (and leaves it
    for a retry); a failed WeCom post is retried by its own task."""
    return _notices_send([fulfillment_id], stale_stamp=stale_stamp) == 1


def _notices_send(fulfillment_ids: list[int], *, stale_stamp=None) -> int:
    """Claim, send and mark the parcels' notices: what they need is read
    once for them all and the marks are written in one transaction, while
    each parcel is claimed on its own (two senders: one wins each). Every
    parcel is tried; the first failure is raised after the others are
    marked. The number sent."""
    claimed = [
        pk
        for pk in fulfillment_ids
        if workshop_notice_claim(fulfillment_id=pk, stale_stamp=stale_stamp)
    ]
    if not claimed:
        return 0
    parcels = list(
        Fulfillment.objects.select_related("order", "workshop")
        .filter(pk__in=claimed)
        .order_by("pk")
    )
    lines = list(
        OrderLine.objects.filter(
            order_id__in={p.order_id for p in parcels},
            workshop_id__in={p.workshop_id for p in parcels},
        ).order_by("pk")
    )
    emails = workshop_managers_emails_of({p.workshop_id for p in parcels})
    marks, failure = [], None
    for fulfillment in parcels:
        try:
            marks.append(
                _notice_deliver(
                    fulfillment,
                    [line for line in lines if line.order_id == fulfillment.order_id],
                    emails.get(fulfillment.workshop_id, []),
                )
            )
        except Exception as exc:  # noqa: BLE001 - raised after the others
            Fulfillment.objects.filter(pk=fulfillment.pk).update(
                workshop_notified_at=None
            )
            failure = failure or exc
    _notices_mark(marks)
    if failure is not None:
        raise failure
    return len(marks)


def _notice_deliver(fulfillment: Fulfillment, lines, recipients) -> tuple:
    """Send one claimed parcel's email and WeCom post (no transaction open);
    (the parcel, its event data, the WeCom result). A failed email raises."""
    context = notice_context(fulfillment, lines)
    if recipients:
        send_notice_email(context, recipients)
    url = fulfillment.workshop.wecom_webhook_url
    wecom, error = _wecom_try(url, context) if url else ("none", "")
    data = {
        "fulfillment": fulfillment.pk,
        "workshop": fulfillment.workshop.name,
        "emails": len(recipients),
        "wecom": wecom,
    }
    if error:
        data["error"] = error
    if not recipients and wecom != "ok":
        log.warning(
            "order %s: workshop %s has no manager with an email%s",
            fulfillment.order.number,
            fulfillment.workshop_id,
            " and its WeCom post failed" if wecom == "failed" else "",
        )
    return fulfillment, data, wecom


def _notices_mark(marks: list[tuple]) -> None:
    """The sent parcels' final stamp and WORKSHOP_NOTIFIED events, in one
    transaction; then a failed WeCom post is retried by its own task."""
    if not marks:
        return
    with transaction.atomic():
        Fulfillment.objects.filter(pk__in=[f.pk for f, _, _ in marks]).update(
            workshop_notified_at=timezone.now()
        )
        OrderEvent.objects.bulk_create(
            OrderEvent(order=f.order, type=OrderEventType.WORKSHOP_NOTIFIED, data=data)
            for f, data, _ in marks
        )
    from .tasks import post_workshop_wecom

    for fulfillment, _, wecom in marks:
        if wecom != "failed":
            continue
        try:
            post_workshop_wecom.delay(fulfillment.pk)
        except Exception:  # noqa: BLE001 - eager Celery: its retries are spent
            log.exception("parcel %s: WeCom notice not posted", fulfillment.pk)


def workshop_notices_send(*, order_id: int) -> int:
    """Notify the workshop of each of the order's parcels; the number sent.
    Every parcel is tried; the first failure is raised afterwards."""
    ids = list(
        Fulfillment.objects.filter(order_id=order_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return _notices_send(ids)


def _wecom_done(fulfillment: Fulfillment) -> bool:
    return any(
        data.get("fulfillment") == fulfillment.pk and data.get("wecom") == "ok"
        for data in OrderEvent.objects.filter(
            order_id=fulfillment.order_id, type=OrderEventType.WORKSHOP_NOTIFIED
        ).values_list("data", flat=True)
    )


def workshop_wecom_post(*, fulfillment_id: int) -> bool:
    """Post a notified parcel's WeCom message again after a failure; True if
    posted now, False if there is nothing to post. Raises OSError when the
    robot still does not take it."""
    fulfillment = Fulfillment.objects.select_related("order", "workshop").get(
        pk=fulfillment_id
    )
    url = fulfillment.workshop.wecom_webhook_url
    if (
        not url
        or wecom_webhook_url_problem(url)
        or fulfillment.status != FulfillmentStatus.PENDING
        or _wecom_done(fulfillment)
    ):
        return False
    wecom_post(url, wecom_content(notice_context(fulfillment)))
    order_event(
        order=fulfillment.order,
        type=OrderEventType.WORKSHOP_NOTIFIED,
        fulfillment=fulfillment_id,
        workshop=fulfillment.workshop.name,
        emails=0,
        wecom="ok",
        retry=True,
    )
    return True


def _lost_claims(now) -> list[tuple[int, object]]:
    """(id, stamp) of parcels claimed longer than CLAIM_SECONDS ago whose
    notice was never marked: their sender died in between."""
    claimed = list(
        _to_pack()
        .filter(
            order__paid_at__gte=now - SWEEP_HORIZON,
            workshop_notified_at__lt=now - timedelta(seconds=CLAIM_SECONDS),
        )
        .values_list("pk", "order_id", "workshop_notified_at")
    )
    if not claimed:
        return []
    marked = {
        data.get("fulfillment")
        for data in OrderEvent.objects.filter(
            order_id__in={order_id for _, order_id, _ in claimed},
            type=OrderEventType.WORKSHOP_NOTIFIED,
        ).values_list("data", flat=True)
    }
    return [(pk, stamp) for pk, _, stamp in claimed if pk not in marked]


def workshop_notices_send_unsent() -> int:
    """Notify every paid parcel still to pack whose notice was never sent
    (its task lost or out of retries, its sender dead), oldest first; the
    number sent. One that fails is logged and left for the next sweep."""
    now = timezone.now()
    unsent = [
        (pk, None)
        for pk in _to_pack()
        .filter(
            workshop_notified_at__isnull=True,
            order__paid_at__lt=now - SWEEP_GRACE,
            order__paid_at__gte=now - SWEEP_HORIZON,
        )
        .order_by("order__paid_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    ]
    sent = 0
    for fulfillment_id, stale_stamp in unsent + _lost_claims(now)[:SWEEP_BATCH]:
        try:
            sent += workshop_notice_send(
                fulfillment_id=fulfillment_id, stale_stamp=stale_stamp
            )
        except Exception:  # noqa: BLE001 - the next sweep tries it again
            log.exception("parcel %s: workshop notice not sent", fulfillment_id)
    return sent
