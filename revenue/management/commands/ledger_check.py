"""Check the whole revenue ledger from a terminal (or cron).

    python manage.py ledger_check [--limit 100] [--grace-minutes 0]

Exits 0 and prints what it covered when every invariant holds; otherwise
prints each problem and exits 1.
"""

from argparse import RawDescriptionHelpFormatter
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.utils import timezone

from revenue.checks import ledger_counts, ledger_violations


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's option order, with the description's two paragraphs kept."""


class Command(BaseCommand):
    help = (
        "检查分账账本：每张凭证借贷平衡且至少两条分录；账户余额等于分录合计；\n"
        "已付订单恰有一张分账凭证、未付订单没有；分账合计等于已付减已退；\n"
        "凭证分录与分账一致；退款与付款各有一张金额正确的凭证；全部余额合计为零；\n"
        "公开的月度回流汇总等于分账合计。\n"
        "全部成立时退出码为 0；否则逐条列出问题（订单号、凭证、账户），退出码为 1。\n"
        "\n"
        "Check the revenue ledger: every journal entry balances and has at least\n"
        "two lines; each account's balance equals the sum of its lines; every paid\n"
        "order has exactly one sale entry and no unpaid order has one; each split\n"
        "adds up to paid minus refunded; entry lines match their shares; every\n"
        "booked refund and every paid payout has one entry of the right amount;\n"
        "all balances sum to zero; the public monthly impact sums equal their\n"
        "shares. Exits 0 when all hold; otherwise lists each\n"
        "problem (order number, entry, account) and exits 1."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _HelpFormatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=100,
            help="每项检查最多列出几个问题 / at most this many problems per check "
            "(default 100)",
        )
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=0,
            help="付款后这么多分钟内尚未分账的订单不算问题（分账任务可能还在排队）"
            " / orders paid less than this many minutes ago may still await "
            "their split task and are not reported as unsplit (default 0)",
        )

    def handle(self, *args, limit, grace_minutes, **options):
        if limit < 1 or grace_minutes < 0:
            raise CommandError(
                "--limit 须至少为 1，--grace-minutes 不能为负 / --limit must be at "
                "least 1 and --grace-minutes not negative"
            )
        paid_before = (
            timezone.now() - timedelta(minutes=grace_minutes) if grace_minutes else None
        )
        violations = ledger_violations(limit=limit, paid_before=paid_before)
        if violations:
            for violation in violations:
                self.stdout.write(str(violation))
            raise CommandError(
                f"账本检查未通过：{len(violations)} 个问题 / ledger check failed: "
                f"{len(violations)} problem(s)",
                returncode=1,
            )
        c = ledger_counts()
        self.stdout.write(
            self.style.SUCCESS(
                f"账本检查通过 / ledger check passed: "
                f"{c['entries']} 张凭证 entries, {c['lines']} 条分录 lines, "
                f"{c['orders']} 个已分账订单 split orders, {c['shares']} 笔分账 "
                f"shares, {c['refunds']} 笔退款 refunds, {c['payouts']} 笔付款 "
                f"payouts, {c['accounts']} 个账户 accounts, "
                f"{c['impact_months']} 条月度回流汇总 monthly impact sums"
            )
        )
