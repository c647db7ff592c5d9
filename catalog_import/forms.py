"""The upload form of the workshop portal. It refuses, with the import's own
messages ("中文 / English"), what the pipeline would refuse anyway but can be
told before anything is stored: no file, a wrong extension, an empty or an
oversized file, and a workshop the user may not import into."""

from pathlib import PurePath

from django import forms

from brands.models import Brand

from . import types
from .access import may_use_brand
from .errors import JOB_MESSAGES, ImportErrorCode, ImportFileError, ImportJobErrorCode

ALLOWED_EXTENSIONS = (".csv", ".xlsx", ".zip")
BRAND_REFUSED = " / ".join(JOB_MESSAGES[ImportJobErrorCode.BRAND_NOT_ALLOWED])


def _message(code: ImportErrorCode, detail: str = "") -> str:
    return ImportFileError(code, detail=detail).message


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size / 1024:g} KB"


def size_limit(name: str) -> int:
    """The byte limit for an upload called `name` (read when asked, so tests
    and settings may lower it)."""
    if name.lower().endswith(".zip"):
        return types.MAX_ZIP_BYTES
    return types.MAX_SHEET_BYTES


class UploadForm(forms.Form):
    workshop = forms.ModelChoiceField(
        queryset=None,
        empty_label=None,
        error_messages={
            "required": "请选择工坊 / Choose a workshop",
            "invalid_choice": "不能导入到该工坊 / You cannot import into this workshop",
        },
    )
    file = forms.FileField(
        error_messages={
            "required": "请选择要上传的文件 / Choose a file to upload",
            "empty": _message(ImportErrorCode.FILE_EMPTY),
            "invalid": _message(ImportErrorCode.FILE_UNREADABLE),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)}),
    )
    sheet = forms.CharField(
        required=False,
        max_length=100,
        error_messages={"max_length": "工作表名称过长 / The sheet name is too long"},
    )
    archive_missing = forms.BooleanField(required=False)
    # For a file whose brands are not the workshop's (a Shopify export's
    # Vendor): one of its brands for the whole file.
    brand = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="不替换，按文件中的品牌 / Keep the file's brands",
        error_messages={
            "invalid_choice": BRAND_REFUSED,
        },
    )

    def __init__(self, *args, workshops, user=None, **kwargs):
        """`workshops`: the queryset of workshops this user may import into;
        any other id is refused as an invalid choice. `user` is asked
        whether they may use the chosen brand in the chosen workshop."""
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["workshop"].queryset = workshops
        self.fields["workshop"].label_from_instance = lambda w: w.localized_name
        self.fields["brand"].queryset = (
            Brand.objects.filter(workshops__in=workshops).distinct().order_by("name")
        )
        self.fields["brand"].label_from_instance = lambda b: b.localized_name

    def clean(self):
        cleaned = super().clean()
        workshop, brand = cleaned.get("workshop"), cleaned.get("brand")
        if workshop is not None and brand is not None:
            if not may_use_brand(self.user, workshop=workshop, brand=brand):
                self.add_error("brand", BRAND_REFUSED)
        return cleaned

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = PurePath(upload.name or "").name
        if not name.lower().endswith(ALLOWED_EXTENSIONS):
            raise forms.ValidationError(
                _message(ImportErrorCode.FILE_TYPE_UNSUPPORTED, detail=name)
            )
        if not upload.size:
            raise forms.ValidationError(_message(ImportErrorCode.FILE_EMPTY))
        limit = size_limit(name)
        if upload.size > limit:
            raise forms.ValidationError(
                _message(ImportErrorCode.FILE_TOO_LARGE, detail=f"≤ {_size(limit)}")
            )
        return upload
