"""Every row of an import is checked against its product, not only the
workshop: issue 11's reproduction (an operator of brand A rewriting, archiving
and taking over brand B's products of a workshop that sells under both) and
the whole table of roles × own/other brand × create/update/archive/move.

Roles that may import into the workshop go through the job service, as the
portal and GraphQL do (the task runs on commit); the others are refused the
job outright (test_permissions_import.py), so for them the pipeline is run
directly to show that the row check holds on its own as well."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from brands.models import Role
from brands.permissions import Action, user_can
from catalog_import import services
from catalog_import.apply import apply_plan
from catalog_import.errors import ImportErrorCode as Code
from catalog_import.models import ImportMode, ImportStatus
from catalog_import.pipeline import run_import
from catalog_import.plan import make_plan
from catalog_import.types import Action as PlanAction
from catalog_import.validate import validate
from storefront.catalog.models import Product, ProductVariant
from tests.catalog_import.drafts import draft, sheet, variant
from tests.catalog_import.jobs_helpers import HEADERS, catalogue_csv, upload
from tests.factories import grant, make_brand, make_product, make_user, make_workshop

pytestmark = pytest.mark.django_db

PRICE = 12800
ROLES = (
    "platform",
    "operator_A",
    "operator_B",
    "manager_W",
    "manager_W2",
    "treasurer",
    "host_A",
    "plain",
    "anonymous",
)


@dataclass
class World:
    brands: dict  # "A" / "B" → Brand; workshop W sells under both
    workshop: object
    products: dict  # "PA", "QA", "PB", "QB" → Product in W
    users: dict


@pytest.fixture
def world() -> World:
    brands = {"A": make_brand(name="临海共富工坊"), "B": make_brand(name="东塍彩灯")}
    workshop = make_workshop(brands=list(brands.values()), name="东塍彩灯共富工坊")
    elsewhere = make_workshop(brands=[brands["A"]])
    products = {
        f"{p}{b}": make_product(
            brand=brands[b],
            workshop=workshop,
            product_code=f"{p}{b}",
            name=f"彩灯{p}{b}",
            variants=((PRICE, 10),),
        )
        for b in "AB"
        for p in "PQ"
    }
    users = {"platform": make_user(staff=True), "anonymous": AnonymousUser()}
    grants = {
        "operator_A": (Role.BRAND_OPERATOR, brands["A"]),
        "operator_B": (Role.BRAND_OPERATOR, brands["B"]),
        "manager_W": (Role.WORKSHOP_MANAGER, workshop),
        "manager_W2": (Role.WORKSHOP_MANAGER, elsewhere),
        "treasurer": (Role.VILLAGE_TREASURER, workshop.village),
        "host_A": (Role.LIVESTREAM_HOST, brands["A"]),
        "plain": None,
    }
    for name, role in grants.items():
        users[name] = make_user()
        if role:
            grant(users[name], *role)
    return World(brands, workshop, products, users)


def allowed(role: str, brands: set[str]) -> bool:
    """The rule: platform operators and the workshop's managers write any
    product of the workshop; a brand operator only products of their brand,
    on both sides of a brand change; nobody else anything."""
    if role in ("platform", "manager_W"):
        return True
    if role in ("operator_A", "operator_B"):
        return brands == {role[-1]}
    return False


def row(product_code: str, brand, *, price="128.00", name=None, sku=None) -> list:
    product = Product.objects.filter(product_code=product_code).first()
    if product is not None:
        variant = product.variants.get()
        name, sku, option = product.name, variant.sku, variant.name
    else:
        option = "250g"
    return [product_code, name or product_code, option, sku, price, "10", brand.name]


def snapshot(world) -> dict:
    """Everything an import may change in the workshop."""
    products = Product.objects.filter(workshop=world.workshop).values_list(
        "product_code", "brand_id", "is_published", "name", "updated_at"
    )
    variants = ProductVariant.objects.filter(workshop=world.workshop).values_list(
        "sku", "price_fen", "name", "stock__quantity"
    )
    return {"products": sorted(products), "variants": sorted(variants)}


def run(world, role: str, rows: list[list], *, archive=False):
    """Import `rows` into W as `role`: (problems as dicts, job status or
    None when run directly)."""
    user = world.users[role]
    content = catalogue_csv(rows, headers=HEADERS)
    if user_can(user, Action.IMPORT_CATALOG, world.workshop):
        job = services.import_job_create(
            user=user,
            workshop=world.workshop,
            upload=upload(content),
            mode=ImportMode.APPLY,
            archive_missing=archive,
        )
        services.import_job_run(job.pk)
        job.refresh_from_db()
        assert job.status == ImportStatus.DONE, job.failure
        return job.report["problems"], job
    import io

    result = run_import(
        workshop=world.workshop,
        actor=user,
        name="catalogue.csv",
        fileobj=io.BytesIO(content),
        dry_run=False,
        archive_missing=archive,
        fetch_remote=False,
    )
    assert result.file_error is None
    return [p.as_dict() for p in result.problems], None


def denied_rows(problems) -> set[int]:
    return {p["row"] for p in problems if p["code"] == Code.PERMISSION_DENIED}


CASES = [
    (role, brand, op)
    for role in ROLES
    for brand in "AB"
    for op in ("create", "update", "archive", "move")
]


@pytest.mark.parametrize(("role", "brand", "op"), CASES)
def test_each_role_writes_exactly_the_rows_it_may(world, role, brand, op):
    other = "B" if brand == "A" else "A"
    before = snapshot(world)
    if op == "create":
        rows = [row(f"N{brand}", world.brands[brand], name="新彩灯", sku="N-1")]
        brands_touched = {brand}
    elif op == "update":
        rows = [row(f"P{brand}", world.brands[brand], price="0.01")]
        brands_touched = {brand}
    elif op == "move":
        rows = [row(f"P{brand}", world.brands[other])]
        brands_touched = {brand, other}
    else:
        rows = [row(f"Q{brand}", world.brands[brand])]
        brands_touched = {brand}

    problems, _job = run(world, role, rows, archive=op == "archive")

    ok = allowed(role, brands_touched)
    assert denied_rows(problems) == (set() if ok else {2}), problems
    if op == "archive":
        # Archiving is decided product by product: each missing product is
        # archived exactly when the actor may change it; the row's own product
        # stays published either way.
        published = dict(
            Product.objects.filter(workshop=world.workshop).values_list(
                "product_code", "is_published"
            )
        )
        assert published[f"Q{brand}"] is True
        for code in (f"P{brand}", f"P{other}", f"Q{other}"):
            assert published[code] is not allowed(role, {code[-1]}), code
        if not allowed(role, {"A"}) and not allowed(role, {"B"}):
            assert snapshot(world) == before
        return
    if not ok:
        assert snapshot(world) == before
        message = next(
            p["message"] for p in problems if p["code"] == Code.PERMISSION_DENIED
        )
        assert "你无权修改该商品" in message and "You may not change" in message
        return
    if op == "create":
        made = Product.objects.get(workshop=world.workshop, product_code=f"N{brand}")
        assert made.brand == world.brands[brand]
    elif op == "update":
        updated = ProductVariant.objects.get(product=world.products[f"P{brand}"])
        assert updated.price_fen == 1
    else:
        moved = Product.objects.get(pk=world.products[f"P{brand}"].pk)
        assert moved.brand == world.brands[other]


def test_issue_11_reproduction_changes_nothing_of_the_other_brand(world):
    """The operator of 临海共富工坊 sends a price of ¥0.01 for a 东塍彩灯
    product, a row moving another 东塍彩灯 product into 临海共富工坊, and ticks
    "archive missing": only their own brand's product is touched."""
    a, b = world.brands["A"], world.brands["B"]
    own = row("PA", a, price="99.00")
    price_cut = row("PB", b, price="0.01")
    takeover = row("QB", a)
    before_b = {code: snapshot_of(world.products[code]) for code in ("PB", "QB")}

    problems, job = run(world, "operator_A", [own, price_cut, takeover], archive=True)

    assert denied_rows(problems) == {3, 4}
    assert {code: snapshot_of(world.products[code]) for code in ("PB", "QB")} == (
        before_b
    )
    assert ProductVariant.objects.get(product=world.products["PA"]).price_fen == 9900
    # QA, missing from the file and of the operator's brand, is archived.
    assert not Product.objects.get(pk=world.products["QA"].pk).is_published
    assert (job.updated_count, job.archived_count, job.skipped_count) == (1, 1, 2)


def snapshot_of(product) -> tuple:
    product = Product.objects.get(pk=product.pk)
    variant = product.variants.get()
    return (
        product.brand_id,
        product.is_published,
        product.updated_at,
        variant.price_fen,
    )


def test_the_dry_run_shows_the_refusal_and_apply_checks_whoever_applies(world):
    """A platform operator's dry run plans the price cut; when operator A
    presses Apply, the apply runs as operator A and refuses that row."""
    b = world.brands["B"]
    content = catalogue_csv([row("PB", b, price="0.01")], headers=HEADERS)
    preview = services.import_job_create(
        user=world.users["operator_B"],
        workshop=world.workshop,
        upload=upload(content),
        mode=ImportMode.DRY_RUN,
    )
    services.import_job_run(preview.pk)
    preview.refresh_from_db()
    assert [e["action"] for e in preview.report["plan"]] == ["update"]

    applied = services.import_job_apply(user=world.users["operator_A"], job=preview)
    services.import_job_run(applied.pk)
    applied.refresh_from_db()
    assert applied.created_by == world.users["operator_A"]
    assert denied_rows(applied.report["problems"]) == {2}
    assert ProductVariant.objects.get(product=world.products["PB"]).price_fen == PRICE


def test_the_preview_of_a_refused_row_shows_no_changes(world):
    b = world.brands["B"]
    content = catalogue_csv([row("PB", b, price="0.01")], headers=HEADERS)
    job = services.import_job_create(
        user=world.users["operator_A"],
        workshop=world.workshop,
        upload=upload(content),
        mode=ImportMode.DRY_RUN,
    )
    services.import_job_run(job.pk)
    job.refresh_from_db()
    (entry,) = job.report["plan"]
    assert entry["action"] == "skip"
    assert entry["changes"] == {} and entry["variant_changes"] == {}
    assert denied_rows(job.report["problems"]) == {2}


def test_apply_checks_the_product_as_it_is_when_written(world):
    """Planned while PA was brand A; moved to brand B before the write: the
    operator of A may no longer change it, and apply refuses it."""
    operator = world.users["operator_A"]
    drafts = sheet(
        draft("PA", variant(world.products["PA"].variants.get().sku, price_fen=1))
    )
    validate(drafts, workshop=world.workshop)
    plan = make_plan(drafts, workshop=world.workshop, actor=operator)
    assert [entry.action for entry in plan] == [PlanAction.UPDATE]
    Product.objects.filter(pk=world.products["PA"].pk).update(brand=world.brands["B"])

    counts = apply_plan(plan, workshop=world.workshop, actor=operator)

    assert (counts["updated"], counts["skipped"]) == (0, 1)
    assert [p.code for p in drafts[0].problems] == [Code.PERMISSION_DENIED]
    assert ProductVariant.objects.get(product=world.products["PA"]).price_fen == PRICE


def test_archive_at_apply_time_skips_products_moved_out_of_reach(world):
    operator = world.users["operator_A"]
    drafts = sheet(draft("NEW-A", variant("NEW-A-1"), brand=world.brands["A"].name))
    validate(drafts, workshop=world.workshop)
    plan = make_plan(
        drafts, workshop=world.workshop, actor=operator, archive_missing=True
    )
    archived = {e.product_code for e in plan if e.action == PlanAction.ARCHIVE}
    assert archived == {"PA", "QA"}
    Product.objects.filter(pk=world.products["QA"].pk).update(brand=world.brands["B"])

    counts = apply_plan(plan, workshop=world.workshop, actor=operator)

    assert counts["archived"] == 1
    assert Product.objects.get(pk=world.products["QA"].pk).is_published


def test_the_row_check_reads_the_database_once_whatever_the_size(world):
    """Set-based: the actor's memberships are read once, not per row."""
    operator = world.users["operator_A"]
    small = sheet(draft("X1", variant("X1-1"), brand=world.brands["B"].name))
    large = sheet(
        *[
            draft(f"X{i}", variant(f"X{i}-1"), brand=world.brands["B"].name)
            for i in range(60)
        ]
    )
    counts = []
    for drafts in (small, large):
        validate(drafts, workshop=world.workshop)
        operator = type(operator).objects.get(pk=operator.pk)  # no cached roles
        with CaptureQueriesContext(connection) as queries:
            plan = make_plan(drafts, workshop=world.workshop, actor=operator)
        counts.append(len(queries))
        assert {entry.action for entry in plan} == {PlanAction.SKIP}
    assert counts[0] == counts[1] <= 3
