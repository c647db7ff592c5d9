"""Saleor's metadata: `ObjectWithMetadata` (metadata, metafield, ...) and
`updateMetadata(id, input)`, which this shop serves for checkouts only
(the storefront's checkoutMetadataUpdate): a checkout keeps the client's
key/value pairs in Checkout.metadata. Private metadata is staff-only in
Saleor and is always empty here."""

import graphene
from graphene.types.generic import GenericScalar
from graphql_relay import from_global_id

from storefront.checkout.errors import CheckoutError
from storefront.checkout.extras import checkout_metadata_update
from storefront.checkout.models import Checkout

from .checkout_errors import bad_id, token_argument
from .inputs import NUL_MESSAGE


class MetadataScalar(GenericScalar):
    class Meta:
        name = "Metadata"


class MetadataItem(graphene.ObjectType):
    key = graphene.String(required=True)
    value = graphene.String(required=True)


class MetadataInput(graphene.InputObjectType):
    key = graphene.String(required=True)
    value = graphene.String(required=True)


def _items(data: dict) -> list[MetadataItem]:
    return [MetadataItem(key=k, value=v) for k, v in sorted((data or {}).items())]


def _picked(data: dict, keys) -> dict:
    data = data or {}
    if keys is None:
        return dict(data)
    return {key: data[key] for key in keys if key in data}


# graphene type for each model that has metadata (filled by the types).
TYPE_OF_MODEL: dict[type, type] = {}


class ObjectWithMetadata(graphene.Interface):
    private_metadata = graphene.List(graphene.NonNull(MetadataItem), required=True)
    private_metafield = graphene.String(key=graphene.String(required=True))
    private_metafields = graphene.Field(
        MetadataScalar, keys=graphene.List(graphene.NonNull(graphene.String))
    )
    metadata = graphene.List(graphene.NonNull(MetadataItem), required=True)
    metafield = graphene.String(key=graphene.String(required=True))
    metafields = graphene.Field(
        MetadataScalar, keys=graphene.List(graphene.NonNull(graphene.String))
    )

    @classmethod
    def resolve_type(cls, instance, info):
        return TYPE_OF_MODEL.get(type(instance))

    # The value behind it has a `metadata` dict (or none: empty).
    def resolve_metadata(self, info):
        return _items(getattr(self, "metadata", None))

    def resolve_metafield(self, info, key):
        return (getattr(self, "metadata", None) or {}).get(key)

    def resolve_metafields(self, info, keys=None):
        return _picked(getattr(self, "metadata", None), keys)

    def resolve_private_metadata(self, info):
        return []

    def resolve_private_metafield(self, info, key):
        return None

    def resolve_private_metafields(self, info, keys=None):
        return {}


MetadataErrorCode = graphene.Enum(
    "MetadataErrorCode",
    [(c, c) for c in ("GRAPHQL_ERROR", "INVALID", "NOT_FOUND", "REQUIRED")],
)


class MetadataError(graphene.ObjectType):
    field = graphene.String()
    message = graphene.String()
    code = graphene.Field(MetadataErrorCode, required=True)


def _error(code, field, zh, en):
    return MetadataError(code=code, field=field, message=f"{zh} / {en}")


class UpdateMetadata(graphene.Mutation):
    """Adds or updates a checkout's metadata (the only object type whose
    metadata a client may write here)."""

    class Arguments:
        id = graphene.ID(required=True)
        input = graphene.List(graphene.NonNull(MetadataInput), required=True)

    metadata_errors = graphene.List(
        graphene.NonNull(MetadataError),
        required=True,
        deprecation_reason="Use `errors` field instead.",
    )
    errors = graphene.List(graphene.NonNull(MetadataError), required=True)
    item = graphene.Field(ObjectWithMetadata)

    @classmethod
    def fail(cls, error):
        return cls(errors=[error], metadata_errors=[error], item=None)

    @classmethod
    def mutate(cls, root, info, id, input):
        # Imported here: checkout_types imports this module for the interface.
        from .checkout_types import checkout_for

        try:
            type_name, _ = from_global_id(id)
        except Exception:
            type_name = None
        if type_name != "Checkout":
            if type_name:
                return cls.fail(
                    _error(
                        "INVALID",
                        "id",
                        "只有购物车可以写入元数据",
                        f"Metadata of a {type_name} cannot be changed here; "
                        "only a Checkout's",
                    )
                )
            return cls.fail(
                _error("INVALID", "id", bad_id("id").message_zh, "Couldn't resolve id")
            )
        token = token_argument(id=id)
        checkout = checkout_for(info, token)
        if checkout is None:
            return cls.fail(
                _error("NOT_FOUND", "id", "购物车不存在", "Checkout not found")
            )
        pairs = {}
        for index, item in enumerate(input):
            key = (item.key or "").strip()
            if not key:
                return cls.fail(
                    _error(
                        "REQUIRED",
                        f"input.{index}.key",
                        "键不能为空",
                        "Key is required",
                    )
                )
            if "\x00" in key or "\x00" in (item.value or ""):
                error = MetadataError(
                    code="INVALID", field=f"input.{index}", message=NUL_MESSAGE
                )
                return cls.fail(error)
            pairs[key] = item.value
        try:
            checkout = checkout_metadata_update(checkout=checkout, items=pairs)
        except CheckoutError as exc:
            return cls.fail(
                MetadataError(code="INVALID", field="input", message=exc.message)
            )
        except Checkout.DoesNotExist:
            return cls.fail(
                _error("NOT_FOUND", "id", "购物车不存在", "Checkout not found")
            )
        return cls(errors=[], metadata_errors=[], item=checkout)


class MetadataMutations(graphene.ObjectType):
    update_metadata = UpdateMetadata.Field()
