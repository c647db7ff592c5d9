"""Every problem an import can find: a code, and a message in Chinese and
English. File-level problems stop the whole file; row-level ones stop only
their product; warnings stop nothing."""

from django.db.models import TextChoices

from storefront.core.errors import DomainError


class Severity(TextChoices):
    ERROR = "error", "错误 error"
    WARNING = "warning", "提醒 warning"


class ImportErrorCode(TextChoices):
    # The file as a whole
    FILE_EMPTY = "file_empty"
    FILE_TOO_LARGE = "file_too_large"
    FILE_UNREADABLE = "file_unreadable"
    FILE_TYPE_UNSUPPORTED = "file_type_unsupported"
    ENCODING_UNKNOWN = "encoding_unknown"
    HEADER_MISSING = "header_missing"
    HEADER_DUPLICATED = "header_duplicated"
    HEADER_REQUIRED_MISSING = "header_required_missing"
    NO_ROWS = "no_rows"
    TOO_MANY_ROWS = "too_many_rows"
    SHEET_NOT_FOUND = "sheet_not_found"
    ZIP_UNSAFE_PATH = "zip_unsafe_path"
    ZIP_TOO_LARGE = "zip_too_large"
    ZIP_NO_SHEET = "zip_no_sheet"
    ZIP_SEVERAL_SHEETS = "zip_several_sheets"
    ARCHIVE_NEEDS_WHOLE_FILE = "archive_needs_whole_file"
    # A row or a product
    REQUIRED = "required"
    INVALID_PRICE = "invalid_price"
    INVALID_INTEGER = "invalid_integer"
    NEGATIVE_STOCK = "negative_stock"
    SCIENTIFIC_NOTATION = "scientific_notation"
    FORMULA = "formula"
    TOO_LONG = "too_long"
    DUPLICATE_SKU_IN_FILE = "duplicate_sku_in_file"
    DUPLICATE_SKU_IN_WORKSHOP = "duplicate_sku_in_workshop"
    COMPARE_AT_NOT_ABOVE_PRICE = "compare_at_not_above_price"
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_BRAND = "unknown_brand"
    BRAND_NOT_ALLOWED = "brand_not_allowed"
    BRAND_STANDARD = "brand_standard"
    TOO_MANY_OPTIONS = "too_many_options"
    TOO_MANY_VARIANTS = "too_many_variants"
    INCONSISTENT_PRODUCT = "inconsistent_product"
    IMAGE_INVALID = "image_invalid"
    IMAGE_TOO_LARGE = "image_too_large"
    IMAGE_NOT_FOUND = "image_not_found"
    INVALID_SC_LICENCE = "invalid_sc_licence"
    INVALID_CHARACTER = "invalid_character"
    STOCK_BELOW_RESERVED = "stock_below_reserved"
    SAVE_FAILED = "save_failed"
    INVALID_BOOLEAN = "invalid_boolean"
    PERMISSION_DENIED = "permission_denied"
    # Warnings
    UNKNOWN_COLUMN = "unknown_column"
    IMAGE_UNREACHABLE = "image_unreachable"
    VALUE_SANITISED = "value_sanitised"
    BLANK_ROWS_STOPPED = "blank_rows_stopped"
    BRAND_REPLACED = "brand_replaced"


MESSAGES: dict[str, tuple[str, str]] = {
    ImportErrorCode.FILE_EMPTY: ("文件是空的", "The file is empty"),
    ImportErrorCode.FILE_TOO_LARGE: ("文件过大", "The file is too large"),
    ImportErrorCode.FILE_UNREADABLE: ("文件无法读取", "The file cannot be read"),
    ImportErrorCode.FILE_TYPE_UNSUPPORTED: (
        "只支持 CSV、XLSX 或 ZIP 文件",
        "Only CSV, XLSX or ZIP files are supported",
    ),
    ImportErrorCode.ENCODING_UNKNOWN: (
        "无法识别文件编码，请另存为 UTF-8 或 GBK 的 CSV",
        "Unknown text encoding; save the CSV as UTF-8 or GBK",
    ),
    ImportErrorCode.HEADER_MISSING: ("缺少表头行", "The header row is missing"),
    ImportErrorCode.HEADER_DUPLICATED: ("表头重复", "A column header appears twice"),
    ImportErrorCode.HEADER_REQUIRED_MISSING: (
        "缺少必需的列",
        "A required column is missing",
    ),
    ImportErrorCode.NO_ROWS: ("表中没有商品行", "The sheet has no product rows"),
    ImportErrorCode.ARCHIVE_NEEDS_WHOLE_FILE: (
        "文件中有连续过多的空行，其后的行没有读取；「下架文件中没有的商品」需要读完整个"
        "文件，请删除空行后重新上传，或不勾选此项",
        'Too many empty rows in a row stopped the reading; "archive what the file '
        'does not list" needs the whole file: delete the empty rows and upload '
        "again, or untick it",
    ),
    ImportErrorCode.TOO_MANY_ROWS: (
        "行数超过上限（空行也计入读取上限）",
        "Too many rows (empty rows count towards the reading limit too)",
    ),
    ImportErrorCode.SHEET_NOT_FOUND: ("找不到该工作表", "No sheet by that name"),
    ImportErrorCode.ZIP_UNSAFE_PATH: (
        "压缩包中有不安全的路径",
        "The ZIP holds an unsafe path",
    ),
    ImportErrorCode.ZIP_TOO_LARGE: (
        "压缩包解压后过大",
        "The ZIP is too large once unpacked",
    ),
    ImportErrorCode.ZIP_NO_SHEET: (
        "压缩包中没有表格文件（CSV 或 XLSX）",
        "The ZIP holds no sheet (CSV or XLSX)",
    ),
    ImportErrorCode.ZIP_SEVERAL_SHEETS: (
        "压缩包中只能有一个表格文件",
        "The ZIP must hold exactly one sheet",
    ),
    ImportErrorCode.REQUIRED: ("必填项为空", "A required value is empty"),
    ImportErrorCode.INVALID_PRICE: (
        "价格格式不正确，请填写元，最多两位小数，例如 12.80",
        "Invalid price: give yuan with at most 2 decimals, e.g. 12.80",
    ),
    ImportErrorCode.INVALID_INTEGER: ("须为整数", "Must be a whole number"),
    ImportErrorCode.NEGATIVE_STOCK: ("库存不能为负数", "Stock cannot be negative"),
    ImportErrorCode.SCIENTIFIC_NOTATION: (
        "该单元格被 Excel 改成了科学计数法，原始数字已丢失，请把该列设为文本后重新填写",
        "Excel turned this cell into scientific notation and lost the digits; "
        "format the column as text and type it again",
    ),
    ImportErrorCode.FORMULA: (
        "单元格是公式，请粘贴为数值",
        "The cell is a formula; paste it as a value",
    ),
    ImportErrorCode.TOO_LONG: ("内容过长", "The value is too long"),
    ImportErrorCode.DUPLICATE_SKU_IN_FILE: (
        "SKU 在文件中重复",
        "The SKU appears twice in the file",
    ),
    ImportErrorCode.DUPLICATE_SKU_IN_WORKSHOP: (
        "SKU 已被本工坊的其他商品使用",
        "Another product of this workshop uses this SKU",
    ),
    ImportErrorCode.COMPARE_AT_NOT_ABOVE_PRICE: (
        "划线价须高于售价",
        "The compare-at price must be above the price",
    ),
    ImportErrorCode.UNKNOWN_CATEGORY: ("找不到该分类", "Unknown category"),
    ImportErrorCode.UNKNOWN_BRAND: (
        "找不到该品牌（上传时可为整个文件选择本工坊的一个品牌）",
        "Unknown brand (when uploading, you can choose one of the workshop's "
        "brands for the whole file)",
    ),
    ImportErrorCode.BRAND_NOT_ALLOWED: (
        "本工坊未获准使用该品牌（上传时可为整个文件选择本工坊的一个品牌）",
        "The workshop does not sell under this brand (when uploading, you can "
        "choose one of the workshop's brands for the whole file)",
    ),
    ImportErrorCode.BRAND_STANDARD: (
        "不符合品牌标准",
        "Does not meet the brand standard",
    ),
    ImportErrorCode.TOO_MANY_OPTIONS: (
        "每个商品最多 3 个规格选项",
        "At most 3 options per product",
    ),
    ImportErrorCode.TOO_MANY_VARIANTS: (
        "每个商品最多 100 个规格",
        "At most 100 variants per product",
    ),
    ImportErrorCode.INCONSISTENT_PRODUCT: (
        "同一商品编码的各行商品信息不一致",
        "Rows of the same product code disagree about the product",
    ),
    ImportErrorCode.IMAGE_INVALID: (
        "图片无法识别（须为 JPEG、PNG、WebP 或 GIF）",
        "The image cannot be read (JPEG, PNG, WebP or GIF only)",
    ),
    ImportErrorCode.IMAGE_TOO_LARGE: ("图片过大", "The image is too large"),
    ImportErrorCode.IMAGE_NOT_FOUND: (
        "压缩包中找不到该图片",
        "The image is not in the ZIP",
    ),
    ImportErrorCode.INVALID_SC_LICENCE: (
        "生产许可证编号应为 SC 加 14 位数字",
        "The SC licence must be SC followed by 14 digits",
    ),
    ImportErrorCode.INVALID_CHARACTER: (
        "含有无法保存的字符（如空字符）",
        "Contains a character that cannot be stored (such as NUL)",
    ),
    ImportErrorCode.STOCK_BELOW_RESERVED: (
        "库存不能少于已被订单占用的数量",
        "Stock cannot be below the quantity already reserved for orders",
    ),
    ImportErrorCode.SAVE_FAILED: (
        "该商品保存失败，未做任何更改",
        "The product could not be saved; nothing of it was changed",
    ),
    ImportErrorCode.INVALID_BOOLEAN: (
        "须为 是 或 否（也可填 TRUE/FALSE、1/0、上架/下架）",
        "Must be yes or no (是/否, TRUE/FALSE, 1/0, active/draft)",
    ),
    ImportErrorCode.PERMISSION_DENIED: (
        "你无权修改该商品（只能导入你所管理的工坊或品牌的商品），该行未做任何更改",
        "You may not change this product (only products of the workshops or "
        "brands you manage can be imported); nothing of this row was changed",
    ),
    ImportErrorCode.BRAND_REPLACED: (
        "文件中的品牌不是本工坊的品牌，已按所选品牌导入整个文件",
        "The file's brand is not one of the workshop's brands; the brand chosen "
        "for the file is used instead",
    ),
    ImportErrorCode.UNKNOWN_COLUMN: (
        "未知的列，已忽略",
        "Unknown column, ignored",
    ),
    ImportErrorCode.IMAGE_UNREACHABLE: (
        "图片网址无法访问，商品仍会导入，但没有这张图片",
        "The image URL cannot be fetched; the product is imported without it",
    ),
    ImportErrorCode.BLANK_ROWS_STOPPED: (
        "连续空行过多，之后的行没有读取",
        "Too many empty rows in a row; the rows below them were not read",
    ),
    ImportErrorCode.VALUE_SANITISED: (
        "描述中的不安全 HTML 已被移除",
        "Unsafe HTML was removed from the description",
    ),
}


class ImportFileError(Exception):
    """The file cannot be processed at all (nothing is imported)."""

    def __init__(self, code: ImportErrorCode, *, detail: str = ""):
        self.code = code
        zh, en = MESSAGES[code]
        if detail:
            zh, en = f"{zh}：{detail}", f"{en}: {detail}"
        self.message_zh, self.message_en = zh, en
        super().__init__(f"{code}: {zh} / {en}")

    @property
    def message(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


class ImportJobErrorCode(TextChoices):
    """Why an import job could not be created or applied (nothing was stored)."""

    PERMISSION_DENIED = "permission_denied"
    WORKSHOP_NOT_FOUND = "workshop_not_found"
    JOB_NOT_FOUND = "job_not_found"
    FILE_REQUIRED = "file_required"
    FILE_EMPTY = "file_empty"
    FILE_TOO_LARGE = "file_too_large"
    FILE_TYPE_UNSUPPORTED = "file_type_unsupported"
    JOB_NOT_READY = "job_not_ready"
    IMPORT_IN_PROGRESS = "import_in_progress"
    INTERNAL_ERROR = "internal_error"
    INTERRUPTED = "interrupted"
    REPORT_NOT_SAVED = "report_not_saved"
    JOB_NOT_RERUNNABLE = "job_not_rerunnable"
    BRAND_NOT_ALLOWED = "brand_not_allowed"


JOB_MESSAGES: dict[str, tuple[str, str]] = {
    ImportJobErrorCode.PERMISSION_DENIED: (
        "你不能向该工坊导入商品",
        "You may not import products into this workshop",
    ),
    ImportJobErrorCode.WORKSHOP_NOT_FOUND: ("找不到该工坊", "No such workshop"),
    ImportJobErrorCode.JOB_NOT_FOUND: ("找不到该导入任务", "No such import job"),
    ImportJobErrorCode.FILE_REQUIRED: (
        "请选择要上传的文件",
        "Choose a file to upload",
    ),
    ImportJobErrorCode.FILE_EMPTY: MESSAGES[ImportErrorCode.FILE_EMPTY],
    ImportJobErrorCode.FILE_TOO_LARGE: MESSAGES[ImportErrorCode.FILE_TOO_LARGE],
    ImportJobErrorCode.FILE_TYPE_UNSUPPORTED: MESSAGES[
        ImportErrorCode.FILE_TYPE_UNSUPPORTED
    ],
    ImportJobErrorCode.JOB_NOT_READY: (
        "只有已完成且文件可读的预览才能导入",
        "Only a finished dry run of a readable file can be applied",
    ),
    ImportJobErrorCode.IMPORT_IN_PROGRESS: (
        "该工坊正在导入另一个文件，请等它完成",
        "Another file is being imported into this workshop; wait for it to finish",
    ),
    ImportJobErrorCode.INTERRUPTED: (
        "导入中断（处理进程已停止）。已写入的商品完整保留，请点击“重新运行”继续",
        "The import was interrupted (its worker stopped). Products already "
        "written are complete; press Run again to finish",
    ),
    ImportJobErrorCode.REPORT_NOT_SAVED: (
        "导入报告无法保存。已写入的商品完整保留，请点击“重新运行”查看结果",
        "The import's report could not be saved. Products already written are "
        "complete; press Run again to see the result",
    ),
    ImportJobErrorCode.JOB_NOT_RERUNNABLE: (
        "只有中断或因内部错误失败的导入才能重新运行",
        "Only an interrupted import, or one that failed on an internal error, "
        "can be run again",
    ),
    ImportJobErrorCode.BRAND_NOT_ALLOWED: (
        "所选品牌不是该工坊的品牌，或你不能为它创建和修改商品",
        "The chosen brand is not one of this workshop's brands, or you may not "
        "create and change its products",
    ),
    ImportJobErrorCode.INTERNAL_ERROR: (
        "导入因内部错误中止，请稍后重试或联系平台",
        "The import stopped on an internal error; try again later or contact "
        "the platform",
    ),
}


class ImportJobError(DomainError):
    """An import job was refused before anything was stored or queued."""

    messages = JOB_MESSAGES
