"""The two-step upload of a bulk-shipping CSV, shared by the operators' admin
page and the workshop portal: the upload form, and the file travelling back
signed between the dry run and the apply step (for this user, and this
workshop when there is one, for a quarter of an hour). The apply step checks
it all again: what was true at the dry run may not be now."""

import base64

from django import forms
from django.core import signing

from .bulk_ship import MAX_BYTES

MAX_AGE_SECONDS = 15 * 60
EXPIRED = (
    "确认页已过期或无效，请重新上传文件 / "
    "This confirmation has expired or is invalid; upload the file again"
)


class BulkShipUploadForm(forms.Form):
    file = forms.FileField(
        label="发货文件（CSV）shipping file (CSV)",
        help_text="表头：订单号、快递公司、运单号（可加一列“工坊”）；"
        "UTF-8 或 GBK 编码，最大 1 MB / Header: order_number, carrier, "
        "tracking_number (optionally workshop); UTF-8 or GBK, at most 1 MB",
    )
    notify_customer = forms.BooleanField(
        label="邮件通知顾客 email the customers", required=False, initial=True
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"文件超过 {MAX_BYTES // 1024} KB，请分成几个文件 / "
                f"The file is over {MAX_BYTES // 1024} KB; split it into several",
                code="too_large",
            )
        return upload.read(MAX_BYTES + 1)


def sign_upload(*, salt: str, user, data: bytes, notify: bool, workshop_id=None) -> str:
    payload = {
        "user": user.pk,
        "workshop": workshop_id,
        "data": base64.b64encode(data).decode("ascii"),
        "notify": notify,
    }
    return signing.dumps(payload, salt=salt, compress=True)


def load_upload(
    token: str, *, salt: str, user, workshop_id=None
) -> tuple[bytes, bool] | None:
    """(file, notify) of a token signed for this user (and workshop), or None."""
    try:
        payload = signing.loads(token, salt=salt, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if payload.get("user") != user.pk or payload.get("workshop") != workshop_id:
        return None
    return base64.b64decode(payload["data"]), bool(payload.get("notify"))
