"""Statement pages for the people a party stands for: the list of parties
one may read, a month's statement, its CSV export and a printable copy, and
a year's report. Thin: `statement_parties`, `user_can`, `party_statement` and
`party_annual_report` decide; these views parse the URL and render. Nothing
here is cached: every answer is private and must show the ledger as it is
now."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from brands.permissions import Action, user_can
from storefront.core.http import private_page

from .annual import AnnualReport, parse_year, party_annual_report
from .breakdowns import by_product, by_workshop
from .errors import RevenueError, RevenueErrorCode
from .models import Party
from .payout_schedule import next_payout
from .selectors import owed_by_party
from .statement_files import statement_csv_bytes, statement_filename
from .statement_words import CLOSING, NEGATIVE_NOTE, OPENING, SIGNATORIES, reason
from .statements import (
    TIMEZONE,
    Statement,
    month_end,
    month_label,
    month_start,
    next_month,
    parse_month,
    party_statement,
    previous_month,
    statement_parties,
)

PARTIES_PER_PAGE = 50
UNKNOWN_ENCODING = "编码只能是 utf-8 或 gbk / The encoding must be utf-8 or gbk"


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
    """Each line with its plain reason and the balance due after it."""
    rows, owed = [], statement.opening_owed_fen
    for line in statement.lines:
        owed += line.amount_fen
        zh, en = reason(line)
        rows.append({"line": line, "label_zh": zh, "label_en": en, "owed_fen": owed})
    return rows


def _common(party: Party) -> dict:
    return {
        "party": party,
        "signatory": SIGNATORIES.get(party.kind, ("分账方", "Party")),
        "opening_label": OPENING,
        "closing_label": CLOSING,
        "negative_note": NEGATIVE_NOTE,
        "next_payout": next_payout(party=party),
        "timezone_name": TIMEZONE.key,
    }


def _context(statement: Statement) -> dict:
    month = statement.month
    return {
        **_common(statement.party),
        "statement": statement,
        "rows": _rows(statement),
        "by_workshop": by_workshop(statement.lines),
        "by_product": by_product(statement.lines),
        "payouts": [(line, -line.amount_fen) for line in statement.payouts],
        "month_label": month_label(month),
        "opened_at": month_start(month),
        "closing_at": statement.closing_at,
        "previous_month": month_label(previous_month(month)),
        "next_month": month_label(next_month(month)),
        "is_current": month >= _this_month(),
        "year": month.year,
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
                "this_year": _this_month().year,
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


@never_cache
@login_required
@require_GET
def statement_csv(request, party_id: int, month: str):
    """UTF-8 by default; `?encoding=gbk` for software that reads only GBK."""
    statement, refused = _statement(request, party_id, month)
    if refused is not None:
        return refused
    encoding = request.GET.get("encoding") or "utf-8"
    try:
        body = statement_csv_bytes(
            statement, next_payout=next_payout(party=statement.party), encoding=encoding
        )
        filename = statement_filename(statement, encoding)
    except ValueError:
        return _error(request, 400, UNKNOWN_ENCODING)
    except RevenueError as exc:
        return _error(request, 400, exc.message)
    charset = "gbk" if filename.endswith("-gbk.csv") else "utf-8"
    response = HttpResponse(body, content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return private_page(response)


def _annual(request, party_id: int, year_text: str):
    """(report, None), or (None, the error page to answer with)."""
    try:
        party = _visible_party(request, party_id)
    except RevenueError as exc:
        return None, _error(request, 403, exc.message)
    try:
        year = parse_year(year_text)
    except RevenueError as exc:
        return None, _error(request, 404, exc.message)
    return party_annual_report(party=party, year=year), None


@never_cache
@login_required
@require_GET
def annual_report(request, party_id: int, year: str):
    """A printable A4 page: the year by month, workshop and product, and the
    payouts received."""
    report, refused = _annual(request, party_id, year)
    if refused is not None:
        return refused
    return private_page(
        render(request, "revenue/annual_report.html", _annual_context(report))
    )


def _annual_context(report: AnnualReport) -> dict:
    return {
        **_common(report.party),
        "report": report,
        "payouts": [(line, -line.amount_fen) for line in report.payouts],
        "year_zh": f"{report.year} 年",
        "opened_at": month_start(date(report.year, 1, 1)),
        "closing_at": month_end(date(report.year, 12, 1)),
        "previous_year": report.year - 1,
        "next_year": report.year + 1,
        "is_current": report.year >= _this_month().year,
        "printed_at": timezone.localtime(timezone.now(), TIMEZONE),
    }
