"""The frontend's one exception type."""

from numbast.ir.errors import NumbastError


class FrontendError(NumbastError):
    """A header could not be found, parsed or read; the message is one line for the user."""
