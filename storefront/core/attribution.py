"""The value a host-link tap or a live-room visit leaves with a visitor.
Links records and reads it; the order is placed with it and asks
`hooks.order_credit` what it is worth, so the packages below links can carry
it without importing links."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Attribution:
    link_id: int | None  # None: a live-room visit, not a link tap
    host_id: int
    live_session_id: int | None
    clicked_at: int  # unix seconds

    def as_value(self) -> str:
        session = self.live_session_id or 0
        return f"{self.link_id or 0}:{self.host_id}:{session}:{self.clicked_at}"

    @classmethod
    def from_value(cls, value: str) -> "Attribution | None":
        try:
            link, host, session, clicked = (int(part) for part in value.split(":"))
        except (ValueError, AttributeError):
            return None
        if not (link or session):
            return None
        return cls(link or None, host, session or None, clicked)
