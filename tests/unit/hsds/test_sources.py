"""Reading inputs: JSON shapes, CSV checks, and zip limits (bombs, escaping paths, too many files)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from referral.hsds import sources
from referral.hsds.tabular import COLUMNS, RESOURCES, CsvProblem, read_rows
from tests.integration.hsds.helpers import official


def _zip(members: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


DESCRIPTOR = json.dumps({"resources": [{"name": "organization", "path": "organizations.csv"}]}).encode()


def test_the_csv_columns_are_those_of_the_official_tabular_schema() -> None:
    tabular = json.loads((official() / "schema" / "compiled" / "tabular.json").read_text(encoding="utf-8"))
    official_tables = sorted(
        tabular["properties"].items(), key=lambda kv: kv[1]["items"]["datapackage_metadata"]["order"]
    )
    expected = [
        (
            name,
            spec["items"]["path"],
            tuple(k for k, p in spec["items"]["properties"].items() if p.get("type") not in ("array", "object")),
        )
        for name, spec in official_tables
    ]
    assert list(RESOURCES) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"id,name,colour\n1,a,red\n", "unknown column(s) 'colour'"),
        (b'id,name\n1,"unterminated\n', "not well-formed CSV"),
        (b"id,name\n1,a,b\n", "has 3 values for 2 columns"),
        (b"id,name\n1,caf\xe9\n", "is not UTF-8"),
        (b"name\nx\n", "the id column is missing"),
    ],
)
def test_a_bad_csv_file_is_refused_naming_file_row_and_field(content, message) -> None:
    with pytest.raises(CsvProblem) as caught:
        list(read_rows("organizations.csv", io.BytesIO(content)))
    assert message in str(caught.value) and caught.value.file == "organizations.csv"


def test_json_pages_lists_and_single_objects_are_all_read() -> None:
    org = {"id": "o1", "name": "A", "description": "", "services": [{"id": "s1", "name": "S", "status": "active"}]}
    for data in (org, [org], {"contents": [org], "total_items": 1}, [{"contents": [org]}]):
        source = sources.JsonSource("x.json", data)
        service = next(source.rows("service"))
        assert service.data["organization_id"] == "o1" and service.where.object.endswith("services[0]")


def test_duplicate_top_level_ids_are_reported() -> None:
    source = sources.JsonSource("x.json", [{"id": "o1", "name": "A"}, {"id": "o1", "name": "B"}])
    assert source.duplicates and "duplicate organization id 'o1'" in source.duplicates[0][1]


@pytest.mark.parametrize(
    ("members", "limit", "message"),
    [
        ({"datapackage.json": DESCRIPTOR, "organizations.csv": b"id,name\n" + b"0" * 5000}, 1000, "the limit"),
        ({"datapackage.json": DESCRIPTOR, "../evil.csv": b"id\n"}, 10**6, "outside the package"),
        ({"datapackage.json": DESCRIPTOR, **{f"f{i}.txt": b"" for i in range(101)}}, 10**6, "holds 102 files"),
        ({"organizations.csv": b"id,name\n"}, 10**6, "no datapackage.json"),
        ({"datapackage.json": DESCRIPTOR, "organizations.csv": b"id\n", "extra.csv": b"id\n"}, 10**6, "unknown file"),
    ],
)
def test_unsafe_or_foreign_zips_are_refused(members, limit, message) -> None:
    with pytest.raises(sources.SourceError) as caught:
        source = sources.open_zip("up.zip", _zip(members), limit)
        list(source.rows("organization"))
    assert message in str(caught.value)


def test_a_zip_within_the_limits_is_read_and_every_byte_unpacked_is_counted() -> None:
    rows = b"".join(f"{i},name {i * 7919 % 100_003}\n".encode() for i in range(200_000))  # deflates ~3 times
    buffer = _zip({"datapackage.json": DESCRIPTOR, "organizations.csv": b"id,name\n" + rows})
    archive = zipfile.ZipFile(buffer)
    info = archive.getinfo("organizations.csv")
    declared = info.file_size
    assert declared > 1_000_000  # the real size; the budget counts what is actually read
    source = sources.open_zip("big.zip", io.BytesIO(buffer.getvalue()), declared + len(DESCRIPTOR))
    assert sum(1 for _ in source.rows("organization")) == 200_000
    budget = sources._Budget("big.zip", 1000)
    with pytest.raises(sources.SourceError, match="more bytes than the limit"):
        budget.wrap(archive, info).read()


def test_every_table_has_columns() -> None:
    assert all(COLUMNS[t][0] == "id" for t in COLUMNS)
