"""The command lines' one exception type."""

from numbast.ir.errors import NumbastError


class ToolError(NumbastError):
    """A command line was asked for something its inputs cannot give (a graph root not in
    the document, two IR files dumped for different targets)."""
