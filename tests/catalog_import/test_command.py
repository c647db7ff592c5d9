"""`manage.py import_catalog`: the issue's JSON shape, exit codes, the
progress bar on a terminal, and the template."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from brands.models import Role
from catalog_import import columns
from storefront.catalog.models import Product
from tests.catalog_import.jobs_helpers import (
    catalogue_counts,
    catalogue_csv,
    catalogue_rows,
    shared_database_url,
    shop,
)
from tests.factories import grant, make_brand, make_user

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def world():
    # The command acts as the first platform operator unless told --as.
    make_user("platform", staff=True)
    return shop()


@pytest.fixture
def sheet(tmp_path, world):
    """A catalogue file of 2 products, the second with a bad price (row 3)."""
    brand, _, _ = world
    rows = catalogue_rows(brand, products=2, variants=1)
    rows[1][4] = "12,50"
    path = tmp_path / "目录.csv"
    path.write_bytes(catalogue_csv(rows))
    return path


def _command(*args, stderr=None) -> str:
    out = io.StringIO()
    call_command("import_catalog", *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def _refusal(*args) -> str:
    """The one-line reason a refused run prints (manage.py prints
    "CommandError: <reason>" on stderr and exits with its returncode)."""
    with pytest.raises(CommandError) as refused:
        _command(*args)
    assert refused.value.returncode != 0
    return str(refused.value)


def test_json_has_exactly_the_issues_shape(world, sheet):
    _, workshop, _ = world

    body = json.loads(_command("--workshop", workshop.slug, str(sheet), "--json"))

    assert list(body) == [
        "created",
        "updated",
        "unchanged",
        "archived",
        "errors",
        "warnings",
    ]
    assert (body["created"], body["updated"], body["unchanged"]) == (1, 0, 0)
    assert body["archived"] == 0 and body["warnings"] == []
    [error] = body["errors"]
    assert set(error) == {"row", "column", "code", "message"}
    assert (error["row"], error["column"], error["code"]) == (
        3,
        "价格(元)",
        "invalid_price",
    )
    assert "价格" in error["message"] and "price" in error["message"]
    assert Product.objects.filter(workshop=workshop).count() == 1


def test_dry_run_writes_nothing(world, sheet):
    _, workshop, _ = world
    before = catalogue_counts()

    body = json.loads(
        _command("--workshop", workshop.slug, str(sheet), "--dry-run", "--json")
    )

    assert body["created"] == 1
    assert catalogue_counts() == before


def test_human_output_lists_the_row_errors(world, sheet):
    _, workshop, _ = world

    out = _command("--workshop", workshop.slug, str(sheet))

    assert "新增 created 1" in out and "跳过 skipped 1" in out
    assert "第 3 行 row [价格(元)] invalid_price" in out


def test_progress_bar_on_a_terminal_goes_to_stderr(world, sheet):
    _, workshop, _ = world
    terminal = Terminal()

    out = _command("--workshop", workshop.slug, str(sheet), "--json", stderr=terminal)

    assert json.loads(out)["created"] == 1  # stdout holds only the JSON
    bar = terminal.getvalue()
    assert bar.startswith("\r[") and "100%" in bar and bar.endswith("\n")


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["--workshop", "no-such-workshop", "{sheet}"], "No workshop with slug"),
        (["--workshop", "{slug}", "{missing}"], "Cannot open"),
        (["--workshop", "{slug}", "{empty}"], "The file is empty"),
        (["--workshop", "{slug}", "{header_only}", "--json"], "no product rows"),
        (["{sheet}"], "--workshop SLUG and FILE are required"),
    ],
    ids=["unknown-workshop", "missing-file", "empty", "header-only", "no-workshop"],
)
def test_a_file_that_cannot_be_processed_is_refused_in_one_line(
    world, sheet, tmp_path, argv, reason
):
    _, workshop, _ = world
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "header.csv").write_bytes(catalogue_csv([]))
    names = {
        "sheet": str(sheet),
        "slug": workshop.slug,
        "missing": str(tmp_path / "nope.csv"),
        "empty": str(tmp_path / "empty.csv"),
        "header_only": str(tmp_path / "header.csv"),
    }
    before = catalogue_counts()

    message = _refusal(*[arg.format(**names) for arg in argv])

    assert "\n" not in message and reason in message
    assert " / " in message  # Chinese / English
    assert catalogue_counts() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.requires_postgres(
    "the command runs in another process, which would open its own SQLite "
    "file, not the test database"
)
def test_exit_status_from_a_shell(world, sheet, settings):
    """As a shell sees it: 0 with row errors (JSON on stdout), 1 with one
    line on stderr when the workshop does not exist."""
    _, workshop, _ = world
    env = {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "IMPORT_ROOT": str(settings.IMPORT_ROOT),
    }
    env.pop("REDIS_URL", None)  # the command needs no cache of its own

    def manage(*argv):
        return subprocess.run(
            [sys.executable, "manage.py", "import_catalog", *argv],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = manage("--workshop", workshop.slug, str(sheet), "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["created"] == 1 and len(body["errors"]) == 1

    refused = manage("--workshop", "no-such-workshop", str(sheet))
    assert refused.returncode == 1 and refused.stdout == ""
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "No workshop with slug" in lines[0], refused.stderr


def test_template_xlsx(tmp_path):
    target = tmp_path / "template.xlsx"

    out = _command("--template", str(target))

    assert str(target) in out
    sheet = openpyxl.load_workbook(target, read_only=True).active
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert list(header) == list(columns.TEMPLATE_HEADERS)


def test_template_csv(tmp_path):
    target = tmp_path / "template.csv"
    _command("--template", str(target))
    assert target.read_bytes() == columns.template_csv()


def test_template_needs_a_known_suffix(tmp_path):
    assert ".xlsx" in _refusal("--template", str(tmp_path / "t.txt"))
    assert not (tmp_path / "t.txt").exists()


def test_as_names_the_user_whose_rights_each_row_is_checked_against(world, tmp_path):
    """--as an operator of another brand of the workshop: the row of a
    product of the workshop's first brand is refused, nothing written."""
    brand, workshop, _ = world
    other = make_brand()
    workshop.brands.add(other)
    operator = make_user()
    grant(operator, Role.BRAND_OPERATOR, other)
    path = tmp_path / "one.csv"
    path.write_bytes(catalogue_csv(catalogue_rows(brand, products=1, variants=1)))

    body = json.loads(
        _command(
            "--workshop", workshop.slug, str(path), "--as", operator.username, "--json"
        )
    )

    assert body["created"] == 0
    assert [e["code"] for e in body["errors"]] == ["permission_denied"]
    assert "You may not change this product" in body["errors"][0]["message"]
    assert catalogue_counts()["products"] == 0


def test_as_an_unknown_or_unauthorised_user_is_refused(world, sheet):
    _, workshop, _ = world
    assert "No active user named nobody" in _refusal(
        "--workshop", workshop.slug, str(sheet), "--as", "nobody"
    )
    consumer = make_user()
    assert "may not import into workshop" in _refusal(
        "--workshop", workshop.slug, str(sheet), "--as", consumer.username
    )
    assert catalogue_counts()["products"] == 0


def test_without_as_and_without_a_platform_operator_the_command_says_so(world, sheet):
    _, workshop, _ = world
    get_user_model().objects.filter(is_staff=True).update(is_staff=False)
    reason = _refusal("--workshop", workshop.slug, str(sheet))
    assert "No platform operator" in reason and "--as USERNAME" in reason
    assert catalogue_counts()["products"] == 0
