"""The local Stripe stand-in: localstripe, patched and extended for the shop.

`make run` (without STRIPE_SECRET_KEY), docker-compose.yml and the test suite
start it with ``python -m devtools.stripe_stand_in``; it needs the
``stand-in`` extra (``pip install -e '.[stand-in]'``, part of ``dev``).

- launcher.py: the server and its command line, and the patches to localstripe;
- connect.py: the Stripe Connect routes (accounts, transfers) it adds;
- confirm.js: the ``confirmCardPayment`` appended to localstripe's Stripe.js.
"""
