"""The next payout in one sentence: the threshold and the day come from where
payouts are really decided (REVENUE_PAYOUT_THRESHOLD_FEN and the beat
entry that proposes batches), and once the balance reaches the threshold the
sentence names the actual date."""

from datetime import UTC, datetime

import pytest
from celery.schedules import crontab
from django.urls import reverse

from brands.models import Role
from revenue.models import PartyKind
from revenue.payout_schedule import (
    PROPOSE_TASK,
    PayoutState,
    next_payout,
    next_proposal_at,
)
from revenue.payouts import payout_batch_propose
from revenue.statements import TIMEZONE
from tests.factories import make_user
from tests.revenue.payout_helpers import make_party, owe, user_with_role

pytestmark = pytest.mark.django_db

# Tuesday 8 December 2026, 12:00 in Shanghai.
TUESDAY_NOON = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)


def shanghai(*args) -> datetime:
    return datetime(*args, tzinfo=TIMEZONE)


@pytest.fixture
def tuesday(time_machine):
    time_machine.move_to(TUESDAY_NOON, tick=False)


def _with_day(settings, day: str) -> None:
    schedule = dict(settings.CELERY_BEAT_SCHEDULE)
    schedule["propose-payout-batch"] = {
        "task": PROPOSE_TASK,
        "schedule": crontab(day_of_week=day, hour=3, minute=0),
    }
    settings.CELERY_BEAT_SCHEDULE = schedule


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (shanghai(2026, 12, 8, 12, 0), shanghai(2026, 12, 14, 3, 0)),
        (shanghai(2026, 12, 13, 23, 59), shanghai(2026, 12, 14, 3, 0)),
        (shanghai(2026, 12, 14, 2, 59), shanghai(2026, 12, 14, 3, 0)),
        (shanghai(2026, 12, 14, 3, 0), shanghai(2026, 12, 21, 3, 0)),
        (shanghai(2026, 12, 28, 9, 0), shanghai(2027, 1, 4, 3, 0)),
    ],
)
def test_the_next_proposal_follows_the_beat_schedule_in_shanghai(now, expected):
    assert next_proposal_at(now.astimezone(UTC)) == expected


def test_another_day_in_the_beat_schedule_changes_the_date_and_sentence(
    settings, tuesday
):
    _with_day(settings, "thu")
    party = make_party(PartyKind.VILLAGE, bank=True)
    assert next_proposal_at() == shanghai(2026, 12, 10, 3, 0)
    below = next_payout(party=party)
    assert below.sentence_zh == "余额满 ¥100.00 后，于下一个周四结算。"
    assert below.sentence_en == (
        "Paid on the next Thursday once the balance reaches ¥100.00."
    )


def test_without_a_proposal_job_no_date_is_promised(settings, tuesday):
    settings.CELERY_BEAT_SCHEDULE = {}
    party = make_party(PartyKind.VILLAGE, bank=True)
    owe(party, 20_000)
    told = next_payout(party=party)
    assert told.run_at is None
    assert "由平台结算" in told.sentence_zh and "by the platform" in told.sentence_en


def test_below_the_threshold_the_sentence_names_threshold_and_weekday(tuesday):
    party = make_party(PartyKind.VILLAGE, bank=True)
    owe(party, 3852)
    told = next_payout(party=party)
    assert told.state == PayoutState.BELOW and told.owed_fen == 3852
    assert told.sentence_zh == "余额满 ¥100.00 后，于下一个周一结算。"
    assert told.sentence_en == (
        "Paid on the next Monday once the balance reaches ¥100.00."
    )


def test_at_the_threshold_the_sentence_names_the_date(tuesday):
    party = make_party(PartyKind.VILLAGE, bank=True)
    owe(party, 13_852)
    told = next_payout(party=party)
    assert told.state == PayoutState.DUE
    assert told.sentence_zh == "余额已满 ¥100.00，于 2026-12-14（周一）结算 ¥138.52。"
    assert told.sentence_en == (
        "The balance has reached ¥100.00: ¥138.52 is paid on Monday 14 December 2026."
    )


def test_the_threshold_is_the_one_payouts_use(settings, tuesday):
    settings.REVENUE_PAYOUT_THRESHOLD_FEN = 5000
    party = make_party(PartyKind.VILLAGE, bank=True)
    owe(party, 6000)
    told = next_payout(party=party)
    assert told.state == PayoutState.DUE and "余额已满 ¥50.00" in told.sentence_zh
    # The proposal reads the same setting: the party is in the batch.
    batch = payout_batch_propose(user=None)
    assert batch.payouts.get().party == party
    in_batch = next_payout(party=party)
    assert in_batch.state == PayoutState.IN_BATCH
    assert in_batch.sentence_zh == f"¥60.00 已在付款批次 {batch} 中，等待付款到账。"


def test_without_a_bank_account_the_sentence_asks_for_one(tuesday):
    party = make_party(PartyKind.VILLAGE)
    owe(party, 20_000)
    told = next_payout(party=party)
    assert told.state == PayoutState.NO_METHOD
    assert "请先向平台登记收款银行账户" in told.sentence_zh


def test_the_statement_page_print_and_csv_carry_the_sentence(client, tuesday):
    party = make_party(PartyKind.VILLAGE, bank=True)
    owe(party, 13_852)
    client.force_login(user_with_role(Role.VILLAGE_TREASURER, party))
    sentence = "余额已满 ¥100.00，于 2026-12-14（周一）结算 ¥138.52。"
    for name in ("revenue:statement", "revenue:statement-print"):
        html = client.get(reverse(name, args=[party.pk, "2026-12"])).content.decode()
        assert sentence in html, name
        assert 'data-state="due"' in html
    body = client.get(reverse("revenue:statement-csv", args=[party.pk, "2026-12"]))
    assert sentence in body.content.decode("utf-8-sig")
    # Another month's statement still tells today's next payout.
    november = client.get(reverse("revenue:statement", args=[party.pk, "2026-11"]))
    assert sentence in november.content.decode()


def test_another_village_cannot_read_the_sentence(client, tuesday):
    party = make_party(PartyKind.VILLAGE, bank=True)
    owe(party, 13_852)
    other = make_party(PartyKind.VILLAGE, bank=True)
    client.force_login(user_with_role(Role.VILLAGE_TREASURER, other))
    response = client.get(reverse("revenue:statement", args=[party.pk, "2026-12"]))
    assert response.status_code == 403
    assert "138.52" not in response.content.decode()
    client.force_login(make_user())
    stranger = client.get(reverse("revenue:statement", args=[party.pk, "2026-12"]))
    assert stranger.status_code == 403
