"""The workshop portal's products, /workshop/products/: stock per variant
(on the shelf, held by orders), set or adjust stock, price and compare-at
price, publish, edit texts, label facts and photos with the product's
history, and create a product. Thin: storefront.catalog.editing checks
permissions (user_can), validates, writes and records every change."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from brands.permissions import Action, user_can
from storefront.catalog import editing
from storefront.catalog.editing import EditError, NewProduct
from storefront.catalog.models import Category, Product, ProductVariant
from storefront.core.http import private_page

from ..current_workshop import current_workshop


class ProductTextForm(forms.Form):
    name = forms.CharField(label="商品名称 Name", max_length=120)
    name_en = forms.CharField(
        label="英文名 English name", max_length=120, required=False
    )
    description = forms.CharField(
        label="描述 Description",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
    ingredients = forms.CharField(
        label="配料 Ingredients",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    net_content = forms.CharField(
        label="净含量 Net content", max_length=50, required=False
    )
    shelf_life = forms.CharField(
        label="保质期 Shelf life", max_length=50, required=False
    )
    storage_conditions = forms.CharField(
        label="储存条件 Storage", max_length=120, required=False
    )
    producer = forms.CharField(label="生产者 Producer", max_length=150, required=False)
    sc_licence = forms.CharField(
        label="生产许可证编号 SC licence", max_length=16, required=False
    )


class PhotoForm(forms.Form):
    photo = forms.FileField(label="照片 Photo")


class CreateForm(forms.Form):
    brand = forms.ModelChoiceField(label="品牌 Brand", queryset=None)
    product_code = forms.CharField(label="商品编码 Product code", max_length=64)
    name = forms.CharField(label="商品名称 Name", max_length=120)
    name_en = forms.CharField(
        label="英文名 English name", max_length=120, required=False
    )
    category = forms.ModelChoiceField(
        label="分类 Category", queryset=Category.objects.all(), required=False
    )
    sku = forms.CharField(label="SKU", max_length=64)
    variant_name = forms.CharField(label="规格 Variant", max_length=100, required=False)
    price = forms.CharField(label="价格（元）Price (yuan)", max_length=20)
    quantity = forms.CharField(label="库存 Stock", max_length=10, initial="0")
    description = forms.CharField(
        label="描述 Description",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args, brands, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands


def _list_url(workshop) -> str:
    return f"{reverse('workshop_products:list')}?workshop={workshop.slug}"


def _edit_url(product) -> str:
    url = reverse("workshop_products:edit", args=[product.pk])
    return f"{url}?workshop={product.workshop.slug}"


def _product_of(request, product_id: int) -> Product:
    """A product of the request's workshop that the user may change (404 for
    a product of another workshop: it does not exist here)."""
    workshop, _ = current_workshop(request)
    product = (
        Product.objects.select_related("workshop", "brand", "category")
        .filter(pk=product_id, workshop=workshop)
        .first()
    )
    if product is None:
        raise Http404("no such product in this workshop")
    if not user_can(request.user, Action.CHANGE_PRODUCT, product):
        raise PermissionDenied("may not change this product")
    return product


def _variant_of(request, variant_id: int) -> ProductVariant:
    workshop, _ = current_workshop(request)
    variant = (
        ProductVariant.objects.select_related("product__workshop", "product__brand")
        .filter(pk=variant_id, product__workshop=workshop)
        .first()
    )
    if variant is None:
        raise Http404("no such variant in this workshop")
    if not user_can(request.user, Action.CHANGE_PRODUCT, variant.product):
        raise PermissionDenied("may not change this product")
    return variant


def _done(request, error: EditError | None, text: str):
    if error is None:
        messages.success(request, text)
    else:
        messages.error(request, error.message)


@never_cache
@login_required
def product_list(request):
    workshop, workshops = current_workshop(request)
    products = (
        Product.objects.filter(workshop=workshop)
        .select_related("brand")
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=ProductVariant.objects.select_related("stock").order_by(
                    "sort_order", "pk"
                ),
            )
        )
        .order_by("name", "pk")
    )
    may_create = any(
        user_can(
            request.user,
            Action.CREATE_PRODUCT,
            Product(workshop_id=workshop.pk, brand_id=brand.pk),
        )
        for brand in workshop.brands.all()
    )
    return private_page(
        render(
            request,
            "web/workshop_products/list.html",
            {
                "workshop": workshop,
                "workshops": workshops,
                "products": products,
                "may_create": may_create,
            },
        )
    )


@login_required
@require_POST
def stock_change(request, variant_id: int):
    variant = _variant_of(request, variant_id)
    error = None
    try:
        if request.POST.get("mode") == "adjust":
            editing.stock_adjust(
                variant=variant, delta=request.POST.get("delta", ""), user=request.user
            )
        else:
            editing.stock_set(
                variant=variant,
                quantity=request.POST.get("quantity", ""),
                user=request.user,
                expected=request.POST.get("expected", ""),
            )
    except EditError as exc:
        error = exc
    _done(request, error, f"库存已更新 Stock updated: {variant.sku}")
    return redirect(_list_url(variant.product.workshop))


@login_required
@require_POST
def price_change(request, variant_id: int):
    variant = _variant_of(request, variant_id)
    error = None
    try:
        shown = request.POST.get("expected_price_fen", "")
        editing.variant_update(
            variant=variant,
            user=request.user,
            price=request.POST.get("price", ""),
            compare_at_price=request.POST.get("compare_at_price", ""),
            expected_price_fen=int(shown) if shown.isdigit() else None,
        )
    except EditError as exc:
        error = exc
    _done(request, error, f"价格已更新 Price updated: {variant.sku}")
    return redirect(_list_url(variant.product.workshop))


@login_required
@require_POST
def publish(request, product_id: int):
    product = _product_of(request, product_id)
    published = request.POST.get("published") == "1"
    editing.product_set_published(
        product=product, user=request.user, published=published
    )
    _done(
        request,
        None,
        "已上架 Published" if published else "已下架 Unpublished",
    )
    return redirect(_list_url(product.workshop))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request, product_id: int):
    product = _product_of(request, product_id)
    status = 200
    text_form = ProductTextForm(
        initial={name: getattr(product, name) for name in editing.TEXT_FIELDS}
    )
    photo_form = PhotoForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "photo":
            photo_form = PhotoForm(request.POST, request.FILES)
            if photo_form.is_valid():
                upload = photo_form.cleaned_data["photo"]
                try:
                    # Refused before it is read into memory; the pipeline
                    # checks the same cap again as it decodes.
                    if upload.size > settings.IMAGE_MAX_BYTES:
                        raise EditError(
                            editing.EditErrorCode.IMAGE_TOO_LARGE, field="photo"
                        )
                    editing.product_photo_add(
                        product=product, user=request.user, data=upload.read()
                    )
                except EditError as exc:
                    photo_form.add_error("photo", exc.message)
                else:
                    messages.success(request, "照片已添加 Photo added")
                    return redirect(_edit_url(product))
        elif action == "photo_remove":
            try:
                editing.product_photo_remove(
                    product=product,
                    user=request.user,
                    image_id=int(request.POST.get("image", "0") or 0),
                )
            except (EditError, ValueError):
                raise Http404("no such photo") from None
            messages.success(request, "照片已删除 Photo removed")
            return redirect(_edit_url(product))
        else:
            text_form = ProductTextForm(request.POST)
            if text_form.is_valid():
                try:
                    editing.product_update(
                        product=product, user=request.user, **text_form.cleaned_data
                    )
                except EditError as exc:
                    field = exc.field if exc.field in text_form.fields else None
                    text_form.add_error(field, exc.message)
                else:
                    messages.success(request, "已保存 Saved")
                    return redirect(_edit_url(product))
        status = 400
    return private_page(
        render(
            request,
            "web/workshop_products/edit.html",
            {
                "product": product,
                "workshop": product.workshop,
                "text_form": text_form,
                "photo_form": photo_form,
                "images": product.images.all(),
                "history": editing.product_history(product)[:200],
            },
            status=status,
        )
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def product_new(request):
    workshop, _ = current_workshop(request)
    creatable = [
        brand.pk
        for brand in workshop.brands.all()
        if user_can(
            request.user,
            Action.CREATE_PRODUCT,
            Product(workshop_id=workshop.pk, brand_id=brand.pk),
        )
    ]
    if not creatable:
        raise PermissionDenied("may not create products in this workshop")
    brands = workshop.brands.filter(pk__in=creatable).order_by("name")
    form = CreateForm(request.POST or None, brands=brands)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                product = editing.product_create(
                    new=NewProduct(
                        workshop=workshop,
                        brand=data["brand"],
                        product_code=data["product_code"],
                        name=data["name"],
                        name_en=data["name_en"],
                        category=data["category"],
                        sku=data["sku"],
                        variant_name=data["variant_name"],
                        price=data["price"],
                        quantity=data["quantity"],
                        description=data["description"],
                    ),
                    user=request.user,
                )
            except EditError as exc:
                field = exc.field if exc.field in form.fields else None
                if exc.field == "delta":
                    field = "quantity"
                form.add_error(field, exc.message)
            else:
                messages.success(request, "商品已创建 Product created")
                return redirect(_edit_url(product))
    return private_page(
        render(
            request,
            "web/workshop_products/new.html",
            {"workshop": workshop, "form": form},
            status=status,
        )
    )
