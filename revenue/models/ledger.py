from django.db import models
from django.db.models import Q
from django.utils import timezone

from .parties import Party


class AccountKind(models.TextChoices):
    # Credit-normal: what the platform owes the party (a negative balance).
    PAYABLE = "payable", "应付 payable"
    # What has been sent to the party, as a credit: cash that left the platform.
    PAID_OUT = "paid_out", "已付 paid out"
    # The platform's one account for money customers paid and Stripe holds.
    CLEARING = "clearing", "清算 clearing"


class Account(models.Model):
    """Balances are signed fen (debit positive). `balance_fen` is kept equal to
    the sum of the account's journal lines; `ledger_check` proves it."""

    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    kind = models.CharField(max_length=10, choices=AccountKind.choices)
    balance_fen = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = "账户 account"
        verbose_name_plural = "账户 accounts"
        constraints = [
            models.UniqueConstraint(
                fields=["party", "kind"], name="account_one_per_party_and_kind"
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind="clearing"),
                name="account_one_clearing",
            ),
            models.CheckConstraint(
                condition=Q(kind="clearing", party__isnull=True)
                | (~Q(kind="clearing") & Q(party__isnull=False)),
                name="account_clearing_has_no_party",
            ),
        ]

    def __str__(self) -> str:
        owner = self.party.name if self.party_id else "平台 platform"
        return f"{owner} · {self.get_kind_display()}"


class EntryKind(models.TextChoices):
    SALE = "sale", "销售分账 sale split"
    REFUND = "refund", "退款冲回 refund reversal"
    PAYOUT = "payout", "结算付款 payout"
    REVERSAL = "reversal", "更正冲销 correcting reversal"


class JournalEntry(models.Model):
    """An immutable posting whose lines sum to zero (checked in code before the
    insert and by a database trigger after it), tied to the one cause it
    records. The unique constraints on the cause make posting idempotent."""

    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journal_entries",
    )
    refund = models.ForeignKey(
        "payments.Refund",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journal_entries",
    )
    payout = models.ForeignKey(
        "revenue.Payout",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journal_entries",
    )
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    memo = models.CharField(max_length=200, blank=True)
    posted_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "记账凭证 journal entry"
        verbose_name_plural = "记账凭证 journal entries"
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind="sale"), name="entry_one_sale_split"
            ),
            models.UniqueConstraint(
                fields=["refund"],
                condition=Q(kind="refund"),
                name="entry_one_per_refund",
            ),
            models.UniqueConstraint(
                fields=["payout"],
                condition=Q(kind="payout"),
                name="entry_one_per_payout",
            ),
            models.CheckConstraint(
                condition=Q(kind="sale", order__isnull=False)
                | Q(kind="refund", refund__isnull=False, order__isnull=False)
                | Q(kind="payout", payout__isnull=False)
                | Q(kind="reversal", reverses__isnull=False),
                name="entry_names_its_cause",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"


class JournalLine(models.Model):
    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="lines"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    amount_fen = models.BigIntegerField()  # debit positive, credit negative

    class Meta:
        ordering = ["id"]
        verbose_name = "凭证分录 journal line"
        verbose_name_plural = "凭证分录 journal lines"
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount_fen=0), name="journal_line_not_zero"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.account_id} {self.amount_fen:+d}"
