"""Apply: write a plan to the catalogue, each product all or nothing.

How it stays fast and atomic per product: validate and plan have already
refused every value the database could refuse (lengths, prices, the SC
licence format, SKUs taken, stock below what orders hold), so a write fails
only on a race or an unforeseen fault. Products without images are therefore
written in batches of about BATCH_ROWS rows: one transaction per batch, three
bulk INSERTs for the new products, their variants and their stock, and
grouped bulk UPDATEs for the changes. If anything in a batch fails, the whole
batch is rolled back and its products are written again one by one, each in
its own transaction, so only the product at fault is skipped (with a
problem on its draft) and nothing of it is half-written. A product with
images is written on its own: its images are opened first (an unusable ZIP
image is an error that skips it), then the product and its images are
stored in one transaction.

Unchanged products are not touched: an unchanged re-import writes nothing.
Archiving only unpublishes. The catalogue cache is retired once at the end.

Permissions: plan has refused every row the actor may not write; apply asks
again (access.py) on the rows as they are when written — the product's brand
read in the write's own transaction — so a product moved to another brand
since the plan is not written by someone who may no longer change it."""

import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import cache

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from storefront.catalog.cache import catalog_changed
from storefront.catalog.models import Product, ProductVariant, Stock
from storefront.core.slugs import slug_base, unique_slug

from .access import may_change, may_create
from .checks import TEXT_FIELDS
from .errors import ImportErrorCode as Code
from .types import Action, PlanEntry, Problem

BATCH_ROWS = 500  # rows (variants) written per transaction
PROGRESS_ROWS = 200  # on_progress at least this often…
PROGRESS_SECONDS = 1.0  # …or after this long, whichever comes first
COUNT_KEYS = ("created", "updated", "unchanged", "archived", "skipped")
SEARCH_FIELDS = {"name", "name_en", "brand", "category"}
# A constraint that can still fail on a race → the problem to report.
CONSTRAINT_PROBLEMS = {
    "variant_sku_per_workshop": (Code.DUPLICATE_SKU_IN_WORKSHOP, "sku"),
    "stock_reserved_within_quantity": (Code.STOCK_BELOW_RESERVED, "stock"),
}


class _ProductGone(DatabaseError):
    """A product or variant the plan saw was deleted before apply."""


class _NotPermitted(DatabaseError):
    """The actor may not write this product (as it is now)."""


def apply_plan(
    plan: list[PlanEntry],
    *,
    workshop,
    actor,
    image_bytes: Callable[[str], bytes | None] | None = None,
    fetch_remote: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write `plan` into `workshop` as `actor`; returns how many products were
    created, updated, unchanged, archived and skipped. `on_progress(rows_done,
    rows_total)` is called every PROGRESS_ROWS rows or so and at the end. A
    product `actor` may not write (now) is skipped with PERMISSION_DENIED."""
    return _Apply(workshop, actor, image_bytes, fetch_remote, on_progress).run(plan)


def entry_rows(entry: PlanEntry) -> int:
    draft = entry.draft
    if draft is None:
        return 0
    return len(draft.rows) or len(draft.variants) or 1


def planned_slugs(entries: list[PlanEntry]) -> dict[str, str]:
    """A unique slug for each new product code, as unique_slug would choose
    it (pinyin of the name; -2, -3 … when taken), for the whole list at once:
    each round asks which of a window of candidates are taken, by the slug
    index, until every product has a free one — one round when the names are
    new, two when they are taken already."""
    bases = {
        entry.product_code: slug_base(
            str(entry.draft.fields.get("name") or ""), fallback=entry.product_code
        )
        for entry in entries
    }
    need = Counter(bases.values())
    free: dict[str, list[str]] = {base: [] for base in need}
    tried = dict.fromkeys(need, 0)  # candidates tried per base: n = 1 … tried
    while wanting := [base for base in need if len(free[base]) < need[base]]:
        window = {}
        for base in wanting:
            missing = need[base] - len(free[base])
            # First as many as needed (usually just the base), then wider.
            more = missing if not tried[base] else max(2 * missing + 2, tried[base])
            window[base] = [
                base if n == 1 else f"{base}-{n}"
                for n in range(tried[base] + 1, tried[base] + more + 1)
            ]
            tried[base] += more
        taken = _taken_slugs([c for candidates in window.values() for c in candidates])
        for base, candidates in window.items():
            free[base].extend(c for c in candidates if c not in taken)
    slugs = {}
    for code, base in bases.items():
        slugs[code] = free[base].pop(0)
    return slugs


def _taken_slugs(candidates: list[str]) -> set[str]:
    size = connection.features.max_query_params or 5000
    taken = set()
    for start in range(0, len(candidates), size):
        chunk = candidates[start : start + size]
        taken.update(
            Product.objects.filter(slug__in=chunk).values_list("slug", flat=True)
        )
    return taken


class _Apply:
    def __init__(self, workshop, actor, image_bytes, fetch_remote, on_progress):
        self.workshop = workshop
        self.actor = actor
        self.village = workshop.village
        self.image_bytes = image_bytes
        self.fetch_remote = fetch_remote
        self.on_progress = on_progress
        self.counts = dict.fromkeys(COUNT_KEYS, 0)
        self.now = timezone.now()
        self.wrote = False
        self.slugs: dict[str, str] = {}
        self.image_hashes: dict[int, set[str]] = {}
        self.rows_total = self.rows_done = self.rows_reported = 0
        self.reported_at = time.monotonic()

    def run(self, plan: list[PlanEntry]) -> dict[str, int]:
        self.rows_total = sum(entry_rows(entry) for entry in plan)
        creates = [e for e in plan if e.action == Action.CREATE]
        self.slugs = planned_slugs(creates) if creates else {}
        with_images = [
            e.product_id
            for e in plan
            if e.product_id and e.draft and e.draft.images and e.action != Action.SKIP
        ]
        if with_images:
            from .images import existing_image_hashes

            # Photos a product already has are not even decoded again.
            self.image_hashes = existing_image_hashes(with_images)
        batch: list[PlanEntry] = []
        batch_rows = 0
        archive = []
        for entry in plan:
            if entry.action == Action.ARCHIVE:
                archive.append(entry)
            elif entry.action == Action.SKIP:
                self.counts["skipped"] += 1
                self._progress(entry_rows(entry))
            elif entry.draft.images:
                self._write_with_images(entry)
                self._progress(entry_rows(entry))
            elif entry.action == Action.UNCHANGED:
                self.counts["unchanged"] += 1
                self._progress(entry_rows(entry))
            else:
                batch.append(entry)
                batch_rows += entry_rows(entry)
                if batch_rows >= BATCH_ROWS:
                    self._write_batch(batch)
                    batch, batch_rows = [], 0
        if batch:
            self._write_batch(batch)
        if archive:
            self._archive(archive)
        if self.on_progress is not None:
            self.on_progress(self.rows_total, self.rows_total)
        if self.wrote:
            catalog_changed()
        return self.counts

    def _progress(self, rows: int) -> None:
        self.rows_done += rows
        # Also once a second: products with photos to fetch are slow, and the
        # job's heartbeat rides on these calls.
        now = time.monotonic()
        if self.on_progress is not None and (
            self.rows_done - self.rows_reported >= PROGRESS_ROWS
            or now - self.reported_at >= PROGRESS_SECONDS
        ):
            self.rows_reported, self.reported_at = self.rows_done, now
            self.on_progress(self.rows_done, self.rows_total)

    def _count_written(self, entry: PlanEntry) -> None:
        self.counts["created" if entry.action == Action.CREATE else "updated"] += 1
        self.wrote = True

    # ----------------------------------------------------------------- batches

    def _write_batch(self, batch: list[PlanEntry]) -> None:
        try:
            with transaction.atomic():
                products = _Writer(self, careful=False).write(batch)
        except DatabaseError:
            for entry in batch:
                self._write_one(entry)
                self._progress(entry_rows(entry))
            return
        for entry in batch:
            _mark_written(entry, products.get(entry.product_code))
            self._count_written(entry)
            self._progress(entry_rows(entry))

    def _write_one(self, entry: PlanEntry, images=None) -> bool:
        """Write one product in its own transaction; on failure, attach the
        problem to its draft and count it skipped."""
        try:
            with transaction.atomic():
                products = _Writer(self, careful=True).write([entry])
                added = 0
                if images:
                    from .images import store_images

                    added = store_images(products[entry.product_code], images)
        except (DatabaseError, OSError) as exc:
            _report_failure(entry, exc)
            self.counts["skipped"] += 1
            return False
        if entry.action == Action.UNCHANGED:
            if added:
                _mark_written(entry, products.get(entry.product_code))
                self.counts["updated"] += 1
                self.wrote = True
            else:
                self.counts["unchanged"] += 1
        else:
            _mark_written(entry, products.get(entry.product_code))
            self._count_written(entry)
        return True

    def _write_with_images(self, entry: PlanEntry) -> None:
        from .images import prepare_images

        draft = entry.draft
        prepared = prepare_images(
            draft,
            image_bytes=self.image_bytes,
            fetch_remote=self.fetch_remote,
            known_hashes=self.image_hashes.get(entry.product_id, ()),
            on_image=lambda: self._progress(0),
        )
        if draft.has_errors:  # an image that cannot be used skips the product
            self.counts["skipped"] += 1
        elif entry.action == Action.UNCHANGED and not prepared:
            self.counts["unchanged"] += 1  # it has every photo already
        else:
            self._write_one(entry, images=prepared)

    def _archive(self, entries: list[PlanEntry]) -> None:
        ids = [entry.product_id for entry in entries]
        brands = Product.objects.filter(pk__in=ids, workshop=self.workshop).values_list(
            "pk", "brand_id"
        )
        ids = [
            pk
            for pk, brand_id in brands
            if may_change(
                self.actor,
                workshop_id=self.workshop.pk,
                product_id=pk,
                brand_id=brand_id,
            )
        ]
        archived = Product.objects.filter(pk__in=ids, is_published=True).update(
            is_published=False, updated_at=self.now
        )
        self.counts["archived"] += archived
        if archived:
            self.wrote = True


def _mark_written(entry: PlanEntry, product: Product | None) -> None:
    """Record on the entry the product it wrote, for the links of the
    result page (a created product's id is known only now)."""
    entry.written = True
    if product is not None:
        entry.product_id = product.pk
        entry.product_slug = product.slug


def _report_failure(entry: PlanEntry, exc: Exception) -> None:
    constraint = _constraint_name(exc)
    code, column = CONSTRAINT_PROBLEMS.get(constraint, (Code.SAVE_FAILED, ""))
    detail = constraint or type(exc).__name__
    if isinstance(exc, _ProductGone):
        detail = str(exc)
    if isinstance(exc, _NotPermitted):
        code, detail = Code.PERMISSION_DENIED, str(exc)
    draft = entry.draft
    draft.problems.append(
        Problem(
            code=code,
            row=draft.first_row,
            column=column,
            detail=detail,
            product_code=entry.product_code,
        )
    )


def _constraint_name(exc: Exception) -> str:
    if not isinstance(exc, IntegrityError):
        return ""
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return name
    text = str(exc)
    # SQLite names a CHECK constraint, and a UNIQUE one only by its columns.
    failed = _SQLITE_FAILED.search(text)
    if failed:
        kind, what = failed.groups()
        if kind == "CHECK":
            return what
        return _unique_constraint_names().get(what.strip(), "")
    return next((c for c in CONSTRAINT_PROBLEMS if c in text), "")


_SQLITE_FAILED = re.compile(r"(CHECK|UNIQUE) constraint failed: (.+)$")


@cache
def _unique_constraint_names() -> dict[str, str]:
    """SQLite's "table.column, table.column" → the constraint's name."""
    names = {}
    for model in (Product, ProductVariant, Stock):
        meta = model._meta
        for constraint in meta.constraints:
            fields = getattr(constraint, "fields", ())
            if fields:
                columns = ", ".join(
                    f"{meta.db_table}.{meta.get_field(f).column}" for f in fields
                )
                names[columns] = constraint.name
    return names


class _Writer:
    """The INSERTs and UPDATEs for some entries, inside the caller's
    transaction. Builds fresh objects each time, so a rolled-back attempt
    leaves nothing behind for the retry."""

    def __init__(self, run: _Apply, *, careful: bool):
        self.run = run
        self.workshop = run.workshop
        self.careful = careful
        self.variants: list[ProductVariant] = []
        self.stocks: list[int | None] = []  # quantity per new variant

    def write(self, entries: list[PlanEntry]) -> dict[str, Product]:
        creates = [e for e in entries if e.action == Action.CREATE]
        updates = [e for e in entries if e.action != Action.CREATE]
        products = {}
        if creates:
            products.update(self._create(creates))
        if updates:
            products.update(self._update(updates))
        if self.variants:
            ProductVariant.objects.bulk_create(self.variants)
            Stock.objects.bulk_create(
                Stock(variant=variant, quantity=quantity or 0)
                for variant, quantity in zip(self.variants, self.stocks, strict=True)
            )
        return products

    def _new_variant(self, product: Product, variant, sort_order: int) -> None:
        self.variants.append(
            ProductVariant(
                product=product,
                workshop=self.workshop,
                sku=variant.sku,
                name=variant.name,
                options=variant.options,
                price_fen=variant.price_fen,
                compare_at_price_fen=variant.compare_at_price_fen,
                weight_grams=variant.weight_grams or 0,
                sort_order=sort_order,
            )
        )
        self.stocks.append(variant.stock)

    def _create(self, entries: list[PlanEntry]) -> dict[str, Product]:
        products = []
        for entry in entries:
            fields = entry.draft.fields
            if not may_create(
                self.run.actor,
                workshop_id=self.workshop.pk,
                brand_id=fields["brand"].pk,
            ):
                raise _NotPermitted(fields["brand"].name)
            name = fields["name"]
            if self.careful:
                slug = unique_slug(Product, name, fallback=entry.product_code)
            else:
                slug = self.run.slugs[entry.product_code]
            published = fields.get("is_published")
            product = Product(
                slug=slug,
                product_code=entry.product_code,
                workshop=self.workshop,
                brand=fields["brand"],
                category=fields.get("category"),
                origin_village=self.run.village,
                is_published=True if published is None else published,
                **{name: fields[name] for name in TEXT_FIELDS if name in fields},
            )
            product.search_text = product.build_search_text()
            products.append(product)
        Product.objects.bulk_create(products)
        for product, entry in zip(products, entries, strict=True):
            for i, variant in enumerate(entry.draft.variants):
                self._new_variant(product, variant, i)
        return {product.product_code: product for product in products}

    def _update(self, entries: list[PlanEntry]) -> dict[str, Product]:
        ids = [entry.product_id for entry in entries]
        # Only this workshop's: a product moved to another workshop since
        # the plan is gone for this import, not pulled back.
        products = (
            Product.objects.filter(workshop=self.workshop)
            .select_related("brand", "category", "origin_village")
            .in_bulk(ids)
        )
        variant_ids = {}
        if any(entry.variant_changes for entry in entries):
            for product_id, sku, variant_id, stock_id in ProductVariant.objects.filter(
                product_id__in=ids
            ).values_list("product_id", "sku", "id", "stock__id"):
                variant_ids[product_id, sku] = (variant_id, stock_id)
        product_groups = defaultdict(list)
        variant_groups = defaultdict(list)
        stock_updates, stock_creates = [], []
        for entry in entries:
            product = products.get(entry.product_id)
            if product is None:
                raise _ProductGone(entry.product_code)
            brand = entry.draft.fields.get("brand")
            new_brand_id = getattr(brand, "pk", None)
            if not may_change(
                self.run.actor,
                workshop_id=self.workshop.pk,
                product_id=product.pk,
                brand_id=product.brand_id,
                new_brand_id=new_brand_id if "brand" in entry.changes else None,
            ):
                raise _NotPermitted(str(product.brand))
            product.workshop = self.workshop
            changed = self._change_product(product, entry)
            if changed:
                product_groups[frozenset(changed)].append(product)
            drafts = {variant.sku: variant for variant in entry.draft.variants}
            for sku, diff in entry.variant_changes.items():
                ids_of = variant_ids.get((product.pk, sku))
                if ids_of is None:
                    raise _ProductGone(f"{entry.product_code} {sku}")
                variant_id, stock_id = ids_of
                draft = drafts[sku]
                names = frozenset(diff) - {"stock"}
                if names:
                    values = {name: getattr(draft, name) for name in names}
                    variant_groups[names].append(
                        ProductVariant(pk=variant_id, **values)
                    )
                if "stock" in diff and stock_id is not None:
                    stock_updates.append(Stock(pk=stock_id, quantity=draft.stock))
                elif "stock" in diff:
                    stock_creates.append(
                        Stock(variant_id=variant_id, quantity=draft.stock)
                    )
            for sku in entry.new_skus:
                variant = drafts[sku]
                position = entry.draft.variants.index(variant)
                self._new_variant(product, variant, position)
        for names, group in product_groups.items():
            Product.objects.bulk_update(group, list(names))
        for names, group in variant_groups.items():
            ProductVariant.objects.bulk_update(group, list(names))
        if stock_updates:
            Stock.objects.bulk_update(stock_updates, ["quantity"])
        if stock_creates:
            Stock.objects.bulk_create(stock_creates)
        return {product.product_code: product for product in products.values()}

    def _change_product(self, product: Product, entry: PlanEntry) -> set[str]:
        fields = entry.draft.fields
        changed = set(entry.changes)
        for name in changed:
            setattr(product, name, fields[name])
        if changed & SEARCH_FIELDS:
            product.search_text = product.build_search_text()
            changed.add("search_text")
        if changed:
            product.updated_at = self.run.now
            changed.add("updated_at")
        return changed
