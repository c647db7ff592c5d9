"""The dry-run plan as the job page shows it: per product its action and the
field-level changes old → new, per variant SKU the same, with labels in
Chinese and English and prices marked so the template formats them as money.

The plan is read from the job's report JSON (services._plan_summary), where a
change is stored as `field: [old, new]` (a tuple before JSON); `{"old": …,
"new": …}` is read too, and so is an optional `new_variants: {sku: {field:
value}}` giving the values of the variants a create or update adds.
"""

from dataclasses import dataclass, field

# field → (中文, English)
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "product_code": ("商品编码", "Product code"),
    "name": ("名称", "Name"),
    "name_en": ("英文名称", "English name"),
    "description": ("描述", "Description"),
    "category": ("分类", "Category"),
    "brand": ("品牌", "Brand"),
    "is_published": ("上架", "Published"),
    "published": ("上架", "Published"),
    "ingredients": ("配料", "Ingredients"),
    "net_content": ("净含量", "Net content"),
    "shelf_life": ("保质期", "Shelf life"),
    "storage_conditions": ("储存条件", "Storage conditions"),
    "producer": ("生产者", "Producer"),
    "sc_licence": ("生产许可证编号", "SC licence"),
    "attributes": ("其他属性", "Attributes"),
    "images": ("图片", "Images"),
    "sku": ("SKU", "SKU"),
    "options": ("规格选项", "Options"),
    "price_fen": ("价格", "Price"),
    "price": ("价格", "Price"),
    "compare_at_price_fen": ("划线价", "Compare-at price"),
    "compare_at_price": ("划线价", "Compare-at price"),
    "stock": ("库存", "Stock"),
    "quantity": ("库存", "Stock"),
    "weight_grams": ("重量(克)", "Weight (g)"),
    "barcode": ("条形码", "Barcode"),
}

ACTION_LABELS: dict[str, tuple[str, str]] = {
    "create": ("新增", "create"),
    "update": ("更新", "update"),
    "unchanged": ("未变", "unchanged"),
    "archive": ("下架", "archive"),
    "skip": ("跳过", "skip"),
}

_PRICE_FIELDS = {"price", "compare_at_price"}


def is_price(name: str) -> bool:
    return name.endswith("_fen") or name in _PRICE_FIELDS


def label(name: str) -> tuple[str, str]:
    return FIELD_LABELS.get(name, (name, name))


@dataclass
class FieldChange:
    field: str
    old: object
    new: object

    @property
    def is_price(self) -> bool:
        return is_price(self.field) and all(
            value is None or (isinstance(value, int) and not isinstance(value, bool))
            for value in (self.old, self.new)
        )

    @property
    def label_zh(self) -> str:
        return label(self.field)[0]

    @property
    def label_en(self) -> str:
        return label(self.field)[1]


@dataclass
class VariantChanges:
    sku: str
    is_new: bool
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class PlanRow:
    action: str
    product_code: str
    name: str = ""
    rows: str = ""
    changes: list[FieldChange] = field(default_factory=list)
    variants: list[VariantChanges] = field(default_factory=list)
    # For a skipped product: the errors that stopped it (report dicts).
    errors: list[dict] = field(default_factory=list)

    @property
    def action_zh(self) -> str:
        return ACTION_LABELS.get(self.action, (self.action, self.action))[0]

    @property
    def action_en(self) -> str:
        return ACTION_LABELS.get(self.action, (self.action, self.action))[1]


def _old_new(value) -> tuple[object, object]:
    if isinstance(value, dict) and ("old" in value or "new" in value):
        return value.get("old"), value.get("new")
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None, value


def _shown(value):
    """Lists (photos) and dicts (options) as text: "a.jpg、b.jpg",
    "规格：250克"."""
    if isinstance(value, list | tuple):
        return "、".join(str(item) for item in value)
    if isinstance(value, dict):
        return "、".join(f"{k}：{v}" for k, v in value.items())
    return value


def _changes(raw) -> list[FieldChange]:
    if not isinstance(raw, dict):
        return []
    return [
        FieldChange(name, *(_shown(v) for v in _old_new(value)))
        for name, value in raw.items()
    ]


def _rows(entry: dict) -> str:
    rows = entry.get("rows")
    if isinstance(rows, list) and rows:
        return ", ".join(str(n) for n in rows[:5]) + (" …" if len(rows) > 5 else "")
    first = entry.get("first_row") or entry.get("row")
    return str(first) if first else ""


def plan_row(entry: dict) -> PlanRow:
    new_skus = [str(sku) for sku in entry.get("new_skus") or []]
    variant_changes = entry.get("variant_changes") or {}
    variants = [
        VariantChanges(str(sku), sku in new_skus, _changes(changes))
        for sku, changes in variant_changes.items()
    ]
    # A new variant's values, when the report carries them: shown as — → new.
    new_values = entry.get("new_variants") or {}
    variants += [
        VariantChanges(
            sku,
            True,
            [
                FieldChange(name, None, value)
                for name, value in new_values.get(sku, {}).items()
            ]
            if isinstance(new_values.get(sku), dict)
            else [],
        )
        for sku in new_skus
        if sku not in variant_changes
    ]
    return PlanRow(
        action=str(entry.get("action", "")),
        product_code=str(entry.get("product_code", "")),
        name=str(entry.get("name") or ""),
        rows=_rows(entry),
        changes=_changes(entry.get("changes")),
        variants=variants,
    )


def plan_rows(plan: list, problems: list | None = None) -> list[PlanRow]:
    """The plan's rows; a skipped product carries the errors that stopped it."""
    errors: dict[str, list[dict]] = {}
    for problem in problems or []:
        if isinstance(problem, dict) and problem.get("severity") == "error":
            errors.setdefault(str(problem.get("product_code") or ""), []).append(
                problem
            )
    rows = [plan_row(entry) for entry in plan if isinstance(entry, dict)]
    for row in rows:
        if row.action == "skip":
            row.errors = errors.get(row.product_code, [])
    return rows
