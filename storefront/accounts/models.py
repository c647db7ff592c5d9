from django.conf import settings
from django.db import models
from django.db.models import Q

from storefront.core.address import AddressFields

# Enough for home, work, parents' and a few gift recipients.
MAX_ADDRESSES = 20


class Profile(models.Model):
    """What a shopper's account holds beyond Django's user: the mobile number
    and whether the email address was proven by a mailed link."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    # Not unique: a number is not proof of anything, and refusing a taken one
    # would tell strangers whose number has an account. Login by mobile works
    # only while exactly one active account has it.
    mobile = models.CharField("手机号 mobile", max_length=11, blank=True, db_index=True)
    # Set when the link mailed to user.email was opened; None = unverified.
    email_verified_at = models.DateTimeField(
        "邮箱验证时间 email verified at", null=True, blank=True
    )
    # An address the shopper asked to change to, waiting for its link; the
    # account keeps its current email until then.
    pending_email = models.EmailField("待验证邮箱 pending email", blank=True)
    # Part of every JWT issued to the account (storefront.accounts.jwt); a
    # new value (tokensDeactivateAll) makes all earlier tokens fail.
    jwt_token_key = models.CharField(
        "JWT 密钥 JWT key", max_length=32, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "顾客资料 shopper profile"
        verbose_name_plural = "顾客资料 shopper profiles"

    def __str__(self) -> str:
        return f"profile of user {self.user_id}"

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class Address(AddressFields, models.Model):
    """A delivery address the shopper saved (the address book). The fields
    and their lengths are the checkout's (AddressFields); the services check
    them with the checkout's rules."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    postal_code = models.CharField("邮政编码 postal code", max_length=6, blank=True)
    is_default = models.BooleanField("默认地址 default", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "-updated_at", "-id"]
        verbose_name = "收货地址 address"
        verbose_name_plural = "收货地址 addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_default=True),
                name="address_one_default_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient_name} {self.address_lines()}"
