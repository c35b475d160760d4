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
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, Callable, Iterator

from referral.hsds.report import Where
from referral.hsds.tabular import TABLES, CsvProblem, read_rows

MAX_MEMBERS = 100  # a package has 22 files; many more is not an HSDS package
MAX_UNZIPPED = 2 * 1024**3  # bytes, all members together


class SourceError(ValueError):
    """The input cannot be read at all; ``where`` says which file (and row or field)."""

    def __init__(self, where: Where, message: str):
        super().__init__(f"{where.describe()}: {message}")
        self.where, self.message = where, message


@dataclass(frozen=True)
class Record:
    table: str
    where: Where
    data: dict[str, Any]


class Source:
    """Rows by table; ``rows`` may be called once per table, in any order."""

    name: str
    notes: list[tuple[Where, str]]

    def tables(self) -> list[str]:
        raise NotImplementedError

    def rows(self, table: str) -> Iterator[Record]:
        raise NotImplementedError

    def estimate(self, tables: tuple[str, ...] = ("organization", "location", "service")) -> int:
        """About how many rows ``tables`` hold (for a progress bar)."""
        return sum(sum(1 for _ in self.rows(t)) for t in tables if t in self.tables())


class JsonSource(Source):
    """Nested HSDS JSON flattened into tables (repeated nested copies of one object are merged)."""

    def __init__(self, name: str, data: Any):
        self.name, self.notes = name, []
        self._tables: dict[str, dict[str, Record]] = {}
        self._anonymous: dict[str, list[Record]] = {}
        self.duplicates: list[tuple[Where, str]] = []
        top_ids: dict[tuple[str, str], Where] = {}
        for path, obj in _top_objects(name, data):
            kind = _kind_of(obj)
            where = Where(name, object=path)
            key = (kind, str(obj.get("id")))
            if obj.get("id") is not None and key in top_ids:
                self.duplicates.append((where.at("id"), f"duplicate {kind} id {obj['id']!r} "
                                                        f"(also at {top_ids[key].object})"))
                continue
            top_ids[key] = where
            _FLATTEN[kind](self, obj, path, {})

    def tables(self) -> list[str]:
        return sorted(set(self._tables) | set(self._anonymous))

    def rows(self, table: str) -> Iterator[Record]:
        yield from self._tables.get(table, {}).values()
        yield from self._anonymous.get(table, [])

    def add(self, table: str, obj: dict[str, Any], path: str, parents: dict[str, Any]) -> dict[str, Any]:
        """Record the scalar fields of ``obj`` (plus parent ids) as a row of ``table``."""
        row = {k: v for k, v in obj.items() if not isinstance(v, (dict, list))}
        for key, value in parents.items():
            row.setdefault(key, value)
        record = Record(table, Where(self.name, object=path), row)
        if row.get("id") is None:
            self._anonymous.setdefault(table, []).append(record)
            return row
        known = self._tables.setdefault(table, {}).get(str(row["id"]))
        if known is None:
            self._tables[table][str(row["id"])] = record
            return row
        for key, value in row.items():
            if known.data.get(key) is None:
                known.data[key] = value
        return known.data


def _top_objects(name: str, data: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        data = data["contents"]
    elif isinstance(data, list) and data and all(isinstance(p, dict) and "contents" in p for p in data):
        data = [(i, j, o) for i, page in enumerate(data) for j, o in enumerate(page["contents"])]
        for i, j, obj in data:
            yield from _checked(name, f"$[{i}].contents[{j}]", obj)
        return
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise SourceError(Where(name), "expected HSDS objects: a list, an object, or API pages with contents")
    for i, obj in enumerate(data):
        yield from _checked(name, f"$[{i}]", obj)


def _checked(name: str, path: str, obj: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(obj, dict):
        raise SourceError(Where(name, object=path), f"expected an HSDS object, not {type(obj).__name__}")
    yield path, obj


def _kind_of(obj: dict[str, Any]) -> str:
    """organization, service or service_at_location, by the fields only that kind has."""
    if "status" in obj or "service_at_locations" in obj or "organization" in obj:
        return "service"
    if "location_id" in obj or "service_id" in obj or "location" in obj or "service" in obj:
        return "service_at_location"
    return "organization"


def _children(source: JsonSource, obj: dict[str, Any], path: str, key: str) -> Iterator[tuple[str, dict]]:
    value = obj.get(key)
    if value is None:
        return
    if not isinstance(value, list):
        source.duplicates.append((Where(source.name, object=path, field=key), "must be a list of objects"))
        return
    for i, child in enumerate(value):
        if isinstance(child, dict):
            yield f"{path}.{key}[{i}]", child
        else:
            source.duplicates.append((Where(source.name, object=f"{path}.{key}[{i}]"), "must be an object"))


def _leaves(source: JsonSource, obj: dict, path: str, parents: dict, plan: dict[str, str]) -> None:
    """Children that are plain rows of another table (with their own phones and languages)."""
    for key, table in plan.items():
        for child_path, child in _children(source, obj, path, key):
            row = source.add(table, child, child_path, parents)
            if table in ("phone", "contact"):
                own = {"phone_id" if table == "phone" else "contact_id": row.get("id"), **parents}
                _leaves(source, child, child_path, own, {"languages": "language", "phones": "phone"})
            if table == "attribute":
                _taxonomy_term(source, child, child_path, row)


def _taxonomy_term(source: JsonSource, attribute: dict, path: str, row: dict) -> None:
    term = attribute.get("taxonomy_term")
    if isinstance(term, dict):
        detail = term.get("taxonomy_detail")
        if isinstance(detail, dict):
            source.add("taxonomy", detail, f"{path}.taxonomy_term.taxonomy_detail", {})
        term_row = source.add("taxonomy_term", term, f"{path}.taxonomy_term",
                              {"taxonomy_id": detail.get("id")} if isinstance(detail, dict) else {})
        row.setdefault("taxonomy_term_id", term_row.get("id"))


COMMON = {"attributes": "attribute", "metadata": "metadata"}


def _organization(source: JsonSource, obj: dict, path: str, parents: dict) -> None:
    row = source.add("organization", obj, path, {})
    own = {"organization_id": row.get("id")}
    _leaves(source, obj, path, own, {"phones": "phone", "contacts": "contact", "funding": "funding",
                                     "programs": "program", "organization_identifiers": "organization_identifier"})
    _leaves(source, obj, path, {"link_id": row.get("id"), "link_entity": "organization"}, COMMON)
    for child_path, child in _children(source, obj, path, "locations"):
        _location(source, child, child_path, own)
    for child_path, child in _children(source, obj, path, "services"):
        _service(source, child, child_path, own)


def _location(source: JsonSource, obj: dict, path: str, parents: dict) -> None:
    row = source.add("location", obj, path, parents)
    own = {"location_id": row.get("id")}
    _leaves(source, obj, path, own, {"addresses": "address", "languages": "language", "phones": "phone",
                                     "schedules": "schedule", "accessibility": "accessibility",
                                     "contacts": "contact"})
    _leaves(source, obj, path, {"link_id": row.get("id"), "link_entity": "location"}, COMMON)


def _service(source: JsonSource, obj: dict, path: str, parents: dict) -> None:
    organization = obj.get("organization")
    if isinstance(organization, dict):
        _organization(source, organization, f"{path}.organization", {})
        parents = {"organization_id": organization.get("id")}
    row = source.add("service", obj, path, parents)
    own = {"service_id": row.get("id")}
    _leaves(source, obj, path, own, {
        "phones": "phone", "schedules": "schedule", "service_areas": "service_area", "languages": "language",
        "funding": "funding", "cost_options": "cost_option", "required_documents": "required_document",
        "contacts": "contact"})
    _leaves(source, obj, path, {"link_id": row.get("id"), "link_entity": "service"}, COMMON)
    program = obj.get("program")
    if isinstance(program, dict):
        source.add("program", program, f"{path}.program", {"organization_id": row.get("organization_id")})
    for child_path, child in _children(source, obj, path, "service_at_locations"):
        _service_at_location(source, child, child_path, {**own, "organization_id": row.get("organization_id")})


def _service_at_location(source: JsonSource, obj: dict, path: str, parents: dict) -> None:
    service = obj.get("service")
    if isinstance(service, dict):
        _service(source, service, f"{path}.service", {})
        parents = {"service_id": service.get("id"), "organization_id": service.get("organization_id")}
    location = obj.get("location")
    if isinstance(location, dict):
        _location(source, location, f"{path}.location", {"organization_id": parents.get("organization_id")})
    link = {"service_id": parents.get("service_id")}
    if isinstance(location, dict):
        link["location_id"] = location.get("id")
    row = source.add("service_at_location", obj, path, link)
    own = {"service_at_location_id": row.get("id")}
    _leaves(source, obj, path, own, {"phones": "phone", "schedules": "schedule", "contacts": "contact"})
    _leaves(source, obj, path, {"link_id": row.get("id"), "link_entity": "service_at_location"}, COMMON)


_FLATTEN: dict[str, Callable[[JsonSource, dict, str, dict], None]] = {
    "organization": _organization, "service": _service, "service_at_location": _service_at_location,
}


class PackageSource(Source):
    """A tabular data package: CSV files read lazily through ``opener``."""

    def __init__(self, name: str, files: dict[str, Callable[[], IO[bytes]]], datapackage: bytes | None):
        self.name, self.notes = name, []
        if datapackage is None:
            raise SourceError(Where(name), "no datapackage.json: not an HSDS tabular data package")
        self._files = self._resources(name, files, datapackage)

    def _resources(self, name: str, files: dict[str, Callable[[], IO[bytes]]],
                   descriptor: bytes) -> dict[str, tuple[str, Callable[[], IO[bytes]]]]:
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


def open_path(path: Path, max_unzipped: int = MAX_UNZIPPED) -> Source:
    """A Source for a JSON file, a zip file or a package folder."""
    if path.is_dir():
        files = {p.name: (lambda p=p: p.open("rb")) for p in sorted(path.iterdir())
                 if p.is_file() and p.suffix == ".csv"}
        descriptor = path / "datapackage.json"
        return PackageSource(path.name, files, descriptor.read_bytes() if descriptor.is_file() else None)
    if not path.is_file():
        raise SourceError(Where(str(path)), "no such file or folder")
    if zipfile.is_zipfile(path):
        return open_zip(path.name, io.BytesIO(path.read_bytes()), max_unzipped)  # no handle left open
    return open_json(path.name, path.read_bytes())


def open_json(name: str, raw: bytes) -> JsonSource:
    try:
        return JsonSource(name, json.loads(raw.decode("utf-8")))
    except UnicodeDecodeError as error:
        raise SourceError(Where(name), f"is not UTF-8 text (byte {error.start}: {error.reason})") from None
    except json.JSONDecodeError as error:
        raise SourceError(Where(name, row=error.lineno), f"is not well-formed JSON ({error.msg}, "
                                                         f"column {error.colno})") from None


def open_zip(name: str, stream: IO[bytes], max_unzipped: int = MAX_UNZIPPED) -> PackageSource:
    """A package inside a zip, refusing bombs: too many members, too many bytes, escaping paths."""
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as error:
        raise SourceError(Where(name), f"is not a readable zip file ({error})") from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > MAX_MEMBERS:
        raise SourceError(Where(name), f"holds {len(members)} files; a package has at most {MAX_MEMBERS}")
    for member in members:
        if _escapes(member.filename):
            raise SourceError(Where(name, field=member.filename), "a path outside the package")
    declared = sum(m.file_size for m in members)
    if declared > max_unzipped:
        raise SourceError(Where(name), f"unpacks to {declared} bytes; the limit is {max_unzipped}")
    prefix = _package_root(name, [m.filename for m in members])
    budget = _Budget(name, max_unzipped)
    files = {m.filename[len(prefix):]: (lambda m=m: budget.wrap(archive.open(m)))
             for m in members if m.filename.startswith(prefix) and m.filename.endswith(".csv")}
    descriptor = prefix + "datapackage.json"
    raw = budget.wrap(archive.open(descriptor)).read() if descriptor in archive.namelist() else None
    return PackageSource(name, files, raw)


def _package_root(name: str, names: list[str]) -> str:
    """"" when datapackage.json is at the top, "folder/" when it is one folder down."""
    roots = sorted((n[: -len("datapackage.json")] for n in names if n.endswith("datapackage.json")), key=len)
    if roots and roots[0].count("/") <= 1:
        return roots[0]
    raise SourceError(Where(name), "no datapackage.json at the top of the zip (or one folder down)")


class _Budget:
    """Counts bytes actually unpacked: declared sizes in a zip can lie."""

    def __init__(self, name: str, limit: int):
        self.name, self.left = name, limit

    def wrap(self, stream: IO[bytes]) -> IO[bytes]:
        return _Counted(stream, self)  # type: ignore[return-value]

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise SourceError(Where(self.name), "unpacks to more bytes than the limit (a zip bomb?)")


class _Counted(io.BufferedIOBase):
    """A read-only stream that charges every byte read to a _Budget."""

    def __init__(self, inner: IO[bytes], budget: _Budget):
        super().__init__()
        self._inner, self._budget = inner, budget

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self._inner.read(-1 if size is None else size)
        self._budget.spend(len(data))
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size if size >= 0 else 65536)

    def close(self) -> None:
        self._inner.close()
        super().close()
