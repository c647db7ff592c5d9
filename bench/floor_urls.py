"""The shop's URLconf plus the two floor views (bench.floor_settings only).

The floor is what any Django view costs on this server configuration: the
hello view touches nothing, the read view reads one row through the ORM over
the persistent connection. A page's figures divided by these show what the
page itself adds, whatever else the machine is doing.
"""

from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from bench.floor import HELLO_PATH, READ_PATH
from config import urls as shop_urls


@never_cache
@require_safe
def hello(request):
    return HttpResponse("hello", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def one_read(request):
    # One indexed row (the unique app_label+model index), present after migrate.
    pk, model = (
        ContentType.objects.filter(app_label="auth", model="user")
        .values_list("pk", "model")
        .get()
    )
    return HttpResponse(f"{model} {pk}", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path(HELLO_PATH, hello),
    path(READ_PATH, one_read),
    path("", include(shop_urls)),
]

handler404 = shop_urls.handler404
handler500 = shop_urls.handler500
