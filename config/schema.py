import graphene

from storefront.graphql.accounts import AccountMutations, AccountQuery
from storefront.graphql.address_rules import AddressRulesQuery
from storefront.graphql.aftersales import ReturnRequestMutations, ReturnRequestQuery
from storefront.graphql.attributes import ATTRIBUTE_TYPES
from storefront.graphql.channels import ChannelQuery
from storefront.graphql.checkout import CheckoutMutations
from storefront.graphql.checkout_types import CheckoutQuery
from storefront.graphql.imports import ImportMutations, ImportQuery
from storefront.graphql.links import LinkMutations, LinksQuery
from storefront.graphql.menus import MenuQuery
from storefront.graphql.orders import OrderMutations, OrderQuery
from storefront.graphql.pages import PageQuery
from storefront.graphql.products_edit import ProductEditMutations
from storefront.graphql.queries import StorefrontQuery
from storefront.graphql.revenue import RevenueQuery
from storefront.graphql.workshop import WorkshopMutations, WorkshopQuery


# graphene lists the fields of the last base first.
class Query(
    ChannelQuery,
    AccountQuery,
    ReturnRequestQuery,
    WorkshopQuery,
    LinksQuery,
    RevenueQuery,
    ImportQuery,
    OrderQuery,
    CheckoutQuery,
    AddressRulesQuery,
    MenuQuery,
    PageQuery,
    StorefrontQuery,
    graphene.ObjectType,
):
    pass


class Mutation(
    AccountMutations,
    ReturnRequestMutations,
    ProductEditMutations,
    WorkshopMutations,
    LinkMutations,
    ImportMutations,
    OrderMutations,
    CheckoutMutations,
    graphene.ObjectType,
):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation, types=ATTRIBUTE_TYPES)
