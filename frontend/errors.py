"""The frontend's one exception type."""


class FrontendError(Exception):
    """A header could not be found, parsed or read; the message is one line for the user."""
