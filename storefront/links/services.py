"""Writes for livestream hosts: links, live sessions, pins, applications.

Keyword-only, permission-checked through brands.permissions.user_can, atomic.
Every refusal is a LinkError naming the input field at fault.
"""

import re

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from brands.models import Brand, Membership, Role
from brands.permissions import Action, user_can
from brands.services import membership_grant
from storefront.catalog.models import Product
from storefront.core.slugs import unique_slug

from . import codes, tasks
from .errors import LinkError, LinkErrorCode
from .live_cache import live_state_changed
from .models import (
    ApplicationStatus,
    HostApplication,
    HostLink,
    HostProfile,
    LinkTarget,
    LiveSession,
    LiveSessionProduct,
)
from .resolve import link_target_forget

UTM_KEYS = ("source", "medium", "campaign", "content")
UTM_MAX_LENGTH = 100
LABEL_MAX_LENGTH = 80
TITLE_MAX_LENGTH = 120
NOTE_MAX_LENGTH = 200
FEATURED_MAX = 50
CODE_ATTEMPTS = 5
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _text(value, *, field: str, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise LinkError(LinkErrorCode.INVALID_TEXT, field=field)
    value = value.strip()
    if len(value) > max_length or _CONTROL.search(value) or (required and not value):
        raise LinkError(
            LinkErrorCode.INVALID_TEXT, field=field, detail=f"≤ {max_length}"
        )
    return value


def _utm_fields(utm: dict | None) -> dict:
    fields = {f"utm_{key}": "" for key in UTM_KEYS}
    for key, value in (utm or {}).items():
        field = f"utm_{key}"
        if key not in UTM_KEYS:
            raise LinkError(LinkErrorCode.INVALID_UTM, field=field)
        value = "" if value is None else value
        if not isinstance(value, str):
            raise LinkError(LinkErrorCode.INVALID_UTM, field=field)
        value = value.strip()
        if len(value) > UTM_MAX_LENGTH or _CONTROL.search(value):
            raise LinkError(LinkErrorCode.INVALID_UTM, field=field)
        fields[field] = value
    return fields


def _require_on_sale(product: Product, *, field: str) -> None:
    if not product.is_on_sale:
        raise LinkError(LinkErrorCode.PRODUCT_NOT_PUBLISHED, field=field)


def _require_approved(user, brand: Brand, *, field: str = "brand") -> None:
    if not (brand.is_active and user_can(user, Action.LINK_PRODUCTS_OF_BRAND, brand)):
        raise LinkError(LinkErrorCode.NOT_APPROVED_FOR_BRAND, field=field)


def _link_brand(target, product, brand, live_session) -> Brand:
    """The brand the link sells, from its object; a brand given alongside a
    product or session must be theirs."""
    if target == LinkTarget.PRODUCT:
        if product is None:
            raise LinkError(LinkErrorCode.INVALID_TARGET, field="product")
        derived = product.brand
        if live_session is not None and live_session.brand_id != derived.pk:
            raise LinkError(LinkErrorCode.WRONG_BRAND, field="product")
    elif target == LinkTarget.LIVE_SESSION:
        if live_session is None or product is not None:
            raise LinkError(LinkErrorCode.INVALID_TARGET, field="live_session")
        derived = live_session.brand
    elif target == LinkTarget.BRAND:
        if brand is None or product is not None or live_session is not None:
            raise LinkError(LinkErrorCode.INVALID_TARGET, field="brand")
        return brand
    else:
        raise LinkError(LinkErrorCode.INVALID_TARGET, field="target")
    if brand is not None and brand.pk != derived.pk:
        raise LinkError(LinkErrorCode.WRONG_BRAND, field="brand")
    return derived


def host_link_create(
    *,
    user,
    target: str,
    product: Product | None = None,
    brand: Brand | None = None,
    live_session: LiveSession | None = None,
    label: str = "",
    utm: dict | None = None,
    expires_at=None,
) -> HostLink:
    target = getattr(target, "value", target)
    link_brand = _link_brand(target, product, brand, live_session)
    _require_approved(user, link_brand)
    if product is not None:
        _require_on_sale(product, field="product")
    if live_session is not None and live_session.host_id != user.pk:
        raise LinkError(LinkErrorCode.PERMISSION_DENIED, field="live_session")
    if expires_at is not None and expires_at <= timezone.now():
        raise LinkError(LinkErrorCode.INVALID_TIMES, field="expires_at")
    link = HostLink(
        host=user,
        brand=link_brand,
        target=target,
        product=product,
        live_session=live_session,
        label=_text(label, field="label", max_length=LABEL_MAX_LENGTH),
        expires_at=expires_at,
        **_utm_fields(utm),
    )
    for attempt in range(CODE_ATTEMPTS):
        link.code = codes.new_code()
        try:
            with transaction.atomic():
                link.save(force_insert=True)
            return link
        except IntegrityError as exc:
            # Two codes in 8 × 10^14 meeting is rare; anything else is a bug.
            if "code" not in str(exc) or attempt == CODE_ATTEMPTS - 1:
                raise
            link.pk = None
    raise AssertionError("unreachable")


def _may_manage_link(user, link: HostLink) -> bool:
    is_host = bool(user and user.is_authenticated and link.host_id == user.pk)
    return is_host or user_can(user, Action.APPROVE_HOSTS, link.brand)


@transaction.atomic
def host_link_revoke(*, user, link: HostLink) -> HostLink:
    """The link keeps redirecting but credits no one from now on. Its host,
    the brand's operators and platform operators may revoke it; again is a
    no-op."""
    if not _may_manage_link(user, link):
        raise LinkError(LinkErrorCode.PERMISSION_DENIED, field="link")
    link = HostLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        code = link.code
        transaction.on_commit(lambda: link_target_forget(code))
    return link


def _featured_products(brand: Brand, product_ids) -> list[Product]:
    if not isinstance(product_ids, list | tuple) or len(product_ids) > FEATURED_MAX:
        raise LinkError(
            LinkErrorCode.INVALID_TARGET,
            field="product_ids",
            detail=f"≤ {FEATURED_MAX}",
        )
    # A product listed twice is featured once, where it first appears.
    first_index: dict[int, int] = {}
    for index, raw in enumerate(product_ids):
        if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
            raise LinkError(LinkErrorCode.NOT_FOUND, field=f"product_ids.{index}")
        first_index.setdefault(raw, index)
    found = Product.objects.select_related("brand", "workshop").in_bulk(first_index)
    products = []
    for pk, index in first_index.items():
        product = found.get(pk)
        field = f"product_ids.{index}"
        if product is None:
            raise LinkError(LinkErrorCode.NOT_FOUND, field=field)
        if product.brand_id != brand.pk:
            raise LinkError(LinkErrorCode.WRONG_BRAND, field=field)
        _require_on_sale(product, field=field)
        products.append(product)
    return products


@transaction.atomic
def live_session_create(
    *, user, brand: Brand, title: str, starts_at, ends_at, product_ids: list[int]
) -> LiveSession:
    _require_approved(user, brand)
    title = _text(title, field="title", max_length=TITLE_MAX_LENGTH, required=True)
    if starts_at is None:
        raise LinkError(LinkErrorCode.INVALID_TIMES, field="starts_at")
    if ends_at is None or ends_at <= starts_at:
        raise LinkError(LinkErrorCode.INVALID_TIMES, field="ends_at")
    products = _featured_products(brand, product_ids)
    session = LiveSession.objects.create(
        host=user, brand=brand, title=title, starts_at=starts_at, ends_at=ends_at
    )
    LiveSessionProduct.objects.bulk_create(
        LiveSessionProduct(session=session, product=product, position=position)
        for position, product in enumerate(products)
    )
    return session


def may_run_session(user, session: LiveSession) -> bool:
    """Its host while still approved for the brand, the brand's operators,
    platform operators."""
    is_host = bool(user and user.is_authenticated and session.host_id == user.pk)
    if is_host and user_can(user, Action.LINK_PRODUCTS_OF_BRAND, session.brand):
        return True
    return user_can(user, Action.APPROVE_HOSTS, session.brand)


@transaction.atomic
def live_session_pin(
    *, user, session: LiveSession, product: Product | None = None
) -> LiveSession:
    """Show `product` as the one on air now; None takes it down."""
    if not may_run_session(user, session):
        raise LinkError(LinkErrorCode.PERMISSION_DENIED, field="session")
    if product is not None:
        _require_on_sale(product, field="product")
        featured = LiveSessionProduct.objects.filter(session=session, product=product)
        if not featured.exists():
            raise LinkError(LinkErrorCode.NOT_FEATURED, field="product")
    session = LiveSession.objects.select_for_update().get(pk=session.pk)
    session.pinned_product = product
    session.pinned_at = timezone.now()
    session.save(update_fields=["pinned_product", "pinned_at"])
    live_state_changed(session.pk)  # viewers' cached state.json
    return session


def live_session_count_view(*, session: LiveSession) -> None:
    """One more visitor on the session's page (the caller decides who
    counts); F() so concurrent visitors all count."""
    LiveSession.objects.filter(pk=session.pk).update(views=F("views") + 1)


def host_apply(*, user, brand: Brand, note: str = "") -> HostApplication:
    if not (user and user.is_authenticated and user.is_active):
        raise LinkError(LinkErrorCode.PERMISSION_DENIED)
    if not brand.is_active:
        raise LinkError(LinkErrorCode.NOT_FOUND, field="brand")
    note = _text(note, field="note", max_length=NOTE_MAX_LENGTH)
    approved = Membership.objects.filter(
        user=user, role=Role.LIVESTREAM_HOST, brand=brand
    )
    if approved.exists():
        raise LinkError(LinkErrorCode.ALREADY_APPLIED, field="brand")
    try:
        with transaction.atomic():
            return HostApplication.objects.create(host=user, brand=brand, note=note)
    except IntegrityError as exc:
        # host_application_one_pending: one open application per brand.
        raise LinkError(LinkErrorCode.ALREADY_APPLIED, field="brand") from exc


def _host_profile_ensure(user) -> HostProfile:
    profile = HostProfile.objects.filter(user=user).first()
    if profile is not None:
        return profile
    name = (user.get_full_name() or user.get_username())[:80]
    return HostProfile.objects.create(
        user=user,
        slug=unique_slug(HostProfile, name, fallback="host"),
        display_name=name,
    )


@transaction.atomic
def host_application_decide(
    *, user, application: HostApplication, approve: bool
) -> HostApplication:
    """Approving makes the applicant a LIVESTREAM_HOST of the brand (and gives
    them a public profile if they had none)."""
    if not user_can(user, Action.APPROVE_HOSTS, application.brand):
        raise LinkError(LinkErrorCode.PERMISSION_DENIED, field="application")
    application = (
        HostApplication.objects.select_for_update()
        .select_related("host", "brand")
        .get(pk=application.pk)
    )
    if application.status != ApplicationStatus.PENDING:
        raise LinkError(LinkErrorCode.ALREADY_DECIDED, field="application")
    application.status = (
        ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
    )
    application.decided_by = user
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        membership_grant(
            user=application.host, role=Role.LIVESTREAM_HOST, brand=application.brand
        )
        _host_profile_ensure(application.host)
    # The applicant hears of it once the decision is committed (a rollback
    # sends nothing); the task retries while the mail server is down.
    decided = application.pk
    transaction.on_commit(
        lambda: tasks.send_application_decided.delay(decided), robust=True
    )
    return application
