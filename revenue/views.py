"""Statement pages for the people a party stands for: the list of parties
one may read, a month's statement, its CSV export and a printable copy.
Thin: `statement_parties`, `user_can` and `party_statement` decide; these
views parse the URL and render. Nothing here is cached: every answer is
private and must show the ledger as it is now."""

import io
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from brands.permissions import Action, user_can
from storefront.core import csv_safe
from storefront.core.http import private_page
from storefront.core.money import fen_to_yuan

from .errors import RevenueError, RevenueErrorCode
from .models import Party, PartyKind
from .selectors import owed_by_party
from .statements import (
    TIMEZONE,
    LineKind,
    Statement,
    month_label,
    month_start,
    next_month,
    parse_month,
    party_statement,
    previous_month,
    statement_parties,
)

PARTIES_PER_PAGE = 50
KIND_LABELS = {
    LineKind.SALE: ("销售", "Sale"),
    LineKind.SHIPPING: ("运费", "Shipping"),
    LineKind.REFUND: ("退款冲回", "Refund"),
    LineKind.FEE: ("支付手续费", "Processor fee"),
    LineKind.PAYOUT: ("结算付款", "Payout"),
}
# Who signs a printed statement for the party, beside the platform operator.
SIGNATORIES = {
    PartyKind.VILLAGE: ("村集体出纳", "Village collective treasurer"),
    PartyKind.WORKSHOP: ("工坊负责人", "Workshop manager"),
    PartyKind.BRAND: ("品牌运营方", "Brand operator"),
    PartyKind.HOST: ("主播", "Livestream host"),
    PartyKind.PLATFORM: ("平台财务", "Platform finance"),
}
CSV_HEADERS = (
    "日期 date",
    "类型 kind",
    "订单号 order",
    "商品 product",
    "数量 quantity",
    "订单行金额（元）line total (CNY)",
    "金额（元）amount (CNY)",
    "应付余额（元）owed balance (CNY)",
    "参考号 reference",
)


def _error(request, status: int, message: str):
    return private_page(
        render(
            request,
            "revenue/error.html",
            {"status": status, "message": message},
            status=status,
        )
    )


def _this_month() -> date:
    now = timezone.localtime(timezone.now(), TIMEZONE)
    return date(now.year, now.month, 1)


def _visible_party(request, party_id: int) -> Party:
    party = get_object_or_404(Party, pk=party_id)
    if not user_can(request.user, Action.VIEW_PARTY_ACCOUNTS, party):
        raise RevenueError(RevenueErrorCode.PERMISSION_DENIED)
    return party


def _statement(request, party_id: int, month_text: str):
    """(statement, None), or (None, the error page to answer with)."""
    try:
        party = _visible_party(request, party_id)
    except RevenueError as exc:
        return None, _error(request, 403, exc.message)
    try:
        month = parse_month(month_text)
    except RevenueError as exc:
        return None, _error(request, 404, exc.message)
    return party_statement(party=party, month=month), None


def _rows(statement: Statement) -> list[dict]:
    """Each line with its label and the running balance owed after it."""
    rows, owed = [], statement.opening_owed_fen
    for line in statement.lines:
        owed += line.amount_fen
        zh, en = KIND_LABELS[line.kind]
        rows.append({"line": line, "label_zh": zh, "label_en": en, "owed_fen": owed})
    return rows


def _context(statement: Statement) -> dict:
    month = statement.month
    return {
        "statement": statement,
        "party": statement.party,
        "rows": _rows(statement),
        "payouts": [(line, -line.amount_fen) for line in statement.payouts],
        "month_label": month_label(month),
        "previous_month": month_label(previous_month(month)),
        "next_month": month_label(next_month(month)),
        "is_current": month >= _this_month(),
        "signatory": SIGNATORIES.get(statement.party.kind, ("分账方", "Party")),
    }


@never_cache
@login_required
@require_GET
def statement_list(request):
    parties = statement_parties(request.user)
    this_month = month_label(_this_month())
    error = ""
    wanted_party, wanted_month = request.GET.get("party"), request.GET.get("month")
    if wanted_party is not None or wanted_month is not None:
        by_id = {str(p.pk): p for p in parties}
        try:
            month = parse_month(wanted_month or "")
        except RevenueError as exc:
            error = exc.message
        else:
            party = by_id.get(wanted_party or "")
            if party is not None:
                return redirect(
                    "revenue:statement", party_id=party.pk, month=month_label(month)
                )
            error = RevenueError(RevenueErrorCode.NOT_FOUND, field="party").message
    page = Paginator(parties, PARTIES_PER_PAGE).get_page(request.GET.get("page"))
    owed = owed_by_party(party_ids=[p.pk for p in page])
    return private_page(
        render(
            request,
            "revenue/statement_list.html",
            {
                "parties": [(p, owed.get(p.pk, 0)) for p in page],
                "page_obj": page,
                "this_month": this_month,
                "last_month": month_label(previous_month(_this_month())),
                "error": error,
            },
            status=400 if error else 200,
        )
    )


@never_cache
@login_required
@require_GET
def statement_detail(request, party_id: int, month: str):
    statement, refused = _statement(request, party_id, month)
    if refused is not None:
        return refused
    return private_page(
        render(request, "revenue/statement_detail.html", _context(statement))
    )


@never_cache
@login_required
@require_GET
def statement_print(request, party_id: int, month: str):
    statement, refused = _statement(request, party_id, month)
    if refused is not None:
        return refused
    context = _context(statement)
    context["printed_at"] = timezone.localtime(timezone.now(), TIMEZONE)
    return private_page(render(request, "revenue/statement_print.html", context))


def _yuan(fen: int | None):
    return None if fen is None else fen_to_yuan(fen)


def statement_csv_bytes(statement: Statement) -> bytes:
    """UTF-8 with a BOM (Excel on Chinese Windows reads it right): an opening
    row, one row per line with the balance owed after it, a closing row.
    Amounts are plain yuan strings; every text cell is formula-safe."""
    out = io.StringIO(newline="")
    writer = csv_safe.writer(out)
    writer.writerow(CSV_HEADERS)
    start = month_start(statement.month)
    name = statement.party.name
    writer.writerow(
        [
            start.strftime("%Y-%m-%d %H:%M"),
            "期初应付 opening owed",
            "",
            name,
            "",
            "",
            "",
            _yuan(statement.opening_owed_fen),
            "",
        ]
    )
    for row in _rows(statement):
        line = row["line"]
        writer.writerow(
            [
                timezone.localtime(line.posted_at, TIMEZONE).strftime("%Y-%m-%d %H:%M"),
                f"{row['label_zh']} {row['label_en'].lower()}",
                line.order_number,
                line.product_name,
                line.quantity,
                _yuan(line.line_total_fen),
                _yuan(line.amount_fen),
                _yuan(row["owed_fen"]),
                line.reference,
            ]
        )
    end = month_start(next_month(statement.month))
    writer.writerow(
        [
            end.strftime("%Y-%m-%d %H:%M"),
            "期末应付 closing owed",
            "",
            name,
            "",
            "",
            "",
            _yuan(statement.closing_owed_fen),
            "",
        ]
    )
    return out.getvalue().encode("utf-8-sig")


def _file_stem(party: Party) -> str:
    target = party.workshop or party.village or party.brand
    slug = slugify(getattr(target, "slug", "") or "")
    if party.kind == PartyKind.PLATFORM:
        return "platform"
    return f"{party.kind}-{slug or party.pk}"


@never_cache
@login_required
@require_GET
def statement_csv(request, party_id: int, month: str):
    statement, refused = _statement(request, party_id, month)
    if refused is not None:
        return refused
    filename = f"statement-{_file_stem(statement.party)}-{month_label(statement.month)}"
    response = HttpResponse(
        statement_csv_bytes(statement), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return private_page(response)
