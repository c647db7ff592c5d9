"""Demo category tree, brand standards and users."""

# Categories, parents before children. The slug is the one the catalogue service
# derives from name_en; the loader finds existing rows by it. palette: the
# background of the drawn product pictures (artwork.PALETTES). aftersales:
# the category's after-sales policy (catalog.AfterSalesKind), standard unless
# given.
CATEGORIES = [
    {
        "slug": "fresh-seafood",
        "name": "生鲜水产",
        "name_en": "Fresh Seafood",
        "parent": None,
        "palette": "sea",
        "aftersales": "fresh",  # perishable: 48 h quality claims
    },
    {
        "slug": "live-seafood",
        "name": "活鲜",
        "name_en": "Live Seafood",
        "parent": "fresh-seafood",
        "palette": "sea",
        "aftersales": "fresh",  # perishable: 48 h quality claims
    },
    {
        "slug": "dried-seafood",
        "name": "干货",
        "name_en": "Dried Seafood",
        "parent": "fresh-seafood",
        "palette": "dried",
    },
    {
        "slug": "local-specialties",
        "name": "特产食品",
        "name_en": "Local Specialties",
        "parent": None,
        "palette": "noodles",
    },
    {
        "slug": "noodles-and-pastries",
        "name": "面食糕点",
        "name_en": "Noodles and Pastries",
        "parent": "local-specialties",
        "palette": "noodles",
    },
    {
        "slug": "drinks",
        "name": "饮品",
        "name_en": "Drinks",
        "parent": "local-specialties",
        "palette": "drinks",
    },
    {
        "slug": "tea-and-tonics",
        "name": "茶与滋补",
        "name_en": "Tea and Tonics",
        "parent": "local-specialties",
        "palette": "tea",
    },
    {
        "slug": "cured-meats",
        "name": "火腿腌腊",
        "name_en": "Cured Meats",
        "parent": "local-specialties",
        "palette": "cured",
    },
    {
        "slug": "fruit",
        "name": "果品",
        "name_en": "Fruit",
        "parent": "local-specialties",
        "palette": "fruit",
        "aftersales": "fresh",  # perishable: 48 h quality claims
    },
    {
        "slug": "handicrafts",
        "name": "手工艺品",
        "name_en": "Handicrafts",
        "parent": None,
        "palette": "straw",
    },
    {
        "slug": "straw-weaving",
        "name": "草编",
        "name_en": "Straw Weaving",
        "parent": "handicrafts",
        "palette": "straw",
    },
    {
        "slug": "clothing",
        "name": "服饰",
        "name_en": "Clothing",
        "parent": "handicrafts",
        "palette": "clothing",
    },
    {
        "slug": "lanterns",
        "name": "灯彩",
        "name_en": "Lanterns",
        "parent": "handicrafts",
        "palette": "lantern",
    },
]

FOOD_CATEGORY_SLUGS = [
    "live-seafood",
    "dried-seafood",
    "noodles-and-pastries",
    "drinks",
    "tea-and-tonics",
    "cured-meats",
    "fruit",
]
CRAFT_CATEGORY_SLUGS = ["straw-weaving", "clothing", "lanterns"]

# field, kind, argument, message_zh, message_en (brands.models.BrandStandardRule)
GB7718_RULES = [
    ("ingredients", "required", "", "请填写配料表", "List the ingredients"),
    ("net_content", "required", "", "请填写净含量", "Give the net content"),
    ("shelf_life", "required", "", "请填写保质期", "Give the shelf life"),
    (
        "storage_conditions",
        "required",
        "",
        "请填写储存条件",
        "Give the storage conditions",
    ),
    (
        "producer",
        "required",
        "",
        "请填写生产者名称、地址和联系方式",
        "Name the producer with address and contact",
    ),
    (
        "sc_licence",
        "pattern",
        r"^SC\d{14}$",
        "生产许可证编号应为 SC 加 14 位数字",
        "The food production licence is SC followed by 14 digits",
    ),
]

GB7718_DESCRIPTION = (
    "依据 GB 7718《预包装食品标签通则》，食品类商品须标明配料、净含量、保质期、"
    "储存条件和生产者；持证生产的须填写食品生产许可证编号。"
)

LISTING_RULES = [
    (
        "name",
        "max_length",
        "30",
        "商品名称不超过 30 个字",
        "Keep the product name within 30 characters",
    ),
    (
        "description",
        "required",
        "",
        "请填写商品描述",
        "Write a product description",
    ),
]

CRAFT_RULES = [
    (
        "description",
        "required",
        "",
        "手工艺品须介绍材质与工艺",
        "Describe the materials and the craft",
    ),
]


def _gb7718(brand: str) -> dict:
    return {
        "brand": brand,
        "code": "gb7718-label",
        "name": "预包装食品标签 GB 7718",
        "description": GB7718_DESCRIPTION,
        "category_slugs": FOOD_CATEGORY_SLUGS,
        "rules": GB7718_RULES,
    }


STANDARDS = [
    _gb7718("banlan-haian"),
    {
        "brand": "banlan-haian",
        "code": "listing-basics",
        "name": "商品信息基本要求",
        "description": "所有商品：名称简洁，有描述。",
        "category_slugs": [],
        "rules": LISTING_RULES,
    },
    _gb7718("xiaodao-xiajiucai"),
    _gb7718("bawu-baizhen-youxuan"),
    _gb7718("linhai-gongfu"),
    {
        "brand": "linhai-gongfu",
        "code": "craft-description",
        "name": "手工艺品介绍",
        "description": "草编、服饰、彩灯须介绍材质和工艺。",
        "category_slugs": CRAFT_CATEGORY_SLUGS,
        "rules": CRAFT_RULES,
    },
    {
        "brand": "dongcheng-caideng",
        "code": "craft-description",
        "name": "手工艺品介绍",
        "description": "每盏灯须介绍材质和工艺。",
        "category_slugs": [],
        "rules": CRAFT_RULES,
    },
]

DEMO_PASSWORD = "gongfu-demo-2026"

# role: a brands.models.Role value, or "platform_operator" (a superuser) or
# "consumer" (no membership). target: (kind, slug) of the brand, workshop or
# village the role applies to.
DEMO_USERS = [
    {
        "username": "operator",
        "role": "platform_operator",
        "target": None,
        "first_name": "平台运营",
        "description": "平台运营（超级管理员）Platform operator (superuser)",
    },
    {
        "username": "brand_banlan",
        "role": "brand_operator",
        "target": ("brand", "banlan-haian"),
        "first_name": "斑斓海岸运营",
        "description": "斑斓海岸品牌运营 Brand operator of Banlan Coast",
    },
    {
        "username": "workshop_huangyu",
        "role": "workshop_manager",
        "target": ("workshop", "huangbiao-huangyu"),
        "first_name": "陈海燕",
        "description": (
            "黄避岙活黄鱼共富工坊负责人 Manager of the live yellow croaker workshop"
        ),
    },
    {
        "username": "treasurer_huangbiao",
        "role": "village_treasurer",
        "target": ("village", "xiangshan-gaoni"),
        "first_name": "高泥村出纳",
        "description": "象山县黄避岙乡高泥村出纳 Treasurer of Gaoni Village",
    },
    {
        "username": "host_xiaomei",
        "role": "livestream_host",
        "target": ("brand", "banlan-haian"),
        "first_name": "小美",
        "description": "村播主播，获准销售斑斓海岸 Host approved for Banlan Coast",
    },
    {
        "username": "consumer",
        "role": "consumer",
        "target": None,
        "first_name": "顾客",
        "description": "普通顾客（无角色）Consumer with no membership",
    },
]
