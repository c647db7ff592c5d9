from . import admin_payouts  # noqa: F401  (registers the payout admin)
