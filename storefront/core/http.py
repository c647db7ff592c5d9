"""Response helpers every layer's views share."""


def private_page(response):
    """`response` marked as one person's page (their orders, statements,
    links, imports): search engines neither index it nor follow its links."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
