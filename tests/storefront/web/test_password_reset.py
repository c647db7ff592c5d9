"""Every account can set a new password through a one-time link mailed to
its address (Django's own reset views, in the shop's pages); the admin's
login links to it, the page never tells whether an address has an account,
and a completed reset unlocks a locked-out account."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db

OLD = "correct horse battery staple"
NEW = "村里的新密码-2026"
RESET = reverse("web:password-reset")
LINK = re.compile(r"http://shop\.example\.cn(/accounts/password/reset/key/[^\s]+/)")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://shop.example.cn"


@pytest.fixture
def post_reset(client, django_capture_on_commit_callbacks):
    """POSTs the reset form and runs what it left for after commit (the
    task that mails the link; eager without a broker)."""

    def post(data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(RESET, data, **extra)

    return post


def _request_link(post_reset, email) -> str:
    response = post_reset({"email": email})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:password-reset-done")
    assert len(mail.outbox) == 1
    match = LINK.search(mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match[1]


def _set_password(client, link, password=NEW):
    form_url = client.get(link)["Location"]  # Django moves the token out of the URL
    page = client.get(form_url)
    assert page.status_code == 200
    assert "设置新密码" in page.content.decode()
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def _login(client, username, password):
    return client.post(
        reverse("web:login"), {"username": username, "password": password}
    )


def test_reset_by_email_then_sign_in_with_the_new_password(client, post_reset):
    user = make_user("wangfang", email="wangfang@example.cn")

    link = _request_link(post_reset, "WangFang@Example.cn")
    message = mail.outbox[0]
    assert message.to == ["wangfang@example.cn"]
    assert "重置密码" in message.subject and "Reset your password" in message.subject
    assert "wangfang" in message.body
    assert "60 分钟内有效" in message.body and "for 60 minutes" in message.body

    response = _set_password(client, link)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:password-reset-complete")
    done = client.get(response["Location"]).content.decode()
    assert "密码已更新" in done

    assert _login(client, "wangfang", OLD).status_code == 200
    assert _login(client, "wangfang", NEW).status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_the_link_works_only_once(client, post_reset):
    make_user("lihua", email="lihua@example.cn")
    link = _request_link(post_reset, "lihua@example.cn")
    assert _set_password(client, link).status_code == 302

    again = client.get(link, follow=True)
    html = again.content.decode()
    assert "链接已失效" in html and "This link no longer works" in html
    assert "new_password1" not in html


def test_a_tampered_token_is_refused(client, post_reset):
    make_user("zhaolei", email="zhaolei@example.cn")
    link = _request_link(post_reset, "zhaolei@example.cn")
    broken = link[:-3] + ("a" if link[-3] != "a" else "b") + link[-2:]

    html = client.get(broken, follow=True).content.decode()

    assert "链接已失效" in html


def test_an_unknown_address_looks_the_same_and_sends_nothing(client, post_reset):
    make_user("chenjing", email="chenjing@example.cn")

    known = post_reset({"email": "chenjing@example.cn"}, follow=True)
    unknown = post_reset({"email": "nobody@example.cn"}, follow=True)

    assert len(mail.outbox) == 1
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content
    assert "如果这个邮箱属于本站的账户" in unknown.content.decode()


@pytest.mark.parametrize(
    "email", ["not-an-address", "", "wang\x00fang@example.cn"], ids=repr
)
def test_a_bad_address_is_a_field_error(client, email):
    response = client.post(RESET, {"email": email})

    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert mail.outbox == []


def test_mismatched_new_passwords_are_a_field_error(client, post_reset):
    make_user("sunli", email="sunli@example.cn")
    link = _request_link(post_reset, "sunli@example.cn")
    form_url = client.get(link)["Location"]

    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW + "x"})

    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert _login(client, "sunli", OLD).status_code == 302


def test_a_locked_out_account_can_reset_and_is_unlocked(client, post_reset):
    make_user("operator", email="operator@example.cn", staff=True)
    for _ in range(5):
        _login(client, "operator", "wrong-password")
    assert _login(client, "operator", OLD).status_code == 429

    link = _request_link(post_reset, "operator@example.cn")
    assert _set_password(client, link).status_code == 302

    assert not AccessAttempt.objects.filter(username="operator").exists()
    assert _login(client, "operator", NEW).status_code == 302


def test_the_login_pages_link_to_the_reset(client):
    site = client.get(reverse("web:login")).content.decode()
    assert f'href="{RESET}"' in site
    assert "忘记密码？" in site and "Forgot password?" in site

    admin = client.get("/admin/login/").content.decode()
    assert 'href="/admin/password_reset/"' in admin
    response = client.get("/admin/password_reset/")
    assert response.status_code == 302
    assert response["Location"] == RESET


def test_the_link_is_built_from_site_url_not_the_host_header(
    client, settings, post_reset
):
    settings.ALLOWED_HOSTS = ["*"]
    make_user("hacked", email="hacked@example.cn")

    post_reset({"email": "hacked@example.cn"}, HTTP_HOST="evil.example")

    assert "evil.example" not in mail.outbox[0].body
    assert LINK.search(mail.outbox[0].body)


def test_the_request_itself_sends_nothing(client, django_capture_on_commit_callbacks):
    """The link is mailed by a task after the answer, so a known address takes
    no longer to answer than an unknown one (no enumeration by timing)."""
    make_user("qianwei", email="qianwei@example.cn")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(RESET, {"email": "qianwei@example.cn"})
    assert response.status_code == 302
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["qianwei@example.cn"]]
