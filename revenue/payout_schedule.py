"""When a party will next be paid, told in one sentence from the party's side.

The rule has one home each: the threshold is `REVENUE_PAYOUT_THRESHOLD_FEN`
(what `payout_batch_propose` reads) and the day is the Celery beat entry that
runs `revenue.tasks.propose_payout_batch` (a crontab, Asia/Shanghai). Both are
read here, at call time; nothing is copied."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from storefront.core.money import MINUS_SIGN, format_fen

from .models import Party, Payout, PayoutBatchStatus
from .payouts import OPEN_PAYOUT
from .selectors import party_balance
from .statements import TIMEZONE

PROPOSE_TASK = "revenue.tasks.propose_payout_batch"
# crontab counts days from Sunday = 0.
_DAY_NAMES = {
    0: ("周日", "Sunday"),
    1: ("周一", "Monday"),
    2: ("周二", "Tuesday"),
    3: ("周三", "Wednesday"),
    4: ("周四", "Thursday"),
    5: ("周五", "Friday"),
    6: ("周六", "Saturday"),
}
# A crontab that matches no day within this many days is treated as off.
_LOOKAHEAD_DAYS = 400


class PayoutState:
    BELOW = "below"  # not yet at the threshold (or negative)
    DUE = "due"  # at the threshold: in the next batch
    NO_METHOD = "no_method"  # at the threshold, but no bank or Stripe account
    IN_BATCH = "in_batch"  # already in an open batch, on its way


@dataclass(frozen=True)
class NextPayout:
    state: str  # PayoutState
    owed_fen: int
    threshold_fen: int
    run_at: datetime | None  # the next proposal, Asia/Shanghai; None if off
    days_zh: str  # "周一"
    days_en: str  # "Monday"
    batch_label: str  # the open batch, for IN_BATCH
    batch_fen: int  # what the open batch pays, for IN_BATCH

    @property
    def sentence_zh(self) -> str:
        threshold = format_fen(self.threshold_fen)
        if self.state == PayoutState.IN_BATCH:
            return (
                f"{format_fen(self.batch_fen)} 已在付款批次 {self.batch_label} 中，"
                "等待付款到账。"
            )
        when = (
            f"于 {self.run_at:%Y-%m-%d}（{_zh_day(self.run_at)}）"
            if self.run_at
            else "由平台"
        )
        if self.state == PayoutState.DUE:
            return f"余额已满 {threshold}，{when}结算 {format_fen(self.owed_fen)}。"
        if self.state == PayoutState.NO_METHOD:
            return (
                f"余额已满 {threshold}，请先向平台登记收款银行账户，"
                f"登记后的下一个{self.days_zh}结算。"
            )
        if self.run_at is None:
            return f"余额满 {threshold} 后，由平台结算。"
        return f"余额满 {threshold} 后，于下一个{self.days_zh}结算。"

    @property
    def sentence_en(self) -> str:
        threshold = format_fen(self.threshold_fen)
        if self.state == PayoutState.IN_BATCH:
            return (
                f"{format_fen(self.batch_fen)} is in payout batch "
                f"{self.batch_label}, on its way to you."
            )
        if self.state == PayoutState.DUE:
            when = f"on {self.run_at:%A %d %B %Y}" if self.run_at else "by the platform"
            return (
                f"The balance has reached {threshold}: "
                f"{format_fen(self.owed_fen)} is paid {when}."
            )
        if self.state == PayoutState.NO_METHOD:
            return (
                f"The balance has reached {threshold}: register a bank account "
                f"with the platform, then it is paid on the next {self.days_en}."
            )
        if self.run_at is None:
            return f"Paid by the platform once the balance reaches {threshold}."
        return f"Paid on the next {self.days_en} once the balance reaches {threshold}."

    @property
    def owed_text(self) -> str:
        return format_fen(self.owed_fen, minus=MINUS_SIGN)


def _zh_day(moment: datetime) -> str:
    return _DAY_NAMES[(moment.weekday() + 1) % 7][0]


def _proposal_schedule():
    for entry in (getattr(settings, "CELERY_BEAT_SCHEDULE", None) or {}).values():
        if entry.get("task") == PROPOSE_TASK:
            return entry.get("schedule")
    return None


def next_proposal_at(now: datetime | None = None) -> datetime | None:
    """The next time the beat proposes a payout batch, strictly after `now`
    (Asia/Shanghai); None when it is not scheduled as a crontab."""
    schedule = _proposal_schedule()
    fields = ("day_of_week", "hour", "minute", "day_of_month", "month_of_year")
    if schedule is None or not all(hasattr(schedule, f) for f in fields):
        return None
    now = timezone.localtime(now or timezone.now(), TIMEZONE)
    times = sorted((h, m) for h in schedule.hour for m in schedule.minute)
    day = now.date()
    for _ in range(_LOOKAHEAD_DAYS):
        if (
            (day.weekday() + 1) % 7 in schedule.day_of_week
            and day.day in schedule.day_of_month
            and day.month in schedule.month_of_year
        ):
            for hour, minute in times:
                moment = datetime(
                    day.year, day.month, day.day, hour, minute, tzinfo=TIMEZONE
                )
                if moment > now:
                    return moment
        day += timedelta(days=1)
    return None


def _day_names() -> tuple[str, str]:
    schedule = _proposal_schedule()
    days = sorted(getattr(schedule, "day_of_week", ()) or ())
    if not days or len(days) == 7:
        return "天", "day"
    return (
        "、".join(_DAY_NAMES[d][0] for d in days),
        " or ".join(_DAY_NAMES[d][1] for d in days),
    )


def _open_payout(party: Party) -> Payout | None:
    return (
        Payout.objects.filter(
            party=party,
            status__in=OPEN_PAYOUT,
            batch__status__in=(PayoutBatchStatus.PROPOSED, PayoutBatchStatus.APPROVED),
        )
        .select_related("batch")
        .order_by("-pk")
        .first()
    )


def next_payout(*, party: Party) -> NextPayout:
    """The party's next payout as of now: two indexed reads."""
    threshold = settings.REVENUE_PAYOUT_THRESHOLD_FEN
    owed = party_balance(party).owed_fen
    open_payout = _open_payout(party)
    if open_payout is not None:
        state = PayoutState.IN_BATCH
    elif owed < threshold:
        state = PayoutState.BELOW
    elif party.payout_method is None:
        state = PayoutState.NO_METHOD
    else:
        state = PayoutState.DUE
    days_zh, days_en = _day_names()
    return NextPayout(
        state=state,
        owed_fen=owed,
        threshold_fen=threshold,
        run_at=next_proposal_at(),
        days_zh=days_zh,
        days_en=days_en,
        batch_label=str(open_payout.batch) if open_payout else "",
        batch_fen=open_payout.amount_fen if open_payout else 0,
    )
