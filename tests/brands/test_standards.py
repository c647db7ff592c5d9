import pytest
from django.core.exceptions import ValidationError

from brands.models import BrandStandard, BrandStandardRule, RuleKind, StandardField
from brands.standards import brand_standard_violations, rule_argument_error
from tests.factories import make_brand

pytestmark = pytest.mark.django_db

GOOD_FOOD = {
    "name": "东海黄鱼鲞",
    "sc_licence": "SC11233022500123",
    "net_content": "500g",
    "storage_conditions": "冷冻",
    "shelf_life": "12个月",
}


def _standard(brand, code="food", *, category_slugs=(), is_active=True):
    return BrandStandard.objects.create(
        brand=brand,
        code=code,
        name=f"标准 {code}",
        category_slugs=list(category_slugs),
        is_active=is_active,
    )


def _rule(standard, field, kind, argument=""):
    return BrandStandardRule.objects.create(
        standard=standard,
        field=field,
        kind=kind,
        argument=argument,
        message_zh=f"{field} 不符合要求",
        message_en=f"{field} breaks the standard",
    )


def _violations(brand, values, category_slug="seafood"):
    return brand_standard_violations(
        brand=brand, values=values, category_slug=category_slug
    )


def _fields(violations):
    return sorted((v.field, v.code) for v in violations)


def test_required_rule():
    brand = make_brand()
    _rule(_standard(brand), StandardField.SC_LICENCE, RuleKind.REQUIRED)
    assert _violations(brand, GOOD_FOOD) == []
    for missing in [
        {},
        {"sc_licence": ""},
        {"sc_licence": "   "},
        {"sc_licence": None},
    ]:
        [violation] = _violations(brand, missing)
        assert violation.field == "sc_licence"
        assert violation.code == "standard_required"
        assert violation.standard == "food"
        assert violation.message_zh == "sc_licence 不符合要求"
        assert violation.message_en == "sc_licence breaks the standard"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("SC11233022500123", True),
        (" SC11233022500123 ", True),  # surrounding spaces are trimmed
        ("SC1123302250012", False),  # 13 digits
        ("SC112330225001234", False),  # 15 digits: the whole value must match
        ("sc11233022500123", False),
        ("XSC11233022500123", False),
        ("", True),  # only REQUIRED demands a value
    ],
)
def test_pattern_rule_matches_the_whole_value(value, ok):
    brand = make_brand()
    _rule(_standard(brand), StandardField.SC_LICENCE, RuleKind.PATTERN, r"SC\d{14}")
    violations = _violations(brand, {"sc_licence": value})
    assert (violations == []) is ok
    if not ok:
        assert _fields(violations) == [("sc_licence", "standard_pattern")]


def test_max_length_rule():
    brand = make_brand()
    _rule(_standard(brand), StandardField.NAME, RuleKind.MAX_LENGTH, "6")
    assert _violations(brand, {"name": "东海黄鱼鲞"}) == []
    assert _violations(brand, {"name": "东海野生黄鱼"}) == []  # exactly 6
    assert _fields(_violations(brand, {"name": "东海野生大黄鱼"})) == [
        ("name", "standard_max_length")
    ]


def test_one_of_rule():
    brand = make_brand()
    _rule(
        _standard(brand),
        StandardField.STORAGE_CONDITIONS,
        RuleKind.ONE_OF,
        "常温 | 冷藏|冷冻",
    )
    for allowed in ["常温", "冷藏", "冷冻", ""]:
        assert _violations(brand, {"storage_conditions": allowed}) == []
    assert _fields(_violations(brand, {"storage_conditions": "阴凉干燥"})) == [
        ("storage_conditions", "standard_one_of")
    ]


def test_every_broken_rule_is_reported():
    brand = make_brand()
    standard = _standard(brand)
    _rule(standard, StandardField.SC_LICENCE, RuleKind.REQUIRED)
    _rule(standard, StandardField.NET_CONTENT, RuleKind.REQUIRED)
    _rule(standard, StandardField.NAME, RuleKind.MAX_LENGTH, "2")
    assert _fields(_violations(brand, {"name": "东海黄鱼"})) == [
        ("name", "standard_max_length"),
        ("net_content", "standard_required"),
        ("sc_licence", "standard_required"),
    ]


def test_category_scoping():
    brand = make_brand()
    seafood_only = _standard(brand, "seafood", category_slugs=["seafood", "dried"])
    _rule(seafood_only, StandardField.SC_LICENCE, RuleKind.REQUIRED)
    everywhere = _standard(brand, "all")
    _rule(everywhere, StandardField.NAME, RuleKind.REQUIRED)

    assert _fields(_violations(brand, {}, "seafood")) == [
        ("name", "standard_required"),
        ("sc_licence", "standard_required"),
    ]
    assert len(_violations(brand, {}, "dried")) == 2
    assert _fields(_violations(brand, {}, "handicraft")) == [
        ("name", "standard_required")
    ]
    assert _fields(_violations(brand, {}, None)) == [("name", "standard_required")]


def test_inactive_standards_ignored():
    brand = make_brand()
    _rule(_standard(brand, is_active=False), StandardField.NAME, RuleKind.REQUIRED)
    assert _violations(brand, {}) == []


def test_other_brands_standards_ignored():
    brand, other = make_brand(), make_brand()
    _rule(_standard(other), StandardField.NAME, RuleKind.REQUIRED)
    assert _violations(brand, {}) == []


@pytest.mark.parametrize(
    ("kind", "argument"),
    [
        (RuleKind.PATTERN, r"SC[0-9{14}"),
        (RuleKind.PATTERN, "(unclosed"),
        (RuleKind.PATTERN, "*SC"),
        (RuleKind.PATTERN, ""),
        (RuleKind.MAX_LENGTH, "abc"),
        (RuleKind.MAX_LENGTH, "0"),
        (RuleKind.MAX_LENGTH, "-3"),
        (RuleKind.MAX_LENGTH, ""),
        (RuleKind.ONE_OF, ""),
        (RuleKind.ONE_OF, " | |"),
    ],
)
def test_rule_clean_refuses_unusable_arguments(kind, argument):
    brand = make_brand()
    rule = BrandStandardRule(
        standard=_standard(brand),
        field=StandardField.SC_LICENCE,
        kind=kind,
        argument=argument,
        message_zh="错",
        message_en="wrong",
    )
    assert rule_argument_error(kind, argument)
    with pytest.raises(ValidationError) as info:
        rule.full_clean()
    assert "argument" in info.value.message_dict


@pytest.mark.parametrize(
    ("kind", "argument"),
    [
        (RuleKind.PATTERN, r"SC\d{14}"),
        (RuleKind.MAX_LENGTH, "60"),
        (RuleKind.ONE_OF, "常温|冷藏"),
        (RuleKind.REQUIRED, ""),
    ],
)
def test_rule_clean_accepts_usable_arguments(kind, argument):
    rule = BrandStandardRule(
        standard=_standard(make_brand()),
        field=StandardField.SC_LICENCE,
        kind=kind,
        argument=argument,
        message_zh="错",
        message_en="wrong",
    )
    rule.full_clean()
