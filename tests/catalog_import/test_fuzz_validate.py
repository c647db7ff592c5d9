"""Hypothesis: whatever drafts normalise (or anyone) hands over — any text,
any numbers, wrong types — validate and make_plan never raise; every draft
ends up planned, and a draft is skipped exactly when it has an error, each
error naming its code, row and product. And whatever validate lets through,
apply writes without a database error."""

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from catalog_import.apply import apply_plan
from catalog_import.errors import MESSAGES
from catalog_import.errors import ImportErrorCode as Code
from catalog_import.plan import make_plan
from catalog_import.types import Action, ProductDraft, VariantDraft
from catalog_import.validate import validate
from tests.catalog_import.drafts import PLATFORM, make_shop
from tests.factories import make_product

pytestmark = pytest.mark.django_db

# Text that also hits the interesting cases: the names the shop knows, SKUs
# that exist, formula starts, NUL, very long values.
KNOWN = ["海鲜", "seafood", "SKU-EXISTING", "P-EXISTING", "", " ", "=1+1", "\x00"]
text = st.one_of(
    st.sampled_from(KNOWN), st.text(max_size=30), st.text(min_size=100, max_size=300)
)
anything = st.one_of(
    text,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=2),
)
integer_like = st.one_of(
    st.none(),
    st.integers(),
    st.integers(min_value=0, max_value=100_000),
    st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, 10**20]),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.booleans(),
)
variants = st.builds(
    VariantDraft,
    row=st.integers(min_value=2, max_value=30_000),
    sku=st.one_of(text, st.integers()),
    name=st.one_of(text, st.none()),
    options=st.one_of(
        st.dictionaries(text, st.one_of(text, st.integers()), max_size=5),
        st.none(),
        text,
    ),
    price_fen=integer_like,
    compare_at_price_fen=integer_like,
    stock=integer_like,
    weight_grams=integer_like,
    barcode=text,
)
FIELD_NAMES = [
    "name",
    "name_en",
    "description",
    "ingredients",
    "net_content",
    "shelf_life",
    "storage_conditions",
    "producer",
    "sc_licence",
    "is_published",
    "brand",
    "category",
    "unknown_key",
]
drafts = st.builds(
    ProductDraft,
    product_code=st.one_of(text, st.integers()),
    first_row=st.integers(min_value=2, max_value=30_000),
    fields=st.dictionaries(st.sampled_from(FIELD_NAMES), anything, max_size=12),
    variants=st.lists(variants, max_size=5),
)

# Drafts that are mostly valid, so apply gets real work: any text where the
# shop takes free text, numbers within or just outside the limits.
cell = st.one_of(st.text(max_size=20), st.text(max_size=130))
word = st.text(
    st.characters(blacklist_categories=["Cs", "Cc", "Z"]), min_size=1, max_size=10
)
plausible_variants = st.builds(
    VariantDraft,
    row=st.integers(min_value=2, max_value=100),
    sku=st.one_of(word, st.text(max_size=66)),
    name=cell,
    options=st.dictionaries(word, cell, max_size=3),
    price_fen=st.one_of(st.integers(1, 10**6), st.integers(-1, 2**31)),
    compare_at_price_fen=st.one_of(st.none(), st.none(), st.integers(0, 2**31)),
    stock=st.one_of(st.none(), st.integers(0, 999), st.integers(-1, 2**31)),
    weight_grams=st.one_of(st.none(), st.integers(-1, 2**31)),
)
TEXT_CELLS = [n for n in FIELD_NAMES if n not in ("brand", "category", "sc_licence")]
plausible_drafts = st.builds(
    ProductDraft,
    product_code=st.one_of(word, st.text(max_size=66)),
    first_row=st.integers(min_value=2, max_value=100),
    fields=st.fixed_dictionaries(
        {"name": word},
        optional={
            **{name: cell for name in TEXT_CELLS if name != "name"},
            "category": st.sampled_from(["海鲜", "Seafood", "", "无此分类"]),
            "sc_licence": st.sampled_from(["SC11233022500123", "", "SC1"]),
            "is_published": st.one_of(st.booleans(), st.none(), cell),
        },
    ),
    variants=st.lists(plausible_variants, min_size=1, max_size=4),
)


@pytest.fixture
def shop():
    shop = make_shop()
    make_product(
        brand=shop.brand,
        workshop=shop.workshop,
        product_code="P-EXISTING",
        name="已有商品",
    )
    shop.workshop.products.get().variants.update(sku="SKU-EXISTING")
    return shop


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batch=st.lists(drafts, max_size=6), archive=st.booleans())
def test_validate_and_plan_never_raise_and_always_explain(shop, batch, archive):
    validate(batch, workshop=shop.workshop)
    plan = make_plan(
        batch, workshop=shop.workshop, actor=PLATFORM, archive_missing=archive
    )
    planned = [entry for entry in plan if entry.action != Action.ARCHIVE]
    assert [entry.draft for entry in planned] == batch
    for entry in planned:
        draft = entry.draft
        assert (entry.action == Action.SKIP) == draft.has_errors
        for problem in draft.problems:
            assert problem.code in MESSAGES
            assert problem.message_zh and problem.message_en
            assert problem.product_code == str(draft.product_code)
            assert problem.row is None or isinstance(problem.row, int)
        if entry.action == Action.CREATE:
            assert entry.draft.fields["brand"] == shop.brand
            assert entry.new_skus == [v.sku for v in draft.variants]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batch=st.lists(plausible_drafts, max_size=4))
def test_what_validate_lets_through_the_database_accepts(shop, batch):
    """Apply writes in batches on the promise that validate refused every
    value the database would refuse: no valid draft ever fails to save."""
    validate(batch, workshop=shop.workshop)
    plan = make_plan(batch, workshop=shop.workshop, actor=PLATFORM)
    skipped = sum(entry.action == Action.SKIP for entry in plan)
    counts = apply_plan(plan, workshop=shop.workshop, actor=PLATFORM)
    assert counts["skipped"] == skipped
    failures = [p for d in batch for p in d.problems if p.code == Code.SAVE_FAILED]
    assert failures == []
    for action in ("created", "updated", "unchanged"):
        event(f"{action}: {counts[action] > 0}")
