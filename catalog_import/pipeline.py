"""The whole import of one file, stage after stage:

    parse_upload → resolve_columns → normalise → validate
    → (dry run: prepare_images, nothing stored) → make_plan → (apply_plan)

`run_import` returns an `ImportResult`: counts, every problem (file-level
first, then by row), a JSON-ready summary of the plan, or `file_error` when
the file cannot be read at all (then nothing is written). The CLI and the
Celery task (through services.import_job_run) both call it."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import Model

from brands.models import Brand, Workshop
from storefront.catalog.models import Product

from .apply import apply_plan
from .columns import resolve_columns
from .errors import ImportErrorCode, ImportFileError
from .images import existing_image_hashes, prepare_images
from .normalise import normalise
from .parse import parse_upload
from .plan import make_plan
from .types import Action, PlanEntry, Problem, ProductDraft, RawRow
from .validate import validate

COUNT_KEYS = ("created", "updated", "unchanged", "archived", "skipped")
_COUNT_OF_ACTION = {
    Action.CREATE: "created",
    Action.UPDATE: "updated",
    Action.UNCHANGED: "unchanged",
    Action.ARCHIVE: "archived",
    Action.SKIP: "skipped",
}
# Share of the progress bar taken by reading and checking the file; planning
# and applying (or, in a dry run, checking images) take the rest.
READ_SHARE = 0.3
READ_REPORT_EVERY = 50  # rows between progress callbacks while reading


@dataclass
class ImportResult:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    problems: list[Problem] = field(default_factory=list)
    # [{action, product_code, product_id, name, rows, changes: {field: [old,
    # new]}, variant_changes: {sku: {field: [old, new]}}, new_skus}]
    plan: list[dict] = field(default_factory=list)
    file_error: str | None = None  # "中文 / English": nothing was read
    file_error_code: str | None = None
    rows_total: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


class _Progress:
    """Turns the stages' progress into on_progress(rows_done, rows_total).

    rows_done is in rows, weighted so the bar moves evenly through the whole
    job: reading the file fills the first READ_SHARE of it, applying (or the
    dry run's image checks) the rest; it reaches rows_total at the end."""

    def __init__(self, callback: Callable[[int, int], None] | None):
        self.callback = callback
        self.total = 0

    def _emit(self, done: float, total: int) -> None:
        if self.callback is not None:
            self.callback(min(int(done), total), total)

    def reading(self, rows_read: int, hint: int | None) -> None:
        if hint:
            self._emit(min(rows_read, hint) * READ_SHARE, hint)

    def read_done(self, total: int) -> None:
        self.total = total
        self._emit(total * READ_SHARE, total)

    def working(self, done: int, of: int) -> None:
        if of > 0:
            share = READ_SHARE + (1 - READ_SHARE) * min(done, of) / of
            self._emit(self.total * share, self.total)

    def finished(self) -> None:
        self._emit(self.total, self.total)


class _CountedRows:
    """The sheet's rows, streamed through unchanged, counted on the way."""

    def __init__(self, rows: Iterator[RawRow], progress: _Progress, hint):
        self._rows = iter(rows)
        self._progress = progress
        self._hint = hint
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self) -> RawRow:
        row = next(self._rows)
        self.count += 1
        if self.count % READ_REPORT_EVERY == 0:
            self._progress.reading(self.count, self._hint)
        return row


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


def _changes(changes: dict) -> dict:
    return {
        str(name): [_jsonable(old), _jsonable(new)]
        for name, (old, new) in changes.items()
    }


def _action(entry: PlanEntry) -> Action:
    """The entry's action as the result shows it: a product apply refused
    after all (an image it cannot use) is skipped; an unchanged product that
    gets new photos is updated (as apply counts it)."""
    draft = entry.draft
    if draft is None:
        return entry.action
    if draft.has_errors:
        return Action.SKIP
    if entry.action == Action.UNCHANGED and draft.new_images:
        return Action.UPDATE
    return entry.action


def _entry_changes(entry: PlanEntry) -> dict:
    changes = _changes(entry.changes)
    draft = entry.draft
    if draft is not None and draft.new_images:
        changes["images"] = [None, list(draft.new_images)]
    return changes


def _plan_summary(plan: list[PlanEntry]) -> list[dict]:
    summary = []
    for entry in plan:
        draft = entry.draft
        action = _action(entry)
        summary.append(
            {
                "action": str(action),
                "product_code": entry.product_code,
                "product_id": entry.product_id,
                "product_slug": entry.product_slug,
                "written": entry.written,
                "name": str(draft.fields.get("name") or "") if draft else "",
                "rows": list(draft.rows or [draft.first_row]) if draft else [],
                "changes": _entry_changes(entry),
                "variant_changes": {
                    str(sku): _changes(changes)
                    for sku, changes in entry.variant_changes.items()
                },
                "new_skus": [str(sku) for sku in entry.new_skus],
                "new_variants": _new_variant_values(entry),
            }
        )
    return summary


def _new_variant_values(entry: PlanEntry) -> dict[str, dict[str, object]]:
    """What each new variant will be (name, options, price, stock, weight:
    everything apply writes but its order), so the dry run shows
    "— → ¥128.00" rather than a bare SKU."""
    if entry.draft is None or not entry.new_skus:
        return {}
    new = set(entry.new_skus)
    values = {}
    for variant in entry.draft.variants:
        if variant.sku in new:
            values[str(variant.sku)] = {
                name: value
                for name, value in (
                    ("name", variant.name or None),
                    ("options", variant.options or None),
                    ("price_fen", variant.price_fen),
                    ("compare_at_price_fen", variant.compare_at_price_fen),
                    ("stock", variant.stock or 0),
                    ("weight_grams", variant.weight_grams),
                )
                if value is not None
            }
    return values


def _known_hashes(drafts, workshop) -> dict[str, set[str]]:
    """The content hashes of the photos each existing product of the file has
    already, by product code (two queries)."""
    codes = {str(d.product_code).strip() for d in drafts if d.images}
    if not codes:
        return {}
    ids = dict(
        Product.objects.filter(workshop=workshop, product_code__in=codes).values_list(
            "pk", "product_code"
        )
    )
    hashes = existing_image_hashes(ids)
    return {code: hashes.get(pk, set()) for pk, code in ids.items()}


def _check_images(
    drafts, *, workshop, image_bytes, fetch_remote: bool, progress
) -> None:
    """A dry run opens every image as apply would (and reports what it cannot
    use) but stores none; it notes which photos the product does not have
    yet, for the plan's diff."""
    known = _known_hashes(drafts, workshop)
    for done, draft in enumerate(drafts, start=1):
        if draft.images:
            prepare_images(
                draft,
                image_bytes=image_bytes,
                fetch_remote=fetch_remote,
                known_hashes=known.get(str(draft.product_code).strip(), ()),
                check_only=True,
                on_image=lambda done=done: progress.working(done - 1, len(drafts)),
            )
        progress.working(done, len(drafts))


def _collect_problems(sheet, columns, drafts: list[ProductDraft]) -> list[Problem]:
    problems = [*sheet.file_problems, *columns.problems]
    for draft in drafts:
        for problem in draft.problems:
            if not problem.product_code:
                problem.product_code = draft.product_code
            problems.append(problem)
    # File-level problems first, then by row; the stages' order within a row.
    problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    return problems


def run_import(
    *,
    workshop: Workshop,
    actor,
    name: str,
    fileobj,
    dry_run: bool,
    archive_missing: bool = False,
    sheet: str | None = None,
    fetch_remote: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    brand_override: Brand | None = None,
) -> ImportResult:
    """Import one file (`name` tells its type) into `workshop` as `actor`
    (a user: each row is written only if `actor` may write that product).

    A dry run plans and checks everything, images included, and writes
    nothing. Otherwise every valid product is written, each on its own. A
    file that cannot be read at all gives `result.file_error` and writes
    nothing; problems with rows are in `result.problems` and never raise.

    `brand_override`: one of the workshop's brands chosen for the whole file
    (validate.py says how it is used); the caller has checked that `actor`
    may use it (access.may_use_brand)."""
    progress = _Progress(on_progress)
    result = ImportResult()
    try:
        parsed = parse_upload(name, fileobj, sheet=sheet or None)
        columns = resolve_columns(parsed.headers)
        rows = _CountedRows(parsed.rows, progress, parsed.row_count_hint)
        parsed = replace(parsed, rows=rows)
        drafts = normalise(parsed, columns)
        if archive_missing and any(
            p.code == ImportErrorCode.BLANK_ROWS_STOPPED for p in parsed.file_problems
        ):
            # Products below the gap were never read: archiving "what the
            # file does not list" would unpublish them.
            raise ImportFileError(ImportErrorCode.ARCHIVE_NEEDS_WHOLE_FILE)
    except ImportFileError as exc:
        result.file_error = exc.message
        result.file_error_code = str(exc.code)
        return result
    result.rows_total = rows.count
    progress.read_done(rows.count)

    validate(drafts, workshop=workshop, columns=columns, brand_override=brand_override)
    if dry_run:
        _check_images(
            drafts,
            workshop=workshop,
            image_bytes=parsed.image_bytes,
            fetch_remote=fetch_remote,
            progress=progress,
        )
    plan = make_plan(
        drafts,
        workshop=workshop,
        actor=actor,
        archive_missing=archive_missing,
        columns=columns,
    )
    if dry_run:
        for entry in plan:
            result.counts[_COUNT_OF_ACTION[_action(entry)]] += 1
    else:
        counts = apply_plan(
            plan,
            workshop=workshop,
            actor=actor,
            image_bytes=parsed.image_bytes,
            fetch_remote=fetch_remote,
            on_progress=progress.working,
        )
        for key in COUNT_KEYS:
            result.counts[key] = int(counts.get(key, 0))
    result.plan = _plan_summary(plan)
    result.problems = _collect_problems(parsed, columns, drafts)
    progress.finished()
    return result
