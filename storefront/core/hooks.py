"""The steps a lower package announces and a higher one follows up.

Layers only point down (docs/architecture.md): orders may not import revenue,
brands may not import the catalog. When a lower step must trigger a higher
one (an order is paid → split its revenue), the lower package calls a hook
named here and the higher package registers its follow-up in its
AppConfig.ready(). Unlike Django signals, every hook is declared in this one
module with the arguments it passes, receivers run in registration order,
and an exception in a receiver reaches the caller.
"""

from collections.abc import Callable
from typing import Any


class Hook:
    def __init__(self, name: str, doc: str):
        self.name = name
        self.__doc__ = doc
        self._receivers: list[Callable[..., Any]] = []

    def register(self, receiver: Callable[..., Any]) -> Callable[..., Any]:
        """Add `receiver` (once, however often the app registry is readied)."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def __call__(self, **kwargs) -> list[Any]:
        return [receiver(**kwargs) for receiver in self._receivers]

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._receivers)} receiver(s)>"


order_paid = Hook(
    "order_paid",
    "order=: an order has just been marked paid, inside its transaction. "
    "Revenue schedules the split (on commit).",
)

order_refunding = Hook(
    "order_refunding",
    "order=: a refund of this paid order is about to be asked of Stripe, "
    "under no lock. Revenue splits the order now if it has not yet, so "
    "that whatever would stop the split stops the refund first.",
)

refund_booked = Hook(
    "refund_booked",
    "refund=: a refund has been booked on its order, inside the "
    "transaction that books it. Revenue reverses the order's split in "
    "proportion.",
)

organisation_changed = Hook(
    "organisation_changed",
    "brand_ids=, workshop_ids=, village_ids=: the names or standing of "
    "these brands, workshops or villages changed (any may be empty). The "
    "catalog rebuilds the search text of their products and drops its "
    "cached pages.",
)

order_credit = Hook(
    "order_credit",
    "attribution=, buyer=, email=: an order is being placed with this "
    "host-link tap or live-room visit (a core.attribution.Attribution, or "
    "None) by this buyer (None for a guest) giving this email, under "
    "the checkout lock. Links returns the order fields it credits "
    "({host_id, host_link_id, live_session_id}), or {} for none.",
)

admin_changed = Hook(
    "admin_changed",
    "model=: a platform operator added, changed or deleted rows of this "
    "model in the admin (brands.admin.OperatorOnlyAdmin), any of which a "
    "public page may show. The catalog drops its cached pages.",
)
