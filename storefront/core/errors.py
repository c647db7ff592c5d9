"""The shape every domain error shares: a code from the app's enum, the field it
concerns, and a message in Chinese and in English."""


class DomainError(Exception):
    messages: dict = {}

    def __init__(
        self, code, *, field: str | None = None, detail: str | tuple[str, str] = ""
    ):
        """`detail` is one text for both languages (a number, a name) or a
        (Chinese, English) pair."""
        self.code = code
        self.field = field
        zh, en = self.messages[code]
        detail_zh, detail_en = detail if isinstance(detail, tuple) else (detail,) * 2
        if detail_zh:
            zh = f"{zh}：{detail_zh}"
        if detail_en:
            en = f"{en}: {detail_en}"
        self.message_zh, self.message_en = zh, en
        super().__init__(f"{code}: {zh} / {en}")

    @property
    def message(self) -> str:
        """Chinese first, English alongside, as every page shows it."""
        return f"{self.message_zh} / {self.message_en}"
