"""The demo content as plain data: what `load_demo` writes, nothing else."""

from .catalogue import (
    CATEGORIES,
    DEMO_PASSWORD,
    DEMO_USERS,
    FOOD_CATEGORY_SLUGS,
    STANDARDS,
)
from .organisations import BRANDS, VILLAGES, WORKSHOPS
from .products_coast import PRODUCTS_COAST
from .products_jinhua import PRODUCTS_JINHUA
from .products_linhai import PRODUCTS_LINHAI

PRODUCTS = [*PRODUCTS_COAST, *PRODUCTS_JINHUA, *PRODUCTS_LINHAI]

__all__ = [
    "BRANDS",
    "CATEGORIES",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "FOOD_CATEGORY_SLUGS",
    "PRODUCTS",
    "STANDARDS",
    "VILLAGES",
    "WORKSHOPS",
]
