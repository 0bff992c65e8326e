"""The root of numbast's errors, and the IR stage's own.

Every error numbast reports to a user derives from `NumbastError`: the command lines catch it
and show `str(exc)`, one line naming the file and line or the JSON path, with no traceback
(unless --debug). Each stage has one subclass: `IRError` here, `FrontendError`, `EmitError`,
and the command lines' `ToolError`. (The bindings runtime, copied beside generated modules,
imports nothing of numbast: its `CompileError` and `LinkError` are its own.)
"""


class NumbastError(Exception):
    """An error of the user's input or environment; `str()` is one line for the user."""


class IRError(NumbastError):
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
