from django.conf import settings
from django.http import JsonResponse
from graphene_django.views import GraphQLView


class StorefrontGraphQLView(GraphQLView):
    """GraphiQL only with DEBUG; POST bodies must be JSON or application/graphql,
    which browsers cannot send cross-site without a CORS preflight."""

    ACCEPTED_POST_TYPES = {"application/json", "application/graphql"}

    def __init__(self, **kwargs):
        kwargs.setdefault("graphiql", settings.DEBUG)
        super().__init__(**kwargs)

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST":
            content_type = request.content_type.split(";")[0].strip().lower()
            if content_type not in self.ACCEPTED_POST_TYPES:
                return JsonResponse(
                    {
                        "errors": [
                            {
                                "message": "请以 application/json 发送 GraphQL 请求 "
                                "(send GraphQL requests as application/json)",
                                "extensions": {"code": "unsupported_media_type"},
                            }
                        ]
                    },
                    status=415,
                )
        return super().dispatch(request, *args, **kwargs)
