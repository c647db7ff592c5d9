"""Recompute the public monthly impact sums from the ledger.

    python manage.py impact_rebuild [--month 2026-11]

The postings keep the sums current; run this after restoring a backup, or
when ledger_check reports impact_mismatch. Repeating it changes nothing."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from revenue.impact import impact_rebuild


class Command(BaseCommand):
    help = (
        "从分账重新计算公开的月度回流汇总（可重复运行）/ Recompute the public "
        "monthly impact sums from the ledger's shares (safe to repeat)"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--month",
            help="只重算这个月（YYYY-MM，北京时间）/ only this month (YYYY-MM, "
            "Asia/Shanghai); default: every month",
        )

    def handle(self, *args, month, **options):
        day = None
        if month:
            try:
                year, number = (int(part) for part in month.split("-"))
                day = date(year, number, 1)
            except ValueError as exc:
                raise CommandError(
                    f"--month 应为 YYYY-MM / --month must be YYYY-MM: {month!r}"
                ) from exc
        rows = impact_rebuild(month=day)
        self.stdout.write(
            self.style.SUCCESS(
                f"已重算 {rows} 条月度回流汇总 / rebuilt {rows} monthly impact sums"
            )
        )
