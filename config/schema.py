import graphene

from storefront.graphql.queries import StorefrontQuery


class Query(StorefrontQuery, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query)
