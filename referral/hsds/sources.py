"""Reading HSDS 3.0 input into rows by table, whatever its form.

Forms: JSON (a list of full organization, service or service_at_location objects, one such object,
or HSDS API pages with ``contents``), and tabular data packages (a folder or a zip of CSV files with
``datapackage.json``). Nested JSON is flattened into the same tables the CSV files hold, with the
parent ids filled in, so that one mapper serves both. CSV files are streamed, never held whole.

Zip files are opened with limits (member count, total uncompressed size, no paths outside the
package) because an upload is untrusted. Depends on the standard library only.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from referral.hsds import legacy
from referral.hsds.json_source import JsonSource, open_json
from referral.hsds.report import Where
from referral.hsds.source import Record, Source, SourceError
from referral.hsds.tabular import TABLES, CsvProblem, read_rows

__all__ = ["JsonSource", "PackageSource", "Record", "Source", "SourceError", "open_json", "open_path", "open_zip"]

MAX_MEMBERS = 100  # a package has 22 files; many more is not an HSDS package
MAX_UNZIPPED = 2 * 1024**3  # bytes, all members together
MAX_RATIO = 200  # unpacked bytes per packed byte: CSV deflates about 5-20 times; a bomb, thousands
RATIO_SLACK = 1 << 20  # bytes a small member may unpack to whatever its ratio (a tiny file compresses well)
READABLE = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
ARCHIVES = (".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar", ".jar")


class PackageSource(Source):
    """A tabular data package: CSV files read lazily through ``opener``."""

    def __init__(self, name: str, files: dict[str, Callable[[], IO[bytes]]], datapackage: bytes | None):
        self.name, self.notes = name, []
        if datapackage is None:
            raise SourceError(Where(name), "no datapackage.json: not an HSDS tabular data package")
        self._files = self._resources(name, files, datapackage)

    def _resources(
        self, name: str, files: dict[str, Callable[[], IO[bytes]]], descriptor: bytes
    ) -> dict[str, tuple[str, Callable[[], IO[bytes]]]]:
        try:
            package = json.loads(descriptor.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise SourceError(Where("datapackage.json"), f"not valid UTF-8 JSON ({error})") from None
        found: dict[str, tuple[str, Callable[[], IO[bytes]]]] = {}
        for i, resource in enumerate(package.get("resources") or []):
            path = resource.get("path") if isinstance(resource, dict) else None
            where = Where("datapackage.json", object=f"resources[{i}]", field="path")
            if not isinstance(path, str) or _escapes(path):
                raise SourceError(where, f"{path!r} is not a file inside the package")
            if path not in files:
                raise SourceError(where, f"names {path}, which the package does not contain")
            if path not in TABLES:
                raise SourceError(where, f"{path} is not an HSDS 3.0 file ({', '.join(sorted(TABLES))})")
            found[TABLES[path]] = (path, files[path])
        for path in sorted(set(files) - {p for p, _ in found.values()}):
            if path in TABLES:
                found[TABLES[path]] = (path, files[path])
                self.notes.append((Where(path), "not listed in datapackage.json; read as its HSDS table"))
            else:
                raise SourceError(Where(path), "unknown file: not an HSDS 3.0 CSV file")
        return found

    def tables(self) -> list[str]:
        return sorted(self._files)

    def estimate(self, tables: tuple[str, ...] = ("organization", "location", "service")) -> int:
        total = 0
        for table in tables:
            if table in self._files:
                with self._files[table][1]() as stream:
                    total += sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b"")) - 1
        return max(total, 0)

    def rows(self, table: str) -> Iterator[Record]:
        if table not in self._files:
            return
        path, opener = self._files[table]
        with opener() as stream:
            try:
                for line, row in read_rows(path, stream):
                    yield Record(table, Where(path, row=line), row)
            except CsvProblem as error:
                raise SourceError(Where(error.file, error.row, field=error.field or None), error.message) from None


def _escapes(path: str) -> bool:
    pure = PurePosixPath(path.replace("\\", "/"))
    return pure.is_absolute() or ".." in pure.parts or path.startswith("/") or ":" in path


def open_path(path: Path, max_unzipped: int = MAX_UNZIPPED, name: str | None = None) -> Source:
    """A Source for a JSON file, a zip file or a package folder (``name``: what reports call it)."""
    name = name or path.name
    if path.is_dir():
        files = {
            p.name: (lambda p=p: p.open("rb")) for p in sorted(path.iterdir()) if p.is_file() and p.suffix == ".csv"
        }
        descriptor = path / "datapackage.json"
        return package_source(name, files, descriptor.read_bytes() if descriptor.is_file() else None)
    if not path.is_file():
        raise SourceError(Where(str(path)), "no such file or folder")
    if zipfile.is_zipfile(path):
        return open_zip(name, io.BytesIO(path.read_bytes()), max_unzipped)  # no handle left open
    return open_json(name, path.read_bytes())


def package_source(name: str, files: dict[str, Callable[[], IO[bytes]]], descriptor: bytes | None) -> Source:
    """A 3.0 package, or a 1.x/2.0 one converted on the way in (``legacy``)."""
    version = legacy.version_of(files, descriptor)
    if version is not None:
        return legacy.LegacySource(name, files, version)
    return PackageSource(name, files, descriptor)


def open_zip(name: str, stream: IO[bytes], max_unzipped: int = MAX_UNZIPPED) -> Source:
    """A package inside a zip, refusing bombs: too many members, too many bytes, escaping paths."""
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as error:
        raise SourceError(Where(name), f"is not a readable zip file ({error})") from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > MAX_MEMBERS:
        raise SourceError(Where(name), f"holds {len(members)} files; a package has at most {MAX_MEMBERS}")
    for member in members:
        _check_member(name, member)
    declared = sum(m.file_size for m in members)
    if declared > max_unzipped:
        raise SourceError(Where(name), f"unpacks to {declared} bytes; the limit is {max_unzipped}")
    prefix = _package_root(name, [m.filename for m in members])
    budget = _Budget(name, max_unzipped)
    files = {
        m.filename[len(prefix) :]: (lambda m=m: budget.wrap(archive, m))
        for m in members
        if m.filename.startswith(prefix) and m.filename.endswith(".csv")
    }
    descriptor = next((m for m in members if m.filename == prefix + "datapackage.json"), None)
    raw = budget.wrap(archive, descriptor).read() if descriptor is not None else None
    return package_source(name, files, raw)


def _check_member(name: str, member: zipfile.ZipInfo) -> None:
    """Refuse, before anything is unpacked: escaping paths, nested archives, encrypted or unknown
    compression, and ratios no CSV file has (the declared sizes; the bytes are counted as read too)."""
    where = Where(name, field=member.filename)
    if _escapes(member.filename):
        raise SourceError(where, "a path outside the package")
    if member.filename.lower().endswith(ARCHIVES):
        raise SourceError(where, "an archive inside the archive: nested archives are not read")
    if member.flag_bits & 0x1:
        raise SourceError(where, "is encrypted: send the package unencrypted")
    if member.compress_type not in READABLE:
        raise SourceError(where, f"uses a compression method ({member.compress_type}) that is not read")
    if member.file_size > _allowed(member.compress_size):
        raise SourceError(
            where,
            f"unpacks {member.file_size} bytes from {member.compress_size}: more than "
            f"{MAX_RATIO} times its packed size (a zip bomb?)",
        )


def _allowed(packed: int) -> int:
    return packed * MAX_RATIO + RATIO_SLACK


def _package_root(name: str, names: list[str]) -> str:
    """ "" when datapackage.json is at the top, "folder/" when it is one folder down."""
    roots = sorted((n[: -len("datapackage.json")] for n in names if n.endswith("datapackage.json")), key=len)
    if roots and roots[0].count("/") <= 1:
        return roots[0]
    raise SourceError(Where(name), "no datapackage.json at the top of the zip (or one folder down)")


class _Budget:
    """Counts bytes actually unpacked, of all members and of each: declared sizes in a zip can lie."""

    def __init__(self, name: str, limit: int):
        self.name, self.left = name, limit

    def wrap(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> IO[bytes]:
        try:
            stream = archive.open(member)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as error:
            raise SourceError(Where(self.name, field=member.filename), f"cannot be unpacked ({error})") from None
        return _Counted(stream, self, member)  # type: ignore[return-value]  # a BufferedIOBase is a binary IO; typeshed's IO[bytes] is a separate protocol

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise SourceError(Where(self.name), "unpacks to more bytes than the limit (a zip bomb?)")


class _Counted(io.BufferedIOBase):
    """A read-only stream that charges every byte read to a _Budget and to its member's own limit
    (its packed size times MAX_RATIO); a corrupt member is a SourceError, not a crash."""

    def __init__(self, inner: IO[bytes], budget: _Budget, member: zipfile.ZipInfo):
        super().__init__()
        self._inner, self._budget, self._member = inner, budget, member
        self._left = _allowed(member.compress_size)

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        try:
            data = self._inner.read(-1 if size is None or size < 0 else min(size, self._left + 1))
        except Exception as error:
            raise SourceError(
                Where(self._budget.name, field=self._member.filename),
                f"cannot be unpacked ({str(error)[:200] or type(error).__name__})",
            ) from None
        self._left -= len(data)
        if self._left < 0:
            raise SourceError(
                Where(self._budget.name, field=self._member.filename),
                f"unpacks to more than {MAX_RATIO} times its packed size (a zip bomb?)",
            )
        self._budget.spend(len(data))
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size if size >= 0 else 65536)

    def close(self) -> None:
        self._inner.close()
        super().close()
