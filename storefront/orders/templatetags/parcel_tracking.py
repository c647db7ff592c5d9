"""A parcel's carrier name and tracking link, for the pages that show them."""

from django import template

from storefront.orders.carriers import carrier_name as _carrier_name
from storefront.orders.carriers import tracking_url as _tracking_url

register = template.Library()


@register.filter
def carrier_name(fulfillment) -> str:
    return _carrier_name(fulfillment.carrier)


@register.filter
def tracking_url(fulfillment) -> str:
    return _tracking_url(fulfillment.carrier, fulfillment.tracking_number)
