from django.db.models import TextChoices


class CatalogErrorCode(TextChoices):
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    IMAGE_INVALID = "image_invalid"
    IMAGE_TOO_LARGE = "image_too_large"
    BRAND_NOT_ALLOWED = "brand_not_allowed"
    DUPLICATE_SKU = "duplicate_sku"


MESSAGES = {
    CatalogErrorCode.NOT_FOUND: ("找不到该商品", "Product not found"),
    CatalogErrorCode.INVALID: ("输入有误", "Invalid input"),
    CatalogErrorCode.IMAGE_INVALID: (
        "图片无法识别，请上传 JPEG、PNG、WebP 或 GIF 照片",
        "The image cannot be read; upload a JPEG, PNG, WebP or GIF photo",
    ),
    CatalogErrorCode.IMAGE_TOO_LARGE: (
        "图片过大，请压缩后再上传",
        "The image is too large; shrink it and upload again",
    ),
    CatalogErrorCode.BRAND_NOT_ALLOWED: (
        "该工坊未获准使用此品牌",
        "The workshop does not sell under this brand",
    ),
    CatalogErrorCode.DUPLICATE_SKU: (
        "SKU 在本工坊内重复",
        "The SKU is already used in this workshop",
    ),
}


class CatalogError(Exception):
    def __init__(self, code: CatalogErrorCode, *, field: str | None = None):
        self.code = code
        self.field = field
        self.message_zh, self.message_en = MESSAGES[code]
        super().__init__(f"{code}: {self.message_zh} / {self.message_en}")
