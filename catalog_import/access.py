"""Which products an import may write for its actor, asked of
brands.permissions `user_can` against the product itself (not only the
workshop): an existing product needs CHANGE_PRODUCT on it, a new one
CREATE_PRODUCT for its brand in the workshop, and a brand change both the old
and the new brand. Plan decides with these (so the preview shows it) and
apply asks again just before writing.

Each answer is made from ids already read (the product's brand, the
workshop), on an unsaved Product, so a whole file is checked without a query
per row: `user_can` loads the actor's memberships once."""

from brands.permissions import Action, user_can
from storefront.catalog.models import Product


def _product(*, workshop_id: int, brand_id: int | None, product_id=None) -> Product:
    return Product(pk=product_id, workshop_id=workshop_id, brand_id=brand_id)


def may_create(actor, *, workshop_id: int, brand_id: int) -> bool:
    return user_can(
        actor,
        Action.CREATE_PRODUCT,
        _product(workshop_id=workshop_id, brand_id=brand_id),
    )


def may_change(
    actor,
    *,
    workshop_id: int,
    product_id: int,
    brand_id: int | None,
    new_brand_id: int | None = None,
) -> bool:
    """May `actor` change the product (of `brand_id` now) and, when
    `new_brand_id` differs, give it that brand?"""
    now = _product(workshop_id=workshop_id, brand_id=brand_id, product_id=product_id)
    if not user_can(actor, Action.CHANGE_PRODUCT, now):
        return False
    if new_brand_id is None or new_brand_id == brand_id:
        return True
    moved = _product(
        workshop_id=workshop_id, brand_id=new_brand_id, product_id=product_id
    )
    return user_can(actor, Action.CHANGE_PRODUCT, moved)


def may_use_brand(actor, *, workshop, brand) -> bool:
    """May `actor` import a file into `workshop` with `brand` chosen for the
    whole file? Only a brand the workshop sells under, and one the actor may
    create products of there (changing an existing product to it is asked
    again per row by plan and apply)."""
    if brand is None or brand.pk is None:
        return False
    if not workshop.brands.filter(pk=brand.pk).exists():
        return False
    return may_create(actor, workshop_id=workshop.pk, brand_id=brand.pk)
