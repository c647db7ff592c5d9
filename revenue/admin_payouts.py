"""Admin for payout batches and payouts."""
