"""Reads about host links and live sessions that pages, GraphQL and the
redirect share."""

from django.db.models import (
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone

from brands.models import Role
from brands.permissions import is_platform_operator, role_targets
from storefront.catalog.models import Product, ProductImage, ProductVariant
from storefront.catalog.selectors import products_with_card_data
from storefront.core.money import format_fen
from storefront.orders.models import Order
from storefront.orders.status import PAID_STATES

from .clicks import link_clicks_pending
from .models import HostLink, LinkTarget, LiveSession, LiveSessionProduct


def link_target_url(link: HostLink) -> str:
    """The path the link leads to, from the object it points at (so a renamed
    product's new slug is used)."""
    if link.target == LinkTarget.PRODUCT:
        return reverse("web:product", args=[link.product.slug])
    if link.target == LinkTarget.LIVE_SESSION:
        return reverse("links:live", args=[link.live_session_id])
    return reverse("web:brand", args=[link.brand.slug])


def link_utm_params(link: HostLink) -> dict[str, str]:
    """The link's filled-in UTM fields as query parameters."""
    names = ("utm_source", "utm_medium", "utm_campaign", "utm_content")
    return {name: getattr(link, name) for name in names if getattr(link, name)}


def host_links(user) -> QuerySet[HostLink]:
    """A host's own links, newest first, with what a list of them shows."""
    if not (user and user.is_authenticated):
        return HostLink.objects.none()
    return HostLink.objects.filter(host=user).select_related(
        "brand", "product", "live_session", "host"
    )


def host_links_visible_to(user) -> QuerySet[HostLink]:
    """The links whose figures `user` may see: their own, every link of a
    brand they operate, all of them for platform operators (the set
    user_can(VIEW_HOST_FIGURES, link) allows, as one query)."""
    links = HostLink.objects.select_related(
        "brand",
        "product__brand",
        "product__workshop",
        "live_session",
        "host__host_profile",
    )
    if is_platform_operator(user):
        return links
    if not (user and user.is_authenticated and user.is_active):
        return links.none()
    brands = role_targets(user, Role.BRAND_OPERATOR)
    return links.filter(Q(host=user) | Q(brand_id__in=brands))


def _first(model, **filters):
    return model.objects.filter(product=OuterRef("pinned_product"), **filters).order_by(
        "sort_order", "pk"
    )


def live_session_for_page(pk: int) -> LiveSession | None:
    """The session with its pinned product's buy facts (default variant,
    its price, first photo) in the one query the polling endpoint costs."""
    image_name = Coalesce(
        NullIf(F("rendition_small"), Value("")), F("image"), output_field=CharField()
    )
    return (
        LiveSession.objects.filter(pk=pk, brand__is_active=True)
        .select_related(
            "brand",
            "host__host_profile",
            "pinned_product__brand",
            "pinned_product__workshop",
        )
        .annotate(
            pinned_variant_id=Subquery(_first(ProductVariant).values("pk")[:1]),
            pinned_price_fen=Subquery(_first(ProductVariant).values("price_fen")[:1]),
            pinned_image=Subquery(
                _first(ProductImage).annotate(name=image_name).values("name")[:1]
            ),
        )
        .first()
    )


def session_is_live(session: LiveSession, now=None) -> bool:
    now = now or timezone.now()
    return session.starts_at <= now < session.ends_at


def session_phase(session: LiveSession, now=None) -> str:
    """ "upcoming", "live" or "ended": a purchase from the live page is
    credited to the session only while it is "live"."""
    now = now or timezone.now()
    if now < session.starts_at:
        return "upcoming"
    return "live" if now < session.ends_at else "ended"


def live_session_pinning(product: Product) -> LiveSession | None:
    """The running session that has `product` pinned now (the latest pin
    if several do), for the product page's 正在直播 badge."""
    now = timezone.now()
    return (
        LiveSession.objects.filter(
            pinned_product=product,
            starts_at__lte=now,
            ends_at__gt=now,
            brand__is_active=True,
        )
        .order_by("-pinned_at", "-pk")
        .only("pk", "title")
        .first()
    )


def upcoming_sessions(*, host=None, brand=None, limit: int = 10) -> list[LiveSession]:
    """直播预告: sessions of `host` or `brand` not yet ended, soonest first
    (a running one first of all)."""
    sessions = LiveSession.objects.filter(
        ends_at__gt=timezone.now(), brand__is_active=True
    )
    if host is not None:
        sessions = sessions.filter(host=host)
    if brand is not None:
        sessions = sessions.filter(brand=brand)
    return list(
        sessions.select_related("brand", "host__host_profile").order_by(
            "starts_at", "pk"
        )[:limit]
    )


def host_display_name(session: LiveSession) -> str:
    profile = getattr(session.host, "host_profile", None)
    return profile.display_name if profile else session.host.get_username()


def live_session_state(session: LiveSession) -> dict:
    """What the live page shows of the moment: the product on air (None when
    nothing is pinned or it went off sale) and whether the session is live.
    Best with a session from live_session_for_page (no further query)."""
    product = session.pinned_product
    pinned = None
    if product is not None and product.is_on_sale:
        if not hasattr(session, "pinned_price_fen"):
            session = live_session_for_page(session.pk) or session
        price_fen = getattr(session, "pinned_price_fen", None)
        image = getattr(session, "pinned_image", None)
        pinned = {
            "product_id": product.pk,
            "name": product.localized_name,
            "variant_id": getattr(session, "pinned_variant_id", None),
            "price_fen": price_fen,
            "price": format_fen(price_fen) if price_fen is not None else "",
            "url": reverse("web:product", args=[product.slug]),
            "image_url": (
                ProductImage._meta.get_field("image").storage.url(image)
                if image
                else None
            ),
        }
    return {
        "pinned": pinned,
        "pinned_at": session.pinned_at.isoformat() if session.pinned_at else None,
        "title": session.title,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "is_live": session_is_live(session),
        "phase": session_phase(session),
    }


def featured_products(session: LiveSession, *, user=None) -> list[Product]:
    """The session's products on sale, in the host's order, with card data."""
    rows = LiveSessionProduct.objects.filter(
        session=session, product__in=Product.objects.on_sale()
    ).order_by("position", "pk")
    products = products_with_card_data(
        Product.objects.filter(pk__in=rows.values("product_id"))
    ).select_related("workshop")
    by_pk = {product.pk: product for product in products}
    return [
        by_pk[pk] for pk in rows.values_list("product_id", flat=True) if pk in by_pk
    ]


def link_clicks(link: HostLink) -> int:
    """Flushed clicks plus those still counted in Redis."""
    return link.clicks + link_clicks_pending(link.pk)


def live_session_figures(session: LiveSession) -> dict:
    """Views, clicks on the session's links, paid orders and GMV so far
    (paid minus refunded). Check user_can(VIEW_HOST_FIGURES) before showing."""
    views = LiveSession.objects.filter(pk=session.pk).values_list("views", flat=True)
    links = list(
        HostLink.objects.filter(live_session=session).values_list("pk", "clicks")
    )
    orders = Order.objects.filter(live_session=session, status__in=PAID_STATES)
    totals = orders.aggregate(
        count=Count("pk"), gmv=Sum(F("paid_fen") - F("refunded_fen"))
    )
    gmv_fen = int(totals["gmv"] or 0)
    return {
        "views": int(views.first() or 0),
        "clicks": sum(clicks + link_clicks_pending(pk) for pk, clicks in links),
        "orders": totals["count"],
        "gmv_fen": gmv_fen,
        "gmv": format_fen(gmv_fen),
    }
