"""The accounts services: sign-up answers alike for new and used addresses,
the verification token works once and expires, the backend signs in by email
or mobile, and deletion anonymises the account."""

from datetime import timedelta

import pytest
from django.contrib.auth import authenticate as django_authenticate
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import RequestFactory

from brands.models import Role
from storefront.accounts import services
from storefront.accounts.backends import axes_username, user_for_identifier
from storefront.accounts.errors import AccountError, AccountErrorCode
from storefront.accounts.models import Profile
from storefront.accounts.tokens import email_verification_token
from tests.factories import grant, make_brand, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "海边的村子-2026-good"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what a service scheduled on commit (the mail) when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def authenticate(**credentials):
    # axes' backend, first in the list, asks for the request.
    return django_authenticate(RequestFactory().post("/accounts/login/"), **credentials)


def signup(committed, email="xiaoming@example.cn", password=PASSWORD, mobile=""):
    with committed():
        return services.account_signup(email=email, password=password, mobile=mobile)


def test_signup_makes_an_unverified_account_and_mails_a_link(committed):
    user = signup(committed, email="XiaoMing@Example.cn", mobile="+86 138-0013-8000")

    assert user.username == "xiaoming@example.cn"
    assert user.email == "XiaoMing@example.cn"  # Django lowercases the domain
    assert user.check_password(PASSWORD)
    assert user.profile.mobile == "13800138000"
    assert not user.profile.email_verified
    [message] = mail.outbox
    assert message.to == ["XiaoMing@example.cn"]
    assert "验证" in message.subject and "Verify" in message.subject
    assert "/accounts/verify/" in message.body


def test_a_used_address_makes_nothing_and_tells_its_owner(committed):
    owner = make_user("wangfang", email="wangfang@example.cn")

    assert signup(committed, email="WangFang@example.cn") is None

    assert (
        get_user_model().objects.filter(email__iexact="wangfang@example.cn").count()
        == 1
    )
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "有人尝试用您的邮箱注册" in message.subject
    assert "Someone tried to sign up" in message.subject
    assert "/accounts/password/reset/key/" in message.body
    owner.refresh_from_db()
    assert owner.check_password("correct horse battery staple")


def test_an_address_used_as_a_username_counts_as_used(committed):
    make_user("lihua@example.cn", email="")
    assert signup(committed, email="lihua@example.cn") is None
    assert mail.outbox == []  # no address on file to tell


@pytest.mark.parametrize(
    "password, reason_zh, reason_en",
    [
        ("short1", "密码太短，至少需要 8 个字符", "too short"),
        ("password123", "太常见", "too common"),
    ],
)
def test_a_weak_password_is_refused_in_both_languages(
    committed, password, reason_zh, reason_en
):
    with pytest.raises(AccountError) as refused:
        signup(committed, password=password)

    assert refused.value.code == AccountErrorCode.WEAK_PASSWORD
    assert refused.value.field == "password"
    assert "密码太弱" in refused.value.message_zh
    assert reason_zh in refused.value.message_zh
    assert reason_en in refused.value.message_en
    assert not get_user_model().objects.exists()
    assert mail.outbox == []


def test_a_weak_password_is_refused_also_for_a_used_address(committed):
    make_user("wangfang", email="wangfang@example.cn")
    with pytest.raises(AccountError) as refused:
        signup(committed, email="wangfang@example.cn", password="short1")
    assert refused.value.code == AccountErrorCode.WEAK_PASSWORD
    assert mail.outbox == []


@pytest.mark.parametrize(
    "mobile", ["12800138000", "1380013800", "138001380001", "abc", "023-12345678"]
)
def test_a_bad_mobile_is_refused(committed, mobile):
    with pytest.raises(AccountError) as refused:
        signup(committed, mobile=mobile)
    assert refused.value.code == AccountErrorCode.INVALID_MOBILE
    assert refused.value.field == "mobile"
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    "email", ["not-an-address", "", "a\x00b@example.cn", "x" * 140 + "@example.cn"]
)
def test_a_bad_email_is_refused(committed, email):
    with pytest.raises(AccountError) as refused:
        signup(committed, email=email)
    assert refused.value.code == AccountErrorCode.INVALID_EMAIL


def test_the_verification_token_works_once(committed):
    user = signup(committed)
    token = email_verification_token.make_token(user)
    assert email_verification_token.check_token(user, token)

    assert services.account_email_confirm(user=user) == "xiaoming@example.cn"

    user = get_user_model().objects.get(pk=user.pk)
    assert user.profile.email_verified
    assert not email_verification_token.check_token(user, token)


def test_the_verification_token_expires(committed, settings):
    user = signup(committed)
    token = email_verification_token.make_token(user)
    generator = type(email_verification_token)()
    later = generator._now() + timedelta(
        seconds=settings.ACCOUNT_EMAIL_VERIFICATION_TIMEOUT + 1
    )
    generator._now = lambda: later

    assert not generator.check_token(user, token)


def test_a_reset_token_does_not_verify_and_the_other_way_round(committed):
    from django.contrib.auth.tokens import default_token_generator

    user = signup(committed)
    assert not email_verification_token.check_token(
        user, default_token_generator.make_token(user)
    )
    assert not default_token_generator.check_token(
        user, email_verification_token.make_token(user)
    )


def test_an_email_change_waits_for_the_new_address_link(committed):
    user = signup(committed)
    services.account_email_confirm(user=user)
    mail.outbox.clear()

    with committed():
        services.account_email_change_request(user=user, new_email="new@example.cn")

    user.refresh_from_db()
    assert user.email == "xiaoming@example.cn"
    assert user.profile.pending_email == "new@example.cn"
    assert mail.outbox[0].to == ["new@example.cn"]

    assert services.account_email_confirm(user=user) == "new@example.cn"
    user.refresh_from_db()
    assert user.email == user.username == "new@example.cn"
    assert Profile.objects.get(user=user).pending_email == ""


def test_an_email_change_to_a_used_address_sends_it_no_link(committed):
    user = signup(committed)
    owner = make_user("owner", email="taken@example.cn")
    mail.outbox.clear()

    with committed():
        services.account_email_change_request(user=user, new_email="Taken@example.cn")

    assert Profile.objects.get(user=user).pending_email == ""
    [notice] = mail.outbox
    assert notice.to == [owner.email] and "有人尝试" in notice.subject


def test_the_same_email_is_refused_as_a_change(committed):
    user = signup(committed)
    with pytest.raises(AccountError) as refused:
        services.account_email_change_request(
            user=user, new_email="XIAOMING@example.cn"
        )
    assert refused.value.code == AccountErrorCode.SAME_EMAIL


def test_sign_in_by_username_email_or_mobile(committed):
    user = signup(committed, mobile="13900139000")
    make_user("plain")

    for identifier in ("xiaoming@example.cn", "XiaoMing@Example.CN", "139 0013 9000"):
        assert authenticate(username=identifier, password=PASSWORD) == user
    assert authenticate(username="plain", password="correct horse battery staple")
    assert authenticate(username="xiaoming@example.cn", password="wrong") is None
    assert authenticate(username="13900139000", password="wrong") is None


def test_a_mobile_shared_by_two_accounts_signs_in_neither(committed):
    signup(committed, email="a@example.cn", mobile="13900139000")
    signup(committed, email="b@example.cn", mobile="13900139000")

    assert user_for_identifier("13900139000") is None
    assert authenticate(username="13900139000", password=PASSWORD) is None
    assert authenticate(username="a@example.cn", password=PASSWORD)


def test_axes_counts_every_identifier_against_the_account(committed):
    user = signup(committed, mobile="13900139000")
    for typed in ("xiaoming@example.cn", "13900139000", user.username):
        assert axes_username(None, {"username": typed}) == user.username
    assert axes_username(None, {"username": "nobody@example.cn"}) == "nobody@example.cn"


def test_deletion_anonymises_the_account(committed):
    user = signup(committed, mobile="13900139000")
    services.account_profile_update(user=user, name="王小明", mobile="13900139000")

    old = services.account_delete(user=user, password=PASSWORD)

    assert old == "xiaoming@example.cn"
    user.refresh_from_db()
    assert user.username == f"deleted-{user.pk}"
    assert user.email == user.first_name == user.last_name == ""
    assert not user.has_usable_password() and not user.is_active
    assert not Profile.objects.filter(user=user).exists()
    assert authenticate(username="xiaoming@example.cn", password=PASSWORD) is None
    assert authenticate(username="13900139000", password=PASSWORD) is None


def test_deletion_needs_the_password(committed):
    user = signup(committed)
    with pytest.raises(AccountError) as refused:
        services.account_delete(user=user, password="wrong")
    assert refused.value.code == AccountErrorCode.WRONG_PASSWORD
    user.refresh_from_db()
    assert user.is_active and user.email


@pytest.mark.parametrize("kind", ["staff", "host"])
def test_staff_and_role_holders_cannot_delete_here(kind):
    user = make_user(staff=kind == "staff")
    if kind == "host":
        grant(user, Role.LIVESTREAM_HOST, make_brand())
    with pytest.raises(AccountError) as refused:
        services.account_delete(user=user, password="correct horse battery staple")
    assert refused.value.code == AccountErrorCode.STAFF_ACCOUNT
    user.refresh_from_db()
    assert user.is_active


def test_profile_update_refuses_a_bad_mobile(committed):
    user = signup(committed)
    with pytest.raises(AccountError) as refused:
        services.account_profile_update(user=user, name="王", mobile="110")
    assert refused.value.code == AccountErrorCode.INVALID_MOBILE
