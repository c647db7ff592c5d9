"""Small catalogue files and shop fixtures for the import service, CLI, API
and worker tests."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from brands.models import Role
from storefront.catalog.models import Product, ProductImage, ProductVariant, Stock
from tests.factories import grant, make_brand, make_user, make_workshop

HEADERS = ["商品编码", "商品名称", "规格", "SKU", "价格(元)", "库存", "品牌"]


def catalogue_rows(brand, products: int = 2, variants: int = 2) -> list[list[str]]:
    """`products` products of `variants` variants each, in the template's
    columns (HEADERS)."""
    rows = []
    for p in range(1, products + 1):
        for v in range(1, variants + 1):
            rows.append(
                [
                    f"T-{p:04d}",
                    f"测试黄鱼鲞{p}" if v == 1 else "",
                    f"{250 * v}克",
                    f"T-{p:04d}-{v}",
                    f"{10 + p}.{v:02d}",
                    str(5 * v),
                    brand.name if v == 1 else "",
                ]
            )
    return rows


def catalogue_csv(rows: list[list[str]], headers=HEADERS) -> bytes:
    """UTF-8 with a BOM, as Excel saves "CSV UTF-8"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def upload(content: bytes, name: str = "catalogue.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def catalogue_counts() -> dict[str, int]:
    """Row counts of every table an import may write."""
    return {
        "products": Product.objects.count(),
        "variants": ProductVariant.objects.count(),
        "stock": Stock.objects.count(),
        "images": ProductImage.objects.count(),
    }


def shop():
    """A brand, a workshop selling under it, and that workshop's manager."""
    brand = make_brand(name="斑斓海岸")
    workshop = make_workshop(brands=[brand])
    manager = make_user()
    grant(manager, Role.WORKSHOP_MANAGER, workshop)
    return brand, workshop, manager


def shared_database_url() -> str:
    """A DATABASE_URL for another process to reach the database this test
    uses (pytest-django's test database)."""
    from urllib.parse import quote

    from django.db import connection

    db = connection.settings_dict
    if connection.vendor != "postgresql":
        raise RuntimeError("only PostgreSQL is reachable from another process")
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"
