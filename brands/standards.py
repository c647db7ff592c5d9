"""Checking product values against a brand's standards (data, not code)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .models import Brand, BrandStandard, BrandStandardRule, RuleKind


@dataclass(frozen=True)
class StandardViolation:
    standard: str
    field: str
    code: str
    message_zh: str
    message_en: str


def rule_argument_error(kind: str, argument: str) -> str | None:
    """Why a rule's argument is unusable, or None when it is fine."""
    if kind == RuleKind.PATTERN:
        if not argument:
            # An empty pattern would refuse every value that is filled in.
            return "请填写正则表达式 enter a pattern"
        try:
            re.compile(argument)
        except re.error as exc:
            return f"正则表达式无效 invalid pattern: {exc}"
    elif kind == RuleKind.MAX_LENGTH:
        if not argument.isdigit() or int(argument) < 1:
            return "最大长度须为正整数 max length must be a positive integer"
    elif kind == RuleKind.ONE_OF:
        if not [v for v in argument.split("|") if v.strip()]:
            return "请列出允许的取值，用 | 分隔 list the allowed values, split by |"
    return None


def _rule_passes(rule: BrandStandardRule, value: str) -> bool:
    if rule.kind == RuleKind.REQUIRED:
        return bool(value)
    if not value:
        # Only REQUIRED rules demand a value; the others constrain one if given.
        return True
    if rule.kind == RuleKind.PATTERN:
        return re.fullmatch(rule.argument, value) is not None
    if rule.kind == RuleKind.MAX_LENGTH:
        return len(value) <= int(rule.argument)
    if rule.kind == RuleKind.ONE_OF:
        return value in {v.strip() for v in rule.argument.split("|")}
    return True


def active_standards(brand_ids: Iterable[int]) -> dict[int, list[BrandStandard]]:
    """The active standards of several brands, rules prefetched, in two
    queries: brand id → standards (an empty list for a brand without any).
    Pass one brand's list to brand_standard_violations(standards=…) when
    checking many products of that brand."""
    ids = set(brand_ids)
    by_brand: dict[int, list[BrandStandard]] = {pk: [] for pk in ids}
    standards = BrandStandard.objects.filter(
        brand_id__in=ids, is_active=True
    ).prefetch_related("rules")
    for standard in standards.order_by("pk"):
        by_brand[standard.brand_id].append(standard)
    return by_brand


def brand_standard_violations(
    *,
    brand: Brand,
    values: dict[str, str],
    category_slug: str | None,
    standards: Iterable[BrandStandard] | None = None,
) -> list[StandardViolation]:
    """Every way `values` (product field -> text) breaks the brand's active
    standards that apply to `category_slug`. `standards`: the brand's active
    standards as active_standards() loads them (read here when None)."""
    violations = []
    if standards is None:
        standards = brand.standards.filter(is_active=True).prefetch_related("rules")
    for standard in standards:
        if standard.category_slugs and category_slug not in standard.category_slugs:
            continue
        for rule in standard.rules.all():
            value = str(values.get(rule.field) or "").strip()
            if not _rule_passes(rule, value):
                violations.append(
                    StandardViolation(
                        standard=standard.code,
                        field=rule.field,
                        code=f"standard_{rule.kind}",
                        message_zh=rule.message_zh,
                        message_en=rule.message_en,
                    )
                )
    return violations
