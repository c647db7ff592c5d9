"""The signed-in visitors bench/storefront.py and bench/page_profile.py use:
a shopper, the manager of the first bench workshop and a livestream host of
the first bench brand with ten links and 30 days of taps. Created once per
bench database (idempotent)."""

from datetime import timedelta

PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway bench database
SHOPPER, MANAGER, HOST = "bench-shopper", "bench-manager", "bench-host"


def bench_users():
    """(shopper, workshop manager, host), created if missing."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from brands.models import Brand, Membership, Role, Workshop
    from storefront.catalog.models import Product
    from storefront.links.codes import new_code
    from storefront.links.models import HostLink, LinkDailyStat, LinkTarget

    users = get_user_model()
    made = []
    for name in (SHOPPER, MANAGER, HOST):
        user = users.objects.filter(username=name).first()
        if user is None:
            user = users.objects.create_user(name, password=PASSWORD)
        made.append(user)
    shopper, manager, host = made
    workshop = Workshop.objects.order_by("pk").first()
    brand = Brand.objects.order_by("pk").first()
    Membership.objects.get_or_create(
        user=manager, role=Role.WORKSHOP_MANAGER, workshop=workshop
    )
    Membership.objects.get_or_create(user=host, role=Role.LIVESTREAM_HOST, brand=brand)
    if not HostLink.objects.filter(host=host).exists():
        products = Product.objects.filter(brand=brand).order_by("pk")[:10]
        links = HostLink.objects.bulk_create(
            HostLink(
                code=new_code(),
                host=host,
                brand=brand,
                target=LinkTarget.PRODUCT,
                product=product,
                label=f"基准链接{n}",
            )
            for n, product in enumerate(products)
        )
        today = timezone.localdate()
        LinkDailyStat.objects.bulk_create(
            LinkDailyStat(
                link=link,
                day=today - timedelta(days=day),
                clicks=10 + day,
                unique_visitors=5 + day,
            )
            for link in links
            for day in range(30)
        )
    return shopper, manager, host
