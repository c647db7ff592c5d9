"""The monthly impact sums (revenue.impact): kept by every posting of shares,
equal to the ledger's shares summed per month, brand, village and workshop,
rebuilt idempotently, and checked by ledger_check."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Q, Sum

from revenue.checks import ViolationCode, ledger_violations
from revenue.figures import village_flow
from revenue.impact import impact_expected, impact_rebuild, impact_stored
from revenue.impact_figures import impact_summary
from revenue.ledger import ledger_reverse
from revenue.models import EntryKind, ImpactMonth, JournalEntry, Share
from revenue.order_split import orders_split
from tests.factories import make_workshop
from tests.revenue.impact_builders import sell_and_refund, span
from tests.revenue.ledger_builders import build_paid_order

pytestmark = pytest.mark.django_db

RETURNED = Q(role__in=["village", "workshop", "host"], order_line__isnull=False)


@pytest.fixture
def sold(midday, time_machine):
    return sell_and_refund(time_machine)


def share_sum(**lookups) -> int:
    return (
        Share.objects.filter(RETURNED, **lookups).aggregate(s=Sum("amount_fen"))["s"]
        or 0
    )


def expected_total(month=None, **key) -> int:
    """What ledger_check's impact check sums from the shares, for a period."""
    return sum(
        figures["village_fen"] + figures["workshop_fen"] + figures["host_fen"]
        for (m, brand, village, workshop), figures in impact_expected().items()
        if (month is None or m == month)
        and all(
            {"brand": brand, "village": village, "workshop": workshop}[k] == v
            for k, v in key.items()
        )
    )


def test_postings_keep_the_monthly_sums_equal_to_the_shares(sold):
    assert impact_stored() == impact_expected()
    assert ImpactMonth.objects.filter(month=sold.last_month).count() == 2
    # 70 % to the workshop, 10 % to the village, 5 % to the host of ¥20.00.
    w1_then = ImpactMonth.objects.get(month=sold.last_month, workshop=sold.scene.w1)
    assert (w1_then.workshop_fen, w1_then.village_fen, w1_then.host_fen) == (
        1400,
        200,
        100,
    )
    assert w1_then.village_id == sold.scene.v1.pk
    assert (w1_then.orders, w1_then.units) == (1, 2)


def test_a_batch_split_adds_to_existing_rows_and_creates_new_ones(sold):
    scene = sold.scene
    w3 = make_workshop(brands=[scene.brand], village=scene.v1)
    orders = [
        build_paid_order([(scene.w1, scene.brand, 700, 2)]),
        build_paid_order([(scene.w2, scene.brand, 900, 1), (w3, scene.brand, 50, 4)]),
        build_paid_order([(w3, scene.brand, 120, 1)]),
    ]
    rows_before = ImpactMonth.objects.count()
    assert orders_split(order_ids=[o.pk for o in orders]) == 3
    assert impact_stored() == impact_expected()
    assert ImpactMonth.objects.count() == rows_before + 1  # W3's first row
    w3_row = ImpactMonth.objects.get(workshop=w3)
    assert (w3_row.orders, w3_row.units) == (2, 5)
    # This month: the earlier sale in W1, and these three, each counted once.
    assert impact_summary(brand=scene.brand).this_month.orders == 4
    assert impact_summary(village=scene.v1).this_month.orders == 4
    assert impact_summary(village=scene.v2).this_month.orders == 1


@pytest.mark.parametrize("scope", ["all", "brand", "village"])
def test_summary_totals_equal_the_ledger_sums_for_each_period(sold, scope):
    scene = sold.scene
    where, lookups, key = {
        "all": ({}, {}, {}),
        "brand": ({"brand": scene.brand}, {}, {"brand": scene.brand.pk}),
        "village": (
            {"village": scene.v1},
            {"order_line__workshop__village": scene.v1},
            {"village": scene.v1.pk},
        ),
    }[scope]
    summary = impact_summary(**where)
    month = share_sum(**lookups, **span(sold.this_month))
    assert summary.this_month.total_fen == month
    assert month == expected_total(sold.this_month, **key)
    since = share_sum(**lookups)
    assert summary.since_start.total_fen == since == expected_total(**key)
    year = sum(
        item.figures.total_fen
        for item in summary.months
        if item.month.year == sold.this_month.year
    )
    assert summary.this_year.total_fen == year
    # The refund (¥15.00 of ¥25.00 back) outweighs this month's ¥9.00 sale.
    assert summary.this_month.total_fen < 0
    assert ledger_violations() == []


def test_refunds_exceeding_sales_make_the_month_negative_by_part(sold):
    summary = impact_summary(brand=sold.scene.brand)
    # Sold ¥9.00 now (no host: its 5 % goes to the village by default)…
    now = summary.this_month
    # …and ¥15.00 of last month's hosted ¥25.00 taken back in proportion.
    assert now.host_fen == -75
    assert now.workshop_fen == 630 - 1050
    assert now.village_fen < 0
    assert now.total_fen == share_sum(**span(sold.this_month))
    assert summary.months[-1].month == sold.this_month


def test_orders_count_once_per_scope_and_units_are_summed(sold):
    scene = sold.scene
    assert impact_summary().since_start.orders == 2
    assert impact_summary(brand=scene.brand).since_start.orders == 2
    assert impact_summary(village=scene.v1).since_start.orders == 2
    assert impact_summary(village=scene.v2).since_start.orders == 1
    # Per row: the earlier order has goods of both workshops.
    assert sum(ImpactMonth.objects.values_list("orders", flat=True)) == 3
    assert impact_summary().since_start.units == 2 + 1 + 3
    # A refund does not take orders or units back.
    assert impact_summary().this_month.orders == 1


def test_the_village_figure_keeps_the_village_flow_definition(sold):
    summary = impact_summary(village=sold.scene.v1)
    flow = village_flow(sold.scene.v1)
    assert summary.this_month.village_fen == flow.month_fen
    assert summary.this_year.village_fen == flow.year_fen


def test_rebuild_is_idempotent(sold):
    before = impact_stored()
    assert impact_rebuild() == len(before)
    assert impact_stored() == before
    impact_rebuild()
    assert impact_stored() == before
    # The refund reaches both workshops this month.
    assert impact_rebuild(month=sold.this_month) == 2
    assert impact_stored() == before
    ImpactMonth.objects.all().delete()
    impact_rebuild(month=sold.last_month)
    assert set(impact_stored()) == {k for k in before if k[0] == sold.last_month}
    out = io.StringIO()
    call_command("impact_rebuild", stdout=out)
    assert impact_stored() == before
    assert f"rebuilt {len(before)} monthly impact sums" in out.getvalue()


def test_rebuild_command_refuses_a_bad_month():
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("impact_rebuild", "--month", "2026-13", stdout=io.StringIO())


def test_a_correcting_reversal_of_a_refund_is_counted(sold):
    refund_entry = JournalEntry.objects.get(kind=EntryKind.REFUND)
    ledger_reverse(entry=refund_entry, memo="误退 refunded by mistake")
    assert impact_stored() == impact_expected()
    summary = impact_summary()
    assert summary.since_start.total_fen == share_sum()


def test_ledger_check_names_a_tampered_monthly_sum(sold):
    row = ImpactMonth.objects.get(month=sold.this_month, workshop=sold.scene.w1)
    ImpactMonth.objects.filter(pk=row.pk).update(village_fen=F("village_fen") + 1)
    [problem] = ledger_violations()
    assert problem.code == ViolationCode.IMPACT_MISMATCH
    assert problem.ids == {
        "month": f"{sold.this_month:%Y-%m}",
        "brand": sold.scene.brand.pk,
        "village": sold.scene.v1.pk,
        "workshop": sold.scene.w1.pk,
    }
    assert sold.scene.w1.name in problem.message
    assert "impact_rebuild" in problem.message
    with pytest.raises(CommandError) as caught:
        call_command("ledger_check", stdout=io.StringIO())
    assert caught.value.returncode == 1
    impact_rebuild()
    assert ledger_violations() == []
    out = io.StringIO()
    call_command("ledger_check", stdout=out)
    assert "条月度回流汇总 monthly impact sums" in out.getvalue()


def test_ledger_check_names_missing_and_extra_monthly_rows(sold):
    gone = ImpactMonth.objects.filter(month=sold.last_month, workshop=sold.scene.w2)
    gone.delete()
    ImpactMonth.objects.create(
        month=sold.last_month.replace(year=sold.last_month.year - 3),
        brand=sold.scene.brand,
        village=sold.scene.v2,
        workshop=sold.scene.w2,
        orders=1,
    )
    problems = ledger_violations()
    assert {p.code for p in problems} == {ViolationCode.IMPACT_MISMATCH}
    assert len(problems) == 2
    assert all(p.ids["workshop"] == sold.scene.w2.pk for p in problems)
