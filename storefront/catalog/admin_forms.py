"""Admin forms for the catalogue: checks that need the database or the image
decoder, shown as form errors in Chinese and English instead of 500s."""

from django import forms
from django.conf import settings

from . import services
from .errors import CatalogError, CatalogErrorCode
from .images import decode_image
from .models import ProductImage, ProductVariant, Stock


def _error_text(error: CatalogError) -> str:
    return f"{error.message_zh} ({error.message_en})"


class ProductVariantForm(forms.ModelForm):
    """Checks "SKU unique per workshop" before saving: the variant's workshop is
    copied from its product, so the form cannot leave it to the database."""

    class Meta:
        model = ProductVariant
        fields = (
            "product",
            "sku",
            "name",
            "options",
            "price_fen",
            "compare_at_price_fen",
            "weight_grams",
            "track_inventory",
            "sort_order",
        )

    def clean(self):
        cleaned = super().clean()
        product = cleaned.get("product") or (
            self.instance.product if self.instance.product_id else None
        )
        sku = cleaned.get("sku")
        if product is not None and product.workshop_id and sku:
            taken = ProductVariant.objects.filter(
                workshop_id=product.workshop_id, sku=sku
            )
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error(
                    "sku", _error_text(CatalogError(CatalogErrorCode.DUPLICATE_SKU))
                )
        return cleaned


class ProductVariantInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            sku = form.cleaned_data.get("sku")
            if sku and sku in seen:
                form.add_error(
                    "sku", _error_text(CatalogError(CatalogErrorCode.DUPLICATE_SKU))
                )
            seen.add(sku)


class ProductImageForm(forms.ModelForm):
    """New photos arrive as an upload that is decoded here (errors become form
    errors) and stored by `services.product_image_add`; stored files and their
    renditions are never edited in place."""

    upload = forms.FileField(
        label="上传图片 upload",
        required=False,
        help_text="JPEG、PNG、WebP 或 GIF (JPEG, PNG, WebP or GIF)",
    )

    class Meta:
        model = ProductImage
        fields = ("product", "upload", "alt", "sort_order")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["upload"].disabled = True
            self.fields[
                "upload"
            ].help_text = (
                "已上传；换图请删除后重新添加 (delete and add again to replace)"
            )
        self.upload_data: bytes | None = None

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if self.instance.pk or not upload:
            return None
        try:
            if upload.size > settings.IMAGE_MAX_BYTES:
                raise CatalogError(CatalogErrorCode.IMAGE_TOO_LARGE, field="image")
            data = upload.read()
            decode_image(data)
        except CatalogError as error:
            raise forms.ValidationError(_error_text(error), code=error.code) from None
        self.upload_data = data
        return upload

    def clean(self):
        cleaned = super().clean()
        if (
            not self.instance.pk
            and not self.upload_data
            and "upload" not in self.errors
        ):
            self.add_error("upload", "请选择图片文件 (choose an image file)")
        return cleaned


class ProductImageInlineFormSet(forms.BaseInlineFormSet):
    def save_new(self, form, commit=True):
        return services.product_image_add(
            product=self.instance,
            data=form.upload_data,
            alt=form.cleaned_data.get("alt", ""),
            sort_order=form.cleaned_data.get("sort_order"),
        )


class StockForm(forms.ModelForm):
    class Meta:
        model = Stock
        fields = ("variant", "quantity")

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity < self.instance.quantity_reserved:
            raise forms.ValidationError(
                "库存不能少于已占用数量 %(n)s (quantity cannot go below the %(n)s "
                "units already reserved)",
                params={"n": self.instance.quantity_reserved},
                code="below_reserved",
            )
        return quantity
