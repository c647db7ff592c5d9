"""Import a workshop's catalogue file from a terminal, or write the template.

    python manage.py import_catalog --workshop SLUG FILE [--as USERNAME]
        [--dry-run] [--json] [--sheet NAME] [--archive-missing] [--no-fetch]
        [--brand BRAND_SLUG]
    python manage.py import_catalog --template out.xlsx [--workshop SLUG]

The import acts as a user, checked exactly as in the portal: `--as USERNAME`,
or by default a platform operator (the first active staff user, superusers
first). Rows that user may not write are row errors (PERMISSION_DENIED).

Exits 0 once the file was processed, even when rows had errors (they are
listed); exits non-zero with a one-line reason when the workshop does not
exist or the file cannot be read at all. `--json` prints only the JSON on
stdout; the progress bar (on a terminal) goes to stderr.
"""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from brands.models import Brand, Workshop
from brands.permissions import Action, user_can
from catalog_import import columns
from catalog_import.access import may_use_brand
from catalog_import.errors import JOB_MESSAGES, ImportJobErrorCode
from catalog_import.links import product_urls
from catalog_import.selectors import template_choices
from catalog_import.services import ImportResult, run_import

HUMAN_LIST_MAX = 50
BAR_WIDTH = 30


def _problem_json(problem) -> dict:
    return {
        "row": problem.row,
        "column": problem.column,
        "code": str(problem.code),
        "message": f"{problem.message_zh} / {problem.message_en}",
    }


def result_json(result: ImportResult) -> dict:
    """The --json document: counts, then every error and warning."""
    return {
        "created": result.counts["created"],
        "updated": result.counts["updated"],
        "unchanged": result.counts["unchanged"],
        "archived": result.counts["archived"],
        "errors": [_problem_json(p) for p in result.errors],
        "warnings": [_problem_json(p) for p in result.warnings],
    }


def _brand(slug: str | None, workshop: Workshop, actor) -> Brand | None:
    """The --brand for the whole file: one of the workshop's brands that
    `actor` may create products of, or a one-line refusal."""
    if not slug:
        return None
    brand = Brand.objects.filter(slug=slug).first()
    if brand is None or not may_use_brand(actor, workshop=workshop, brand=brand):
        zh, en = JOB_MESSAGES[ImportJobErrorCode.BRAND_NOT_ALLOWED]
        raise CommandError(f"{zh}：{slug} / {en}: {slug}")
    return brand


def product_links(result: ImportResult) -> list[dict]:
    """The products an apply created or updated, with their public page
    and admin addresses (absolute, from SITE_URL)."""
    links = []
    for entry in result.plan:
        if not entry.get("written") or not entry.get("product_id"):
            continue
        links.append(
            {
                "action": entry["action"],
                "product_code": entry["product_code"],
                "id": entry["product_id"],
                **product_urls(entry["product_id"], entry.get("product_slug")),
            }
        )
    return links


class ProgressBar:
    """A one-line bar redrawn on stderr when the percentage moves. `stream` is
    the command's OutputWrapper (write(text, ending=...))."""

    def __init__(self, stream):
        self.stream = stream
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        if total <= 0:
            return
        percent = min(100, done * 100 // total)
        if percent == self.shown:
            return
        self.shown = percent
        filled = BAR_WIDTH * percent // 100
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        line = f"\r[{bar}] {percent:3d}%  {done}/{total}"
        self.stream.write(line, style_func=str, ending="")
        self.stream.flush()

    def close(self) -> None:
        if self.shown >= 0:
            self.stream.write("", style_func=str)


def _actor(username: str | None):
    """The user the import acts as: `username`, or the first active platform
    operator (staff; superusers first)."""
    users = get_user_model().objects
    if username:
        user = users.filter(**{users.model.USERNAME_FIELD: username}).first()
        if user is None or not user.is_active:
            raise CommandError(
                f"找不到启用的用户 {username} / No active user named {username}"
            )
        return user
    user = (
        users.filter(is_active=True, is_staff=True)
        .order_by("-is_superuser", "pk")
        .first()
    )
    if user is None:
        raise CommandError(
            "没有平台运营账号，请用 --as 用户名 指定导入者 / "
            "No platform operator (active staff user) exists; name the importing "
            "user with --as USERNAME"
        )
    return user


class Command(BaseCommand):
    help = (
        "导入工坊商品表 / Import a workshop's catalogue file "
        "(CSV, XLSX or ZIP with photos); --template writes the template."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="CSV, XLSX or ZIP file")
        parser.add_argument("--workshop", metavar="SLUG", help="the workshop's slug")
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            help="import as this user (default: the first active platform operator)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="show the plan and every problem, write nothing",
        )
        parser.add_argument(
            "--json", action="store_true", help="print the result as JSON"
        )
        parser.add_argument("--sheet", metavar="NAME", help="XLSX sheet to read")
        parser.add_argument(
            "--archive-missing",
            action="store_true",
            help="unpublish the workshop's products that the file does not list",
        )
        parser.add_argument(
            "--no-fetch",
            action="store_true",
            help="do not download image URLs (they become warnings)",
        )
        parser.add_argument(
            "--brand",
            metavar="SLUG",
            help="one of the workshop's brands for the whole file: it replaces "
            "brands that are not the workshop's (a Shopify export's Vendor), "
            "with a warning instead of an error",
        )
        parser.add_argument(
            "--template",
            metavar="PATH",
            help="write the import template to PATH (.xlsx or .csv) and exit",
        )

    def handle(self, *args, **options):
        if options["template"]:
            workshop = None
            if options["workshop"]:
                workshop = self._workshop(options["workshop"])
            return self._write_template(Path(options["template"]), workshop)
        if not options["workshop"] or not options["file"]:
            raise CommandError(
                "需要 --workshop SLUG 和文件 / --workshop SLUG and FILE are required"
            )
        slug = options["workshop"]
        workshop = self._workshop(slug)
        actor = _actor(options["as_user"])
        if not user_can(actor, Action.IMPORT_CATALOG, workshop):
            raise CommandError(
                f"用户 {actor.get_username()} 不能向工坊 {slug} 导入商品 / "
                f"User {actor.get_username()} may not import into workshop {slug}"
            )
        brand = _brand(options["brand"], workshop, actor)
        path = Path(options["file"])
        try:
            fileobj = path.open("rb")
        except OSError as exc:
            reason = exc.strerror or exc.__class__.__name__
            raise CommandError(
                f"无法打开文件 {path} / Cannot open {path}: {reason}"
            ) from None

        bar = ProgressBar(self.stderr) if self.stderr.isatty() else None
        try:
            with fileobj:
                result = run_import(
                    workshop=workshop,
                    actor=actor,
                    name=path.name,
                    fileobj=fileobj,
                    dry_run=options["dry_run"],
                    archive_missing=options["archive_missing"],
                    sheet=options["sheet"] or None,
                    fetch_remote=not options["no_fetch"],
                    on_progress=bar,
                    brand_override=brand,
                )
        finally:
            if bar is not None:
                bar.close()
        if result.file_error:
            raise CommandError(result.file_error.replace("\n", " "))

        if options["json"]:
            self.stdout.write(
                json.dumps(result_json(result), ensure_ascii=False, indent=2)
            )
        else:
            self._write_human(result, workshop, path, options["dry_run"])

    def _workshop(self, slug: str) -> Workshop:
        workshop = Workshop.objects.filter(slug=slug).first()
        if workshop is None:
            raise CommandError(f"找不到工坊 {slug} / No workshop with slug {slug}")
        return workshop

    def _write_template(self, path: Path, workshop: Workshop | None) -> None:
        suffix = path.suffix.lower()
        # With --workshop: its brands, and a sample row that imports as it is.
        choices = template_choices(workshop) if workshop is not None else None
        if suffix == ".xlsx":
            content = columns.template_xlsx(choices)
        elif suffix == ".csv":
            content = columns.template_csv(choices)
        else:
            raise CommandError(
                "模板文件须以 .xlsx 或 .csv 结尾 / "
                "The template file must end in .xlsx or .csv"
            )
        try:
            path.write_bytes(content)
        except OSError as exc:
            reason = exc.strerror or exc.__class__.__name__
            raise CommandError(
                f"无法写入 {path} / Cannot write {path}: {reason}"
            ) from None
        self.stdout.write(f"已写入模板 / Template written: {path}")

    def _write_human(self, result: ImportResult, workshop, path, dry_run) -> None:
        out = self.stdout
        mode = (
            "预览，未写入 / dry run, nothing written" if dry_run else "已导入 / applied"
        )
        out.write(
            f"{workshop.name} ← {path.name}: {result.rows_total} 行 rows ({mode})"
        )
        c = result.counts
        out.write(
            f"新增 created {c['created']} · 更新 updated {c['updated']} · "
            f"未变 unchanged {c['unchanged']} · 下架 archived {c['archived']} · "
            f"跳过 skipped {c['skipped']}"
        )
        for title, problems, style in (
            ("错误 errors", result.errors, self.style.ERROR),
            ("提醒 warnings", result.warnings, self.style.WARNING),
        ):
            if not problems:
                continue
            out.write(style(f"{title}: {len(problems)}"))
            for problem in problems[:HUMAN_LIST_MAX]:
                where = f"第 {problem.row} 行 row" if problem.row else "文件 file"
                column = f" [{problem.column}]" if problem.column else ""
                out.write(
                    f"  {where}{column} {problem.code}: "
                    f"{problem.message_zh} / {problem.message_en}"
                )
            if len(problems) > HUMAN_LIST_MAX:
                more = len(problems) - HUMAN_LIST_MAX
                out.write(f"  … 另有 {more} 条 / {more} more (--json lists all)")
        links = product_links(result)
        if links:
            out.write(f"商品 products: {len(links)}")
            for link in links[:HUMAN_LIST_MAX]:
                word = "新增 created" if link["action"] == "create" else "更新 updated"
                out.write(
                    f"  {word} {link['product_code']}: {link['url']} "
                    f"(admin {link['admin_url']})"
                )
            if len(links) > HUMAN_LIST_MAX:
                more = len(links) - HUMAN_LIST_MAX
                out.write(f"  … 另有 {more} 个 / {more} more (--json lists all)")
