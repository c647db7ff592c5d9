"""Demo livestream host: host_xiaomei's profile, one short link to a
斑斓海岸 product with a fixed code (so the README can cite /l/xmsea888), and
a live session of hers today featuring three products, the first pinned.

Idempotent like the rest of the demo: rows are found by natural keys (user;
code; host + title; session + product). The session is moved to today when
the demo is loaded on a later day; what the host changes while live (the
pinned product, views, clicks) is left alone.
"""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from storefront.catalog.models import Product
from storefront.links.models import (
    HostLink,
    HostProfile,
    LinkTarget,
    LiveSession,
    LiveSessionProduct,
)

HOST = "host_xiaomei"
BRAND = "banlan-haian"
PROFILE = {
    "slug": "xiaomei",
    "display_name": "小美 Xiaomei",
    "bio": (
        "象山渔村长大的村播主播，直播西沪港的海鲜与鱼鲞。"
        "\nA village livestream host from Xiangshan, selling Xihu Harbour "
        "seafood and dried fish live."
    ),
}
LINK_CODE = "xmsea888"
LINK = {"workshop": "xihugang-zhibo", "code": "BL-ZB-003"}  # 西沪港烤虾干
SESSION_TITLE = "西沪港渔港直播 · Live from Xihu Harbour"
# Featured in this order; the first is pinned when the session is created.
FEATURED = (
    ("xihugang-zhibo", "BL-ZB-003"),
    ("tatouwang-yuxiang", "BL-YX-001"),
    ("xihugang-zhibo", "BL-ZB-001"),
)
STARTS_AT = time(8, 0)
LASTS = timedelta(hours=16)

KINDS = {
    "host_profiles": "主播 host profiles",
    "host_links": "主播链接 host links",
    "live_sessions": "直播 live sessions",
    "live_products": "直播商品 live products",
}


def load_links(loader) -> None:
    host = get_user_model()._default_manager.get(username=HOST)
    brand = loader.brands[BRAND]
    loader.upsert("host_profiles", HostProfile, {"user": host}, PROFILE)
    products = [_product(loader, workshop, code) for workshop, code in FEATURED]
    _load_link(loader, host, brand, _product(loader, **LINK))
    _load_session(loader, host, brand, products)


def _product(loader, workshop: str, code: str) -> Product:
    return Product.objects.get(workshop=loader.workshops[workshop], product_code=code)


def _load_link(loader, host, brand, product) -> HostLink:
    values = {
        "host": host,
        "brand": brand,
        "target": LinkTarget.PRODUCT,
        "product": product,
        "live_session": None,
        "label": "直播间置顶 pinned in the live room",
        "utm_source": "douyin",
        "utm_medium": "live",
        "utm_campaign": "demo",
    }
    link, _ = loader.upsert("host_links", HostLink, {"code": LINK_CODE}, values)
    return link


def _today_window() -> tuple[datetime, datetime]:
    starts = timezone.make_aware(datetime.combine(timezone.localdate(), STARTS_AT))
    return starts, starts + LASTS


def _load_session(loader, host, brand, products) -> LiveSession:
    starts_at, ends_at = _today_window()

    def create() -> LiveSession:
        session = LiveSession(
            host=host,
            brand=brand,
            title=SESSION_TITLE,
            starts_at=starts_at,
            ends_at=ends_at,
            pinned_product=products[0],
            pinned_at=timezone.now(),
        )
        session.full_clean()
        session.save()
        return session

    session, _ = loader.upsert(
        "live_sessions",
        LiveSession,
        {"host": host, "title": SESSION_TITLE},
        {"brand": brand, "starts_at": starts_at, "ends_at": ends_at},
        create,
    )
    for position, product in enumerate(products):
        loader.upsert(
            "live_products",
            LiveSessionProduct,
            {"session": session, "product": product},
            {"position": position},
        )
    return session
