from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from django.views.static import serve

from config.health import healthz
from storefront.accounts.views import jwks_view
from storefront.graphql.view import StorefrontGraphQLView

admin.site.site_header = "共富工坊 运营后台 · Operator admin"
admin.site.site_title = "共富工坊 admin"

urlpatterns = [
    path("healthz", healthz),
    path(".well-known/jwks.json", jwks_view, name="jwks"),
    # Its name makes the admin's login page show "forgotten your password?";
    # operators reset through the same page as everyone else.
    path(
        "admin/password_reset/",
        RedirectView.as_view(pattern_name="web:password-reset"),
        name="admin_password_reset",
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # GraphQL is an API for Relay clients that authenticate with the session
    # cookie and send JSON; CSRF exemption is safe only because the view refuses
    # form-encoded POSTs (which a cross-site form could send).
    path("graphql/", csrf_exempt(StorefrontGraphQLView.as_view())),
    path("payments/", include("storefront.payments.urls")),
    path("workshop/import/", include("catalog_import.urls")),
    path("workshop/products/", include("storefront.web.workshop_products_urls")),
    path("workshop/", include("storefront.web.workshop_urls")),
    path("revenue/", include("revenue.urls")),
    path("account/", include("storefront.web.account_urls")),
    path("", include("storefront.links.urls")),
    path("", include("storefront.web.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    ]

handler404 = "storefront.web.views.errors.not_found"
handler500 = "storefront.web.views.errors.server_error"
