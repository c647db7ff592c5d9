"""The address book's services: the checkout's rules field by field, one
default per user (in the database too), the owner only, and the paste
parser (cpca for the places, our own code for name and mobile)."""

import pytest
from django.db import IntegrityError, transaction

from storefront.accounts import addresses as book
from storefront.accounts.address_paste import address_parse
from storefront.accounts.errors import AccountError, AccountErrorCode
from storefront.accounts.models import MAX_ADDRESSES, Address
from tests.factories import make_user

pytestmark = pytest.mark.django_db

GOOD = {
    "recipient_name": "王小明",
    "phone": "+86 138-0013-8000",
    "province": "浙江省",
    "city": "宁波市",
    "district": "象山县",
    "street_address": "黄避岙乡高泥村 1 号",
    "postal_code": "315700",
}


def test_first_address_becomes_the_default_and_phone_is_normalised():
    user = make_user()

    address = book.address_create(user=user, data=GOOD)

    assert address.is_default and address.phone == "13800138000"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("recipient_name", "", AccountErrorCode.ADDRESS_REQUIRED),
        ("phone", "12345", AccountErrorCode.INVALID_MOBILE),
        ("province", "火星省", AccountErrorCode.ADDRESS_INVALID),
        ("city", "  ", AccountErrorCode.ADDRESS_REQUIRED),
        ("district", "区" * 51, AccountErrorCode.ADDRESS_INVALID),
        ("street_address", "", AccountErrorCode.ADDRESS_REQUIRED),
        ("postal_code", "31570", AccountErrorCode.POSTAL_CODE_INVALID),
    ],
)
def test_bad_field_is_refused_naming_it(field, value, code):
    user = make_user()

    with pytest.raises(AccountError) as caught:
        book.address_create(user=user, data={**GOOD, field: value})

    assert caught.value.code == code and caught.value.field == field
    assert " / " in caught.value.message
    assert not Address.objects.exists()


def test_required_messages_name_their_field():
    with pytest.raises(AccountError) as caught:
        book.clean_address({**GOOD, "city": ""})

    assert "城市" in caught.value.message and "city" in caught.value.message


def test_a_second_default_moves_the_default():
    user = make_user()
    first = book.address_create(user=user, data=GOOD)

    second = book.address_create(user=user, data=GOOD, is_default=True)

    first.refresh_from_db()
    assert second.is_default and not first.is_default


def test_the_database_refuses_two_defaults_for_one_user():
    user = make_user()
    book.address_create(user=user, data=GOOD)
    cleaned = book.clean_address(GOOD)

    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(user=user, is_default=True, **cleaned)


def test_set_default_and_delete_of_the_default():
    user = make_user()
    first = book.address_create(user=user, data=GOOD)
    second = book.address_create(user=user, data=GOOD)

    book.address_set_default(user=user, address_id=second.pk)
    book.address_delete(user=user, address_id=second.pk)

    first.refresh_from_db()
    assert first.is_default


def test_another_users_address_is_not_found():
    owner, other = make_user(), make_user()
    address = book.address_create(user=owner, data=GOOD)

    for call in (
        lambda: book.address_update(user=other, address_id=address.pk, data=GOOD),
        lambda: book.address_delete(user=other, address_id=address.pk),
        lambda: book.address_set_default(user=other, address_id=address.pk),
    ):
        with pytest.raises(Address.DoesNotExist):
            call()
    assert Address.objects.filter(pk=address.pk, user=owner).exists()


def test_the_book_has_a_limit():
    user = make_user()
    for _ in range(MAX_ADDRESSES):
        book.address_create(user=user, data=GOOD)

    with pytest.raises(AccountError) as caught:
        book.address_create(user=user, data=GOOD)

    assert caught.value.code == AccountErrorCode.TOO_MANY_ADDRESSES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "王小明 13800138000 浙江省宁波市象山县黄避岙乡高泥村 1 号",
            (
                "王小明",
                "13800138000",
                "浙江省",
                "宁波市",
                "象山县",
                "黄避岙乡高泥村 1 号",
            ),
        ),
        (
            "浙江省宁波市象山县黄避岙乡高泥村1号，王小明，+86 138-0013-8000",
            (
                "王小明",
                "13800138000",
                "浙江省",
                "宁波市",
                "象山县",
                "黄避岙乡高泥村1号",
            ),
        ),
        (
            "收货人：李雷 手机号码：13912345678 所在地区：北京市朝阳区 "
            "详细地址：建国路 88 号",
            ("李雷", "13912345678", "北京市", "北京市", "朝阳区", "建国路 88 号"),
        ),
        (
            "杭州西湖区文三路 张三",
            ("张三", "", "浙江省", "杭州市", "西湖区", "文三路"),
        ),
    ],
)
def test_paste_fills_the_fields(text, expected):
    fields = address_parse(text)

    assert (
        tuple(
            fields[name]
            for name in (
                "recipient_name",
                "phone",
                "province",
                "city",
                "district",
                "street_address",
            )
        )
        == expected
    )


@pytest.mark.parametrize(
    "text",
    ["hello world 12345", "13800138000", "王小明", "", "   ", "\x00"],
)
def test_paste_that_is_not_an_address_is_refused(text):
    with pytest.raises(AccountError) as caught:
        address_parse(text)

    assert caught.value.code == AccountErrorCode.NOT_AN_ADDRESS
    assert caught.value.field == "text"


def test_paste_over_200_characters_is_refused_as_too_long():
    """Refused before cpca sees it, with its own message (not "no address")."""
    text = "王小明 13800138000 浙江省宁波市象山县黄避岙乡高泥村 1 号"
    assert address_parse(text.ljust(200, "号"))["province"] == "浙江省"

    with pytest.raises(AccountError) as caught:
        address_parse(text.ljust(201, "号"))

    assert caught.value.code == AccountErrorCode.PASTE_TOO_LONG
    assert caught.value.field == "text"
    assert "最多 200 字" in caught.value.message
    assert "200 characters at most" in caught.value.message
