"""The IR stage's one exception type."""


class IRError(Exception):
    """An IR document is malformed, inconsistent or of an unsupported version.

    `path` is the JSON path of the fault (`$.declarations[3].params[0].type`) when known.
    """

    def __init__(self, message: str, path: str | None = None, source: str | None = None):
        self.message = message
        self.path = path
        self.source = source
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ": ".join(p for p in (self.source, self.path) if p)
        return f"{where}: {self.message}" if where else self.message
