"""Operator admin for brands, villages, workshops, memberships and standards.

Every admin page asks `brands.permissions.user_can(…, OPERATE_PLATFORM)` through
`OperatorOnlyAdmin`, so the admin obeys the same rule as every other entry point
(platform operators are active staff users), not Django's per-model permissions.
"""

from django.contrib import admin
from django.db import models
from django.db.models import Count

from storefront.core import hooks
from storefront.core.money import format_fen
from storefront.core.slugs import unique_slug

from . import services
from .models import (
    Brand,
    BrandStandard,
    BrandStandardRule,
    Membership,
    Village,
    Workshop,
)
from .permissions import Action, user_can
from .webhooks import validate_wecom_webhook_url

SLUG_HELP_ON_ADD = (
    "留空则按名称拼音生成；保存后不可更改 "
    "(leave blank to derive it from the name's pinyin; it cannot change later)"
)

# Stored in fen; the help says what the number means in yuan.
SHIPPING_HELP = {
    "shipping_fee_fen": "以分计：1000 = ¥10.00 (in fen: 1000 = ¥10.00)",
    "free_shipping_threshold_fen": (
        "以分计：9900 = 满 ¥99.00 包邮；留空则从不包邮 "
        "(in fen: 9900 = free from ¥99.00; blank = never free)"
    ),
}

WECOM_HELP = (
    "可选：企业微信群机器人的 Webhook 地址，每个新的已付包裹发一条消息；"
    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… "
    "(optional: a WeCom group robot's webhook URL, told of each new paid parcel)"
)


class ActionGatedAdmin:
    """Admin access for whoever `user_can(admin_action)` allows (platform
    operators, by default), for model admins and inlines alike."""

    admin_action = Action.OPERATE_PLATFORM

    def _is_operator(self, request) -> bool:
        return user_can(request.user, self.admin_action)

    def has_module_permission(self, request) -> bool:
        return self._is_operator(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._is_operator(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._is_operator(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._is_operator(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._is_operator(request)


class ReadOnlyAdmin:
    """Put before an access mixin: rows written only by services are looked
    at, never added, changed or deleted by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OperatorOnlyAdmin(ActionGatedAdmin):
    """Admin access for platform operators only."""

    # Any admin edit may show on a public page: the catalog retires the
    # cached ones (hooks.admin_changed).
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        hooks.admin_changed(model=self.model)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        hooks.admin_changed(model=self.model)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        hooks.admin_changed(model=self.model)


class ViewOnlyOperatorAdmin(ReadOnlyAdmin, OperatorOnlyAdmin):
    """Operators may look; nothing is added, changed or deleted by hand."""


class StableSlugAdmin(OperatorOnlyAdmin, admin.ModelAdmin):
    """Slugs are part of shared links: optional on add (derived from the name),
    read-only afterwards."""

    def slug_text(self, obj) -> str:
        return obj.name

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + ("slug",) if obj is not None else readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "slug" in form.base_fields:
            form.base_fields["slug"].required = False
            form.base_fields["slug"].help_text = SLUG_HELP_ON_ADD
        return form

    def save_model(self, request, obj, form, change):
        if not change and not obj.slug:
            obj.slug = unique_slug(
                type(obj), self.slug_text(obj), fallback=obj._meta.model_name
            )
        super().save_model(request, obj, form, change)


def adopt(obj, saved) -> None:
    """Make the admin's unsaved `obj` the row a service wrote: the admin
    goes on with `obj` (log entry, message, redirect)."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


class ServiceWrittenAdmin(admin.ModelAdmin):
    """Adds, changes and deletes go through the app's services
    (`service_create`, `service_update`, `service_delete`), given the form's
    cleaned values; the form only validates. Put after the access mixins."""

    def service_create(self, fields: dict):
        raise NotImplementedError

    def service_update(self, obj, fields: dict) -> None:
        raise NotImplementedError

    def service_delete(self, obj) -> None:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        fields = dict(form.cleaned_data)
        if change:
            fields.pop("slug", None)  # read-only once made
            self.service_update(obj, fields)
        else:
            if getattr(obj, "slug", ""):
                fields["slug"] = obj.slug
            adopt(obj, self.service_create(fields))

    def save_related(self, request, form, formsets, change):
        # The services wrote the form's many-to-many fields with the row.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        self.service_delete(obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.service_delete(obj)


@admin.register(Brand)
class BrandAdmin(StableSlugAdmin, ServiceWrittenAdmin):
    list_display = (
        "name",
        "name_en",
        "slug",
        "region",
        "operator_organisation",
        "workshop_count",
        "is_active",
    )
    list_filter = ("is_active",)
    # Explicit: Meta.ordering does not apply to the annotated (GROUP BY) query.
    ordering = ("name",)
    search_fields = ("name", "name_en", "slug", "region", "operator_organisation")
    search_help_text = "名称、英文名、slug、地区 name, English name, slug, region"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_workshops=Count("workshops"))

    @admin.display(description="工坊数 workshops", ordering="_workshops")
    def workshop_count(self, obj) -> int:
        return obj._workshops

    def service_create(self, fields):
        return services.brand_create(**fields)

    def service_update(self, obj, fields):
        services.brand_update(brand=obj, **fields)

    def service_delete(self, obj):
        services.brand_delete(brand=obj)


@admin.register(Village)
class VillageAdmin(StableSlugAdmin, ServiceWrittenAdmin):
    list_display = ("name", "township", "county", "city", "collective_organisation")
    list_filter = ("city", "county")
    search_fields = ("name", "name_en", "slug", "township", "county")
    search_help_text = "村名、乡镇、县 village, township, county"

    def service_create(self, fields):
        return services.village_create(**fields)

    def service_update(self, obj, fields):
        services.village_update(village=obj, **fields)

    def service_delete(self, obj):
        services.village_delete(village=obj)


@admin.register(Workshop)
class WorkshopAdmin(StableSlugAdmin, ServiceWrittenAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "name",
        "village",
        "workshop_type",
        "brand_names",
        "people_employed",
        "low_income_households_employed",
        "shipping_rate",
        "is_active",
    )
    list_filter = ("workshop_type", "is_active", "brands", "village__city")
    list_select_related = ("village",)
    search_fields = (
        "name",
        "name_en",
        "slug",
        "village__name",
        "village__county",
        "contact_name",
    )
    search_help_text = "工坊、村、县、联系人 workshop, village, county, contact"
    autocomplete_fields = ("village", "brands")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("brands")

    @admin.display(description="品牌 brands")
    def brand_names(self, obj) -> str:
        return "、".join(brand.name for brand in obj.brands.all())

    @admin.display(description="运费 shipping", ordering="shipping_fee_fen")
    def shipping_rate(self, obj) -> str:
        rate = format_fen(obj.shipping_fee_fen)
        if obj.free_shipping_threshold_fen is None:
            return rate
        return f"{rate}，满 free from {format_fen(obj.free_shipping_threshold_fen)}"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        for name, help_text in SHIPPING_HELP.items():
            if name in form.base_fields:
                form.base_fields[name].help_text = help_text
        if "wecom_webhook_url" in form.base_fields:
            field = form.base_fields["wecom_webhook_url"]
            field.validators.append(validate_wecom_webhook_url)
            field.help_text = WECOM_HELP
        return form

    def service_create(self, fields):
        return services.workshop_create(**fields)

    def service_update(self, obj, fields):
        services.workshop_update(workshop=obj, **fields)

    def service_delete(self, obj):
        services.workshop_delete(workshop=obj)


@admin.register(Membership)
class MembershipAdmin(OperatorOnlyAdmin, ServiceWrittenAdmin):
    list_display = ("user", "role", "target", "created_at")
    list_filter = ("role", "brand")
    list_select_related = ("user", "brand", "workshop", "village")
    search_fields = (
        "user__username",
        "user__email",
        "brand__name",
        "workshop__name",
        "village__name",
    )
    search_help_text = (
        "用户名、邮箱、品牌、工坊、村 user, email, brand, workshop, village"
    )
    # The user admin keeps Django's own permissions (it can grant staff rights),
    # so users are picked by id rather than through its autocomplete view.
    raw_id_fields = ("user",)
    autocomplete_fields = ("brand", "workshop", "village")

    @admin.display(description="对象 target")
    def target(self, obj) -> str:
        return str(obj.brand or obj.workshop or obj.village or "—")

    def service_create(self, fields):
        return services.membership_grant(**fields)

    def service_update(self, obj, fields):
        services.membership_update(membership=obj, **fields)

    def service_delete(self, obj):
        services.membership_delete(membership=obj)


class BrandStandardRuleInline(OperatorOnlyAdmin, admin.TabularInline):
    model = BrandStandardRule
    extra = 1
    fields = ("field", "kind", "argument", "message_zh", "message_en")


@admin.register(BrandStandard)
class BrandStandardAdmin(OperatorOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "name",
        "brand",
        "code",
        "category_slugs",
        "rule_count",
        "is_active",
    )
    list_filter = ("brand", "is_active")
    list_select_related = ("brand",)
    ordering = ("brand__name", "code")
    search_fields = ("name", "code", "brand__name")
    autocomplete_fields = ("brand",)
    inlines = (BrandStandardRuleInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_rules=Count("rules"))

    @admin.display(description="规则数 rules", ordering="_rules")
    def rule_count(self, obj) -> int:
        return obj._rules
