from celery import shared_task

from .clicks import clicks_flush


@shared_task
def flush_clicks() -> int:
    """Move the taps counted in Redis into the database (every 30 s by beat).
    Safe to run twice at once or after a crash: see storefront.links.clicks."""
    return clicks_flush()
