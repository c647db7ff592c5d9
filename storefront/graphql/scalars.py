"""Saleor's small shared scalars and enums."""

import graphene
from graphql import GraphQLError


def _positive(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise GraphQLError(f"PositiveInt cannot represent {value!r}")
    return value


class PositiveInt(graphene.Scalar):
    """An integer of 1 or more."""

    serialize = staticmethod(_positive)
    parse_value = staticmethod(_positive)

    @staticmethod
    def parse_literal(node, _variables=None):
        from graphql.language import IntValueNode

        if isinstance(node, IntValueNode):
            return _positive(int(node.value))
        raise GraphQLError("PositiveInt must be an integer")


OrderDirection = graphene.Enum("OrderDirection", [("ASC", "ASC"), ("DESC", "DESC")])


def _positive_decimal(value):
    from decimal import Decimal, InvalidOperation

    if isinstance(value, bool):
        raise GraphQLError(f"PositiveDecimal cannot represent {value!r}")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise GraphQLError(f"PositiveDecimal cannot represent {value!r}") from None
    if not number.is_finite() or number < 0:
        raise GraphQLError(f"PositiveDecimal cannot represent {value!r}")
    return number


class PositiveDecimal(graphene.Scalar):
    """A decimal of 0 or more (Saleor's money inputs: yuan)."""

    serialize = staticmethod(lambda value: float(value))
    parse_value = staticmethod(_positive_decimal)

    @staticmethod
    def parse_literal(node, _variables=None):
        from graphql.language import FloatValueNode, IntValueNode, StringValueNode

        if isinstance(node, (FloatValueNode, IntValueNode, StringValueNode)):
            return _positive_decimal(node.value)
        raise GraphQLError("PositiveDecimal must be a number")
