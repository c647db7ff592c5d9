"""The email-verification link: Django's password-reset token machinery with
its own salt, so a reset token never verifies an address and the other way
round, and its own lifetime (ACCOUNT_EMAIL_VERIFICATION_TIMEOUT). The
account-deletion link (accountRequestDeletion) likewise, with a salt of its
own: one-time because the deletion makes the password unusable."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "storefront.accounts.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        # The verification state is part of the hash: once the address is
        # verified (or another change is asked for) the link stops working.
        profile = user.profile
        verified = (
            ""
            if profile.email_verified_at is None
            else profile.email_verified_at.replace(microsecond=0, tzinfo=None)
        )
        return (
            f"{user.pk}{user.password}{user.is_active}{user.email}"
            f"{profile.pending_email}{verified}{timestamp}"
        )

    def check_token(self, user, token):
        # Django's own check, except that it bounds the age by
        # PASSWORD_RESET_TIMEOUT; a verification link lives longer.
        if not (user and token):
            return False
        try:
            ts_b36, _ = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(
                self._make_token_with_timestamp(user, ts, secret), token
            )
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        age = self._num_seconds(self._now()) - ts
        return age <= settings.ACCOUNT_EMAIL_VERIFICATION_TIMEOUT


email_verification_token = EmailVerificationTokenGenerator()


class AccountDeletionTokenGenerator(PasswordResetTokenGenerator):
    """Django's hash (the password, the last sign-in, the email address) and
    PASSWORD_RESET_TIMEOUT; only the salt differs."""

    key_salt = "storefront.accounts.tokens.AccountDeletionTokenGenerator"


account_deletion_token = AccountDeletionTokenGenerator()
