"""The one error this package raises for bad client input."""


class QueryError(ValueError):
    """A query parameter (``filter``, an attribute selector, a paging marker) is invalid.

    The message is written for the API client: it names the parameter and the
    offending part, so the API layer can put it unchanged into the ``detail`` of a
    400 ProblemDetails.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
