"""The shopper's account pages: sign up (the same answer for a used address),
the one-time verification link that attaches guest orders, sign-in by email
or mobile under axes' lockout, the profile, email and password changes, and
the deletion request that keeps orders and the ledger."""

import io
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from revenue.models import JournalEntry
from revenue.order_split import orders_split
from storefront.accounts.models import Profile
from storefront.accounts.tokens import email_verification_token
from storefront.orders.models import Order
from tests.factories import make_brand, make_user, make_workshop
from tests.revenue.ledger_builders import build_paid_order

pytestmark = pytest.mark.django_db

PASSWORD = "海边的村子-2026-good"
SIGNUP = reverse("web:signup")
LOGIN = reverse("web:login")
HOME = reverse("account:home")
VERIFY = re.compile(r"http://shop\.example\.cn(/accounts/verify/[^\s]+/)")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://shop.example.cn"


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST and run what the view scheduled on commit (the mail)."""

    def _post(url, data=None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {}, **extra)

    return _post


def _signup(post, email="xiaoming@example.cn", password=PASSWORD, mobile=""):
    return post(SIGNUP, {"email": email, "password": password, "mobile": mobile})


def _link(message) -> str:
    match = VERIFY.search(message.body)
    assert match, message.body
    return match[1]


def _login(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def _guest_order(email):
    brand = make_brand()
    order = build_paid_order([(make_workshop(brands=[brand]), brand, 1280, 1)])
    Order.objects.filter(pk=order.pk).update(email=email)
    return order


def _expired_token(generator, user, timeout) -> str:
    made = generator._num_seconds(generator._now()) - timeout - 1
    return generator._make_token_with_timestamp(user, made, settings.SECRET_KEY)


def _uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def test_the_signup_page_is_bilingual_with_csrf(client):
    html = client.get(SIGNUP).content.decode()

    assert "<h1>注册 <span" in html and "Sign up" in html
    assert 'name="csrfmiddlewaretoken"' in html
    for name in ("email", "password", "mobile"):
        assert f'name="{name}"' in html
    assert 'autocomplete="new-password"' in html


@pytest.mark.parametrize("url", [SIGNUP, HOME, reverse("account:delete")])
def test_posts_without_the_csrf_token_are_refused(url):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    response = client.post(url, {"email": "a@example.cn", "password": PASSWORD})
    assert response.status_code == 403


def test_the_header_speaks_english_in_english_mode(client):
    client.get(reverse("web:language", args=["en"]))
    html = client.get(reverse("web:home")).content.decode()
    assert f'href="{SIGNUP}">Sign up</a>' in html

    client.force_login(make_user())
    html = client.get(reverse("web:home")).content.decode()
    assert f'href="{HOME}">My account</a>' in html


def test_the_header_links_to_signup_then_to_the_account(client):
    html = client.get(reverse("web:home")).content.decode()
    assert f'href="{SIGNUP}"' in html and "注册" in html
    assert f'href="{HOME}"' not in html

    client.force_login(make_user())
    html = client.get(reverse("web:home")).content.decode()
    assert f'href="{HOME}"' in html and "我的账户" in html


def test_signup_sends_a_link_that_verifies_once(client, post):
    response = _signup(post)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:signup-done")
    user = get_user_model().objects.get(email="xiaoming@example.cn")
    link = _link(mail.outbox[0])

    page = client.get(link)
    assert page.status_code == 200
    assert "确认验证" in page.content.decode()
    assert not Profile.objects.get(user=user).email_verified  # a GET changes nothing

    done = post(link)
    assert "邮箱已验证" in done.content.decode()
    assert Profile.objects.get(user=user).email_verified

    for again in (client.get(link), post(link)):
        html = again.content.decode()
        assert "链接已失效" in html and "This link no longer works" in html


def test_a_used_address_gets_the_same_answer(client, post):
    owner = make_user("wangfang", email="wangfang@example.cn")

    new = _signup(post, email="new@example.cn")
    used = _signup(post, email="WangFang@example.cn")

    assert new.status_code == used.status_code == 302
    assert new["Location"] == used["Location"]
    page = client.get(used["Location"]).content.decode()
    assert (
        "我们已向该地址发送了一封邮件" in page
        and "We sent a link to that address" in page
    )
    assert [m.to for m in mail.outbox] == [["new@example.cn"], [owner.email]]
    assert "Someone tried to sign up" in mail.outbox[1].subject
    assert (
        get_user_model().objects.filter(email__iexact="wangfang@example.cn").count()
        == 1
    )


@pytest.mark.parametrize(
    "data, field, text",
    [
        ({"password": "short1"}, "password", "密码太短"),
        ({"password": "password123"}, "password", "too common"),
        ({"mobile": "12345678901"}, "mobile", "11 位中国大陆手机号"),
        ({"email": "not-an-address"}, "email", "请填写有效的电子邮箱"),
        ({"email": ""}, "email", "This field is required"),
        ({"password": ""}, "password", "请填写此项"),
    ],
    ids=["short", "common", "mobile", "email", "no-email", "no-password"],
)
def test_bad_signup_input_is_a_field_error(post, data, field, text):
    response = post(
        SIGNUP,
        {"email": "xiaoming@example.cn", "password": PASSWORD, "mobile": "", **data},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="field-error"' in html and text in html
    assert response.context["form"].errors[field]
    assert not get_user_model().objects.exists()
    assert mail.outbox == []


def test_a_weak_password_message_is_bilingual(post):
    html = _signup(post, password="short1").content.decode()
    assert "密码太弱" in html and "The password is too weak" in html
    assert "too short" in html


def test_an_unverified_account_signs_in_but_gets_no_guest_orders(client, post):
    order = _guest_order("xiaoming@example.cn")
    _signup(post)
    link = _link(mail.outbox[0])

    assert _login(client, "xiaoming@example.cn").status_code == 302
    order.refresh_from_db()
    assert order.user is None

    done = post(link)
    order.refresh_from_db()
    user = get_user_model().objects.get(email="xiaoming@example.cn")
    assert order.user == user
    assert "1 个订单已加入您的账户" in done.content.decode()


def test_orders_of_another_account_are_not_taken(post):
    other = make_user()
    brand = make_brand()
    theirs = build_paid_order(
        [(make_workshop(brands=[brand]), brand, 500, 1)], user=other
    )
    Order.objects.filter(pk=theirs.pk).update(email="xiaoming@example.cn")
    _signup(post)
    post(_link(mail.outbox[0]))

    theirs.refresh_from_db()
    assert theirs.user == other


def test_guest_orders_placed_later_are_attached_at_sign_in(client, post):
    _signup(post)
    post(_link(mail.outbox[0]))
    later = _guest_order("XiaoMing@Example.cn")

    assert _login(client, "xiaoming@example.cn").status_code == 302

    later.refresh_from_db()
    assert later.user.email == "xiaoming@example.cn"


def test_an_expired_verification_link_is_refused(client, post, settings):
    order = _guest_order("xiaoming@example.cn")
    _signup(post)
    user = get_user_model().objects.get(email="xiaoming@example.cn")
    token = _expired_token(
        email_verification_token, user, settings.ACCOUNT_EMAIL_VERIFICATION_TIMEOUT
    )
    link = reverse("web:email-verify", args=[_uid(user), token])

    html = post(link).content.decode()

    assert "链接已失效" in html
    assert not Profile.objects.get(user=user).email_verified
    order.refresh_from_db()
    assert order.user is None


@pytest.mark.parametrize("uid", ["AAAA", "!!", "MTIzNDU2Nzg5"])
def test_a_broken_verification_link_is_refused(client, uid):
    html = client.get(reverse("web:email-verify", args=[uid, "abc-123"])).content
    assert "链接已失效" in html.decode()


def test_the_verification_link_can_be_sent_again(client, post):
    _signup(post)
    first = _link(mail.outbox[0])
    assert _login(client, "xiaoming@example.cn").status_code == 302

    response = post(reverse("account:verify-resend"))

    assert response["Location"] == HOME + "?sent=1"
    second = _link(mail.outbox[1])
    assert "邮箱已验证" in post(second).content.decode()
    assert "链接已失效" in post(first).content.decode()


def test_the_profile_page_needs_sign_in(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_profile_shows_and_saves_name_and_mobile(client, post):
    _signup(post, mobile="13800138000")
    _login(client, "xiaoming@example.cn")

    html = client.get(HOME).content.decode()
    assert "我的账户" in html and "My account" in html
    assert "xiaoming@example.cn" in html and "未验证" in html
    assert 'value="13800138000"' in html

    response = post(HOME, {"name": "王小明", "mobile": "139 0013 9000"})
    assert response["Location"] == HOME + "?saved=1"
    profile = Profile.objects.get(user__email="xiaoming@example.cn")
    assert profile.mobile == "13900139000"
    assert profile.user.first_name == "王小明"

    bad = post(HOME, {"name": "王小明", "mobile": "139"})
    assert bad.status_code == 200
    assert "11 位中国大陆手机号" in bad.content.decode()


def test_email_change_answers_alike_and_verifies_the_new_address(client, post):
    _signup(post)
    post(_link(mail.outbox[0]))
    make_user("owner", email="taken@example.cn")
    _login(client, "xiaoming@example.cn")
    mail.outbox.clear()
    order = _guest_order("new@example.cn")

    taken = post(reverse("account:email"), {"email": "taken@example.cn"})
    free = post(reverse("account:email"), {"email": "new@example.cn"})

    assert taken["Location"] == free["Location"] == HOME + "?sent=1"
    assert [m.to for m in mail.outbox] == [["taken@example.cn"], ["new@example.cn"]]
    user = get_user_model().objects.get(username="xiaoming@example.cn")
    assert user.email == "xiaoming@example.cn"  # until the new address is proven

    post(_link(mail.outbox[1]))
    user.refresh_from_db()
    order.refresh_from_db()
    assert user.email == "new@example.cn"
    assert order.user == user
    assert _login(client, "new@example.cn").status_code == 302


def test_email_change_to_the_same_address_is_a_field_error(client, post):
    _signup(post)
    _login(client, "xiaoming@example.cn")
    response = post(reverse("account:email"), {"email": "XiaoMing@example.cn"})
    assert response.status_code == 200
    assert "这已是账户的电子邮箱" in response.content.decode()


def test_sign_in_by_email_or_mobile(client, post):
    _signup(post, mobile="13800138000")
    user = get_user_model().objects.get(email="xiaoming@example.cn")
    assert "邮箱、手机号或用户名" in client.get(LOGIN).content.decode()

    for identifier in ("XiaoMing@example.cn", "13800138000"):
        assert _login(client, identifier).status_code == 302
        assert int(client.session["_auth_user_id"]) == user.pk
        client.logout()
    assert _login(client, "13800138000", "wrong").status_code == 200


def test_axes_locks_out_however_the_account_is_named(client, post):
    _signup(post, mobile="13800138000")
    for identifier in ("xiaoming@example.cn", "13800138000", "XIAOMING@example.cn"):
        _login(client, identifier, "wrong-password")
    _login(client, "xiaoming@example.cn", "wrong-password")
    _login(client, "13800138000", "wrong-password")

    locked = _login(client, "13800138000")

    assert locked.status_code == 429
    assert "登录已暂时锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get().username == "xiaoming@example.cn"


def test_password_change_with_django_s_view(client, post):
    _signup(post)
    _login(client, "xiaoming@example.cn")
    url = reverse("account:password")
    assert "修改密码" in client.get(url).content.decode()

    weak = post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    html = weak.content.decode()
    assert weak.status_code == 200
    assert "密码太弱" in html and "too common" in html

    wrong = post(
        url,
        {
            "old_password": "nope",
            "new_password1": "新密码-村里-2027",
            "new_password2": "新密码-村里-2027",
        },
    )
    assert wrong.status_code == 200 and 'class="field-error"' in wrong.content.decode()

    done = post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "新密码-村里-2027",
            "new_password2": "新密码-村里-2027",
        },
    )
    assert done["Location"] == reverse("account:password-done")
    client.logout()
    assert _login(client, "xiaoming@example.cn").status_code == 200
    assert _login(client, "xiaoming@example.cn", "新密码-村里-2027").status_code == 302


def test_an_expired_password_reset_link_is_refused(client, settings):
    user = make_user("lihua", email="lihua@example.cn")
    token = _expired_token(
        default_token_generator, user, settings.PASSWORD_RESET_TIMEOUT
    )
    link = reverse("web:password-reset-confirm", args=[_uid(user), token])

    html = client.get(link, follow=True).content.decode()

    assert "链接已失效" in html and "new_password1" not in html


def test_deletion_needs_the_password(client, post):
    _signup(post)
    _login(client, "xiaoming@example.cn")
    page = client.get(reverse("account:delete")).content.decode()
    assert "注销账户" in page and "Delete my account" in page

    response = post(reverse("account:delete"), {"password": "wrong"})

    assert response.status_code == 200
    assert "密码不正确" in response.content.decode()
    assert get_user_model().objects.get(email="xiaoming@example.cn").is_active


def test_a_staff_account_cannot_delete_itself_here(client, post):
    client.force_login(make_user("operator", staff=True))
    response = post(
        reverse("account:delete"), {"password": "correct horse battery staple"}
    )
    assert response.status_code == 200
    assert "请联系平台" in response.content.decode()


def test_deletion_keeps_orders_and_the_ledger(client, post):
    _signup(post, mobile="13800138000")
    post(_link(mail.outbox[0]))
    user = get_user_model().objects.get(email="xiaoming@example.cn")
    brand = make_brand()
    order = build_paid_order(
        [(make_workshop(brands=[brand]), brand, 2680, 2)], user=user
    )
    orders_split(order_ids=[order.pk])
    entries = JournalEntry.objects.filter(order=order).count()
    assert entries
    _login(client, "xiaoming@example.cn", "wrong-password")
    assert _login(client, "xiaoming@example.cn").status_code == 302

    response = post(reverse("account:delete"), {"password": PASSWORD})

    assert response["Location"] == reverse("web:account-deleted")
    assert "_auth_user_id" not in client.session
    assert "账户已注销" in client.get(response["Location"]).content.decode()
    user.refresh_from_db()
    assert user.username == f"deleted-{user.pk}" and user.email == ""
    assert not user.is_active and not user.has_usable_password()
    assert not Profile.objects.filter(user=user).exists()
    assert not AccessAttempt.objects.filter(username="xiaoming@example.cn").exists()
    order.refresh_from_db()
    assert order.user == user and order.paid_fen == 2680 * 2
    assert order.email  # the order keeps its own copy of the contact fields
    assert JournalEntry.objects.filter(order=order).count() == entries
    call_command("ledger_check", stdout=io.StringIO())
    for identifier in ("xiaoming@example.cn", "13800138000", f"deleted-{user.pk}"):
        assert _login(client, identifier).status_code == 200
    assert client.get(HOME).status_code == 302
