"""Catalogue import: upload a workshop's file, follow its job, apply a dry run.

`catalogImportCreate` takes the file as an `Upload` variable of a GraphQL
multipart request (see view.py: signed-in users only, with the CSRF header).
A job is read with `importJob(id:)` by the people who may import into its
workshop; it is not a Relay node. Its problems and plan come from the job's
report as capped cursor connections.
"""

import graphene
from django.core.files.uploadedfile import UploadedFile
from graphql import GraphQLError
from graphql_relay import to_global_id

from brands.models import Brand, Workshop
from catalog_import import selectors, services
from catalog_import.errors import ImportJobError, ImportJobErrorCode, Severity
from catalog_import.links import product_urls
from catalog_import.models import ImportMode, ImportStatus

from .errors import DomainMutation, Error, choice_value, mirror_enum
from .ids import decode_id
from .pagination import paginate
from .types import CountedConnection

ImportStatusEnum = mirror_enum(ImportStatus, "ImportStatus")
ImportModeEnum = mirror_enum(ImportMode, "ImportMode")
ImportProblemSeverityEnum = mirror_enum(Severity, "ImportProblemSeverity")
CatalogImportErrorCode = mirror_enum(ImportJobErrorCode, "CatalogImportErrorCode")


class Upload(graphene.Scalar):
    """A file sent as a part of a GraphQL multipart request; given only as a
    variable, never written in the query text."""

    @staticmethod
    def serialize(value):
        raise GraphQLError("Upload is an input type")

    @staticmethod
    def parse_literal(node, _variables=None):
        raise GraphQLError("a file can only be sent as a variable")

    @staticmethod
    def parse_value(value):
        if isinstance(value, UploadedFile):
            return value
        raise GraphQLError(
            "须为 multipart 请求中上传的文件 "
            "(must be a file sent in a multipart request)"
        )


class CatalogImportError(graphene.ObjectType):
    class Meta:
        interfaces = (Error,)

    code = graphene.Field(CatalogImportErrorCode, required=True)


class _Items(list):
    """A list that pages like a queryset (paginate slices it, and
    CountedConnection counts it)."""

    def count(self):  # noqa: D102 - the queryset method, not list.count
        return len(self)


class ImportProblem(graphene.ObjectType):
    """One problem found in the file; `row` is the sheet row (header = 1),
    null for the file as a whole."""

    row = graphene.Int()
    column = graphene.String(required=True)
    code = graphene.String(required=True, description="an import error code")
    severity = graphene.Field(ImportProblemSeverityEnum, required=True)
    message = graphene.String(required=True, description="中文 / English")
    product_code = graphene.String(required=True)

    # The value behind this type is a dict from the job's report.
    def resolve_row(self, info):
        return self.get("row")

    def resolve_column(self, info):
        return self.get("column") or ""

    def resolve_code(self, info):
        return self.get("code") or ""

    def resolve_severity(self, info):
        return self.get("severity") or Severity.ERROR.value

    def resolve_message(self, info):
        return self.get("message") or ""

    def resolve_product_code(self, info):
        return self.get("product_code") or ""


class ImportProblemConnection(CountedConnection):
    class Meta:
        node = ImportProblem


class ImportFieldChange(graphene.ObjectType):
    field = graphene.String(required=True)
    old = graphene.JSONString(description="the value now (JSON); prices in fen")
    new = graphene.JSONString(description="the value from the file (JSON)")


class ImportVariantChange(graphene.ObjectType):
    sku = graphene.String(required=True)
    is_new = graphene.Boolean(required=True)
    changes = graphene.List(graphene.NonNull(ImportFieldChange), required=True)


def _field_changes(raw) -> list[ImportFieldChange]:
    if not isinstance(raw, dict):
        return []
    changes = []
    for name, value in raw.items():
        old, new = (
            value if isinstance(value, list) and len(value) == 2 else (None, value)
        )
        changes.append(ImportFieldChange(field=name, old=old, new=new))
    return changes


class ImportPlanEntry(graphene.ObjectType):
    """What the import does (or did) to one product."""

    action = graphene.String(
        required=True, description="create, update, unchanged, archive or skip"
    )
    product_code = graphene.String(required=True)
    product_name = graphene.String(required=True)
    rows = graphene.List(graphene.NonNull(graphene.Int), required=True)
    changes = graphene.List(graphene.NonNull(ImportFieldChange), required=True)
    variants = graphene.List(graphene.NonNull(ImportVariantChange), required=True)
    written = graphene.Boolean(
        required=True,
        description="An apply created or updated this product",
    )
    product_url = graphene.String(
        description="The public page of the product an apply wrote"
    )

    # The value behind this type is a dict from the job's report.
    def resolve_written(self, info):
        return bool(self.get("written"))

    def resolve_product_url(self, info):
        if not self.get("written"):
            return None
        return (
            product_urls(self.get("product_id"), self.get("product_slug"))["url"]
            or None
        )

    def resolve_action(self, info):
        return self.get("action") or ""

    def resolve_product_code(self, info):
        return self.get("product_code") or ""

    def resolve_product_name(self, info):
        return self.get("name") or ""

    def resolve_rows(self, info):
        return [n for n in self.get("rows") or [] if isinstance(n, int)]

    def resolve_changes(self, info):
        return _field_changes(self.get("changes"))

    def resolve_variants(self, info):
        new_skus = [str(sku) for sku in self.get("new_skus") or []]
        changed = self.get("variant_changes") or {}
        variants = [
            ImportVariantChange(
                sku=sku, is_new=sku in new_skus, changes=_field_changes(changes)
            )
            for sku, changes in changed.items()
        ]
        # What a new variant will be, from nothing (None → value).
        new_values = self.get("new_variants") or {}
        variants += [
            ImportVariantChange(
                sku=sku,
                is_new=True,
                changes=_field_changes(
                    {k: [None, v] for k, v in (new_values.get(sku) or {}).items()}
                ),
            )
            for sku in new_skus
            if sku not in changed
        ]
        return variants


class ImportPlanConnection(CountedConnection):
    class Meta:
        node = ImportPlanEntry


_PAGE_ARGS = {
    "first": graphene.Int(),
    "last": graphene.Int(),
    "after": graphene.String(),
    "before": graphene.String(),
}


def _page(kwargs) -> dict:
    return {k: kwargs.get(k) for k in ("first", "last", "after", "before")}


class ImportJobType(graphene.ObjectType):
    """An upload of a workshop's catalogue, previewed (dry run) or applied."""

    class Meta:
        name = "ImportJob"

    id = graphene.ID(required=True, description="Global ID of type ImportJob")
    workshop_slug = graphene.String(required=True)
    workshop_name = graphene.String(required=True)
    original_name = graphene.String(required=True)
    sheet_name = graphene.String(required=True)
    mode = graphene.Field(ImportModeEnum, required=True)
    archive_missing = graphene.Boolean(required=True)
    brand_slug = graphene.String(
        description="The brand chosen for the whole file, if any"
    )
    status = graphene.Field(ImportStatusEnum, required=True)
    progress = graphene.Int(required=True, description="0–100")
    rows_total = graphene.Int(required=True)
    rows_done = graphene.Int(required=True)
    created_count = graphene.Int(required=True)
    updated_count = graphene.Int(required=True)
    unchanged_count = graphene.Int(required=True)
    archived_count = graphene.Int(required=True)
    skipped_count = graphene.Int(required=True)
    error_count = graphene.Int(required=True)
    warning_count = graphene.Int(required=True)
    failure = graphene.String(description="中文 / English, when the file failed")
    can_run_again = graphene.Boolean(
        required=True,
        description="Failed through no fault of its file (its worker was "
        "lost): catalogImportRerun may run it again",
    )
    created_at = graphene.DateTime(required=True)
    started_at = graphene.DateTime()
    finished_at = graphene.DateTime()
    problems = graphene.Field(
        graphene.NonNull(ImportProblemConnection),
        severity=ImportProblemSeverityEnum(),
        description="Every problem, file-level first, then by row; 100 a page.",
        **_PAGE_ARGS,
    )
    problems_truncated = graphene.Boolean(
        required=True, description="The report kept only the first problems"
    )
    plan = graphene.Field(
        graphene.NonNull(ImportPlanConnection),
        action=graphene.String(description="only entries with this action"),
        description="What happens to each product; 100 a page.",
        **_PAGE_ARGS,
    )
    plan_truncated = graphene.Boolean(
        required=True, description="The report kept only the first entries"
    )

    # The value behind this type is a catalog_import.models.ImportJob.
    def resolve_id(self, info):
        return to_global_id("ImportJob", self.pk)

    def resolve_status(self, info):
        return choice_value(self.status)

    def resolve_mode(self, info):
        return choice_value(self.mode)

    def resolve_workshop_slug(self, info):
        return self.workshop.slug

    def resolve_workshop_name(self, info):
        return self.workshop.name

    def resolve_brand_slug(self, info):
        brand = self.brand_override
        return brand.slug if brand is not None else None

    def resolve_failure(self, info):
        return self.failure or None

    def resolve_problems(self, info, severity=None, **kwargs):
        problems = (self.report or {}).get("problems") or []
        if severity is not None:
            wanted = getattr(severity, "value", severity)
            problems = [p for p in problems if p.get("severity") == wanted]
        return paginate(_Items(problems), ImportProblemConnection, **_page(kwargs))

    def resolve_problems_truncated(self, info):
        return bool((self.report or {}).get("problems_truncated"))

    def resolve_plan(self, info, action=None, **kwargs):
        plan = (self.report or {}).get("plan") or []
        if action:
            plan = [entry for entry in plan if entry.get("action") == action]
        return paginate(_Items(plan), ImportPlanConnection, **_page(kwargs))

    def resolve_plan_truncated(self, info):
        return bool((self.report or {}).get("plan_truncated"))


class ImportQuery(graphene.ObjectType):
    import_job = graphene.Field(
        ImportJobType,
        id=graphene.ID(required=True),
        description="A job, for the people who may import into its workshop.",
    )

    def resolve_import_job(self, info, id):
        pk = decode_id(id, "ImportJob")
        if pk is None:
            return None
        return selectors.jobs_visible_to(info.context.user).filter(pk=pk).first()


class CatalogImportCreate(DomainMutation):
    """Upload a catalogue file (CSV, XLSX or ZIP with photos) for a workshop:
    a dry run by default, which plans and reports but writes nothing. The job
    runs in the background; follow it with `importJob(id:)`."""

    class Arguments:
        workshop = graphene.String(required=True, description="Workshop slug")
        file = Upload(required=True)
        dry_run = graphene.Boolean(default_value=True)
        archive_missing = graphene.Boolean(
            default_value=False,
            description="Unpublish the workshop's products the file omits",
        )
        sheet = graphene.String(description="XLSX sheet name (default: the first)")
        brand = graphene.String(
            description="Slug of one of the workshop's brands for the whole "
            "file: it replaces brands that are not the workshop's (a Shopify "
            "export's Vendor), with a warning instead of an error"
        )

    ERROR_FIELDS = {ImportJobError: "errors"}

    job = graphene.Field(ImportJobType)
    errors = graphene.List(graphene.NonNull(CatalogImportError), required=True)

    @classmethod
    def perform(
        cls,
        info,
        workshop,
        file,
        dry_run=True,
        archive_missing=False,
        sheet=None,
        brand=None,
    ):
        target = Workshop.objects.filter(slug=workshop).first()
        if target is None:
            raise ImportJobError(
                ImportJobErrorCode.WORKSHOP_NOT_FOUND, field="workshop"
            )
        chosen = None
        if brand:
            chosen = Brand.objects.filter(slug=brand).first()
            if chosen is None:
                raise ImportJobError(
                    ImportJobErrorCode.BRAND_NOT_ALLOWED, field="brand"
                )
        job = services.import_job_create(
            user=info.context.user,
            workshop=target,
            upload=file,
            mode=ImportMode.APPLY if dry_run is False else ImportMode.DRY_RUN,
            archive_missing=bool(archive_missing),
            sheet=sheet or "",
            brand=chosen,
        )
        return cls.success(job=job)


def _visible_job(user, global_id: str):
    """The ImportJob `global_id` names, if `user` may see it."""
    pk = decode_id(global_id, "ImportJob")
    found = None
    if pk is not None:
        found = selectors.jobs_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise ImportJobError(ImportJobErrorCode.JOB_NOT_FOUND, field="job")
    return found


class CatalogImportApply(DomainMutation):
    """Apply a finished dry run: a new job on the same file, which writes."""

    class Arguments:
        job = graphene.ID(required=True, description="The dry run's ImportJob ID")

    ERROR_FIELDS = {ImportJobError: "errors"}

    job = graphene.Field(ImportJobType)
    errors = graphene.List(graphene.NonNull(CatalogImportError), required=True)

    @classmethod
    def perform(cls, info, job):
        user = info.context.user
        dry_run = _visible_job(user, job)
        return cls.success(job=services.import_job_apply(user=user, job=dry_run))


class CatalogImportRerun(DomainMutation):
    """Run again a job that failed through no fault of its file (an
    interrupted worker): the same file, every row checked against the
    caller. Safe for an apply: what the first run wrote is left unchanged."""

    class Arguments:
        job = graphene.ID(required=True, description="The failed ImportJob ID")

    ERROR_FIELDS = {ImportJobError: "errors"}

    job = graphene.Field(ImportJobType)
    errors = graphene.List(graphene.NonNull(CatalogImportError), required=True)

    @classmethod
    def perform(cls, info, job):
        user = info.context.user
        failed = _visible_job(user, job)
        return cls.success(job=services.import_job_rerun(user=user, job=failed))


class ImportMutations(graphene.ObjectType):
    catalog_import_create = CatalogImportCreate.Field()
    catalog_import_apply = CatalogImportApply.Field()
    catalog_import_rerun = CatalogImportRerun.Field()
