"""Catalogue import speed and memory, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/import_bench.py [--variants 10000] [--images 200]

In a separate database (<name>_import_bench, recreated each run):
1. generates a canonical-template CSV of N variants over N/4 products;
2. a raw `bulk_create` of the same products, variants and stock (into another
   workshop), timed, as the reference rate;
3. imports the CSV through the whole pipeline (parse, normalise, validate,
   plan with diffs, apply) and times it; then imports it again unchanged;
4. imports a ZIP of phone-sized 3000×2000 JPEGs (one product each) and
   reports images/s;
5. in a child process each, the peak memory (ru_maxrss) of a dry run of a
   100,000-row file: once with the row limit lifted, to show the pipeline
   streams, and once as shipped, where the file is refused after 20,000 rows.
Not part of the test suite.
"""

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.storefront import recreate_database, run_manage  # noqa: E402

TARGETS = {
    "import_seconds": 5.0,
    "ratio_to_bulk_create": 0.40,
    "reimport_seconds": 3.0,
    "images_per_second": 10.0,
    "peak_mb": 300,
}
HEADERS = [
    "商品编码",
    "商品名称",
    "规格",
    "SKU",
    "价格(元)",
    "划线价(元)",
    "库存",
    "重量(克)",
    "分类",
    "品牌",
    "描述",
    "净含量",
    "保质期",
    "图片",
]
WORDS = ["活黄鱼", "虾皮", "垂面", "梨膏", "草编帽", "旗袍", "彩灯", "绿茶", "鱼鲞"]


def bench_database_url(base_url: str) -> str:
    parsed = urlparse(base_url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        sys.exit("bench/import_bench.py measures PostgreSQL: set DATABASE_URL")
    return parsed._replace(path=parsed.path + "_import_bench").geturl()


def catalogue_rows(variants: int, *, per_product: int = 4, image: bool = False):
    """Rows of the canonical template: `variants` rows, `per_product` each."""
    rng = random.Random(4)
    for i in range(variants):
        p = i // per_product
        price = rng.randint(990, 29900)
        yield [
            f"P{p:06d}",
            f"{WORDS[p % len(WORDS)]}{p}",
            f"{250 * (1 + i % per_product)}g",
            f"SKU-{i:07d}",
            f"{price // 100}.{price % 100:02d}",
            "",
            str(rng.randint(0, 500)),
            str(250 * (1 + i % per_product)),
            "海鲜",
            "基准品牌",
            "<p>舟山海边村庄的好物</p>",
            "500克",
            "12个月",
            f"photo-{p}.jpg" if image else "",
        ]


def write_csv(path: Path, rows) -> None:
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows)


def setup_shop():
    import django

    django.setup()
    from brands.models import Brand, Village, Workshop, WorkshopType
    from storefront.catalog.services import category_create

    brand = Brand.objects.create(
        slug="bench-brand",
        name="基准品牌",
        operator_organisation="基准运营",
        story="基准",
    )
    village = Village.objects.create(
        slug="bench-village",
        name="基准村",
        township="黄避岙乡",
        county="象山县",
        city="宁波市",
        collective_organisation="基准村股份经济合作社",
    )
    workshops = []
    for slug in ("bench-import", "bench-raw", "bench-photos"):
        workshop = Workshop.objects.create(
            slug=slug,
            name=f"基准工坊 {slug}",
            village=village,
            workshop_type=WorkshopType.PROCESSING,
            people_employed=10,
            low_income_households_employed=2,
        )
        workshop.brands.set([brand])
        workshops.append(workshop)
    category_create(name="海鲜", name_en="Seafood")
    return brand, workshops


def raw_bulk_create(rows: list[list[str]], *, brand, workshop, category) -> float:
    """The reference: the same rows written with three bulk_creates."""
    from storefront.catalog.models import Product, ProductVariant, Stock

    started = time.perf_counter()
    products, variants, stocks = {}, [], []
    for row in rows:
        code = row[0]
        if code not in products:
            products[code] = Product(
                slug=f"raw-{code.lower()}",
                product_code=code,
                name=row[1],
                brand=brand,
                workshop=workshop,
                origin_village_id=workshop.village_id,
                category=category,
                description=row[10],
                net_content=row[11],
                shelf_life=row[12],
                is_published=True,
            )
    Product.objects.bulk_create(products.values(), batch_size=2000)
    for row in rows:
        yuan, fen = row[4].split(".")
        variants.append(
            ProductVariant(
                product=products[row[0]],
                workshop=workshop,
                sku=row[3],
                name=row[2],
                price_fen=int(yuan) * 100 + int(fen),
                weight_grams=int(row[7]),
            )
        )
    ProductVariant.objects.bulk_create(variants, batch_size=4000)
    for variant, row in zip(variants, rows, strict=True):
        stocks.append(Stock(variant=variant, quantity=int(row[6])))
    Stock.objects.bulk_create(stocks, batch_size=4000)
    return time.perf_counter() - started


def timed_import(workshop, path: Path, *, dry_run=False) -> tuple[float, object]:
    from django.contrib.auth import get_user_model

    from catalog_import.services import run_import

    started = time.perf_counter()
    with path.open("rb") as handle:
        result = run_import(
            workshop=workshop,
            # A platform operator (unsaved: asks the database nothing).
            actor=get_user_model()(username="bench", is_staff=True),
            name=path.name,
            fileobj=handle,
            dry_run=dry_run,
            fetch_remote=False,
        )
    return time.perf_counter() - started, result


def phone_photo(seed: int) -> bytes:
    """A 3000×2000 JPEG with some texture, as a phone would send (~1–2 MB)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (3000, 2000), (rng.randrange(256), 120, 160))
    draw = ImageDraw.Draw(image)
    for _ in range(300):
        x, y = rng.randrange(3000), rng.randrange(2000)
        r = rng.randrange(20, 200)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x, y, x + r, y + r), fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def photo_zip(path: Path, count: int) -> None:
    import csv

    sheet = io.StringIO()
    writer = csv.writer(sheet)
    writer.writerow(HEADERS)
    writer.writerows(catalogue_rows(count, per_product=1, image=True))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("catalogue.csv", "\ufeff" + sheet.getvalue())
        photos = [phone_photo(n) for n in range(min(count, 20))]
        for p in range(count):
            # JPEG is already compressed: store it, as phones' zips do.
            archive.writestr(
                zipfile.ZipInfo(f"photos/photo-{p}.jpg"),
                photos[p % len(photos)] + p.to_bytes(4, "big"),
                compress_type=zipfile.ZIP_STORED,
            )


MEMORY_CHILD = """
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
import django
django.setup()
import catalog_import.types as limits
if {lift}:
    limits.MAX_ROWS = 10**9
from brands.models import Workshop
from catalog_import.services import run_import
from django.contrib.auth import get_user_model
workshop = Workshop.objects.get(slug="bench-import")
actor = get_user_model()(username="bench", is_staff=True)
started = time.perf_counter()
with open({path!r}, "rb") as handle:
    result = run_import(workshop=workshop, actor=actor, name="big.csv",
                        fileobj=handle, dry_run=True, fetch_remote=False)
print(json.dumps({{
    "seconds": time.perf_counter() - started,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "file_error": result.file_error,
    "rows": result.rows_total,
}}))
"""


def memory_run(path: Path, *, lift: bool) -> dict:
    code = MEMORY_CHILD.format(root=str(ROOT), lift=lift, path=str(path))
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def baseline_mb() -> float:
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import django; "
        "django.setup(); import catalog_import.services, resource; "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True
    )
    return float(out.stdout.decode().strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=10_000)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--big-rows", type=int, default=100_000)
    args = parser.parse_args()

    url = bench_database_url(os.environ.get("DATABASE_URL", ""))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "k" * 40,
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="import-bench-media-"),
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    os.environ.update(env)
    print(f"database {url}: recreating and migrating …", flush=True)
    recreate_database(url)
    run_manage(env, "migrate", "--noinput", "-v0")
    brand, (workshop, raw_workshop, photo_workshop) = setup_shop()
    from storefront.catalog.models import Category

    category = Category.objects.get(name="海鲜")

    work = Path(tempfile.mkdtemp(prefix="import-bench-"))
    rows = list(catalogue_rows(args.variants))
    csv_path = work / "catalogue.csv"
    write_csv(csv_path, rows)
    products = len({r[0] for r in rows})

    raw = raw_bulk_create(rows, brand=brand, workshop=raw_workshop, category=category)
    first, result = timed_import(workshop, csv_path)
    again, repeat = timed_import(workshop, csv_path)
    errors = [p for p in result.problems if p.is_error]

    zip_path = work / "photos.zip"
    photo_zip(zip_path, args.images)
    photos_seconds, photos = timed_import(photo_workshop, zip_path)
    from storefront.catalog.models import ProductImage

    stored = ProductImage.objects.filter(product__workshop=photo_workshop).count()

    big_path = work / "big.csv"
    write_csv(big_path, catalogue_rows(args.big_rows))
    base = baseline_mb()
    lifted = memory_run(big_path, lift=True)
    shipped = memory_run(big_path, lift=False)

    raw_rate = args.variants / raw
    rate = args.variants / first
    print(
        f"\n{args.variants:,} variants over {products:,} products "
        f"({csv_path.stat().st_size / 1e6:.1f} MB CSV), {os.cpu_count()} cores\n"
    )
    print("| measurement | figure | target | met |")
    print("|---|---:|---:|---|")

    def line(label, figure, target, met):
        print(f"| {label} | {figure} | {target} | {'yes' if met else 'NO'} |")

    line(
        "raw bulk_create of the same rows (reference)",
        f"{raw:.2f} s ({raw_rate:,.0f} rows/s)",
        "—",
        True,
    )
    line(
        "import: parse, normalise, validate, plan + diff, apply",
        f"{first:.2f} s ({rate:,.0f} rows/s)",
        f"≤ {TARGETS['import_seconds']:.0f} s",
        first <= TARGETS["import_seconds"],
    )
    line(
        "import rate ÷ bulk_create rate",
        f"{rate / raw_rate:.0%}",
        f"≥ {TARGETS['ratio_to_bulk_create']:.0%}",
        rate / raw_rate >= TARGETS["ratio_to_bulk_create"],
    )
    line(
        "re-import of the unchanged file",
        f"{again:.2f} s ({repeat.counts.get('unchanged', 0):,} unchanged)",
        f"≤ {TARGETS['reimport_seconds']:.0f} s",
        again <= TARGETS["reimport_seconds"]
        and repeat.counts.get("unchanged", 0) == products,
    )
    line(
        f"{args.images} phone photos 3000×2000 in a ZIP",
        f"{photos_seconds:.1f} s ({stored / photos_seconds:.1f} images/s, "
        f"{stored} stored)",
        f"≥ {TARGETS['images_per_second']:.0f} images/s",
        stored / photos_seconds >= TARGETS["images_per_second"]
        and stored == args.images,
    )
    line(
        f"dry run of {args.big_rows:,} rows, row limit lifted: peak memory",
        f"{lifted['peak_mb']:.0f} MB ({lifted['seconds']:.1f} s; "
        f"process baseline {base:.0f} MB)",
        f"< {TARGETS['peak_mb']} MB",
        lifted["peak_mb"] < TARGETS["peak_mb"],
    )
    line(
        f"the same file as shipped (refused after {20_000:,} rows): peak memory",
        f"{shipped['peak_mb']:.0f} MB ({shipped['seconds']:.1f} s)",
        f"< {TARGETS['peak_mb']} MB",
        shipped["peak_mb"] < TARGETS["peak_mb"],
    )
    print(
        f"\nfirst import: {result.counts}; errors {len(errors)}; "
        f"re-import: {repeat.counts}; photos: {photos.counts}; "
        f"shipped limit: {shipped['file_error']}"
    )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"this process's own peak: {own:.0f} MB")


if __name__ == "__main__":
    main()
