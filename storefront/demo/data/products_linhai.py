"""Demo products of Linhai (Taizhou): 临海共富工坊 and 东塍彩灯.

Same shape as products_coast.PRODUCTS_COAST. Handicrafts carry no food label;
qipao and hats are sold by 尺码 (size) instead of 规格.
"""

JUYOU = "临海涌泉果汁饮品有限公司（浙江省台州市临海市涌泉镇岙里街村，0576-8500 0401）"
CHUIMIAN = "临海白水洋手工面制品厂（浙江省台州市临海市白水洋镇双港村，0576-8500 0404）"
CHAGAO = "临海羊岩茶业合作社（浙江省台州市临海市河头镇羊岩村，0576-8500 0405）"

SILK = {"面料": "桑蚕丝", "工艺": "手工盘扣、手工滚边", "洗护": "建议干洗"}
STRAW = {"材质": "天然蔺草", "工艺": "手工编织"}
LANTERN = {
    "材质": "竹篾骨架、绢面",
    "工艺": "手工扎制、手绘",
    "光源": "LED 灯串（附电池盒）",
}


def _sizes(price, compare, stock_by_size, weight=420):
    """Qipao sizes as variant tuples."""
    return [
        (size, "尺码", size, price, compare, weight, stock)
        for size, stock in stock_by_size
    ]


PRODUCTS_LINHAI = [
    # 涌泉蜜桔共富工坊
    {
        "workshop": "yongquan-juyou",
        "brand": "linhai-gongfu",
        "code": "LH-JY-001",
        "name": "涌泉蜜桔桔柚汁",
        "name_en": "Yongquan Tangerine and Pomelo Juice",
        "category": "drinks",
        "motif": "bottle",
        "images": 2,
        "description": "<p>涌泉蜜桔和本地文旦柚鲜榨，不加糖、不加水。</p>",
        "label": {
            "ingredients": "蜜桔汁、柚子汁",
            "net_content": "300ml×6 / 300ml×12",
            "shelf_life": "冷藏30天",
            "storage_conditions": "0–4℃冷藏，开启后24小时内饮用",
            "producer": JUYOU,
            "sc_licence": "SC10633108200216",
        },
        "variants": [
            ("6P", "规格", "300ml×6瓶", 6900, 7900, 2100, 80),
            ("12P", "规格", "300ml×12瓶", 12800, 15800, 4100, 35),
        ],
    },
    {
        "workshop": "yongquan-juyou",
        "brand": "linhai-gongfu",
        "code": "LH-JY-002",
        "name": "涌泉蜜桔",
        "name_en": "Yongquan Tangerines",
        "category": "fruit",
        "motif": "citrus",
        "images": 2,
        "description": "<p>皮薄无核、化渣多汁，树上挂到十一月底才摘。</p>",
        "label": {
            "ingredients": "蜜桔（鲜果）",
            "net_content": "2.5kg / 5kg",
            "shelf_life": "常温存放15天",
            "storage_conditions": "阴凉通风处存放，勿堆压",
            "producer": JUYOU,
        },
        "variants": [
            ("5J", "规格", "5斤装", 5990, None, 2700, 200),
            ("10J", "规格", "10斤装", 9900, 11800, 5300, 120),
        ],
    },
    {
        "workshop": "yongquan-juyou",
        "brand": "linhai-gongfu",
        "code": "LH-JY-003",
        "name": "蜜桔果干",
        "name_en": "Dried Tangerine Slices",
        "category": "fruit",
        "motif": "citrus",
        "images": 1,
        "description": "<p>整片带皮低温烘干，酸甜有嚼劲，可泡水。</p>",
        "label": {
            "ingredients": "蜜桔",
            "net_content": "100g",
            "shelf_life": "12个月",
            "storage_conditions": "常温阴凉干燥处，密封防潮",
            "producer": JUYOU,
            "sc_licence": "SC10633108200216",
        },
        "variants": [("100", "规格", "100g", 2800, None, 130, 90)],
    },
    # 涌泉旗袍共富工坊
    {
        "workshop": "yongquan-qipao",
        "brand": "linhai-gongfu",
        "code": "LH-QP-001",
        "name": "涌泉手工真丝旗袍",
        "name_en": "Yongquan Hand-made Silk Qipao",
        "category": "clothing",
        "motif": "qipao",
        "images": 3,
        "featured": True,
        "description": (
            "<p>真丝面料，领口、盘扣、滚边全部由村里的绣娘手工完成，"
            "一件旗袍需要三天。</p><p>可按尺码选购，也可联系工坊量体定制。</p>"
        ),
        "attributes": SILK,
        "variants": _sizes(68000, 88000, [("S", 8), ("M", 12), ("L", 6)]),
    },
    {
        "workshop": "yongquan-qipao",
        "brand": "linhai-gongfu",
        "code": "LH-QP-002",
        "name": "香云纱旗袍",
        "name_en": "Gambiered Canton Silk Qipao",
        "category": "clothing",
        "motif": "qipao",
        "images": 1,
        "description": "<p>香云纱面料，越穿越软，手工盘扣。限量制作。</p>",
        "attributes": {**SILK, "面料": "香云纱"},
        "variants": _sizes(128000, None, [("M", 3), ("L", 0)]),
    },
    {
        "workshop": "yongquan-qipao",
        "brand": "linhai-gongfu",
        "code": "LH-QP-003",
        "name": "改良短款旗袍",
        "name_en": "Modern Short Qipao Dress",
        "category": "clothing",
        "motif": "qipao",
        "images": 1,
        "description": "<p>及膝短款，日常通勤也能穿，保留手工盘扣。</p>",
        "attributes": SILK,
        "variants": _sizes(76000, None, [("S", 15), ("M", 20), ("L", 10)], 360),
    },
    # 岭根草编共富工坊
    {
        "workshop": "linggen-caobian",
        "brand": "linhai-gongfu",
        "code": "LH-CB-001",
        "name": "岭根草编遮阳帽",
        "name_en": "Linggen Straw Sun Hat",
        "category": "straw-weaving",
        "motif": "hat",
        "images": 2,
        "description": "<p>天然蔺草手工编织，宽檐遮阳，透气轻便。</p>",
        "attributes": STRAW,
        "variants": [
            ("M", "尺码", "M（56–57cm）", 8800, 12800, 180, 60),
            ("L", "尺码", "L（58–59cm）", 8800, 12800, 190, 40),
        ],
    },
    {
        "workshop": "linggen-caobian",
        "brand": "linhai-gongfu",
        "code": "LH-CB-002",
        "name": "儿童草编帽",
        "name_en": "Children's Straw Hat",
        "category": "straw-weaving",
        "motif": "hat",
        "images": 1,
        "description": "<p>小号草帽配彩色帽带，孩子春游必备。</p>",
        "attributes": STRAW,
        "variants": [("S", "尺码", "S（52–54cm）", 5800, None, 120, 45)],
    },
    {
        "workshop": "linggen-caobian",
        "brand": "linhai-gongfu",
        "code": "LH-CB-003",
        "name": "草编收纳篮",
        "name_en": "Woven Straw Basket",
        "category": "straw-weaving",
        "motif": "basket",
        "images": 1,
        "description": "<p>放水果、放毛线都合适，一只篮子编一整天。</p>",
        "attributes": STRAW,
        "variants": [
            ("S", "规格", "小号 直径25cm", 6800, None, 300, 35),
            ("L", "规格", "大号 直径35cm", 9800, None, 480, 20),
        ],
    },
    # 白水洋垂面工坊
    {
        "workshop": "baishuiyang-chuimian",
        "brand": "linhai-gongfu",
        "code": "LH-CM-001",
        "name": "临海手工垂面",
        "name_en": "Linhai Hand-stretched Noodles",
        "category": "noodles-and-pastries",
        "motif": "hanging_noodles",
        "images": 3,
        "featured": True,
        "description": (
            "<p>和面、搓条、上杆、拉面、晾晒，细如发丝，久煮不糊。"
            "临海人坐月子、过生日都要吃一碗垂面。</p>"
        ),
        "label": {
            "ingredients": "小麦粉、水、食用盐",
            "net_content": "500g / 1kg",
            "shelf_life": "12个月",
            "storage_conditions": "常温阴凉干燥处",
            "producer": CHUIMIAN,
            "sc_licence": "SC10133108200375",
        },
        "variants": [
            ("500", "规格", "500g", 1990, None, 540, 300),
            ("1KG", "规格", "1kg", 3680, 3980, 1060, 150),
        ],
    },
    {
        "workshop": "baishuiyang-chuimian",
        "brand": "linhai-gongfu",
        "code": "LH-CM-002",
        "name": "垂面礼盒",
        "name_en": "Hand-stretched Noodle Gift Box",
        "category": "noodles-and-pastries",
        "motif": "bowl",
        "images": 1,
        "description": "<p>四把垂面配红绳礼盒，寓意长长久久。</p>",
        "label": {
            "ingredients": "小麦粉、水、食用盐",
            "net_content": "2kg（500g×4）",
            "shelf_life": "12个月",
            "storage_conditions": "常温阴凉干燥处",
            "producer": CHUIMIAN,
            "sc_licence": "SC10133108200375",
        },
        "variants": [("2KG", "规格", "2kg 礼盒", 6800, 7800, 2300, 60)],
    },
    # 河头茶与梨膏工坊
    {
        "workshop": "hetou-chagao",
        "brand": "linhai-gongfu",
        "code": "LH-CG-001",
        "name": "羊岩勾青",
        "name_en": "Yangyan Gouqing Green Tea",
        "category": "tea-and-tonics",
        "motif": "tea_leaves",
        "images": 2,
        "description": "<p>高山云雾茶园，勾曲形绿茶，栗香浓、耐冲泡。</p>",
        "label": {
            "ingredients": "绿茶",
            "net_content": "125g / 250g",
            "shelf_life": "18个月",
            "storage_conditions": "密封、避光、防潮，冷藏更佳",
            "producer": CHAGAO,
            "sc_licence": "SC11433108200093",
        },
        "variants": [
            ("125", "规格", "125g", 9800, None, 200, 60),
            ("250", "规格", "250g", 18800, 19800, 380, 30),
        ],
    },
    {
        "workshop": "hetou-chagao",
        "brand": "linhai-gongfu",
        "code": "LH-CG-002",
        "name": "绿茶梨膏",
        "name_en": "Green Tea Pear Syrup",
        "category": "tea-and-tonics",
        "motif": "jar",
        "images": 2,
        "description": "<p>茶园边的雪梨加绿茶慢熬，一勺冲一杯，润喉清甜。</p>",
        "label": {
            "ingredients": "雪梨、冰糖、绿茶",
            "net_content": "200g",
            "shelf_life": "12个月",
            "storage_conditions": "常温密封，开封后冷藏",
            "producer": CHAGAO,
            "sc_licence": "SC11433108200093",
        },
        "variants": [("200", "规格", "200g", 5800, 6800, 320, 75)],
    },
    {
        "workshop": "hetou-chagao",
        "brand": "linhai-gongfu",
        "code": "LH-CG-003",
        "name": "明前临海蟠毫",
        "name_en": "Pre-Qingming Linhai Panhao Tea",
        "category": "tea-and-tonics",
        "motif": "tea_leaves",
        "images": 1,
        "description": "<p>清明前采摘的一芽一叶，满披白毫，每年只有几十斤。</p>",
        "label": {
            "ingredients": "绿茶",
            "net_content": "50g / 100g",
            "shelf_life": "18个月",
            "storage_conditions": "密封、避光、防潮，冷藏更佳",
            "producer": CHAGAO,
            "sc_licence": "SC11433108200093",
        },
        "variants": [
            ("50", "规格", "50g", 12800, None, 120, 4),
            ("100", "规格", "100g", 23800, 25600, 210, 0),
        ],
    },
    # 东塍彩灯共富工坊
    {
        "workshop": "dongcheng-caideng",
        "brand": "dongcheng-caideng",
        "code": "DC-CD-001",
        "name": "东塍手工宫灯",
        "name_en": "Dongcheng Hand-made Palace Lantern",
        "category": "lanterns",
        "motif": "lantern",
        "images": 3,
        "featured": True,
        "description": (
            "<p>竹篾扎骨、绢面手绘，老艺人带着村里的妇女一盏一盏扎出来。"
            "内置 LED 灯串，可挂可摆。</p>"
        ),
        "attributes": LANTERN,
        "variants": [
            ("1Z", "规格", "单只 直径40cm", 12800, None, 1200, 30),
            ("2Z", "规格", "一对 直径40cm", 23800, 25600, 2400, 20),
        ],
    },
    {
        "workshop": "dongcheng-caideng",
        "brand": "dongcheng-caideng",
        "code": "DC-CD-002",
        "name": "东塍兔子灯",
        "name_en": "Dongcheng Rabbit Lantern",
        "category": "lanterns",
        "motif": "rabbit_lantern",
        "images": 2,
        "description": "<p>带轮子的兔子灯，元宵节孩子们拉着走街串巷。</p>",
        "attributes": LANTERN,
        "variants": [("1Z", "规格", "单只 长45cm", 13800, None, 800, 25)],
    },
    {
        "workshop": "dongcheng-caideng",
        "brand": "dongcheng-caideng",
        "code": "DC-CD-003",
        "name": "东塍荷花灯",
        "name_en": "Dongcheng Lotus Lantern",
        "category": "lanterns",
        "motif": "lotus_lantern",
        "images": 1,
        "description": "<p>层层花瓣用彩纸手工折成，点亮后像一朵盛开的荷花。</p>",
        "attributes": LANTERN,
        "variants": [("1Z", "规格", "单只 直径35cm", 15800, 16800, 700, 18)],
    },
    {
        "workshop": "dongcheng-caideng",
        "brand": "dongcheng-caideng",
        "code": "DC-CD-004",
        "name": "东塍走马灯",
        "name_en": "Dongcheng Revolving Lantern",
        "category": "lanterns",
        "motif": "lantern",
        "images": 1,
        "description": (
            "<p>灯内热气推动剪纸转动，人物故事走马般轮转。工期长、数量少。</p>"
        ),
        "attributes": LANTERN,
        "variants": [("1Z", "规格", "单只 高50cm", 38800, None, 1500, 2)],
    },
    {
        "workshop": "dongcheng-caideng",
        "brand": "linhai-gongfu",
        "code": "LH-CD-001",
        "name": "临海元宵小宫灯",
        "name_en": "Linhai Lantern Festival Mini Lantern",
        "category": "lanterns",
        "motif": "lantern",
        "images": 1,
        "description": "<p>小号宫灯，适合挂在阳台和窗前，临海元宵的味道。</p>",
        "attributes": LANTERN,
        "variants": [("1Z", "规格", "单只 直径25cm", 12800, None, 600, 40)],
    },
]
