"""New-order notices (storefront.orders.notices): each workshop's managers
are emailed once of their own paid parcel, and its WeCom group robot (a local
HTTP server here) is posted once; a mail server or robot that fails never
blocks the payment, is retried, and never doubles the email."""

import json
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery.exceptions import Retry
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from brands.models import Role, Workshop
from brands.webhooks import wecom_webhook_url_problem
from storefront.orders import notices
from storefront.orders.models import (
    Fulfillment,
    Order,
    OrderEvent,
    OrderEventType,
    OrderStatus,
)
from storefront.orders.notices import (
    CLAIM_SECONDS,
    SWEEP_GRACE,
    workshop_notice_send,
    workshop_notices_send_unsent,
)
from storefront.orders.tasks import notify_workshops, post_workshop_wecom
from tests import network_guard
from tests.factories import grant, make_user
from tests.shop_helpers import make_variant, paid_order

pytestmark = pytest.mark.usefixtures("stripe_settings")

LOCMEM = "tests.network_guard.GuardedLocmemBackend"
NOTE = "请用纸箱包装 please use a box"


class WeComStandIn(ThreadingHTTPServer):
    """WeCom's robot endpoint on 127.0.0.1: records each POST and answers as
    `mode` says (ok, 500, errcode, hang)."""

    daemon_threads = True
    block_on_close = False

    def __init__(self):
        super().__init__(("127.0.0.1", 0), WeComHandler)
        self.mode = "ok"
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/cgi-bin/webhook/send?key=k"


class WeComHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append(
            {"path": self.path, "json": json.loads(body.decode())}
        )
        mode = self.server.mode
        if mode == "hang":
            time.sleep(2)
        if mode == "500":
            self.send_response(500)
            self.end_headers()
            return
        answer = {"errcode": 0, "errmsg": "ok"}
        if mode == "errcode":
            answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def wecom(settings):
    settings.WECOM_ALLOW_ANY_HOST = True
    settings.WECOM_TIMEOUT = 0.3
    server = WeComStandIn()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _wecom_posts_outside_transactions(monkeypatch):
    """Every WeCom call goes through `notices.wecom_post`: checked here, as
    email and Stripe are by tests/network_guard.py, then really sent."""
    real = notices.wecom_post

    def checked(url, content):
        network_guard.check(f"WeCom POST {url}")
        return real(url, content)

    monkeypatch.setattr(notices, "wecom_post", checked)


def workshop_with_managers(*emails, webhook=""):
    variant = make_variant(name=f"笋干{len(emails)}")
    workshop = variant.product.workshop
    for email in emails:
        grant(make_user(email=email), Role.WORKSHOP_MANAGER, workshop)
    if webhook:
        Workshop.objects.filter(pk=workshop.pk).update(wecom_webhook_url=webhook)
    return workshop, variant


def pay(client, capture, variants, **kwargs):
    """A paid order whose on-commit tasks (confirmation, notices) ran."""
    with capture(execute=True):
        order = paid_order(client, variants, note=NOTE, **kwargs)
    order.refresh_from_db()
    return order


def notices_to(mailoutbox, *managers):
    return [m for m in mailoutbox if set(m.to) & set(managers)]


def notified_events(order):
    return list(
        OrderEvent.objects.filter(
            order=order, type=OrderEventType.WORKSHOP_NOTIFIED
        ).values_list("data", flat=True)
    )


def make_lost(order):
    """As if the order's notice task was lost, paid long enough ago for the
    sweep to take it."""
    Order.objects.filter(pk=order.pk).update(
        paid_at=timezone.now() - SWEEP_GRACE - timedelta(seconds=5)
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_a_paid_order_emails_the_managers_and_posts_wecom_once(
    client, django_capture_on_commit_callbacks, mailoutbox, wecom
):
    workshop, variant = workshop_with_managers(
        "a@ws.example", "b@ws.example", webhook=wecom.url
    )
    grant(make_user(email=""), Role.WORKSHOP_MANAGER, workshop)  # no address
    grant(
        make_user(email="gone@ws.example", is_active=False),
        Role.WORKSHOP_MANAGER,
        workshop,
    )
    order = pay(client, django_capture_on_commit_callbacks, [(variant, 2)])

    assert order.status == OrderStatus.PAID
    [notice] = notices_to(mailoutbox, "a@ws.example", "b@ws.example")
    assert notice.to == ["a@ws.example", "b@ws.example"]
    assert order.number in notice.subject and "新订单" in notice.subject
    body = notice.body
    assert f"{variant.product.name}" in body and "× 2" in body
    for text in ("王小明", "13800138000", "舟山市嵊泗县菜园镇 1 号", NOTE):
        assert text in body
    assert reverse("admin:orders_order_change", args=[order.pk]) in body
    assert not notices_to(mailoutbox, "gone@ws.example")

    [request] = wecom.requests
    assert request["path"] == "/cgi-bin/webhook/send?key=k"
    assert request["json"]["msgtype"] == "text"
    content = request["json"]["text"]["content"]
    assert order.number in content and variant.product.name in content
    assert "舟山市" in content
    assert "13800138000" not in content and "菜园镇" not in content

    [data] = notified_events(order)
    parcel = Fulfillment.objects.get(order=order)
    assert data == {
        "fulfillment": parcel.pk,
        "workshop": workshop.name,
        "emails": 2,
        "wecom": "ok",
    }
    assert parcel.workshop_notified_at is not None

    # A repeated task, a late one, the sweep: nothing more is sent.
    make_lost(order)
    assert notify_workshops.delay(order.pk).get() == 0
    assert workshop_notices_send_unsent() == 0
    assert len(notices_to(mailoutbox, "a@ws.example")) == 1
    assert len(wecom.requests) == 1


@pytest.mark.django_db
def test_each_workshop_gets_only_its_own_parcel(
    client, django_capture_on_commit_callbacks, mailoutbox, wecom
):
    ws1, tea = workshop_with_managers("tea@ws.example", webhook=wecom.url)
    ws2, honey = workshop_with_managers("honey@ws.example", "honey2@ws.example")
    order = pay(client, django_capture_on_commit_callbacks, [(tea, 1), (honey, 3)])

    [to_tea] = notices_to(mailoutbox, "tea@ws.example")
    [to_honey] = notices_to(mailoutbox, "honey@ws.example")
    assert tea.product.name in to_tea.body
    assert honey.product.name not in to_tea.body and tea.sku not in to_honey.body
    assert honey.product.name in to_honey.body and "× 3" in to_honey.body
    assert tea.product.name not in to_honey.body
    assert to_honey.to == ["honey2@ws.example", "honey@ws.example"]
    [request] = wecom.requests  # only the first workshop has a robot
    assert honey.product.name not in request["json"]["text"]["content"]
    events = {data["workshop"]: data for data in notified_events(order)}
    assert events[ws1.name]["wecom"] == "ok"
    assert events[ws2.name] | {"fulfillment": 0} == {
        "fulfillment": 0,
        "workshop": ws2.name,
        "emails": 2,
        "wecom": "none",
    }


@pytest.mark.parametrize("mode", ["500", "errcode", "hang"])
@pytest.mark.django_db
def test_a_failing_robot_is_retried_without_a_second_email(
    client, django_capture_on_commit_callbacks, mailoutbox, wecom, mode
):
    wecom.mode = mode
    workshop, variant = workshop_with_managers("m@ws.example", webhook=wecom.url)
    order = pay(client, django_capture_on_commit_callbacks, [variant])

    assert order.status == OrderStatus.PAID
    assert len(notices_to(mailoutbox, "m@ws.example")) == 1
    # The first post, then post_workshop_wecom's first try, which asks Celery
    # to retry it (with backoff) rather than fail for good.
    assert len(wecom.requests) == 2
    [data] = notified_events(order)
    assert data["emails"] == 1 and data["wecom"] == "failed"
    parcel = Fulfillment.objects.get(order=order)
    assert parcel.workshop_notified_at is not None

    with pytest.raises(Retry):
        post_workshop_wecom.delay(parcel.pk)
    assert len(wecom.requests) == 3
    assert len(notified_events(order)) == 1

    # The robot is back: the post alone is retried, once.
    wecom.mode = "ok"
    wecom.requests.clear()
    assert post_workshop_wecom.delay(parcel.pk).get() is True
    assert post_workshop_wecom.delay(parcel.pk).get() is False
    assert len(wecom.requests) == 1
    assert notified_events(order)[-1]["wecom"] == "ok"
    make_lost(order)
    assert workshop_notices_send_unsent() == 0
    assert len(notices_to(mailoutbox, "m@ws.example")) == 1


@pytest.mark.django_db
def test_a_mail_server_down_never_fails_the_payment_and_the_sweep_sends_later(
    client, django_capture_on_commit_callbacks, settings, mailoutbox, wecom
):
    workshop, variant = workshop_with_managers("m@ws.example", webhook=wecom.url)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    order = pay(client, django_capture_on_commit_callbacks, [variant])

    assert order.status == OrderStatus.PAID  # the webhook answered 200
    parcel = Fulfillment.objects.get(order=order)
    assert parcel.workshop_notified_at is None  # the claim given back
    assert notified_events(order) == []
    assert wecom.requests == []  # not before the email is out
    with pytest.raises(OSError):
        workshop_notice_send(fulfillment_id=parcel.pk)

    settings.EMAIL_BACKEND = LOCMEM
    assert workshop_notices_send_unsent() == 0  # its own task still has time
    make_lost(order)
    assert workshop_notices_send_unsent() == 1
    assert len(notices_to(mailoutbox, "m@ws.example")) == 1
    assert len(wecom.requests) == 1
    assert workshop_notices_send_unsent() == 0


@pytest.mark.django_db
def test_the_sweep_finds_a_lost_notice_and_a_dead_senders_claim(client, mailoutbox):
    workshop, variant = workshop_with_managers("m@ws.example")
    # Without capturing, on_commit never runs here: the notice task is lost.
    lost = paid_order(client, [variant])
    fresh = paid_order(client, [variant])  # its own task still has time
    make_lost(lost)

    assert workshop_notices_send_unsent() == 1
    assert len(notices_to(mailoutbox, "m@ws.example")) == 1
    assert lost.number in mailoutbox[-1].body
    assert Fulfillment.objects.get(order=fresh).workshop_notified_at is None
    assert workshop_notices_send_unsent() == 0

    # A sender claimed the other parcel and died before marking it.
    make_lost(fresh)
    parcel = Fulfillment.objects.get(order=fresh)
    Fulfillment.objects.filter(pk=parcel.pk).update(workshop_notified_at=timezone.now())
    assert workshop_notices_send_unsent() == 0  # its claim still holds
    Fulfillment.objects.filter(pk=parcel.pk).update(
        workshop_notified_at=timezone.now() - timedelta(seconds=CLAIM_SECONDS + 5)
    )
    assert workshop_notices_send_unsent() == 1
    assert len(notices_to(mailoutbox, "m@ws.example")) == 2
    assert workshop_notices_send_unsent() == 0


@pytest.mark.django_db
def test_a_workshop_without_managers_or_robot_is_marked_with_nothing_sent(
    client, django_capture_on_commit_callbacks, mailoutbox, wecom
):
    workshop, variant = workshop_with_managers()
    order = pay(client, django_capture_on_commit_callbacks, [variant])

    assert [m.to for m in mailoutbox] == [["buyer@example.com"]]  # confirmation
    assert wecom.requests == []
    [data] = notified_events(order)
    assert (data["emails"], data["wecom"]) == (0, "none")
    make_lost(order)
    assert workshop_notices_send_unsent() == 0


@pytest.mark.django_db
def test_a_robot_only_workshop_is_posted(
    client, django_capture_on_commit_callbacks, mailoutbox, wecom
):
    workshop, variant = workshop_with_managers(webhook=wecom.url)
    order = pay(client, django_capture_on_commit_callbacks, [variant])
    assert len(wecom.requests) == 1
    [data] = notified_events(order)
    assert (data["emails"], data["wecom"]) == (0, "ok")


@pytest.mark.django_db
def test_a_stored_url_that_is_not_allowed_is_never_posted(
    client, django_capture_on_commit_callbacks, settings, mailoutbox, wecom
):
    workshop, variant = workshop_with_managers("m@ws.example", webhook=wecom.url)
    settings.WECOM_ALLOW_ANY_HOST = False  # a production shop: WeCom's host only
    order = pay(client, django_capture_on_commit_callbacks, [variant])
    assert wecom.requests == []
    assert len(notices_to(mailoutbox, "m@ws.example")) == 1
    [data] = notified_events(order)
    assert data["wecom"] == "refused" and "https" in data["error"]


@pytest.mark.django_db
def test_no_notice_for_an_unpaid_or_shipped_parcel(client, mailoutbox):
    workshop, variant = workshop_with_managers("m@ws.example")
    order = paid_order(client, [variant])
    parcel = Fulfillment.objects.get(order=order)
    Fulfillment.objects.filter(pk=parcel.pk).update(status="shipped")
    assert workshop_notice_send(fulfillment_id=parcel.pk) is False
    Fulfillment.objects.filter(pk=parcel.pk).update(status="pending")
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.REFUNDED)
    assert workshop_notice_send(fulfillment_id=parcel.pk) is False
    assert notices_to(mailoutbox, "m@ws.example") == []


ALLOWED = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123"


@pytest.mark.parametrize(
    ("url", "allow_any", "message"),
    [
        ("not a url", False, "不是有效的网址"),
        ("qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a", False, "不是有效的网址"),
        ("ftp://qyapi.weixin.qq.com/x", False, "不是有效的网址"),
        (ALLOWED.replace("https", "http"), False, "must use https://"),
        ("https://evil.example/cgi-bin/webhook/send?key=a", False, "只接受企业微信"),
        ("https://10.0.0.5/cgi-bin/webhook/send?key=a", False, "only WeCom"),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send", False, "?key="),
        ("https://u:p@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a", False, "密码"),
        ("http://127.0.0.1:8080/hook", False, "https://"),
        ("http://192.168.1.2/hook", True, "https://"),
        ("https://qyapi.weixin.qq.com:99999/x", True, "不是有效的网址"),
    ],
)
def test_a_bad_webhook_url_is_refused(settings, url, allow_any, message):
    settings.WECOM_ALLOW_ANY_HOST = allow_any
    problem = wecom_webhook_url_problem(url)
    assert problem is not None and message in problem
    assert "(" in problem  # Chinese first, English alongside


@pytest.mark.parametrize(
    ("url", "allow_any"),
    [
        (ALLOWED, False),
        (ALLOWED, True),
        ("https://robot.example.org/hook", True),
        ("http://127.0.0.1:8080/hook", True),
        ("http://localhost/hook", True),
    ],
)
def test_good_webhook_urls_are_accepted(settings, url, allow_any):
    settings.WECOM_ALLOW_ANY_HOST = allow_any
    assert wecom_webhook_url_problem(url) is None


def workshop_change(client, workshop, url):
    data = model_to_dict(workshop, exclude=["id", "logo"])
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["brands"] = [brand.pk for brand in workshop.brands.all()]
    data["wecom_webhook_url"] = url
    return client.post(
        reverse("admin:brands_workshop_change", args=[workshop.pk]), data
    )


@pytest.mark.django_db
def test_the_workshop_admin_refuses_a_bad_webhook_url_and_saves_a_good_one(
    client, settings
):
    settings.WECOM_ALLOW_ANY_HOST = False
    workshop, _ = workshop_with_managers()
    client.force_login(make_user(staff=True))

    response = workshop_change(client, workshop, "http://qyapi.weixin.qq.com/x")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["wecom_webhook_url"]
    assert "https://" in errors[0] and "必须" in errors[0]
    response = workshop_change(client, workshop, "garbage")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["wecom_webhook_url"]
    workshop.refresh_from_db()
    assert workshop.wecom_webhook_url == ""

    response = workshop_change(client, workshop, ALLOWED)
    assert response.status_code == 302, response.context["adminform"].form.errors
    workshop.refresh_from_db()
    assert workshop.wecom_webhook_url == ALLOWED


@pytest.mark.django_db
def test_the_beat_job_and_the_in_process_runner_send_lost_notices(client, mailoutbox):
    from django.conf import settings as django_settings

    from config.celery import app
    from config.periodic import jobs_from_schedule, run_due

    workshop, variant = workshop_with_managers("m@ws.example")
    make_lost(paid_order(client, [variant]))  # its task never ran
    [job] = [
        job
        for job in jobs_from_schedule(app, django_settings.CELERY_BEAT_SCHEDULE)
        if job.name == "send-unsent-workshop-notices"
    ]
    assert job.task == "storefront.orders.tasks.send_unsent_workshop_notices"
    job.last_run_at = app.now() - timedelta(hours=1)
    run_due(app, [job])
    assert len(notices_to(mailoutbox, "m@ws.example")) == 1
