"""The public impact pages (/impact/, /impact/<brand>/; the village page
shows the same figures) and their open data: what flowed back to villages,
workshops and hosts, as sums of the ledger's shares (revenue.impact)."""

import io
import json
from decimal import Decimal

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from brands.selectors import brands_active, villages_all
from revenue.impact import impact_version
from revenue.impact_data import (
    COLUMNS,
    impact_document,
    impact_rows,
    impact_schema,
)
from revenue.impact_figures import impact_summary
from storefront.core import csv_safe
from storefront.core.urls import absolute_url, site_url

from ..impact_chart import month_chart
from ..page_cache import public_page_cache

# Open data changes with every sale; a client may keep an answer this long.
DATA_MAX_AGE = 300


def impact_context(summary, *, csv_url: str, json_url: str) -> dict:
    """What web/impact/figures.html needs (the village page uses it too)."""
    return {
        "impact": summary,
        "impact_periods": [
            ("本月", "This month", summary.this_month),
            ("今年", "This year", summary.this_year),
            ("累计", "Since the start", summary.since_start),
        ],
        "chart": month_chart(summary.months, summary.today),
        "csv_url": csv_url,
        "json_url": json_url,
    }


@public_page_cache(version=impact_version)
def impact_index(request):
    summary = impact_summary(parts=True)
    context = impact_context(
        summary, csv_url=reverse("web:impact-csv"), json_url=reverse("web:impact-json")
    )
    return render(request, "web/impact/index.html", context)


@public_page_cache(version=impact_version)
def impact_brand(request, slug):
    brand = get_object_or_404(brands_active(), slug=slug)
    summary = impact_summary(brand=brand, parts=True)
    context = impact_context(
        summary,
        csv_url=reverse("web:impact-brand-csv", args=[brand.slug]),
        json_url=reverse("web:impact-brand-json", args=[brand.slug]),
    )
    return render(request, "web/impact/brand.html", {**context, "brand": brand})


def _scope(kind: str, slug: str | None):
    if kind == "brand":
        brand = get_object_or_404(brands_active(), slug=slug)
        scope = {"kind": "brand", "slug": brand.slug, "name": brand.name}
        return scope, {"brand": brand}
    if kind == "village":
        village = get_object_or_404(villages_all(), slug=slug)
        scope = {"kind": "village", "slug": village.slug, "name": village.name}
        return scope, {"village": village}
    return {"kind": "all"}, {}


def _data_headers(response, filename: str) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={DATA_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def impact_csv(request, kind: str = "all", slug: str | None = None):
    scope, where = _scope(kind, slug)
    out = io.StringIO()
    writer = csv_safe.writer(out)
    writer.writerow(name for name, *_ in COLUMNS)
    for row in impact_rows(**where):
        # Yuan as numbers, so a negative month is not taken for a formula.
        writer.writerow(
            Decimal(value) if name.endswith("_yuan") else value
            for name, value in row.items()
        )
    response = HttpResponse(
        "\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8"
    )
    name = scope.get("slug", "all")
    return _data_headers(response, f"impact-{name}.csv")


def impact_json(request, kind: str = "all", slug: str | None = None):
    scope, where = _scope(kind, slug)
    summary = impact_summary(**where)
    document = impact_document(
        scope=scope,
        summary=summary,
        rows=impact_rows(**where),
        schema_url=absolute_url(reverse("web:impact-schema"), request=request),
    )
    response = JsonResponse(
        document, json_dumps_params={"ensure_ascii": False, "indent": 1}
    )
    return _data_headers(response, f"impact-{scope.get('slug', 'all')}.json")


def impact_schema_view(request):
    base = site_url(request)
    response = HttpResponse(
        json.dumps(impact_schema(base_url=base), ensure_ascii=False, indent=1),
        content_type="application/json",
    )
    return _data_headers(response, "impact-schema.json")
