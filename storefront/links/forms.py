"""Forms of the host pages. They only parse: whether the host may link a
brand, whether a product is on sale, whose a live session is — the services
decide, and their errors are shown on the form."""

from django import forms
from django.utils import timezone

from brands.models import Brand, Role
from brands.permissions import is_platform_operator, role_targets
from storefront.catalog.models import Product

from .models import LinkTarget, LiveSession

# A select of every product would be unusable long before this.
MAX_CHOICES = 300
UTM_FIELDS = ("source", "medium", "campaign", "content")
PICK_ONE = "请从列表中选择 / Pick one from the list"
WHEN = {
    "invalid": "请用 YYYY-MM-DD HH:MM / Use YYYY-MM-DD HH:MM",
    "required": "请填写时间 / Please give a time",
}
TOO_LONG = {
    "max_length": "最多 %(limit_value)d 个字符 / At most %(limit_value)d characters"
}


def approved_brands(user):
    brands = Brand.objects.filter(is_active=True).order_by("name")
    if is_platform_operator(user):
        return brands
    return brands.filter(pk__in=role_targets(user, Role.LIVESTREAM_HOST))


class _IdChoice(forms.IntegerField):
    """An id picked from a select; any id is accepted here so that the
    service, not the list offered, says why a pick is refused."""

    def __init__(self, label, **kwargs):
        errors = {"invalid": PICK_ONE, "min_value": PICK_ONE, "max_value": PICK_ONE}
        super().__init__(
            label=label,
            required=False,
            min_value=1,
            max_value=2**62,
            error_messages=errors,
            **kwargs,
        )
        self.widget = forms.Select()


class HostLinkForm(forms.Form):
    target = forms.ChoiceField(
        label="链接到 link to",
        choices=LinkTarget.choices,
        error_messages={"invalid_choice": PICK_ONE, "required": PICK_ONE},
    )
    product = _IdChoice("商品 product")
    brand = _IdChoice("品牌 brand")
    live_session = _IdChoice("直播 live session")
    label = forms.CharField(
        label="备注 label", max_length=80, required=False, error_messages=TOO_LONG
    )
    utm_source = forms.CharField(
        label="utm_source", max_length=100, required=False, error_messages=TOO_LONG
    )
    utm_medium = forms.CharField(
        label="utm_medium", max_length=100, required=False, error_messages=TOO_LONG
    )
    utm_campaign = forms.CharField(
        label="utm_campaign", max_length=100, required=False, error_messages=TOO_LONG
    )
    utm_content = forms.CharField(
        label="utm_content", max_length=100, required=False, error_messages=TOO_LONG
    )
    expires_at = forms.DateTimeField(
        label="失效时间（可选）expires (optional)",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages=WHEN,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        brands = list(approved_brands(user)[:MAX_CHOICES])
        products = (
            Product.objects.on_sale()
            .filter(brand__in=brands)
            .only("pk", "name")
            .order_by("name")[:MAX_CHOICES]
        )
        sessions = (
            LiveSession.objects.filter(host=user, ends_at__gt=timezone.now())
            .only("pk", "title")
            .order_by("starts_at")[:MAX_CHOICES]
        )
        blank = [("", "—")]
        self.fields["brand"].widget.choices = blank + [(b.pk, b.name) for b in brands]
        self.fields["product"].widget.choices = blank + [
            (p.pk, p.name) for p in products
        ]
        self.fields["live_session"].widget.choices = blank + [
            (s.pk, s.title) for s in sessions
        ]

    def clean_expires_at(self):
        expires = self.cleaned_data.get("expires_at")
        if expires is not None and expires <= timezone.now():
            raise forms.ValidationError(
                "失效时间必须在将来 / The expiry must be in the future"
            )
        return expires

    def clean(self):
        data = super().clean()
        target = data.get("target")
        wanted = {
            LinkTarget.PRODUCT: ("product", Product.objects.select_related("brand")),
            LinkTarget.BRAND: ("brand", Brand.objects.all()),
            LinkTarget.LIVE_SESSION: ("live_session", LiveSession.objects.all()),
        }.get(target)
        if wanted is None:
            return data
        name, queryset = wanted
        picked = data.get(name)
        if picked is None:
            self.add_error(name, "请选择 / Please choose one")
            return data
        found = queryset.filter(pk=picked).first()
        if found is None:
            self.add_error(name, "找不到该记录 / Not found")
        data["target_object"] = found
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "target": data["target"],
            data["target"]: data["target_object"],
            "label": data["label"],
            "utm": {key: data[f"utm_{key}"] for key in UTM_FIELDS},
            "expires_at": data["expires_at"],
        }


class HostApplyForm(forms.Form):
    brand = forms.ModelChoiceField(
        label="品牌 brand",
        queryset=Brand.objects.filter(is_active=True).order_by("name"),
        empty_label="—",
        error_messages={"invalid_choice": PICK_ONE, "required": PICK_ONE},
    )
    note = forms.CharField(
        label="留言（可选）note (optional)",
        max_length=200,
        required=False,
        error_messages=TOO_LONG,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LiveSessionForm(forms.Form):
    """Scheduling a live session. Products are offered from the brands the
    host sells; the service checks each is of the session's brand and on
    sale."""

    brand = _IdChoice("品牌 brand")
    title = forms.CharField(
        label="直播标题 title",
        max_length=120,
        error_messages={**TOO_LONG, "required": "请填写标题 / Please give a title"},
    )
    starts_at = forms.DateTimeField(
        label="开始 starts",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages=WHEN,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.DateTimeField(
        label="结束 ends",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages=WHEN,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    products = forms.TypedMultipleChoiceField(
        label="讲解商品（按顺序）featured products (in order)",
        coerce=int,
        required=False,
        error_messages={"invalid_choice": PICK_ONE},
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        brands = list(approved_brands(user)[:MAX_CHOICES])
        self.fields["brand"].widget.choices = [("", "—")] + [
            (b.pk, b.name) for b in brands
        ]
        products = (
            Product.objects.on_sale()
            .filter(brand__in=brands)
            .select_related("brand")
            .only("pk", "name", "brand__name")
            .order_by("brand__name", "name")[:MAX_CHOICES]
        )
        self.fields["products"].choices = [
            (p.pk, f"{p.name} · {p.brand.name}") for p in products
        ]

    def clean(self):
        data = super().clean()
        picked = data.get("brand")
        if picked is not None:
            data["brand_object"] = Brand.objects.filter(pk=picked).first()
            if data["brand_object"] is None:
                self.add_error("brand", PICK_ONE)
        elif "brand" not in self.errors:
            self.add_error("brand", "请选择 / Please choose one")
        return data
