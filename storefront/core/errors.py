"""The shape every domain error shares: a code from the app's enum, the field it
concerns, and a message in Chinese and in English."""


class DomainError(Exception):
    messages: dict = {}

    def __init__(self, code, *, field: str | None = None, detail: str = ""):
        self.code = code
        self.field = field
        zh, en = self.messages[code]
        if detail:
            zh, en = f"{zh}：{detail}", f"{en}: {detail}"
        self.message_zh, self.message_en = zh, en
        super().__init__(f"{code}: {zh} / {en}")

    @property
    def message(self) -> str:
        """Chinese first, English alongside, as every page shows it."""
        return f"{self.message_zh} / {self.message_en}"
