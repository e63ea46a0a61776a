"""What every suite gets: the size, the backends, a scratch directory, a logger."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.sizes import Size


@dataclass
class RunContext:
    size: Size
    #: Backends to run on, in order; the first is the one single-backend suites use.
    backends: tuple[str, ...]
    #: True when the user named the backend: then every suite runs on it.
    backend_chosen: bool
    workdir: Path
    load_tool: str
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def logs(self) -> Path:
        return self.workdir / "logs"

    @property
    def full(self) -> bool:
        return self.size.name == "full"

    def say(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)
        self.say(f"note: {message}")

    def every_backend(self) -> tuple[str, ...]:
        return self.backends

    def main_backends(self) -> tuple[str, ...]:
        """Suites whose figures hardly depend on the database run on the first backend
        only, unless ``--full`` or ``--backend`` asks for more."""
        if self.full or self.backend_chosen:
            return self.backends
        return self.backends[:1]
