"""The match use case: keep each worker's in-memory index current, turn a validated request into a
core query (resolving a typed place through the gazetteer and the sites), and call the pure core.
The API, the find pages and ``referral match`` all call ``run`` (and ``run_anyway`` for a child at
risk, with referral/match_rescue.py) and show the outcome through referral/presenting.py.

Each worker holds one ``IndexCache`` (``init_app`` puts it in ``app.extensions["referral.index"]``),
built before the worker takes traffic (``warm``, from the gunicorn hook in referral.serving) and then
frozen out of the garbage collector. In a serving worker
(INDEX_BUILD_IN_BACKGROUND, the default) a background thread reads the one-row ``directory_state``
version every ``INDEX_CHECK_SECONDS`` and brings the index up to date itself: requests never touch
the database for it, and they keep reading the index they got while the next one is made; the new one
is swapped in with one assignment. Without it (tests), at most every ``INDEX_CHECK_SECONDS`` one
request checks the version and updates inline.
An update reads the change log (referral.changes): when only some services changed it reads just
those and splices them into a copy of the index (matching.delta: milliseconds, no rebuild); otherwise
(an import, seeding, the taxonomy) it builds the whole snapshot aside: in a serving worker, from
``ASIDE_FROM`` services, in another process that sends the index back a piece at a time
(referral.buildaside: the worker keeps answering at nearly its full rate meanwhile); else here
(``rebuild``; the first build too, before any request): the GIL changes hands more often meanwhile, and
the snapshot and the replaced index are freed a piece at a time (referral.memory), never in one step
that would hold every request up for a second at 1M services.
Nothing of a request is stored: the query lives only for the call.
"""

from __future__ import annotations

import functools
import gc
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referral import buildaside, changes, memory, snapshot
from referral.db import Database
from referral.directory import directory_version
from referral.matching import cellbound
from referral.matching import types as core
from referral.matching.delta import apply_changes
from referral.matching.engine import MatchSettings, match, match_unplaced
from referral.matching.index import DirectoryIndex, build_index
from referral.matching.places import locate, place_for_point
from referral.matching.week import WEEKDAY_NUMBER
from referral.models import Service

if TYPE_CHECKING:
    from flask import Flask

MAX_DELTA = 5_000  # more changed services than this: a full reload reads faster than IN lists
# Services from which a serving worker makes a rebuild in another process (referral.buildaside): below,
# a build here is short (~0.3 s at 10k) and a process would add ~2 s of start-up and imports to it.
ASIDE_FROM = 20_000
# How often the GIL changes hands during a full rebuild (Python's default: every 5 ms). A match
# gives up the GIL in each numpy call over large arrays and waits up to this long to take it back
# from the build: tens of such calls cost a match 0.2-0.4 s at the default. Shorter turns cut that
# further but slow every match (each is interrupted more often): 1 ms measured best at 100k, one
# thread matching beside a rebuild (longest wait ~0.1 s; 0.17 s at 0.5 ms, 0.3 s at 5 ms; README).
REBUILD_SWITCH_S = 0.001
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """One index cache per app (per worker process), kept in ``app.extensions["referral.index"]``."""
    database, config = app.extensions["referral.db"], app.config
    start = run_in_background if config.get("INDEX_BUILD_IN_BACKGROUND", True) else run_inline
    window = int(config["MATCH"].get("outcome_window_days", 90))  # referral records the snapshot reads

    def prepare(index: DirectoryIndex) -> None:
        """Before an index serves: the day's per-row score parts and the bounds of its cells for the
        configured settings (matching.cellbound.prepare: a few ms at 100k services, ~0.1-0.3 s at 1M,
        spliced from the previous index's after an edit), which the first match would otherwise
        compute holding up the others."""
        today, settings = local_now(config).date(), settings_from(config)
        cellbound.prepare(index, today, settings)

    url = database.engine.url.render_as_string(hide_password=False)
    aside = None  # a serving worker builds in another process when that process can read the database
    if start is run_in_background and config.get("INDEX_BUILD_PROCESS", True) and buildaside.can_build_aside(url):
        aside = functools.partial(buildaside.build_aside, url, window)
    app.extensions["referral.index"] = IndexCache(
        database,
        config["INDEX_CHECK_SECONDS"],
        start=start,
        outcome_window_days=window,
        prepare=prepare,
        build_aside=aside,
        aside_from=ASIDE_FROM,
    )


def local_now(config: Mapping[str, Any]) -> datetime:
    """The clock in the deployment's time zone (``TIMEZONE``): read here, never in the core."""
    return datetime.now(ZoneInfo(config.get("TIMEZONE") or "UTC"))


def run_inline(job: Callable[[], None]) -> None:
    job()


def run_in_background(job: Callable[[], None]) -> None:
    threading.Thread(target=job, name="referral-index-update", daemon=True).start()


class IndexCache:
    """The worker's current match index: built once, then updated by deltas or rebuilt aside and swapped."""

    def __init__(
        self,
        database: Database,
        check_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        start: Callable[[Callable[[], None]], None] = run_inline,
        outcome_window_days: int = 90,
        prepare: Callable[[DirectoryIndex], None] | None = None,
        build_aside: Callable[[], tuple[DirectoryIndex, float, float]] | None = None,
        aside_from: int = 0,
    ):
        self._database, self._check_seconds, self._clock, self._start = database, check_seconds, clock, start
        # a full build of ``aside_from`` services or more in another process (referral.buildaside), if given
        self._build_aside, self._aside_from = build_aside, aside_from
        self._prepare = prepare  # work each new index does before it serves (in the thread that made it)
        self._outcome_window_days = outcome_window_days  # referral records in the snapshot (referral.outcomes)
        self._lock = threading.Lock()  # one version check (and inline update) at a time
        self._index: DirectoryIndex | None = None  # swapped whole
        self._checked_at = float("-inf")
        self._updating = False
        self._poller: threading.Thread | None = None
        self._stopped = threading.Event()
        self.builds = self.deltas = 0  # full snapshot loads, delta updates (for tests and benchmarks)
        self._read_s = 0.0  # the last update's database reads (logged)

    def current(self) -> DirectoryIndex:
        """The index; without a poller, at most every ``check_seconds`` one caller checks the version
        (never waiting on another)."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._update()  # only when warm() did not run: the first request builds
            return self._index  # type: ignore[return-value]
        if (
            self._poller is None
            and self._clock() - self._checked_at >= self._check_seconds
            and self._lock.acquire(blocking=False)
        ):
            try:
                self._check()
            finally:
                self._lock.release()
        return self._index

    def warm(self) -> DirectoryIndex:
        """Build now (before traffic), freeze what the build left out of the garbage collector and, in
        a serving worker, start the thread that keeps the index current, every thread allocating from
        the main heap (``memory.one_arena``)."""
        if self._start is run_in_background:
            memory.one_arena()
        index = self.current()
        gc.collect()
        gc.freeze()  # the long-lived objects (modules, tables): a full collection would walk them all
        memory.trim()  # the snapshot the build read is freed: its pages go back to the system
        self._rehearse(index)  # after the trim: the first update reuses the pages it freed (~180 MB at 1M)
        if self._start is run_in_background and self._poller is None:
            self._poller = threading.Thread(target=self._poll, name="referral-index-poller", daemon=True)
            self._poller.start()
        return index

    def _rehearse(self, index: DirectoryIndex) -> None:
        """Go through an update once before traffic, on copies thrown away: the change-log read, a
        rename and a site move spliced into ``index`` and prepared. The first update of a process
        otherwise pays its first calls (SQL compiled, caches and numpy paths set up) beside the
        requests: 0.1-0.6 s more than the next ones at 1M services. ``index`` itself is never changed."""
        if not len(index.services):
            return
        try:
            service = index.services[0]
            with self._database.session() as session:
                snapshot.begin(session)
                version = directory_version(session)
                changes.since(session, version, version)
                snapshot.changed_services(session, {service.id}, self._outcome_window_days)
            edits = [replace(service, name=f"{service.name} ")]
            if service.sites:
                first = service.sites[0]
                edits.append(replace(service, sites=(replace(first, lat=first.lat + 1e-5), *service.sites[1:])))
            for edit in edits:
                rehearsal = apply_changes(index, index.version, [service.id], [edit])
                if self._prepare is not None:
                    self._prepare(rehearsal)
        except Exception:  # a rehearsal only: the worker serves without it
            log.warning("match index update rehearsal failed", exc_info=True)

    def _poll(self) -> None:
        """The serving worker's updates: check the version every ``check_seconds``, apply what changed."""
        failing = False
        while not self._stopped.wait(self._check_seconds * (8 if failing else 1)):  # slower while it fails
            try:
                with self._lock:
                    self._check(inline=True)
            except Exception as error:  # the database away for a moment: the index as it is keeps serving
                if not failing:  # once per outage, not four tracebacks a second into the log
                    log.warning("directory version check failed (%s); retrying", type(error).__name__)
                failing = True
            else:
                if failing:
                    log.info("directory version check works again")
                failing = False

    def stop(self) -> None:
        """End the poller (tests; a worker's ends with its process)."""
        self._stopped.set()
        if self._poller is not None:
            self._poller.join()

    def _check(self, inline: bool = False) -> None:
        if self._updating:
            return
        with self._database.session() as session:
            version = str(directory_version(session))
        self._checked_at = self._clock()
        if version != self._index.version:  # type: ignore[union-attr]
            self._updating = True
            self._update() if inline else self._start(self._update)

    def _update(self) -> None:
        background = self._start is run_in_background  # a serving worker
        paused = background and gc.isenabled()
        if paused:  # a full collection amid a build walks its ~1M new objects holding the GIL: requests stall
            gc.disable()
        try:
            previous, started, deltas = self._index, time.perf_counter(), self.deltas
            index = self._next(previous)
            made = time.perf_counter()
            with sharing_the_gil() if self.deltas == deltas else nullcontext():  # after a build: seconds at 1M
                index.taxonomy.reader  # noqa: B018 - build the text reader with the index, never per request
                if self._prepare is not None:
                    self._prepare(index)
                if background and previous is not None and previous.gazetteer.names.built_sites is not None:
                    index.gazetteer.names.sites  # noqa: B018 - queries name sites: build their tables now, not in one
            self._index = index
            self._checked_at = self._clock()
            if previous is not None:  # the first build is logged by the worker (serving.post_worker_init)
                log.info(
                    "match index of version %s by %s in %.3f s (read %.3f s, made %.3f s, prepared %.3f s)",
                    index.version,
                    "a delta" if self.deltas > deltas else "a build",
                    time.perf_counter() - started,
                    self._read_s,
                    made - started - self._read_s,
                    time.perf_counter() - made,
                )
            if background:
                gc.freeze()  # the new index leaves the collector (the old one is freed by reference counts)
                # a rebuild freed its snapshot: hand those pages back (the first build: warm() does). Not after
                # a delta: the next one reuses the old index's pages, where trimmed it would fault them in again
                if previous is not None and self.deltas == deltas:
                    taken, previous = [previous], None
                    memory.retire(taken)  # its site tables: a million objects at 1M, freed a piece at a time
                    memory.trim()
        except Exception:
            if self._index is None:
                raise
            log.exception("directory index update failed; the previous index keeps serving")
        finally:
            if paused:
                gc.enable()
            self._updating = False

    def _next(self, previous: DirectoryIndex | None) -> DirectoryIndex:
        """The next index: ``previous`` with the changed services spliced in, or a build of a whole snapshot
        (in another process when ``build_aside`` is set, else here)."""
        started = time.perf_counter()
        with self._database.session() as session:
            snapshot.begin(session)
            version = directory_version(session)
            changed = changes.since(session, int(previous.version), version) if previous is not None else None
            full = changed is None or len(changed) > MAX_DELTA
            if not full:
                fresh = snapshot.changed_services(session, changed, self._outcome_window_days)  # type: ignore[arg-type]
            # a rebuild while serving (an import, seeding, the taxonomy) goes to another process, from
            # ``aside_from`` services; the first build, before any request, is made here (faster to start)
            aside = full and previous is not None and self._build_aside is not None
            aside = aside and _services(session) >= self._aside_from
        self._read_s = time.perf_counter() - started  # for the log line
        if full:
            self.builds += 1
            return self._build(previous, aside)
        self.deltas += 1
        return apply_changes(previous, str(version), changed, fresh)  # type: ignore[arg-type]

    def _build(self, previous: DirectoryIndex | None, aside: bool) -> DirectoryIndex:
        """A full build: in another process when ``aside`` (its own snapshot, as of when it reads), else here."""
        if aside and self._build_aside is not None:
            try:
                index, self._read_s, _ = self._build_aside()
                return index
            except buildaside.BuildAsideFailed as error:
                log.warning("building the match index in another process failed; building it here: %s", error)
        started = time.perf_counter()
        with self._database.session() as session:
            snapshot.begin(session)
            with sharing_the_gil():  # turning a million rows into objects: requests run between
                taken = [snapshot.read(session, self._outcome_window_days)]
        self._read_s = time.perf_counter() - started
        return rebuild(taken, previous)


def _services(session: Session) -> int:
    """How many services the directory lists (one count: whether to build in another process)."""
    return int(session.scalar(select(func.count()).select_from(Service)) or 0)


def rebuild(taken: list[core.Directory], previous: DirectoryIndex | None = None) -> DirectoryIndex:
    """The index of the snapshot in ``taken`` (which this empties), built while other threads serve.

    Requests still run between the steps of the build: the GIL changes hands five times as often
    (``sharing_the_gil``), and the snapshot's million objects (at 1M services) are freed a piece at
    a time once the index is made, not in one step that holds the GIL for over a second."""
    directory = taken.pop()
    services = list(directory.services)  # the snapshot's services outlive it here, to be freed in pieces
    with sharing_the_gil():
        index = build_index(directory, previous)
        del directory
        memory.release(services)
    return index


@contextmanager
def sharing_the_gil(switch_s: float = REBUILD_SWITCH_S) -> Iterator[None]:
    """While a long build runs beside requests: the GIL changes hands every ``switch_s`` (process-wide)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, switch_s))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def settings_from(config: Mapping[str, Any]) -> MatchSettings:
    """The core's knobs from the app's MATCH configuration table."""
    match_config, weights = config["MATCH"], config["MATCH"]["weights"]
    return MatchSettings(
        need_weight=weights["need"],
        distance_weight=weights["distance"],
        capacity_weight=weights["capacity"],
        intensity_weight=weights["intensity"],
        freshness_weight=weights["freshness"],
        outcome_weight=weights.get("outcomes", 0.0),
        distance_scale_km=match_config["distance_scale_km"],
        remote_distance_score=match_config["remote_distance_score"],
        stale_after_days=match_config["stale_after_days"],
        fresh_days=match_config["fresh_days"],
        notes_min_confidence=match_config["notes_min_confidence"],
        text_min_score=match_config["text_min_score"],
        place_min_confidence=match_config["place_min_confidence"],
        place_ambiguity_margin=match_config["place_ambiguity_margin"],
        **{key: match_config[key] for key in RANKING_KEYS if key in match_config},
        **_table_keys(match_config),
    )


def _table_keys(match_config: Mapping[str, Any]) -> dict[str, Any]:
    """The settings given as tables (TOML lists of rows), as the tuples MatchSettings holds."""
    if "intensity_fit" not in match_config:
        return {}
    return {"intensity_fit": tuple(tuple(float(x) for x in row) for row in match_config["intensity_fit"])}


RANKING_KEYS = (
    "remote_local_score",
    "exact_fit",
    "narrower_fit",
    "broader_fit",
    "urgent_severity",
    "urgent_ready_first",
    "specialist_first",
    "school_unknown_last",
    "unknown_eligibility_last",
    "unknown_eligibility_penalty",
    "outcome_prior_rate",
    "outcome_prior_strength",
    "faded_days",
    "waitlist_score",
    "wait_scale_days",
    "wait_unknown_score",
)


def build_query(
    index: DirectoryIndex,
    data: Mapping[str, Any],
    language: str,
    default_distance_km: float,
    today: date | None = None,
    now: datetime | None = None,
    settings: MatchSettings | None = None,
) -> core.MatchQuery:
    """A core query from a validated request; resolves a typed place through the gazetteer and sites."""
    child = data["child"]
    constraints = data.get("constraints", {})
    modes = constraints.get("modes")
    open_on = constraints.get("open_on")
    located = data.get("location")
    return core.MatchQuery(
        location=_location(index, located, settings or MatchSettings(), language) if located else UNPLACED,
        child=core.Child(
            age=child.get("age"),
            gender=child.get("gender"),
            languages=frozenset(child.get("languages", ())),
            groups=frozenset(child.get("groups", ())),
            school=child.get("school"),
        ),
        needs=tuple(
            core.NeedInput(code=n.get("code"), text=n.get("text"), severity=n["severity"]) for n in data["needs"]
        ),
        notes=data.get("notes"),
        constraints=core.Constraints(
            max_distance_km=constraints.get("max_distance_km", default_distance_km),
            modes=frozenset(modes) if modes is not None else None,
            free_only=constraints.get("free_only", False),
            include_waitlisted=constraints.get("include_waitlisted", True),
            open_on=WEEKDAY_NUMBER[open_on[:2]] if open_on else None,
        ),
        limit=data["limit"],
        language=language,
        today=today if today is not None else (now.date() if now is not None else None),
        now=now,
        assessment=dict(data.get("assessment", {})),
    )


UNPLACED = core.Location(lat=float("nan"), lon=float("nan"))  # a child at risk whose place is not known


def _location(
    index: DirectoryIndex, location: Mapping[str, Any], settings: MatchSettings, language: str
) -> core.Location:
    if "place" in location:
        found = locate(index, location["place"], location.get("within"), settings, language)
        if "lat" in location:  # exact coordinates given too: keep them, the place sets the area
            return replace(found, lat=location["lat"], lon=location["lon"])
        return found
    place = place_for_point(index, location["lat"], location["lon"])
    return core.Location(lat=location["lat"], lon=location["lon"], place=place.code if place else None)


def month_now(config: Mapping[str, Any]) -> str:
    """The current month ("YYYY-MM") in the directory's time zone (the gap counters' finest time)."""
    return local_now(config).strftime("%Y-%m")


def run(
    cache: IndexCache, data: Mapping[str, Any], language: str, config: Mapping[str, Any]
) -> tuple[DirectoryIndex, core.MatchOutcome]:
    """Match one validated request against the current directory."""
    index, settings = cache.current(), settings_from(config)
    now = local_now(config)  # the shell reads the clock, never the core
    query = build_query(index, data, language, config["MATCH"]["max_distance_km"], now=now, settings=settings)
    return index, match(index, query, settings)


def run_anyway(
    cache: IndexCache,
    data: dict[str, Any],
    language: str,
    config: Mapping[str, Any],
) -> tuple[DirectoryIndex, core.MatchOutcome, list[core.MatchInputError]]:
    """Match a request that reveals a risk to the child with what of it can be used (referral/match_rescue.py):
    a place or need code the core cannot find is dropped and its MatchInputError returned (the caller says
    it in its language), and a
    request without a place is answered by ``match_unplaced``."""
    index, settings = cache.current(), settings_from(config)
    now = local_now(config)
    problems: list[core.MatchInputError] = []
    for _ in range(len(data.get("needs", ())) + len(data.get("assessment", ())) + 2):
        try:
            query = build_query(index, data, language, config["MATCH"]["max_distance_km"], now=now, settings=settings)
            engine = match if data.get("location") else match_unplaced
            return index, engine(index, query, settings), problems
        except core.MatchInputError as error:
            problems.append(error)
            data = _without(data, error.field)
    data = {k: v for k, v in data.items() if k in ("child", "needs", "notes", "limit")}
    query = build_query(index, data, language, config["MATCH"]["max_distance_km"], now=now, settings=settings)
    return index, match_unplaced(index, query, settings), problems


def _without(data: dict[str, Any], field: str) -> dict[str, Any]:
    """``data`` without the part a MatchInputError names: the location, one need or one scale."""
    if field.startswith("needs["):
        k = int(field[len("needs[") : field.index("]")])
        return {**data, "needs": [n for i, n in enumerate(data["needs"]) if i != k]}
    if field.startswith("assessment."):
        scale = field.split(".", 1)[1]
        return {**data, "assessment": {k: v for k, v in data.get("assessment", {}).items() if k != scale}}
    head = field.split(".", 1)[0].split("[", 1)[0]
    return {key: value for key, value in data.items() if key != head}
