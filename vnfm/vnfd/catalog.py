"""The descriptors this VNFM knows: the bundled samples plus an operator's directory.

The catalog is read at start-up and consulted by vnfdId for every lifecycle
operation.  One broken file in the operator's directory must not take the others
(or the service) down, so load problems are collected in ``Catalog.errors`` for the
CLI to print, instead of being raised.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from vnfm.vnfd.errors import VnfdError
from vnfm.vnfd.model import Vnfd
from vnfm.vnfd.parser import parse_vnfd
from vnfm.vnfd.safeyaml import MAX_CHARS

SAMPLES_DIR = Path(__file__).parent / "samples"
SUFFIXES = (".yaml", ".yml")

# vnfdIds of the bundled samples (see README.md), for tests and examples.
CIRROS_V1_VNFD_ID = "11111111-1111-4111-8111-111111111111"
CIRROS_V2_VNFD_ID = "22222222-2222-4222-8222-222222222222"
LB_WORKER_VNFD_ID = "33333333-3333-4333-8333-333333333333"


def read_vnfd_file(path: Path) -> Vnfd:
    """Parse one descriptor file; every problem, I/O included, is a ``VnfdError``."""
    return parse_vnfd(_read_text(path), str(path))


def _read_text(path: Path) -> str:
    source = str(path)
    try:
        # Check the size before reading, so a huge file is never loaded at all.
        if path.stat().st_size > MAX_CHARS:
            raise VnfdError(source, "", f"larger than {MAX_CHARS} bytes")
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise VnfdError(source, "", "not UTF-8 text") from None
    except OSError as exc:
        raise VnfdError(source, "", f"cannot be read: {exc.strerror or exc}") from None


class Catalog:
    """Descriptors by vnfdId, and where each came from."""

    def __init__(self) -> None:
        self._vnfds: dict[str, Vnfd] = {}
        self._paths: dict[str, Path] = {}
        self.errors: list[str] = []

    @classmethod
    def load(cls, extra_dir: Path | None = None) -> Catalog:
        """The bundled samples, then every ``*.yaml``/``*.yml`` of ``extra_dir``.

        A missing ``extra_dir`` is an empty one (``add_file`` creates it).  A file
        of ``extra_dir`` that does not parse, or reuses a vnfdId with different
        content, is skipped and reported in ``errors``.
        """
        catalog = cls()
        for path in sorted(SAMPLES_DIR.glob("*.yaml")):
            # A broken bundled sample is our bug, not the operator's: let it raise.
            catalog._register(read_vnfd_file(path), path)
        if extra_dir is None or not extra_dir.exists():
            return catalog
        if not extra_dir.is_dir():
            catalog.errors.append(f"{extra_dir}: not a directory")
            return catalog
        for path in sorted(extra_dir.iterdir()):
            if path.suffix not in SUFFIXES or not path.is_file():
                continue
            try:
                vnfd = read_vnfd_file(path)
            except VnfdError as exc:
                catalog.errors.append(str(exc))
                continue
            known = catalog._vnfds.get(vnfd.vnfd_id)
            if known is None:
                catalog._register(vnfd, path)
            elif known != vnfd:
                catalog.errors.append(
                    f"{path}: vnfdId {vnfd.vnfd_id} is already defined, differently, by "
                    f"{catalog._paths[vnfd.vnfd_id]}; this file is ignored"
                )
        return catalog

    def get(self, vnfd_id: str) -> Vnfd | None:
        return self._vnfds.get(vnfd_id)

    def all(self) -> list[Vnfd]:
        """Every descriptor, ordered by vnfdId so listings are stable across restarts."""
        return [self._vnfds[vnfd_id] for vnfd_id in sorted(self._vnfds)]

    def path_of(self, vnfd_id: str) -> Path | None:
        """The file a descriptor was read from."""
        return self._paths.get(vnfd_id)

    def __len__(self) -> int:
        return len(self._vnfds)

    def __contains__(self, vnfd_id: object) -> bool:
        return vnfd_id in self._vnfds

    def add_file(self, path: Path, target_dir: Path) -> Vnfd:
        """Validate ``path``, copy it into ``target_dir`` and make it available.

        Adding a descriptor the catalog already holds with the same content is a
        no-op; the same vnfdId with different content is refused, because running
        instances refer to descriptors by vnfdId alone.
        """
        text = _read_text(path)
        vnfd = parse_vnfd(text, str(path))
        known = self._vnfds.get(vnfd.vnfd_id)
        if known is not None:
            if known != vnfd:
                raise VnfdError(
                    str(path),
                    "",
                    f"vnfdId {vnfd.vnfd_id} already exists with different content "
                    f"(in {self._paths[vnfd.vnfd_id]})",
                )
            return known
        target = target_dir / f"{vnfd.vnfd_id}.yaml"
        # Copy the very text we validated, and publish it atomically: a reader of
        # target_dir (another vnfm process) never sees a half-written file, and
        # os.link, unlike a rename, refuses to replace a file that is already there.
        target_dir.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=target_dir, prefix=".adding-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.link(temp_name, target)
        except FileExistsError:
            raise VnfdError(str(path), "", f"{target} already exists; not overwriting it") from None
        finally:
            Path(temp_name).unlink(missing_ok=True)
        self._register(vnfd, target)
        return vnfd

    def _register(self, vnfd: Vnfd, path: Path) -> None:
        self._vnfds[vnfd.vnfd_id] = vnfd
        self._paths[vnfd.vnfd_id] = path


def add_file(path: Path, target_dir: Path) -> Vnfd:
    """Add one descriptor file to ``target_dir`` (for ``vnfm vnfd add``).

    Checked against the catalog that the samples and ``target_dir`` form now, so a
    vnfdId already there with other content is refused as ``Catalog.add_file`` does.
    """
    return Catalog.load(Path(target_dir)).add_file(Path(path), Path(target_dir))
