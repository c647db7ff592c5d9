"""What a tap on /l/<code> needs, cached by code so a spike costs no
database read per tap: in Django's cache for CACHE_SECONDS and in each
process for LOCAL_SECONDS. A revoke forgets it at once (services)."""

import time
from datetime import UTC, datetime

from django.core.cache import cache

from brands.models import Brand

from .models import HostLink
from .selectors import link_target_url, link_utm_params

CACHE_SECONDS = 25
LOCAL_SECONDS = 5
LOCAL_MAX = 2000
# code → (monotonic deadline, link_target()); per process, cleared when full.
_local: dict[str, tuple[float, tuple[dict, HostLink]]] = {}


def link_target_key(code: str) -> str:
    return f"links:target:{code}"


def link_target_forget(code: str) -> None:
    """Drop a link's cached redirect data (after a revoke, for instance);
    other processes' copies expire within LOCAL_SECONDS."""
    _local.pop(code, None)
    cache.delete(link_target_key(code))


def _timestamp(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def link_target(code: str) -> tuple[dict, HostLink] | None:
    """What a tap needs, cached by code: the target path and UTM parameters,
    and an unsaved HostLink with the fields attribution and counting read.
    None for an unknown code."""
    now = time.monotonic()
    kept = _local.get(code)
    if kept is not None and kept[0] > now:
        return kept[1]
    data = cache.get(link_target_key(code))
    if data is None:
        data = _link_target_from_database(code)
        if data is None:
            return None
        cache.set(link_target_key(code), data, CACHE_SECONDS)
    found = (data, _link_from(data))
    if len(_local) >= LOCAL_MAX:
        _local.clear()
    _local[code] = (now + LOCAL_SECONDS, found)
    return found


def _link_target_from_database(code: str) -> dict | None:
    link = HostLink.objects.select_related("brand", "product").filter(code=code).first()
    if link is None:
        return None
    return {
        "id": link.pk,
        "host_id": link.host_id,
        "brand_id": link.brand_id,
        "window_days": link.brand.attribution_window_days,
        "live_session_id": link.live_session_id,
        "revoked_at": _timestamp(link.revoked_at),
        "expires_at": _timestamp(link.expires_at),
        "path": link_target_url(link),
        "utm": link_utm_params(link),
    }


def _link_from(data: dict) -> HostLink:
    """An unsaved HostLink holding the fields attribution reads (shared by
    the taps of one process: nothing may change it)."""

    def moment(value):
        return datetime.fromtimestamp(value, tz=UTC) if value else None

    return HostLink(
        pk=data["id"],
        host_id=data["host_id"],
        brand=Brand(pk=data["brand_id"], attribution_window_days=data["window_days"]),
        live_session_id=data["live_session_id"],
        revoked_at=moment(data["revoked_at"]),
        expires_at=moment(data["expires_at"]),
    )
