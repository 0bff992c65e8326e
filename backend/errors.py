"""The backend's one exception type."""

from numbast.ir.errors import NumbastError


class EmitError(NumbastError):
    """The IR or the binding config cannot be emitted; `path` is the JSON path of the fault."""

    def __init__(self, message: str, path: str | None = None):
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)
