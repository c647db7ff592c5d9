from django.db.models import Prefetch, QuerySet

from .models import Brand, Village, Workshop


def brands_active() -> QuerySet[Brand]:
    return Brand.objects.filter(is_active=True)


def villages_all() -> QuerySet[Village]:
    return Village.objects.all()


def workshops_active(
    *, brand_slug: str | None = None, village_slug: str | None = None
) -> QuerySet[Workshop]:
    queryset = (
        Workshop.objects.filter(is_active=True)
        .select_related("village")
        .prefetch_related(Prefetch("brands", queryset=Brand.objects.order_by("name")))
    )
    if brand_slug:
        queryset = queryset.filter(brands__slug=brand_slug)
    if village_slug:
        queryset = queryset.filter(village__slug=village_slug)
    return queryset
