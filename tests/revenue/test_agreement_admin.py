"""The operator admin for share agreements.

Rates are typed as percentages and saved as basis points; every rule of
`revenue.agreements` shows as a form error in Chinese and English and writes
nothing; an agreement in force is never changed or deleted."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from brands.models import Role
from revenue.admin_forms import ShareAgreementForm
from revenue.agreements import agreement_create
from revenue.models import ShareAgreement
from storefront.catalog.models import Category
from tests.factories import grant, make_brand, make_user, make_village, make_workshop

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
ADD_URL = reverse("admin:revenue_shareagreement_add")
LIST_URL = reverse("admin:revenue_shareagreement_changelist")

SUM_NOT_100 = "各方比例之和必须正好是 100%"
OUT_OF_RANGE = "比例须在 0% 到 100% 之间"
OUT_OF_RANGE_EN = "Each share must be between 0 % and 100 %"
OVERLAP = "同一范围在该生效日期已有协议"
BACKDATED = "生效日期最早为明天"
NOT_SOLD = "does not sell"
SCOPE = "协议范围不正确 / The agreement's scope is not valid"
BAD_PERCENT = "请填写百分比数字，最多两位小数"


def _change_url(agreement):
    return reverse("admin:revenue_shareagreement_change", args=[agreement.pk])


def _delete_url(agreement):
    return reverse("admin:revenue_shareagreement_delete", args=[agreement.pk])


@pytest.fixture
def operator(db):
    # A plain staff user: no superuser flag, no Django model permissions.
    return make_user(staff=True)


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def brand(db):
    return make_brand(name="斑斓海岸")


@pytest.fixture
def workshop(brand):
    return make_workshop(brands=[brand], name="黄避岙活黄鱼共富工坊")


def _form(brand=None, *, day=None, rates=("70", "10", "10", "5", "5"), **extra):
    day = day or TODAY() + datetime.timedelta(days=1)
    workshop, village, brand_share, host, platform = rates
    return {
        "brand": brand.pk if brand else "",
        "workshop": "",
        "category": "",
        "effective_from": day.isoformat(),
        "workshop_bp": workshop,
        "village_bp": village,
        "brand_bp": brand_share,
        "host_bp": host,
        "platform_bp": platform,
        "unattributed_host_share_to": "village",
        "fee_bearer": "platform",
        "note": "",
        **extra,
    }


def _create(brand=None, day=None, user=None, **fields):
    rates = {
        "workshop_bp": 7000,
        "village_bp": 1000,
        "brand_bp": 1000,
        "host_bp": 500,
        "platform_bp": 500,
    }
    rates.update(fields)
    return agreement_create(
        user=user or make_user(staff=True),
        brand=brand,
        effective_from=day or TODAY(),
        allow_past=True,
        **rates,
    )


def _errors(response) -> dict:
    assert response.status_code == 200, response
    form = response.context["adminform"].form
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


# Adding -----------------------------------------------------------------------


def test_operator_adds_a_brand_agreement_in_percent_saved_as_basis_points(
    operator_client, operator, brand
):
    day = TODAY() + datetime.timedelta(days=7)
    data = _form(brand, day=day, rates=("68.5", "10", "12.50", "4.99", "4.01"))
    data.update(fee_bearer="brand", unattributed_host_share_to="workshop", note="新版")

    response = operator_client.post(ADD_URL, data)

    assert response.status_code == 302, _errors(response)
    agreement = ShareAgreement.objects.get(brand=brand)
    assert agreement.rates == {
        "workshop_bp": 6850,
        "village_bp": 1000,
        "brand_bp": 1250,
        "host_bp": 499,
        "platform_bp": 401,
    }
    assert agreement.effective_from == day
    assert (agreement.fee_bearer, agreement.unattributed_host_share_to) == (
        "brand",
        "workshop",
    )
    assert agreement.note == "新版"
    assert agreement.created_by == operator
    assert LogEntry.objects.filter(object_id=str(agreement.pk)).count() == 1


def test_a_percent_sign_and_whole_numbers_are_fine(operator_client, brand):
    data = _form(brand, rates=("33.33%", "33.33", "33.34", "0", "0.00"))
    assert operator_client.post(ADD_URL, data).status_code == 302
    rates = ShareAgreement.objects.get(brand=brand).rates
    assert list(rates.values()) == [3333, 3333, 3334, 0, 0]


def test_a_workshop_and_category_override_and_a_platform_default(
    operator_client, brand, workshop
):
    category = Category.objects.create(name="活鲜", name_en="Live", slug="live-x")
    day = TODAY() + datetime.timedelta(days=3)

    override = _form(brand, day=day, workshop=workshop.pk, category=category.pk)
    assert operator_client.post(ADD_URL, override).status_code == 302
    default = _form(None, day=day, rates=("69", "11", "10", "5", "5"))
    assert operator_client.post(ADD_URL, default).status_code == 302

    assert ShareAgreement.objects.filter(
        brand=brand, workshop=workshop, category=category, effective_from=day
    ).exists()
    assert ShareAgreement.objects.get(brand=None, effective_from=day).workshop_bp == (
        6900
    )


def test_the_add_page_labels_rates_as_percentages(operator_client):
    response = operator_client.get(ADD_URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert "工坊 workshop（%）" in text
    assert "百分比，最多两位小数" in text
    assert "a percentage with at most two decimals" in text


BAD_RATES = [
    pytest.param(("70", "10", "10", "5", "4"), None, SUM_NOT_100, id="sum-99"),
    pytest.param(("70", "10", "10", "5", "6"), None, "they add up to 101%", id="101"),
    pytest.param(("0", "0", "0", "0", "0"), None, SUM_NOT_100, id="all-zero"),
    pytest.param(("75", "-5", "20", "5", "5"), "village_bp", OUT_OF_RANGE, id="neg"),
    pytest.param(("100.01", "0", "0", "0", "0"), "workshop_bp", OUT_OF_RANGE, id="gt"),
    pytest.param(("150", "-50", "0", "0", "0"), "workshop_bp", OUT_OF_RANGE_EN, id="2"),
    pytest.param(
        ("70.005", "10", "10", "5", "5"), "workshop_bp", BAD_PERCENT, id="3dp"
    ),
    pytest.param(("70", "ten", "10", "5", "5"), "village_bp", BAD_PERCENT, id="text"),
    pytest.param(("70", "10", "1e1", "5", "5"), "brand_bp", BAD_PERCENT, id="exp"),
    pytest.param(("70", "10", "10", "", "5"), "host_bp", "0 is fine", id="blank"),
]


@pytest.mark.parametrize(("rates", "field", "message"), BAD_RATES)
def test_bad_rates_are_refused_with_their_error(
    operator_client, brand, rates, field, message
):
    before = ShareAgreement.objects.count()

    errors = _errors(operator_client.post(ADD_URL, _form(brand, rates=rates)))

    shown = errors.get(field or "__all__", [])
    assert any(message in error for error in shown), errors
    assert ShareAgreement.objects.count() == before


def test_a_sum_error_says_what_the_rates_add_up_to(operator_client, brand):
    errors = _errors(
        operator_client.post(ADD_URL, _form(brand, rates=("60", "10", "10", "5", "5")))
    )
    assert errors["__all__"] == [
        "各方比例之和必须正好是 100%：现在合计 90% / "
        "The shares must add up to exactly 100 %: they add up to 90%"
    ]


def test_a_second_agreement_for_the_same_scope_and_day_is_refused(
    operator_client, brand
):
    day = TODAY() + datetime.timedelta(days=10)
    _create(brand, day=day)

    errors = _errors(
        operator_client.post(
            ADD_URL, _form(brand, day=day, rates=("60",) + ("10",) * 4)
        )
    )

    assert any(OVERLAP in e for e in errors["effective_from"]), errors
    assert ShareAgreement.objects.filter(brand=brand).count() == 1
    assert ShareAgreement.objects.get(brand=brand).workshop_bp == 7000


def test_the_same_day_for_another_scope_is_fine(operator_client, brand, workshop):
    day = TODAY() + datetime.timedelta(days=10)
    _create(brand, day=day)
    data = _form(brand, day=day, workshop=workshop.pk)
    assert operator_client.post(ADD_URL, data).status_code == 302
    assert ShareAgreement.objects.filter(brand=brand).count() == 2


@pytest.mark.parametrize("days_ago", [1, 400])
def test_a_backdated_start_is_refused(operator_client, brand, days_ago):
    day = TODAY() - datetime.timedelta(days=days_ago)
    errors = _errors(operator_client.post(ADD_URL, _form(brand, day=day)))
    assert any(BACKDATED in e for e in errors["effective_from"]), errors
    assert any("tomorrow or later" in e for e in errors["effective_from"])
    assert not ShareAgreement.objects.filter(brand=brand).exists()


def test_an_agreement_may_not_start_today_but_tomorrow(operator_client, brand):
    errors = _errors(operator_client.post(ADD_URL, _form(brand, day=TODAY())))
    assert any(BACKDATED in e for e in errors["effective_from"]), errors
    tomorrow = TODAY() + datetime.timedelta(days=1)
    response = operator_client.post(ADD_URL, _form(brand, day=tomorrow))
    assert response.status_code == 302
    assert ShareAgreement.objects.get(brand=brand).effective_from == tomorrow


def test_a_workshop_that_does_not_sell_the_brand_is_refused(operator_client, brand):
    elsewhere = make_workshop(brands=[make_brand()], name="别家工坊")
    errors = _errors(operator_client.post(ADD_URL, _form(brand, workshop=elsewhere.pk)))
    assert any(NOT_SOLD in e and "不销售" in e for e in errors["workshop"]), errors
    assert not ShareAgreement.objects.filter(brand=brand).exists()


def test_an_override_without_a_brand_is_refused(operator_client, workshop):
    category = Category.objects.create(name="干货", name_en="Dried", slug="dried-x")
    before = ShareAgreement.objects.count()
    for extra in ({"workshop": workshop.pk}, {"category": category.pk}):
        errors = _errors(operator_client.post(ADD_URL, _form(None, **extra)))
        assert errors["brand"] == [SCOPE], errors
    assert ShareAgreement.objects.count() == before


def test_several_field_errors_are_shown_together_without_writing(
    operator_client, brand
):
    day = TODAY() - datetime.timedelta(days=1)
    data = _form(brand, day=day, rates=("70", "x", "10", "5", "5"), fee_bearer="host")
    errors = _errors(operator_client.post(ADD_URL, data))
    assert {"village_bp", "fee_bearer"} <= set(errors)
    assert not ShareAgreement.objects.filter(brand=brand).exists()


# Changing and deleting --------------------------------------------------------


def test_a_future_agreement_can_be_changed_and_is_checked_again(operator_client, brand):
    day = TODAY() + datetime.timedelta(days=5)
    agreement = _create(brand, day=day)
    later = day + datetime.timedelta(days=2)

    page = operator_client.get(_change_url(agreement))
    assert page.status_code == 200
    assert 'value="70.00"' in page.content.decode()

    bad = _form(brand, day=later, rates=("70", "10", "10", "5", "10"))
    assert (
        SUM_NOT_100
        in _errors(operator_client.post(_change_url(agreement), bad))["__all__"][0]
    )
    backdated = _form(brand, day=TODAY() - datetime.timedelta(days=1))
    errors = _errors(operator_client.post(_change_url(agreement), backdated))
    assert any(BACKDATED in e for e in errors["effective_from"])
    agreement.refresh_from_db()
    assert (agreement.effective_from, agreement.platform_bp) == (day, 500)

    good = _form(brand, day=later, rates=("65", "10", "10", "10", "5"))
    response = operator_client.post(_change_url(agreement), good)

    assert response.status_code == 302, _errors(response)
    version = ShareAgreement.objects.get(brand=brand)
    assert (version.effective_from, version.workshop_bp, version.host_bp) == (
        later,
        6500,
        1000,
    )


def test_changing_a_future_agreement_onto_anothers_day_is_refused(
    operator_client, brand
):
    first = _create(brand, day=TODAY() + datetime.timedelta(days=5))
    second = _create(
        brand, day=TODAY() + datetime.timedelta(days=9), host_bp=600, platform_bp=400
    )
    data = _form(brand, day=first.effective_from)
    errors = _errors(operator_client.post(_change_url(second), data))
    assert any(OVERLAP in e for e in errors["effective_from"]), errors
    assert set(ShareAgreement.objects.filter(brand=brand)) == {first, second}
    second.refresh_from_db()
    assert second.host_bp == 600


def test_a_future_agreement_can_be_deleted(operator_client, brand):
    agreement = _create(brand, day=TODAY() + datetime.timedelta(days=5))
    assert operator_client.get(_delete_url(agreement)).status_code == 200
    response = operator_client.post(_delete_url(agreement), {"post": "yes"})
    assert response.status_code == 302
    assert not ShareAgreement.objects.filter(pk=agreement.pk).exists()


@pytest.mark.parametrize("days_ago", [0, 30])
def test_an_agreement_in_force_cannot_be_changed_or_deleted(
    operator_client, brand, days_ago
):
    agreement = _create(brand, day=TODAY() - datetime.timedelta(days=days_ago))
    before = ShareAgreement.objects.filter(pk=agreement.pk).values().get()

    page = operator_client.get(_change_url(agreement))
    assert page.status_code == 200  # shown read-only
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False
    text = page.content.decode()
    assert 'name="workshop_bp"' not in text
    assert "70.00%" in text and "生效中 in force" in text

    data = _form(brand, day=TODAY() + datetime.timedelta(days=1))
    assert operator_client.post(_change_url(agreement), data).status_code == 403
    assert operator_client.get(_delete_url(agreement)).status_code == 403
    assert operator_client.post(
        _delete_url(agreement), {"post": "yes"}
    ).status_code == (403)
    assert ShareAgreement.objects.filter(pk=agreement.pk).values().get() == before


def test_a_superseded_agreement_is_read_only_too(operator_client, brand):
    old = _create(brand, day=TODAY() - datetime.timedelta(days=60))
    _create(
        brand, day=TODAY() - datetime.timedelta(days=10), host_bp=600, platform_bp=400
    )
    assert operator_client.post(_change_url(old), _form(brand)).status_code == 403
    assert operator_client.post(_delete_url(old), {"post": "yes"}).status_code == 403
    assert ShareAgreement.objects.filter(pk=old.pk).exists()


def test_there_is_no_bulk_delete(operator_client, brand):
    agreement = _create(brand, day=TODAY() - datetime.timedelta(days=1))
    response = operator_client.get(LIST_URL)
    assert "delete_selected" not in response.content.decode()
    response = operator_client.post(
        LIST_URL, {"action": "delete_selected", "_selected_action": [agreement.pk]}
    )
    assert ShareAgreement.objects.filter(pk=agreement.pk).exists()


# The list ---------------------------------------------------------------------


def test_list_shows_scope_percentages_fee_bearer_and_status(operator_client, brand):
    old = _create(brand, day=TODAY() - datetime.timedelta(days=60))
    current = _create(
        brand, day=TODAY() - datetime.timedelta(days=10), host_bp=650, platform_bp=350
    )
    future = _create(
        brand, day=TODAY() + datetime.timedelta(days=10), brand_bp=1200, platform_bp=300
    )
    other = make_brand(name="小岛下酒菜")
    _create(other, day=TODAY())

    response = operator_client.get(LIST_URL, {"brand__id__exact": brand.pk})

    assert response.status_code == 200
    rows = {row.pk: row for row in response.context["cl"].result_list}
    assert set(rows) == {old.pk, current.pk, future.pk}
    model_admin = admin.site._registry[ShareAgreement]
    assert model_admin.status(rows[old.pk]) == "已被取代 superseded"
    assert model_admin.status(rows[current.pk]) == "生效中 in force"
    assert model_admin.status(rows[future.pk]) == "未生效 future"
    assert model_admin.scope(rows[current.pk]) == "品牌 斑斓海岸"
    text = response.content.decode()
    for shown in ("70.00%", "6.50%", "3.50%", "12.00%", "平台 platform"):
        assert shown in text


@pytest.mark.parametrize(
    ("status", "expected"),
    [("in_force", {"current"}), ("future", {"future"}), ("past", {"old"})],
)
def test_status_filter(operator_client, brand, status, expected):
    made = {
        "old": _create(brand, day=TODAY() - datetime.timedelta(days=60)),
        "current": _create(brand, day=TODAY() - datetime.timedelta(days=1)),
        "future": _create(brand, day=TODAY() + datetime.timedelta(days=1)),
    }
    response = operator_client.get(
        LIST_URL, {"status": status, "brand__id__exact": brand.pk}
    )
    shown = {row.pk for row in response.context["cl"].result_list}
    assert shown == {made[name].pk for name in expected}


def test_the_platform_default_and_a_workshop_override_keep_their_own_status(
    operator_client, brand, workshop
):
    """Versions only supersede versions of the same scope (NULLs included)."""
    default = _create(None, day=TODAY() - datetime.timedelta(days=3))
    override = _create(brand, day=TODAY() - datetime.timedelta(days=5))
    ShareAgreement.objects.filter(pk=override.pk).update(workshop=workshop)
    _create(brand, day=TODAY() - datetime.timedelta(days=1))

    response = operator_client.get(LIST_URL, {"status": "in_force"})

    shown = {row.pk for row in response.context["cl"].result_list}
    assert {default.pk, override.pk} <= shown


# Who may ----------------------------------------------------------------------


def _role_users(brand, workshop):
    village = make_village()
    users = {
        "brand_operator": (make_user(), Role.BRAND_OPERATOR, brand),
        "workshop_manager": (make_user(), Role.WORKSHOP_MANAGER, workshop),
        "village_treasurer": (make_user(), Role.VILLAGE_TREASURER, village),
        "host": (make_user(), Role.LIVESTREAM_HOST, brand),
    }
    for user, role, target in users.values():
        grant(user, role, target)
    return {name: user for name, (user, _, _) in users.items()}


def test_no_one_but_operators_reaches_the_agreement_admin(client, brand, workshop):
    agreement = _create(brand, day=TODAY() + datetime.timedelta(days=5))
    before = ShareAgreement.objects.count()
    inactive_staff = make_user(staff=True, is_active=False)
    for name, user in [*_role_users(brand, workshop).items(), ("x", inactive_staff)]:
        client.force_login(user)
        for url in (LIST_URL, ADD_URL, _change_url(agreement)):
            response = client.get(url)
            assert response.status_code == 302, (name, url)
            assert response.url.startswith(reverse("admin:login"))
        client.post(ADD_URL, _form(brand, day=TODAY() + datetime.timedelta(days=9)))
        client.post(_delete_url(agreement), {"post": "yes"})
    assert ShareAgreement.objects.count() == before


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ({"staff": True}, True),
        ({"staff": True, "is_superuser": True}, True),
        ({"staff": False, "is_superuser": True}, False),
        ({"staff": True, "is_active": False}, False),
        ({"staff": False}, False),
    ],
)
def test_the_admin_asks_the_permissions_module(rf, brand, who, allowed):
    request = rf.get("/admin/")
    request.user = make_user(**who)
    future = _create(brand, day=TODAY() + datetime.timedelta(days=5))
    model_admin = admin.site._registry[ShareAgreement]
    assert model_admin.has_module_permission(request) is allowed
    assert model_admin.has_view_permission(request, future) is allowed
    assert model_admin.has_add_permission(request) is allowed
    assert model_admin.has_change_permission(request, future) is allowed
    assert model_admin.has_delete_permission(request, future) is allowed


def test_an_agreement_that_started_or_went_while_the_page_was_open_is_kept(
    operator, brand
):
    """The form checks the row as it is now, not as the page loaded it."""
    agreement = _create(brand, day=TODAY() + datetime.timedelta(days=5))
    ShareAgreement.objects.filter(pk=agreement.pk).update(effective_from=TODAY())
    data = _form(brand, day=TODAY() + datetime.timedelta(days=8))

    form = ShareAgreementForm(data, instance=agreement, user=operator)

    assert not form.is_valid()
    assert form.errors["__all__"] == [
        "协议已生效，不能修改；请新建一个以后生效的版本 / This agreement is in "
        "force and cannot be changed; add a new version that starts later"
    ]
    assert ShareAgreement.objects.get(pk=agreement.pk).effective_from == TODAY()

    gone = _create(brand, day=TODAY() + datetime.timedelta(days=20))
    ShareAgreement.objects.filter(pk=gone.pk).delete()
    form = ShareAgreementForm(data, instance=gone, user=operator)
    assert not form.is_valid()
    assert form.errors["__all__"] == ["找不到该记录 / Not found"]
    assert not ShareAgreement.objects.filter(effective_from=data["effective_from"])


def test_the_form_only_checks_and_the_admin_writes(operator, brand):
    """Validation writes nothing; the admin's save goes through
    revenue.agreements."""
    form = ShareAgreementForm(_form(brand), user=operator)

    assert form.is_valid(), form.errors
    assert not ShareAgreement.objects.filter(brand=brand).exists()
    assert "_post_clean" not in vars(ShareAgreementForm)

    future = _create(brand, day=TODAY() + datetime.timedelta(days=5))
    changed = _form(brand, day=TODAY() + datetime.timedelta(days=6))
    form = ShareAgreementForm(changed, instance=future, user=operator)
    assert form.is_valid(), form.errors
    assert ShareAgreement.objects.filter(pk=future.pk).exists()
