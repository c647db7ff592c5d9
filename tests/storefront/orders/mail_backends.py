"""Email backends for tests that need something to happen while a message is
being sent (the window between a sender's claim and its mark)."""

from django.core.mail.backends.locmem import EmailBackend


class CorrectsTrackingWhileSending(EmailBackend):
    """Delivers like locmem; during the first send, a manager corrects the
    tracking number of the parcel named by `parcel_id` (set by the test)."""

    parcel_id: int | None = None
    new_number = "4312345678901"

    def send_messages(self, messages):
        cls = type(self)
        if cls.parcel_id is not None:
            from storefront.orders.models import Fulfillment
            from storefront.orders.shipping import fulfillment_tracking_correct

            parcel_id, cls.parcel_id = cls.parcel_id, None
            fulfillment_tracking_correct(
                fulfillment=Fulfillment.objects.get(pk=parcel_id),
                carrier="yunda",
                tracking_number=cls.new_number,
            )
        return super().send_messages(messages)


class RefusesTheSecondMessage(EmailBackend):
    """Delivers the first message of a connection like locmem, then the mail
    server goes away."""

    def send_messages(self, messages):
        self.count = getattr(self, "count", 0) + len(messages)
        if self.count > 1:
            raise ConnectionRefusedError("the mail server went away")
        return super().send_messages(messages)
