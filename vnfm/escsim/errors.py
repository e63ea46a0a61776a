"""The one error type of the simulator: a request ESC would refuse."""

from __future__ import annotations


class SimError(Exception):
    """ESC's refusal: the HTTP ``status`` and ESC's ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
