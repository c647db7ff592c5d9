"""A workshop edits its catalogue by hand: stock, prices, texts, label facts,
photos, publishing and new products. Every service takes the acting `user`,
asks brands.permissions `user_can`, and records each changed field as a
ProductChange (who, what, old → new, when) in the same transaction.

Stock is locked with SELECT … FOR UPDATE (one Stock row per variant, as
inventory does) and moved with F(), so two managers editing the same variant
at once never lose an update, and stock never drops below what orders hold."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, TextChoices

from brands.models import Brand, Workshop
from brands.permissions import Action, user_can
from brands.standards import brand_standard_violations
from storefront.core.errors import DomainError
from storefront.core.html import sanitize_html
from storefront.core.money import MoneyParseError, fen_to_yuan_string, parse_yuan

from . import services
from .cache import catalog_changed
from .errors import CatalogError, CatalogErrorCode
from .models import Category, Product, ProductChange, ProductVariant, Stock

# The product fields a workshop edits by hand (texts and GB 7718 label facts).
TEXT_FIELDS = (
    "name",
    "name_en",
    "description",
    "ingredients",
    "net_content",
    "shelf_life",
    "storage_conditions",
    "producer",
    "sc_licence",
)
# A stock figure beyond this is a typing slip, not a shelf.
MAX_QUANTITY = 1_000_000


class EditErrorCode(TextChoices):
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    INVALID_QUANTITY = "invalid_quantity"
    BELOW_RESERVED = "below_reserved"
    INVALID_PRICE = "invalid_price"
    COMPARE_AT_NOT_ABOVE = "compare_at_not_above"
    BRAND_STANDARD = "brand_standard"
    BRAND_NOT_ALLOWED = "brand_not_allowed"
    DUPLICATE_SKU = "duplicate_sku"
    DUPLICATE_CODE = "duplicate_code"
    IMAGE_INVALID = "image_invalid"
    IMAGE_TOO_LARGE = "image_too_large"
    CHANGED_MEANWHILE = "changed_meanwhile"


class EditError(DomainError):
    messages = {
        EditErrorCode.PERMISSION_DENIED: (
            "无权修改该商品",
            "You may not change this product",
        ),
        EditErrorCode.NOT_FOUND: ("找不到该商品", "Product not found"),
        EditErrorCode.INVALID: ("输入有误", "Invalid input"),
        EditErrorCode.INVALID_QUANTITY: (
            "库存须为不小于 0 的整数",
            "Stock must be a whole number, 0 or more",
        ),
        EditErrorCode.CHANGED_MEANWHILE: (
            "已被他人修改，请刷新后再改",
            "Someone changed it meanwhile; reload and try again",
        ),
        EditErrorCode.BELOW_RESERVED: (
            "库存不能少于订单已占用的数量",
            "Stock cannot go below what orders hold",
        ),
        EditErrorCode.INVALID_PRICE: ("价格无效", "Invalid price"),
        EditErrorCode.COMPARE_AT_NOT_ABOVE: (
            "划线价须高于售价",
            "The compare-at price must be above the price",
        ),
        EditErrorCode.BRAND_STANDARD: (
            "不符合品牌标准",
            "Breaks the brand's standard",
        ),
        EditErrorCode.BRAND_NOT_ALLOWED: (
            "该工坊未获准使用此品牌",
            "The workshop does not sell under this brand",
        ),
        EditErrorCode.DUPLICATE_SKU: (
            "SKU 在本工坊内重复",
            "The SKU is already used in this workshop",
        ),
        EditErrorCode.DUPLICATE_CODE: (
            "商品编码在本工坊内重复",
            "The product code is already used in this workshop",
        ),
        EditErrorCode.IMAGE_INVALID: (
            "不是可识别的图片，请上传 JPEG、PNG、WebP 或 GIF 照片",
            "Not an image we can read; upload a JPEG, PNG, WebP or GIF photo",
        ),
        EditErrorCode.IMAGE_TOO_LARGE: (
            "图片过大，请压缩后再上传",
            "The image is too large; shrink it and upload again",
        ),
    }


def _may_change(user, product: Product) -> None:
    if not user_can(user, Action.CHANGE_PRODUCT, product):
        raise EditError(EditErrorCode.PERMISSION_DENIED, field="product")


def _record(product_id, user, field, old, new, *, variant_id=None) -> ProductChange:
    return ProductChange.objects.create(
        product_id=product_id,
        variant_id=variant_id,
        user=user if user is not None and user.is_authenticated else None,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
    )


def parse_quantity(value, *, field: str = "quantity", signed: bool = False) -> int:
    """A whole number of units from a form or API value: '12' or 12. Refuses
    '1.5', 'abc', True, and (unless `signed`, for an adjustment) below 0."""
    if isinstance(value, bool):
        raise EditError(EditErrorCode.INVALID_QUANTITY, field=field)
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isascii() or not digits.isdigit():
            raise EditError(EditErrorCode.INVALID_QUANTITY, field=field, detail=text)
        number = int(text)
    if (number < 0 and not signed) or abs(number) > MAX_QUANTITY:
        raise EditError(EditErrorCode.INVALID_QUANTITY, field=field, detail=str(number))
    return number


def parse_price(value, *, field: str = "price") -> int:
    """Fen from a yuan string, by the project's one parser; above 0."""
    if isinstance(value, int) and not isinstance(value, bool):
        fen = value
    else:
        try:
            fen = parse_yuan(str(value))
        except MoneyParseError as exc:
            zh, _, en = exc.message.partition(" / ")
            raise EditError(
                EditErrorCode.INVALID_PRICE, field=field, detail=(zh, en or zh)
            ) from exc
    if fen <= 0:
        raise EditError(
            EditErrorCode.INVALID_PRICE,
            field=field,
            detail=("须大于 0", "must be above 0"),
        )
    return fen


def _locked_stock(variant: ProductVariant) -> Stock:
    stock = Stock.objects.select_for_update().filter(variant_id=variant.pk).first()
    if stock is None:
        # A variant made before stock rows existed: give it one now.
        Stock.objects.get_or_create(variant_id=variant.pk)
        stock = Stock.objects.select_for_update().get(variant_id=variant.pk)
    return stock


def stock_set(*, variant: ProductVariant, quantity, user, expected=None) -> Stock:
    """Set the units on the shelf (reserved ones included). With `expected`
    (the figure the form showed), a figure changed meanwhile by someone else
    refuses with CHANGED_MEANWHILE instead of overwriting their change."""
    _may_change(user, variant.product)
    quantity = parse_quantity(quantity)
    if expected is not None and expected != "":
        expected = parse_quantity(expected, field="expected")
    else:
        expected = None
    with transaction.atomic():
        stock = _locked_stock(variant)
        if expected is not None and stock.quantity != expected:
            raise EditError(
                EditErrorCode.CHANGED_MEANWHILE,
                field="quantity",
                detail=str(stock.quantity),
            )
        if quantity < stock.quantity_reserved:
            raise EditError(
                EditErrorCode.BELOW_RESERVED,
                field="quantity",
                detail=str(stock.quantity_reserved),
            )
        old = stock.quantity
        if quantity != old:
            Stock.objects.filter(pk=stock.pk).update(quantity=quantity)
            _record(
                variant.product_id, user, "stock", old, quantity, variant_id=variant.pk
            )
        stock.refresh_from_db()
    catalog_changed()
    return stock


def stock_adjust(*, variant: ProductVariant, delta, user) -> Stock:
    """Add (or, negative, take away) units: a delivery, a breakage."""
    _may_change(user, variant.product)
    delta = parse_quantity(delta, field="delta", signed=True)
    with transaction.atomic():
        stock = _locked_stock(variant)
        new = stock.quantity + delta
        if new < stock.quantity_reserved:
            raise EditError(
                EditErrorCode.BELOW_RESERVED,
                field="delta",
                detail=str(stock.quantity_reserved),
            )
        if delta:
            Stock.objects.filter(pk=stock.pk).update(quantity=F("quantity") + delta)
            stock.refresh_from_db()
            _record(
                variant.product_id,
                user,
                "stock",
                stock.quantity - delta,
                stock.quantity,
                variant_id=variant.pk,
            )
    catalog_changed()
    return stock


_UNSET = object()


def variant_update(
    *,
    variant: ProductVariant,
    user,
    price=_UNSET,
    compare_at_price=_UNSET,
    expected_price_fen: int | None = None,
) -> ProductVariant:
    """Change the price and the compare-at (划线) price, given as yuan text
    ('12.80') or fen ints; a compare-at of '' or None clears it. With
    `expected_price_fen` (what the form showed), a price changed meanwhile
    refuses with CHANGED_MEANWHILE."""
    _may_change(user, variant.product)
    new = {}
    if price is not _UNSET:
        new["price_fen"] = parse_price(price, field="price")
    if compare_at_price is not _UNSET:
        blank = compare_at_price is None or str(compare_at_price).strip() == ""
        new["compare_at_price_fen"] = (
            None if blank else parse_price(compare_at_price, field="compare_at_price")
        )
    with transaction.atomic():
        locked = ProductVariant.objects.select_for_update().get(pk=variant.pk)
        if expected_price_fen is not None and locked.price_fen != expected_price_fen:
            raise EditError(EditErrorCode.CHANGED_MEANWHILE, field="price")
        old = {name: getattr(locked, name) for name in new}
        for name, value in new.items():
            setattr(locked, name, value)
        compare = locked.compare_at_price_fen
        if compare is not None and compare <= locked.price_fen:
            raise EditError(
                EditErrorCode.COMPARE_AT_NOT_ABOVE, field="compare_at_price"
            )
        changed = [name for name in new if old[name] != new[name]]
        if changed:
            locked.save(update_fields=changed)
            for name in changed:
                _record(
                    locked.product_id,
                    user,
                    name.removesuffix("_fen"),
                    _yuan(old[name]),
                    _yuan(new[name]),
                    variant_id=locked.pk,
                )
    catalog_changed()
    return locked


def _yuan(fen: int | None) -> str:
    return "" if fen is None else fen_to_yuan_string(fen)


def _standard_errors(product: Product) -> None:
    """The brand's standards, checked as the import checks them (one home:
    brands.standards)."""
    values = {
        field.name: getattr(product, field.attname)
        for field in Product._meta.concrete_fields
    }
    category_slug = product.category.slug if product.category_id else None
    violations = brand_standard_violations(
        brand=product.brand, values=values, category_slug=category_slug
    )
    if violations:
        first = violations[0]
        raise EditError(
            EditErrorCode.BRAND_STANDARD,
            field=first.field,
            detail=(
                "；".join(v.message_zh for v in violations),
                "; ".join(v.message_en for v in violations),
            ),
        )


def _validation_error(exc: ValidationError) -> EditError:
    field, messages = next(iter(exc.message_dict.items()))
    return EditError(
        EditErrorCode.INVALID,
        field=None if field == "__all__" else field,
        detail=" ".join(messages),
    )


def product_update(*, product: Product, user, **fields) -> Product:
    """Change texts and label facts (TEXT_FIELDS); the description is
    sanitised HTML; the brand's standards must still hold afterwards."""
    unknown = set(fields) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"not editable here: {sorted(unknown)}")
    _may_change(user, product)
    with transaction.atomic():
        locked = (
            Product.objects.select_for_update(of=("self",))
            .select_related("brand", "category", "workshop")
            .get(pk=product.pk)
        )
        old = {name: getattr(locked, name) for name in fields}
        for name, value in fields.items():
            value = "" if value is None else str(value).strip()
            if name == "description":
                value = sanitize_html(value)
            setattr(locked, name, value)
        try:
            locked.full_clean(validate_unique=False)
        except ValidationError as exc:
            raise _validation_error(exc) from exc
        _standard_errors(locked)
        changed = [name for name in fields if getattr(locked, name) != old[name]]
        if changed:
            locked.save()
            for name in changed:
                _record(locked.pk, user, name, old[name], getattr(locked, name))
    catalog_changed()
    return locked


def product_set_published(*, product: Product, user, published: bool) -> Product:
    _may_change(user, product)
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        if locked.is_published != published:
            Product.objects.filter(pk=locked.pk).update(is_published=published)
            _record(locked.pk, user, "is_published", locked.is_published, published)
            locked.is_published = published
    catalog_changed()
    return locked


@dataclass(frozen=True)
class NewProduct:
    workshop: Workshop
    brand: Brand
    product_code: str
    name: str
    sku: str
    price: object
    quantity: object = 0
    name_en: str = ""
    description: str = ""
    category: Category | None = None
    variant_name: str = ""


def product_create(*, new: NewProduct, user) -> Product:
    """A product with its first variant and stock, unpublished."""
    if not user_can(
        user,
        Action.CREATE_PRODUCT,
        Product(workshop_id=new.workshop.pk, brand_id=new.brand.pk),
    ):
        raise EditError(EditErrorCode.PERMISSION_DENIED, field="brand")
    price_fen = parse_price(new.price)
    quantity = parse_quantity(new.quantity)
    code = new.product_code.strip()
    if Product.objects.filter(workshop=new.workshop, product_code=code).exists():
        raise EditError(EditErrorCode.DUPLICATE_CODE, field="product_code")
    draft = Product(
        workshop=new.workshop,
        brand=new.brand,
        product_code=code,
        name=new.name.strip(),
        name_en=new.name_en.strip(),
        description=sanitize_html(new.description),
        category=new.category,
        origin_village_id=new.workshop.village_id,
    )
    _standard_errors(draft)
    try:
        with transaction.atomic():
            product = services.product_create(
                workshop=new.workshop,
                brand=new.brand,
                product_code=code,
                name=draft.name,
                category=new.category,
                name_en=draft.name_en,
                description=draft.description,
            )
            variant = services.variant_create(
                product=product,
                sku=new.sku.strip(),
                price_fen=price_fen,
                quantity=quantity,
                name=new.variant_name.strip(),
            )
            _record(product.pk, user, "created", "", product.name)
            _record(product.pk, user, "stock", "", quantity, variant_id=variant.pk)
    except CatalogError as exc:
        code_map = {
            CatalogErrorCode.BRAND_NOT_ALLOWED: EditErrorCode.BRAND_NOT_ALLOWED,
            CatalogErrorCode.DUPLICATE_SKU: EditErrorCode.DUPLICATE_SKU,
        }
        raise EditError(
            code_map.get(exc.code, EditErrorCode.INVALID), field=exc.field
        ) from exc
    except ValidationError as exc:
        raise _validation_error(exc) from exc
    except IntegrityError as exc:
        # The same code created meanwhile by someone else.
        raise EditError(EditErrorCode.DUPLICATE_CODE, field="product_code") from exc
    return product


def product_photo_add(*, product: Product, user, data: bytes, alt: str = ""):
    """A photo through the image pipeline (decoded defensively, upright,
    metadata dropped, renditions made), recorded in the history."""
    _may_change(user, product)
    before = product.images.count()
    try:
        image = services.product_image_add(product=product, data=data, alt=alt)
    except CatalogError as exc:
        code = (
            EditErrorCode.IMAGE_TOO_LARGE
            if exc.code == CatalogErrorCode.IMAGE_TOO_LARGE
            else EditErrorCode.IMAGE_INVALID
        )
        raise EditError(code, field="photo") from exc
    if product.images.count() > before:
        _record(product.pk, user, "photo", "", image.image.name)
    return image


def product_photo_remove(*, product: Product, user, image_id: int) -> None:
    _may_change(user, product)
    with transaction.atomic():
        image = product.images.filter(pk=image_id).first()
        if image is None:
            raise EditError(EditErrorCode.NOT_FOUND, field="photo")
        name = image.image.name
        image.delete()
        _record(product.pk, user, "photo", name, "")
    catalog_changed()


def product_history(product: Product):
    return ProductChange.objects.filter(product=product).select_related(
        "user", "variant"
    )
