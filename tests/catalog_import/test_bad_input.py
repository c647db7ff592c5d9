"""Files built to break the import: NUL bytes in cells and headers, a report
that cannot be saved, sheets of millions of empty rows, more rows than the
reader will look at. Each ends in a clear error or warning, a finished (or
cleanly failed) job, and nothing half-written."""

import csv
import io

import pytest

from catalog_import import services
from catalog_import.errors import ImportErrorCode as Code
from catalog_import.models import ImportJob, ImportMode, ImportStatus
from catalog_import.parse import parse_upload
from catalog_import.pipeline import ImportResult, run_import
from catalog_import.types import MAX_BLANK_RUN, MAX_RECORDS
from storefront.catalog.models import Product
from tests.catalog_import.drafts import PLATFORM
from tests.catalog_import.jobs_helpers import (
    HEADERS,
    catalogue_counts,
    catalogue_csv,
    catalogue_rows,
    shop,
    upload,
)
from tests.catalog_import.xlsx_files import xlsx

pytestmark = pytest.mark.django_db

SEVEN_MILLION = 7_000_000


@pytest.fixture
def world():
    return shop()


def _job(world, content: bytes, name="catalogue.csv", mode=ImportMode.APPLY):
    _, workshop, manager = world
    job = services.import_job_create(
        user=manager, workshop=workshop, upload=upload(content, name), mode=mode
    )
    services.import_job_run(job.pk)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("column", range(len(HEADERS)), ids=HEADERS)
def test_a_nul_in_any_csv_cell_is_an_error_on_that_cell(world, column):
    brand = world[0]
    rows = catalogue_rows(brand, products=2, variants=1)
    rows[0][column] = "12\x003"
    job = _job(world, catalogue_csv(rows))

    assert job.status == ImportStatus.DONE, job.failure
    errors = [p for p in job.report["problems"] if p["severity"] == "error"]
    assert [(p["row"], p["column"], p["code"]) for p in errors] == [
        (2, HEADERS[column], Code.INVALID_CHARACTER)
    ]
    message = errors[0]["message"]
    assert "无法保存的字符" in message and "cannot be stored" in message
    assert "第 3 个字符 / character 3" in message and "12␀3" in message
    # The clean product is written, the one with the NUL is not.
    assert list(Product.objects.values_list("product_code", flat=True)) == ["T-0002"]
    assert (job.created_count, job.skipped_count) == (1, 1)


def test_a_nul_in_a_header_is_shown_not_stored_raw(world):
    brand = world[0]
    rows = [[*row, "x"] for row in catalogue_rows(brand, products=1, variants=1)]
    job = _job(world, catalogue_csv(rows, headers=[*HEADERS, "备\x00注"]))

    assert job.status == ImportStatus.DONE, job.failure
    (warning,) = job.report["problems"]
    assert (warning["code"], warning["column"]) == (Code.UNKNOWN_COLUMN, "备␀注")
    assert job.created_count == 1


def test_a_nul_in_an_xlsx_cell_refuses_the_file_in_words(world):
    """XML cannot hold a NUL: openpyxl cannot read such a sheet at all, so
    the whole file is refused, saying why, and nothing is written."""
    content = xlsx([HEADERS, ["T-1", "黄鱼\x00鲞", "250克", "T-1-1", "12.80", "5", ""]])
    job = _job(world, content, name="catalogue.xlsx")

    assert job.status == ImportStatus.FAILED
    assert "NUL" in job.failure and "空字符" in job.failure
    assert not job.can_run_again  # the file is at fault: fix it, upload again
    assert catalogue_counts()["products"] == 0


def test_a_report_the_database_refuses_fails_the_job_cleanly(world):
    """Whatever the report holds, the job never stays "running 99 %": when
    it cannot be saved the job fails with a message and may be run again."""
    _, workshop, manager = world
    job = ImportJob.objects.create(
        workshop=workshop,
        created_by=manager,
        file="imports/x.csv",
        original_name="x.csv",
        mode=ImportMode.APPLY,
        status=ImportStatus.RUNNING,
        attempt=1,
        rows_done=99,
        rows_total=100,
    )
    result = ImportResult(rows_total=100)
    result.counts["created"] = -1  # no PositiveIntegerField takes it

    services._finish(job, 1, result)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.failure_code == "report_not_saved" and job.can_run_again
    assert "报告无法保存" in job.failure and "could not be saved" in job.failure
    assert job.finished_at is not None


# ------------------------------------------------------------ row limits


def _read_all(content: bytes, name: str):
    parsed = parse_upload(name, io.BytesIO(content))
    rows = list(parsed.rows)
    return parsed, rows


@pytest.mark.parametrize(
    "shape",
    [
        {"empty_rows": SEVEN_MILLION, "dimension": f"A1:Z{SEVEN_MILLION + 2}"},
        {"lone_cell_row": SEVEN_MILLION},
    ],
    ids=["seven-million-empty-row-elements", "one-cell-at-row-seven-million"],
)
def test_an_xlsx_of_millions_of_empty_rows_is_not_read_to_its_end(world, shape):
    brand = world[0]
    content = xlsx(
        [HEADERS, ["T-1", "黄鱼鲞", "250克", "T-1-1", "12.80", "5", brand.name]],
        **shape,
    )

    parsed, rows = _read_all(content, "catalogue.xlsx")

    assert [row.cells["SKU"] for row in rows] == ["T-1-1"]
    # It stopped after a run of empty rows, not at row seven million.
    assert parsed.read.records <= MAX_BLANK_RUN + 2
    (stopped,) = parsed.file_problems
    assert stopped.code == Code.BLANK_ROWS_STOPPED and not stopped.is_error
    assert "empty rows from row 3" in stopped.message_en

    result = run_import(
        workshop=world[1],
        actor=PLATFORM,
        name="catalogue.xlsx",
        fileobj=io.BytesIO(content),
        dry_run=False,
    )
    assert result.file_error is None
    assert (result.counts["created"], len(result.errors)) == (1, 0)
    assert [w.code for w in result.warnings] == [Code.BLANK_ROWS_STOPPED]


class _CountedReads(io.BytesIO):
    """A file that counts the bytes read from it."""

    bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_an_xlsx_without_a_dimension_is_not_parsed_to_its_end_first(world):
    """Without a <dimension> element openpyxl used to parse the whole sheet
    looking for one before giving the first row (the issue's 17.5 MB file of
    7 million rows: 24 s). Now the reader takes only the sheet's head."""
    brand = world[0]
    content = xlsx(
        [HEADERS, ["T-1", "黄鱼鲞", "250克", "T-1-1", "12.80", "5", brand.name]],
        empty_rows=1_000_000,
        numbered=True,
    )
    counted = _CountedReads(content)

    parsed = parse_upload("catalogue.xlsx", counted)
    assert [row.cells["SKU"] for row in parsed.rows] == ["T-1-1"]

    assert parsed.read.records <= MAX_BLANK_RUN + 2
    assert counted.bytes_read < len(content) / 4


def test_more_rows_than_the_reader_looks_at_is_refused_before_the_end():
    """Blank rows interleaved below the blank-run limit still count towards
    MAX_RECORDS: the file is refused there, with a message saying so."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS)
    products = MAX_RECORDS // 500 + 5
    for n in range(products):
        writer.writerow([f"T-{n}", "黄鱼鲞", "250克", f"T-{n}-1", "12.80", "5", ""])
        out.write("\n" * 499)
    parsed = parse_upload("catalogue.csv", io.BytesIO(out.getvalue().encode()))

    with pytest.raises(Exception) as refused:
        list(parsed.rows)

    assert getattr(refused.value, "code", None) == Code.TOO_MANY_ROWS
    assert "including empty rows" in refused.value.message
    assert parsed.read.records == MAX_RECORDS + 1


def test_archive_missing_refuses_a_file_whose_reading_stopped_at_a_gap(world):
    """Products below a run of empty rows are never read: archiving what
    the file "does not list" would unpublish them."""
    brand, workshop, _ = world
    rows = catalogue_rows(brand, products=4, variants=1)
    first = run_import(
        workshop=workshop,
        actor=PLATFORM,
        name="catalogue.csv",
        fileobj=io.BytesIO(catalogue_csv(rows)),
        dry_run=False,
    )
    assert first.counts["created"] == 4
    gap = rows[:2] + [[""] * len(HEADERS)] * MAX_BLANK_RUN + rows[2:]
    for dry_run in (True, False):
        result = run_import(
            workshop=workshop,
            actor=PLATFORM,
            name="catalogue.csv",
            fileobj=io.BytesIO(catalogue_csv(gap)),
            dry_run=dry_run,
            archive_missing=True,
        )
        assert result.file_error_code == Code.ARCHIVE_NEEDS_WHOLE_FILE
        assert "下架文件中没有的商品" in result.file_error
    assert Product.objects.filter(workshop=workshop, is_published=True).count() == 4

    # Without "archive missing" the rows above the gap import as before.
    kept = run_import(
        workshop=workshop,
        actor=PLATFORM,
        name="catalogue.csv",
        fileobj=io.BytesIO(catalogue_csv(gap)),
        dry_run=False,
    )
    assert kept.file_error is None
    assert [w.code for w in kept.warnings] == [Code.BLANK_ROWS_STOPPED]
