"""Reads about imports that pages, the API and the admin share. They agree with
`user_can(user, Action.IMPORT_CATALOG, workshop)`: a workshop's managers, the
operators of a brand it sells under, and platform operators."""

from django.db.models import Q, QuerySet

from brands.models import Role, Workshop
from brands.permissions import is_platform_operator, role_targets

from .models import ImportJob


def _importable_filter(user) -> Q | None:
    """A Q() over workshops this user may import into; None: every one."""
    if is_platform_operator(user):
        return None
    managed = role_targets(user, Role.WORKSHOP_MANAGER)
    operated = role_targets(user, Role.BRAND_OPERATOR)
    return Q(pk__in=managed) | Q(brands__in=operated)


def may_import_somewhere(user) -> bool:
    """Whether to offer the import portal at all: no query beyond the
    membership load the permissions module caches per request."""
    return bool(
        is_platform_operator(user)
        or role_targets(user, Role.WORKSHOP_MANAGER)
        or role_targets(user, Role.BRAND_OPERATOR)
    )


def workshops_importable_by(user) -> QuerySet[Workshop]:
    """The workshops `user` may import a catalogue into, by name."""
    workshops = Workshop.objects.select_related("village").order_by("name")
    condition = _importable_filter(user)
    if condition is None:
        return workshops
    # The brand join may repeat a workshop: filter by ids instead of distinct().
    ids = Workshop.objects.filter(condition).values("pk")
    return workshops.filter(pk__in=ids)


def jobs_visible_to(user) -> QuerySet[ImportJob]:
    """Import jobs of the workshops `user` may import into, newest first."""
    jobs = ImportJob.objects.select_related("workshop", "created_by").order_by("-pk")
    condition = _importable_filter(user)
    if condition is None:
        return jobs
    ids = Workshop.objects.filter(condition).values("pk")
    return jobs.filter(workshop_id__in=ids)
