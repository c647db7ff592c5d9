"""`python manage.py load_demo`: fill the shop with demo content."""

from django.core.management.base import BaseCommand

from storefront.demo.data import DEMO_PASSWORD, DEMO_USERS
from storefront.demo.services import demo_load


class Command(BaseCommand):
    help = (
        "载入演示数据：浙江共富工坊的品牌、村、工坊、分类、品牌标准、商品"
        "（含规格、库存和绘制的商品图片）、每个角色一个演示账号，"
        "以及各品牌的分账协议和分账方（含收款账户）。"
        "可重复运行：已有的数据按自然键找到，不会重复创建；"
        "库存、图片和密码只在首次创建时写入，收款账户只在分账方没有时填写。"
        " / Load demo data: brands, villages and workshops of Zhejiang's "
        "common-prosperity workshops, categories, brand standards, products "
        "(with variants, stock and drawn pictures), one demo account per "
        "role, and each brand's share agreements and the parties paid from "
        "sales (with payout details). Safe to run again: existing rows are "
        "found by natural keys and never duplicated; stock, pictures and "
        "passwords are written only when first created, payout details only "
        "where a party has none."
    )

    def handle(self, *args, **options):
        verbose = options["verbosity"] >= 2
        summary = demo_load(stdout=self.stdout if verbose else None)
        if options["verbosity"] == 0:
            return
        for line in summary.lines():
            self.stdout.write(f"  {line}")
        for note in summary.notes:
            self.stdout.write(self.style.WARNING(note))
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已载入 demo data loaded in {summary.seconds:.1f}s: "
                f"新建 created {summary.total_created}, "
                f"更新 updated {summary.total_updated}"
            )
        )
        self.stdout.write(
            f"演示账号密码 demo password: {DEMO_PASSWORD} "
            "（仅供演示，勿用于公开站点 / for demos only, never on a public site）"
        )
        for user in DEMO_USERS:
            self.stdout.write(f"  {user['username']:<20} {user['description']}")
