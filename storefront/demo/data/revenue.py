"""Demo share agreements and where each party's money goes.

Rates are basis points (10,000 = 100 %), in the order workshop, village,
brand, host, platform. The banks are real kinds of Zhejiang banks; account
holders' numbers are made up (well-formed 19-digit numbers starting 6222).
"""

import datetime

AGREEMENTS_FROM = datetime.date(2026, 1, 1)


def _rates(workshop, village, brand, host, platform) -> dict[str, int]:
    return {
        "workshop_bp": workshop,
        "village_bp": village,
        "brand_bp": brand,
        "host_bp": host,
        "platform_bp": platform,
    }


# brand, workshop, category: slugs (None = the brand's default).
AGREEMENTS = [
    {
        "brand": "banlan-haian",
        "workshop": None,
        "category": None,
        "rates": _rates(6800, 1000, 1000, 700, 500),
        "unattributed_host_share_to": "village",
        "fee_bearer": "platform",
        "note": "斑斓海岸：品牌统一冷链，多得一成 (the brand runs the cold chain)",
    },
    {
        "brand": "banlan-haian",
        "workshop": "xihugang-zhibo",
        "category": None,
        "rates": _rates(6000, 1000, 1000, 1500, 500),
        "unattributed_host_share_to": "workshop",
        "fee_bearer": "platform",
        "note": "村播工坊：主播佣金 15% (the livestream workshop pays hosts 15 %)",
    },
    {
        "brand": "xiaodao-xiajiucai",
        "workshop": None,
        "category": None,
        "rates": _rates(7000, 1200, 800, 500, 500),
        "unattributed_host_share_to": "village",
        "fee_bearer": "platform",
        "note": "小岛下酒菜：村集体多得 (more for the island's village collectives)",
    },
    {
        "brand": "bawu-baizhen-youxuan",
        "workshop": None,
        "category": None,
        "rates": _rates(7200, 800, 1000, 500, 500),
        "unattributed_host_share_to": "village",
        "fee_bearer": "brand",
        "note": "八婺工坊：手续费由区运营方承担 (the district operator pays card fees)",
    },
    {
        "brand": "linhai-gongfu",
        "workshop": None,
        "category": None,
        "rates": _rates(7000, 1000, 800, 600, 600),
        "unattributed_host_share_to": "village",
        "fee_bearer": "platform",
        "note": "临海共富工坊 brand default",
    },
    {
        "brand": "linhai-gongfu",
        "workshop": None,
        "category": "handicrafts",
        "rates": _rates(7800, 1000, 500, 400, 300),
        "unattributed_host_share_to": "workshop",
        "fee_bearer": "platform",
        "note": "手工艺品工时长，工坊多得 (handcrafts take long: more to workshops)",
    },
    {
        "brand": "dongcheng-caideng",
        "workshop": None,
        "category": None,
        "rates": _rates(7500, 1000, 500, 500, 500),
        "unattributed_host_share_to": "workshop",
        "fee_bearer": "platform",
        "note": "东塍彩灯：老艺人手工扎灯 (lanterns made by hand)",
    },
]


def account_number(serial: int) -> str:
    """6222 + 14 digits + a Luhn check digit, as bank card numbers are."""
    body = f"6222{serial:014d}"
    total = 0
    for i, digit in enumerate(reversed(body)):
        d = int(digit) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def _bank(bank_name: str, serial: int, holder: str = "") -> dict:
    return {
        "bank_name": bank_name,
        "bank_account_number": account_number(serial),
        "bank_account_name": holder,
    }


XIANGSHAN = "浙江象山农村商业银行黄避岙支行"
PUTUO = "浙江舟山普陀农村商业银行蚂蚁岛支行"
JINDONG = "浙江金华金东农村商业银行"
LINHAI = "浙江临海农村商业银行"

# (kind, slug or username): the bank account the party is paid into. The
# holder, unless given, is the brand's operating company, the village's
# collective, or the workshop. One workshop has none yet, so a payout batch
# shows it skipped.
PAYOUT_ACCOUNTS = {
    ("brand", "banlan-haian"): _bank("中国农业银行象山县支行", 1001),
    ("brand", "xiaodao-xiajiucai"): _bank("中国工商银行舟山普陀支行", 1002),
    ("brand", "bawu-baizhen-youxuan"): _bank("中国建设银行金华金东支行", 1003),
    ("brand", "linhai-gongfu"): _bank("中国银行临海支行", 1004),
    ("brand", "dongcheng-caideng"): _bank("中国农业银行临海东塍支行", 1005),
    ("village", "xiangshan-gaoni"): _bank(XIANGSHAN, 2001),
    ("village", "xiangshan-tatouwang"): _bank(XIANGSHAN, 2002),
    ("village", "mayidao-changshatang"): _bank(PUTUO, 2003),
    ("village", "mayidao-houao"): _bank(PUTUO, 2004),
    ("village", "jindong-zhongtou"): _bank(JINDONG + "赤松支行", 2005),
    ("village", "jindong-ditian"): _bank(JINDONG + "孝顺支行", 2006),
    ("village", "jindong-shantouxia"): _bank(JINDONG + "傅村支行", 2007),
    ("village", "linhai-aolijie"): _bank(LINHAI + "涌泉支行", 2008),
    ("village", "linhai-linggen"): _bank(LINHAI + "汇溪支行", 2009),
    ("village", "linhai-shuanggang"): _bank(LINHAI + "白水洋支行", 2010),
    ("village", "linhai-yangyan"): _bank(LINHAI + "河头支行", 2011),
    ("village", "linhai-dongcheng"): _bank(LINHAI + "东塍支行", 2012),
    ("workshop", "huangbiao-huangyu"): _bank(XIANGSHAN, 3001),
    ("workshop", "tatouwang-yuxiang"): _bank(XIANGSHAN, 3002),
    ("workshop", "xihugang-zhibo"): _bank(XIANGSHAN, 3003),
    ("workshop", "mayidao-xiapi"): _bank(PUTUO, 3004),
    ("workshop", "mayidao-yugan"): None,  # 渔嫂合作社还在开户 still opening one
    ("workshop", "chisong-foshou"): _bank(JINDONG + "赤松支行", 3006),
    ("workshop", "xiaoshun-huotui"): _bank(JINDONG + "孝顺支行", 3007),
    ("workshop", "shantouxia-subing"): _bank(JINDONG + "傅村支行", 3008),
    ("workshop", "yongquan-juyou"): _bank(LINHAI + "涌泉支行", 3009),
    ("workshop", "yongquan-qipao"): _bank(LINHAI + "涌泉支行", 3010),
    ("workshop", "linggen-caobian"): _bank(LINHAI + "汇溪支行", 3011),
    ("workshop", "baishuiyang-chuimian"): _bank(LINHAI + "白水洋支行", 3012),
    ("workshop", "hetou-chagao"): _bank(LINHAI + "河头支行", 3013),
    ("workshop", "dongcheng-caideng"): _bank(LINHAI + "东塍支行", 3014),
    ("host", "host_xiaomei"): _bank("中国邮政储蓄银行象山县支行", 4001, "郑小美"),
}

# Given a Stripe connected account when load_demo can reach Stripe.
STRIPE_CONNECTED_BRAND = "banlan-haian"
