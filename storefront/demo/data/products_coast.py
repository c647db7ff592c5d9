"""Demo products of the coast: 斑斓海岸 (Xiangshan) and 小岛下酒菜 (Mayi Island).

A product is keyed by (workshop, code); a variant by (workshop, code-suffix).
variants: (sku suffix, option name, option value, price in fen,
compare-at price in fen or None, weight in grams, stock on creation).
label: GB 7718 facts; sc_licence is left out for edible farm produce sold live
or fresh, which needs no food production licence. The licence numbers are made
up but keep the real structure: SC + food category (3) + province 33 + city (2)
+ county (2) + serial (4) + check digit, one number per producing workshop.
motif and images: what artwork.py draws, and how many pictures (1–3).
"""

HUANGYU = "黄避岙活黄鱼共富工坊（浙江省宁波市象山县黄避岙乡高泥村，0574-6500 0101）"
YUXIANG = (
    "象山塔头旺海产品加工有限公司（浙江省宁波市象山县黄避岙乡塔头旺村，0574-6500 0102）"
)
XIHUGANG = (
    "象山斑斓海岸食品有限公司（浙江省宁波市象山县黄避岙乡高泥村，0574-6500 0103）"
)
XIAPI = "舟山蚂蚁岛海味食品有限公司（浙江省舟山市普陀区蚂蚁岛长沙塘村，0580-6000 0201）"
YUGAN = "舟山蚂蚁岛渔嫂水产加工厂（浙江省舟山市普陀区蚂蚁岛后岙村，0580-6000 0202）"

FROZEN = "-18℃以下冷冻保存"
DRY_COOL = "冷藏（0–4℃）保存，开袋后请密封并尽快食用"

PRODUCTS_COAST = [
    # 斑斓海岸 · 黄避岙活黄鱼共富工坊
    {
        "workshop": "huangbiao-huangyu",
        "brand": "banlan-haian",
        "code": "BL-HY-001",
        "name": "象山西沪港活黄鱼",
        "name_en": "Xiangshan Live Large Yellow Croaker",
        "category": "live-seafood",
        "motif": "fish",
        "images": 3,
        "featured": True,
        "description": (
            "<p>西沪港深水网箱养殖的大黄鱼，体色金黄、肉质紧实。"
            "下单后现捞现杀可选，默认鲜活充氧、顺丰冷链发货。</p>"
            "<p>清蒸最能吃出鲜味：葱姜垫底，大火蒸 8 分钟。</p>"
        ),
        "label": {
            "ingredients": "大黄鱼（鲜活）",
            "net_content": "单条约500g，以所选规格为准",
            "shelf_life": "鲜活发货，收货后冷藏可存放2天",
            "storage_conditions": "0–4℃冷藏，收货后尽快食用",
            "producer": HUANGYU,
        },
        "attributes": {"养殖方式": "深水网箱", "发货": "顺丰冷链，充氧打包"},
        "variants": [
            ("1T", "规格", "单条装 约500g", 8800, 10800, 900, 60),
            ("2T", "规格", "双条装 约1000g", 16800, 19800, 1600, 35),
        ],
    },
    {
        "workshop": "huangbiao-huangyu",
        "brand": "banlan-haian",
        "code": "BL-HY-002",
        "name": "冰鲜大黄鱼（去脏）",
        "name_en": "Chilled Yellow Croaker, Gutted",
        "category": "live-seafood",
        "motif": "fish",
        "images": 1,
        "description": "<p>当天捕捞、去鳃去脏、冰鲜锁鲜，到家即可下锅。</p>",
        "label": {
            "ingredients": "大黄鱼",
            "net_content": "每条约400g",
            "shelf_life": "冷藏3天，冷冻6个月",
            "storage_conditions": "0–4℃冷藏或-18℃以下冷冻",
            "producer": HUANGYU,
        },
        "variants": [
            ("2T", "规格", "2条装 约800g", 9800, None, 1200, 40),
            ("4T", "规格", "4条装 约1600g", 18800, 21800, 2200, 18),
        ],
    },
    {
        "workshop": "huangbiao-huangyu",
        "brand": "banlan-haian",
        "code": "BL-HY-003",
        "name": "象山活梭子蟹",
        "name_en": "Xiangshan Live Swimming Crab",
        "category": "live-seafood",
        "motif": "crab",
        "images": 1,
        "published": False,
        "description": "<p>东海休渔期结束后开捕上架，敬请期待。</p>",
        "label": {
            "ingredients": "梭子蟹（鲜活）",
            "net_content": "每只约250g",
            "shelf_life": "鲜活发货，收货后冷藏可存放1天",
            "storage_conditions": "0–4℃冷藏，收货后尽快食用",
            "producer": HUANGYU,
        },
        "variants": [
            ("4Z", "规格", "4只装 约1kg", 16800, None, 1500, 0),
            ("8Z", "规格", "8只装 约2kg", 29800, 33800, 2800, 0),
        ],
    },
    # 斑斓海岸 · 塔头旺鱼鲞共富工坊
    {
        "workshop": "tatouwang-yuxiang",
        "brand": "banlan-haian",
        "code": "BL-YX-001",
        "name": "象山黄鱼鲞",
        "name_en": "Xiangshan Dried Yellow Croaker",
        "category": "dried-seafood",
        "motif": "dried_fish",
        "images": 2,
        "description": (
            "<p>大黄鱼剖开、淡盐腌制，在海风里晾晒三天。"
            "蒸、炖、烧肉都好，是象山人过年的必备年货。</p>"
        ),
        "label": {
            "ingredients": "大黄鱼、食用盐",
            "net_content": "250g / 500g",
            "shelf_life": "12个月",
            "storage_conditions": FROZEN,
            "producer": YUXIANG,
            "sc_licence": "SC12233022500417",
        },
        "variants": [
            ("250", "规格", "250g", 6800, 7800, 300, 80),
            ("500", "规格", "500g", 12800, 14800, 560, 45),
        ],
    },
    {
        "workshop": "tatouwang-yuxiang",
        "brand": "banlan-haian",
        "code": "BL-YX-002",
        "name": "象山鳗鲞",
        "name_en": "Xiangshan Dried Conger Eel",
        "category": "dried-seafood",
        "motif": "dried_fish",
        "images": 1,
        "description": "<p>冬至前后晒制的整条鳗鲞，切段清蒸，咸鲜下饭。</p>",
        "label": {
            "ingredients": "海鳗、食用盐",
            "net_content": "约600g",
            "shelf_life": "12个月",
            "storage_conditions": FROZEN,
            "producer": YUXIANG,
            "sc_licence": "SC12233022500417",
        },
        "variants": [("1T", "规格", "整条 约600g", 9800, None, 700, 30)],
    },
    {
        "workshop": "tatouwang-yuxiang",
        "brand": "banlan-haian",
        "code": "BL-YX-003",
        "name": "象山米鱼鲞",
        "name_en": "Xiangshan Dried Brown Croaker",
        "category": "dried-seafood",
        "motif": "dried_fish",
        "images": 1,
        "description": "<p>米鱼个头大、肉厚，晒成鲞后鲜香更浓。数量有限。</p>",
        "label": {
            "ingredients": "鮸鱼（米鱼）、食用盐",
            "net_content": "约750g",
            "shelf_life": "12个月",
            "storage_conditions": FROZEN,
            "producer": YUXIANG,
            "sc_licence": "SC12233022500417",
        },
        "variants": [("1T", "规格", "整条 约750g", 8800, 9800, 850, 4)],
    },
    {
        "workshop": "tatouwang-yuxiang",
        "brand": "banlan-haian",
        "code": "BL-YX-004",
        "name": "象山墨鱼干",
        "name_en": "Xiangshan Dried Cuttlefish",
        "category": "dried-seafood",
        "motif": "squid",
        "images": 2,
        "description": "<p>自然晾晒的墨鱼干，泡发后炖排骨，汤色奶白。</p>",
        "label": {
            "ingredients": "曼氏无针乌贼",
            "net_content": "250g / 500g",
            "shelf_life": "12个月",
            "storage_conditions": DRY_COOL,
            "producer": YUXIANG,
            "sc_licence": "SC12233022500417",
        },
        "variants": [
            ("250", "规格", "250g", 7800, None, 300, 50),
            ("500", "规格", "500g", 14800, 16800, 560, 25),
        ],
    },
    # 斑斓海岸 · 西沪港海鲜直播工坊
    {
        "workshop": "xihugang-zhibo",
        "brand": "banlan-haian",
        "code": "BL-ZB-001",
        "name": "斑斓海岸海味礼盒",
        "name_en": "Banlan Coast Dried Seafood Gift Box",
        "category": "dried-seafood",
        "motif": "gift_box",
        "images": 3,
        "featured": True,
        "description": (
            "<p>直播间销量第一的年货礼盒：黄鱼鲞、墨鱼干、虾干、鳗鲞、淡菜干、"
            "紫菜，一盒尝遍象山海味。</p>"
        ),
        "label": {
            "ingredients": "黄鱼鲞、墨鱼干、虾干、鳗鲞、淡菜干、紫菜（以所选规格为准）",
            "net_content": "经典款1.2kg / 豪华款2.5kg",
            "shelf_life": "12个月",
            "storage_conditions": FROZEN,
            "producer": XIHUGANG,
            "sc_licence": "SC12233022500623",
        },
        "variants": [
            ("JD", "规格", "经典款 6种干货", 19800, 23800, 1800, 50),
            ("HH", "规格", "豪华款 10种干货", 39800, 45800, 3200, 20),
        ],
    },
    {
        "workshop": "xihugang-zhibo",
        "brand": "banlan-haian",
        "code": "BL-ZB-002",
        "name": "活黄鱼家宴礼盒",
        "name_en": "Live Yellow Croaker Family Feast Box",
        "category": "live-seafood",
        "motif": "fish",
        "images": 1,
        "description": "<p>三条鲜活大黄鱼配姜葱料包，节日家宴一盒搞定。</p>",
        "label": {
            "ingredients": "大黄鱼（鲜活）、葱姜料包",
            "net_content": "3条 约1.5kg",
            "shelf_life": "鲜活发货，收货后冷藏可存放2天",
            "storage_conditions": "0–4℃冷藏，收货后尽快食用",
            "producer": XIHUGANG,
        },
        "variants": [("3T", "规格", "3条装 约1.5kg", 16800, 19800, 2400, 15)],
    },
    {
        "workshop": "xihugang-zhibo",
        "brand": "banlan-haian",
        "code": "BL-ZB-003",
        "name": "西沪港烤虾干",
        "name_en": "Xihu Harbour Roasted Dried Prawns",
        "category": "dried-seafood",
        "motif": "shrimp",
        "images": 1,
        "description": "<p>白对虾低温烘烤，开袋即食，也能泡发做菜。</p>",
        "label": {
            "ingredients": "白对虾、食用盐",
            "net_content": "250g",
            "shelf_life": "9个月",
            "storage_conditions": DRY_COOL,
            "producer": XIHUGANG,
            "sc_licence": "SC12233022500623",
        },
        "variants": [("250", "规格", "250g", 8800, 9800, 300, 40)],
    },
    # 小岛下酒菜 · 蚂蚁岛虾皮共富工坊
    {
        "workshop": "mayidao-xiapi",
        "brand": "xiaodao-xiajiucai",
        "code": "XD-XP-001",
        "name": "蚂蚁岛淡干虾皮",
        "name_en": "Mayi Island Unsalted Dried Shrimp",
        "category": "dried-seafood",
        "motif": "shrimp",
        "images": 3,
        "featured": True,
        "description": (
            "<p>当天捕捞的毛虾当天煮、当天晒，不加盐，鲜而不咸。"
            "冲汤、炒蛋、拌豆腐，给孩子补钙也放心。</p>"
        ),
        "label": {
            "ingredients": "毛虾",
            "net_content": "250g / 500g",
            "shelf_life": "12个月",
            "storage_conditions": DRY_COOL,
            "producer": XIAPI,
            "sc_licence": "SC12233090300158",
        },
        "variants": [
            ("250", "规格", "250g", 2800, None, 290, 120),
            ("500", "规格", "500g", 5200, 5800, 560, 60),
        ],
    },
    {
        "workshop": "mayidao-xiapi",
        "brand": "xiaodao-xiajiucai",
        "code": "XD-XP-002",
        "name": "即食香辣虾皮",
        "name_en": "Ready-to-eat Spicy Dried Shrimp",
        "category": "dried-seafood",
        "motif": "shrimp",
        "images": 1,
        "description": "<p>虾皮加辣椒、芝麻小火翻炒，香脆下酒，开袋即食。</p>",
        "label": {
            "ingredients": "毛虾、菜籽油、辣椒、白芝麻、白砂糖、食用盐",
            "net_content": "150g / 300g",
            "shelf_life": "9个月",
            "storage_conditions": "常温阴凉干燥处，开袋后请尽快食用",
            "producer": XIAPI,
            "sc_licence": "SC12233090300158",
        },
        "variants": [
            ("150", "规格", "150g", 3200, None, 190, 80),
            ("300", "规格", "300g", 5800, None, 360, 40),
        ],
    },
    {
        "workshop": "mayidao-xiapi",
        "brand": "xiaodao-xiajiucai",
        "code": "XD-XP-003",
        "name": "蚂蚁岛开洋（虾米）",
        "name_en": "Mayi Island Dried Shrimp Meat (Kaiyang)",
        "category": "dried-seafood",
        "motif": "shrimp",
        "images": 1,
        "description": "<p>大个头虾米，色泽橙红，炖冬瓜、煮面都鲜。</p>",
        "label": {
            "ingredients": "鹰爪虾、食用盐",
            "net_content": "250g / 500g",
            "shelf_life": "12个月",
            "storage_conditions": DRY_COOL,
            "producer": XIAPI,
            "sc_licence": "SC12233090300158",
        },
        "variants": [
            ("250", "规格", "250g", 6800, None, 290, 30),
            ("500", "规格", "500g", 12800, 14800, 560, 0),
        ],
    },
    {
        "workshop": "mayidao-xiapi",
        "brand": "xiaodao-xiajiucai",
        "code": "XD-XP-004",
        "name": "虾皮紫菜汤料包",
        "name_en": "Dried Shrimp and Laver Soup Kit",
        "category": "dried-seafood",
        "motif": "seaweed",
        "images": 1,
        "description": "<p>一包一碗，开水一冲就是一碗鲜汤。</p>",
        "label": {
            "ingredients": "紫菜、毛虾、葱、食用盐",
            "net_content": "200g（20g×10包）",
            "shelf_life": "12个月",
            "storage_conditions": "常温阴凉干燥处",
            "producer": XIAPI,
            "sc_licence": "SC12233090300158",
        },
        "variants": [("10B", "规格", "10包装 200g", 2990, 3990, 260, 90)],
    },
    # 小岛下酒菜 · 蚂蚁岛渔嫂鱼干工坊
    {
        "workshop": "mayidao-yugan",
        "brand": "xiaodao-xiajiucai",
        "code": "XD-YG-001",
        "name": "蚂蚁岛龙头烤",
        "name_en": "Mayi Island Roasted Bombay Duck",
        "category": "dried-seafood",
        "motif": "dried_fish",
        "images": 2,
        "description": "<p>舟山人的下酒菜：龙头鱼晒干后炭火慢烤，撕着吃。</p>",
        "label": {
            "ingredients": "龙头鱼、食用盐",
            "net_content": "200g / 400g",
            "shelf_life": "9个月",
            "storage_conditions": DRY_COOL,
            "producer": YUGAN,
            "sc_licence": "SC12233090300264",
        },
        "variants": [
            ("200", "规格", "200g", 4500, None, 240, 70),
            ("400", "规格", "400g", 8500, 9000, 460, 35),
        ],
    },
    {
        "workshop": "mayidao-yugan",
        "brand": "xiaodao-xiajiucai",
        "code": "XD-YG-002",
        "name": "香酥小黄鱼",
        "name_en": "Crispy Small Yellow Croaker",
        "category": "dried-seafood",
        "motif": "dried_fish",
        "images": 1,
        "description": "<p>小黄鱼油炸后再烘，连骨头都酥，开袋即食。</p>",
        "label": {
            "ingredients": "小黄鱼、大豆油、白砂糖、食用盐、料酒",
            "net_content": "200g",
            "shelf_life": "6个月",
            "storage_conditions": "常温阴凉干燥处，开袋后请尽快食用",
            "producer": YUGAN,
            "sc_licence": "SC12233090300264",
        },
        "variants": [("200", "规格", "200g", 3990, 4990, 240, 100)],
    },
    {
        "workshop": "mayidao-yugan",
        "brand": "xiaodao-xiajiucai",
        "code": "XD-YG-003",
        "name": "蚂蚁岛头水紫菜",
        "name_en": "Mayi Island First-harvest Laver",
        "category": "dried-seafood",
        "motif": "seaweed",
        "images": 2,
        "description": "<p>每年第一茬紫菜，薄而嫩，一冲就散开。</p>",
        "label": {
            "ingredients": "紫菜",
            "net_content": "100g / 250g",
            "shelf_life": "18个月",
            "storage_conditions": "常温阴凉干燥处，密封防潮",
            "producer": YUGAN,
            "sc_licence": "SC12233090300264",
        },
        "variants": [
            ("100", "规格", "100g", 3600, None, 140, 80),
            ("250", "规格", "250g", 7900, 8800, 320, 40),
        ],
    },
    {
        "workshop": "mayidao-yugan",
        "brand": "xiaodao-xiajiucai",
        "code": "XD-YG-004",
        "name": "手撕鱿鱼丝",
        "name_en": "Hand-torn Squid Shreds",
        "category": "dried-seafood",
        "motif": "squid",
        "images": 1,
        "description": "<p>鱿鱼烤熟后手工撕成丝，甜咸适口。</p>",
        "label": {
            "ingredients": "鱿鱼、白砂糖、食用盐、山梨糖醇",
            "net_content": "150g",
            "shelf_life": "9个月",
            "storage_conditions": "常温阴凉干燥处，开袋后请尽快食用",
            "producer": YUGAN,
            "sc_licence": "SC12233090300264",
        },
        "variants": [("150", "规格", "150g", 3500, None, 190, 65)],
    },
    {
        "workshop": "mayidao-yugan",
        "brand": "xiaodao-xiajiucai",
        "code": "XD-YG-005",
        "name": "炭烤鳗鱼干",
        "name_en": "Charcoal-roasted Eel Jerky",
        "category": "dried-seafood",
        "motif": "dried_fish",
        "images": 1,
        "published": False,
        "description": "<p>新品试制中，品控审核通过后上架。</p>",
        "label": {
            "ingredients": "海鳗、白砂糖、食用盐、酱油",
            "net_content": "200g",
            "shelf_life": "6个月",
            "storage_conditions": DRY_COOL,
            "producer": YUGAN,
            "sc_licence": "SC12233090300264",
        },
        "variants": [("200", "规格", "200g", 5800, None, 240, 20)],
    },
]
