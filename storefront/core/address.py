"""A Chinese delivery address: the fields, the province list and the mobile
number rule, shared by the checkout and the order it becomes."""

import re

from django.db import models

# Mainland mobile numbers: 11 digits starting 13–19 (an optional +86 / 0086
# prefix, spaces and dashes are accepted on input and dropped).
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_MOBILE_NOISE = re.compile(r"[\s\-()]")


class Province(models.TextChoices):
    BEIJING = "北京市", "北京市 Beijing"
    TIANJIN = "天津市", "天津市 Tianjin"
    HEBEI = "河北省", "河北省 Hebei"
    SHANXI = "山西省", "山西省 Shanxi"
    INNER_MONGOLIA = "内蒙古自治区", "内蒙古自治区 Inner Mongolia"
    LIAONING = "辽宁省", "辽宁省 Liaoning"
    JILIN = "吉林省", "吉林省 Jilin"
    HEILONGJIANG = "黑龙江省", "黑龙江省 Heilongjiang"
    SHANGHAI = "上海市", "上海市 Shanghai"
    JIANGSU = "江苏省", "江苏省 Jiangsu"
    ZHEJIANG = "浙江省", "浙江省 Zhejiang"
    ANHUI = "安徽省", "安徽省 Anhui"
    FUJIAN = "福建省", "福建省 Fujian"
    JIANGXI = "江西省", "江西省 Jiangxi"
    SHANDONG = "山东省", "山东省 Shandong"
    HENAN = "河南省", "河南省 Henan"
    HUBEI = "湖北省", "湖北省 Hubei"
    HUNAN = "湖南省", "湖南省 Hunan"
    GUANGDONG = "广东省", "广东省 Guangdong"
    GUANGXI = "广西壮族自治区", "广西壮族自治区 Guangxi"
    HAINAN = "海南省", "海南省 Hainan"
    CHONGQING = "重庆市", "重庆市 Chongqing"
    SICHUAN = "四川省", "四川省 Sichuan"
    GUIZHOU = "贵州省", "贵州省 Guizhou"
    YUNNAN = "云南省", "云南省 Yunnan"
    TIBET = "西藏自治区", "西藏自治区 Tibet"
    SHAANXI = "陕西省", "陕西省 Shaanxi"
    GANSU = "甘肃省", "甘肃省 Gansu"
    QINGHAI = "青海省", "青海省 Qinghai"
    NINGXIA = "宁夏回族自治区", "宁夏回族自治区 Ningxia"
    XINJIANG = "新疆维吾尔自治区", "新疆维吾尔自治区 Xinjiang"


def normalise_mobile(value: str) -> str:
    """'+86 138-0013-8000' -> '13800138000'; anything else is returned as typed."""
    text = _MOBILE_NOISE.sub("", str(value or "").strip())
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


def is_mainland_mobile(value: str) -> bool:
    return bool(_MOBILE.match(normalise_mobile(value)))


ADDRESS_FIELDS = (
    "recipient_name",
    "phone",
    "province",
    "city",
    "district",
    "street_address",
)


class AddressFields(models.Model):
    """Where one parcel goes. Blank until the customer fills it in."""

    recipient_name = models.CharField("收件人 recipient", max_length=50, blank=True)
    phone = models.CharField("手机号 mobile", max_length=20, blank=True)
    province = models.CharField(
        "省份 province", max_length=20, blank=True, choices=Province.choices
    )
    city = models.CharField("城市 city", max_length=50, blank=True)
    district = models.CharField("区县 district", max_length=50, blank=True)
    street_address = models.CharField(
        "详细地址 street address", max_length=200, blank=True
    )

    class Meta:
        abstract = True

    def address_lines(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.street_address}"

    def address_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in ADDRESS_FIELDS}
