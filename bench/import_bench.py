"""HSDS import benchmark: a synthetic tabular package (fixed seed) into a fresh SQLite database.

Prints records per second for the bulk importer beside a naive baseline that adds one ORM object
at a time, the same imports audited record by record (as the API, the web page and the CLI run
them: hsds/audit.py) beside the unaudited ones, and the peak memory of the import. Records are HSDS rows of every table read.

    .venv/bin/python bench/import_bench.py [--records 100000] [--baseline 5000]
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from referral import geocoding, migrate, seeding  # noqa: E402
from referral.app import create_app  # noqa: E402
from referral.db import get_db, make_engine  # noqa: E402
from referral.hsds import importer, sources, writer  # noqa: E402
from referral.hsds.audit import ImportAudit  # noqa: E402
from referral.hsds.tabular import COLUMNS, FILES, datapackage  # noqa: E402
from referral.models import Organization, Service, ServiceAtLocation, ServiceNeed, Site  # noqa: E402
from referral.policy import CLI  # noqa: E402

SEED = 20261130
TERMS = [
    "counseling",
    "crisis intervention",
    "parenting education",
    "Talking therapies",
    "autism support",
    "Money and debt advice",
]
# rows per organization: 1 org, 2 locations, 2 addresses, 2 schedules, 4 services, 4 links, 4 attributes
PER_ORGANIZATION = 19


def generate(folder: Path, records: int) -> int:
    """Write a package of about ``records`` rows; returns the exact count. Streams each row to its
    table's CSV file, so a 1M-service package (4.75M rows) takes no more memory than a small one."""
    import json

    rng = random.Random(SEED)
    ids = (str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in iter(int, 1))
    tables = (
        "organization",
        "location",
        "address",
        "schedule",
        "service",
        "service_at_location",
        "attribute",
        "taxonomy_term",
    )
    folder.mkdir(parents=True, exist_ok=True)
    handles = {t: (folder / FILES[t]).open("w", newline="", encoding="utf-8") for t in tables}
    writers = {t: csv.DictWriter(handles[t], COLUMNS[t], lineterminator="\n") for t in tables}
    count = 0

    def write(table: str, row: dict) -> None:
        nonlocal count
        writers[table].writerow(row)
        count += 1

    for w in writers.values():
        w.writeheader()
    terms = [{"id": next(ids), "name": n, "description": n} for n in TERMS]
    for term in terms:
        write("taxonomy_term", term)
    for o in range(max(1, records // PER_ORGANIZATION)):
        org = next(ids)
        write("organization", {"id": org, "name": f"Organization {o}", "description": "synthetic"})
        sites = []
        for s in range(2):
            site = next(ids)
            sites.append(site)
            write(
                "location",
                {
                    "id": site,
                    "location_type": "physical",
                    "organization_id": org,
                    "name": f"Site {o}.{s}",
                    "latitude": round(31 + rng.random(), 5),
                    "longitude": round(120 + rng.random(), 5),
                },
            )
            write(
                "address",
                {
                    "id": next(ids),
                    "location_id": site,
                    "address_1": f"{o} Main Road",
                    "city": "Synth",
                    "state_province": "",
                    "postal_code": "",
                    "country": "CN",
                    "address_type": "physical",
                },
            )
            write(
                "schedule",
                {
                    "id": next(ids),
                    "location_id": site,
                    "freq": "WEEKLY",
                    "byday": "MO,TU,WE,TH,FR",
                    "opens_at": "09:00",
                    "closes_at": "17:00",
                },
            )
        for v in range(4):
            service = next(ids)
            write(
                "service",
                {
                    "id": service,
                    "organization_id": org,
                    "name": f"Service {o}.{v}",
                    "status": "active",
                    "minimum_age": rng.randint(0, 10),
                    "maximum_age": rng.randint(11, 18),
                },
            )
            write("service_at_location", {"id": next(ids), "service_id": service, "location_id": sites[v % 2]})
            write(
                "attribute",
                {
                    "id": next(ids),
                    "link_id": service,
                    "link_entity": "service",
                    "taxonomy_term_id": rng.choice(terms)["id"],
                },
            )
    for handle in handles.values():
        handle.close()
    (folder / "datapackage.json").write_text(json.dumps(datapackage(tables)), encoding="utf-8")
    return count


def fresh_app(folder: Path):
    return fresh_app_at(folder, f"sqlite:///{folder / 'bench.db'}")


def fresh_app_at(folder: Path, url: str):
    """The app on a migrated database at ``url`` holding the demo taxonomy and gazetteer only."""
    folder.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app({"ENV": "test", "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    region = folder / "region"
    region.mkdir()
    (region / "places.json").write_text(
        (ROOT / "seeds/regions/suzhou-zhenjiang/places.json").read_text("utf-8"), encoding="utf-8"
    )
    (region / "organizations.json").write_text('{"organizations": []}', encoding="utf-8")
    with app.app_context(), get_db().session(write=True) as session:
        seeding.load(session, ROOT / "seeds" / "needs.json", region)
    return app


def bulk(app, package: Path, audit: ImportAudit | None = None) -> tuple[float, object]:
    with app.app_context(), get_db().session(write=True) as session:
        started = time.perf_counter()
        report = importer.run(
            session,
            sources.open_path(package),
            lambda: geocoding.GazetteerGeocoder(writer.places(session)),
            audit=audit,
        )
        return time.perf_counter() - started, report


def naive(app, package: Path) -> float:
    """The baseline: the same rows as ORM objects, added and flushed one at a time."""
    source = sources.open_path(package)
    with app.app_context(), get_db().session(write=True) as session:
        started = time.perf_counter()
        org_of = {}
        for record in source.rows("organization"):
            d = record.data
            session.add(Organization(id=d["id"], name=d["name"], description=d["description"], kind="other"))
            session.flush()
        for record in source.rows("location"):
            d = record.data
            org_of[d["id"]] = d["organization_id"]
            session.add(
                Site(
                    id=d["id"],
                    organization_id=d["organization_id"],
                    name=d["name"],
                    kind="other",
                    latitude=float(d["latitude"]),
                    longitude=float(d["longitude"]),
                )
            )
            session.flush()
        for record in source.rows("service"):
            d = record.data
            session.add(
                Service(
                    id=d["id"],
                    organization_id=d["organization_id"],
                    name=d["name"],
                    modes=["in_person"],
                    minimum_age=float(d["minimum_age"]),
                    maximum_age=float(d["maximum_age"]),
                )
            )
            session.flush()
        for record in source.rows("service_at_location"):
            d = record.data
            session.add(
                ServiceAtLocation(
                    id=d["id"],
                    service_id=d["service_id"],
                    site_id=d["location_id"],
                    organization_id=org_of[d["location_id"]],
                )
            )
            session.flush()
        for record in source.rows("attribute"):
            session.add(ServiceNeed(service_id=record.data["link_id"], need_code="mental_health.counseling"))
            session.flush()
        session.commit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=5_000, help="records for the naive baseline")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        count = generate(base / "package", args.records)
        small = generate(base / "small", args.baseline)
        app = fresh_app(base / "bulk")
        seconds, report = bulk(app, base / "package")
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        again, _ = bulk(app, base / "package")
        baseline_app = fresh_app(base / "naive")
        naive_seconds = naive(baseline_app, base / "small")
        bulk_small, _ = bulk(fresh_app(base / "bulk-small"), base / "small")
        audited_app = fresh_app(base / "audited")
        audited, _ = bulk(audited_app, base / "package", ImportAudit(CLI, "bench-1"))
        audited_again, _ = bulk(audited_app, base / "package", ImportAudit(CLI, "bench-2"))
    print(f"HSDS import into SQLite (seed {SEED}); records = HSDS rows of every table")
    print(f"{'run':<40}{'records':>10}{'seconds':>10}{'records/s':>12}")
    print(f"{'bulk import (new)':<40}{count:>10}{seconds:>10.2f}{count / seconds:>12,.0f}")
    print(f"{'bulk re-import (unchanged: upsert)':<40}{count:>10}{again:>10.2f}{count / again:>12,.0f}")
    print(f"{'bulk import, audited (an event a record)':<40}{count:>10}{audited:>10.2f}{count / audited:>12,.0f}")
    print(
        f"{'bulk re-import, audited (no events)':<40}{count:>10}{audited_again:>10.2f}{count / audited_again:>12,.0f}"
    )
    print(f"{'bulk import (small package)':<40}{small:>10}{bulk_small:>10.2f}{small / bulk_small:>12,.0f}")
    print(f"{'naive: one ORM object at a time':<40}{small:>10}{naive_seconds:>10.2f}{small / naive_seconds:>12,.0f}")
    print(f"written: {dict(sorted(report.counts.items()))}; peak RSS {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
