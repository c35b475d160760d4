"""Every name a place goes by, as lookup keys built once per directory version.

This module owns how place names and queries are folded into keys: accents, case, punctuation and
spaces dropped ("São Paulo" = "sao paulo" = "SaoPaulo"), place-kind words at the end made optional
("平江街道" = "平江", "Gusu District" = "Gusu"), bracketed alternatives split off, and toneless
pinyin for every Han name ("pingjiang", "pingjiangjiedao", with the other readings of heteronyms:
长桥 is "changqiao" as well as "zhangqiao"). Sites add their names, their organizations' names and
their addresses, searchable by any fragment of three characters or more.

It never resolves anything (places.py does) and depends only on the standard library, numpy, pypinyin
and the sibling modules.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import numpy as np
from pypinyin import Style, lazy_pinyin, pinyin

from referral.matching import pieces
from referral.matching.messages import place_suffixes
from referral.matching.pieces import spans
from referral.matching.types import Place, Service, Site

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")  # scripts without spaces
_BRACKETS = re.compile(r"[()（）\[\]【】]")
MIN_FRAGMENT = 3  # characters: a shorter fragment of a site name or address is noise ("路", "中心")
MIN_SPACED_FRAGMENT = 4  # in spaced scripts a fragment must also be whole words


_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")  # combining accents
_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """NFKC, casefold, accents dropped, punctuation and symbols to spaces, whitespace collapsed."""
    if text.isascii():  # nothing to normalise: most site names and addresses in many regions
        return _NOT_WORD.sub(" ", text.lower()).strip()
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    text = unicodedata.normalize("NFC", _MARKS.sub("", text))
    return _NOT_WORD.sub(" ", text).strip()


def compact(folded: str) -> str:
    """A folded text without its spaces: "pingjiang jiedao" and "pingjiangjiedao" are one key."""
    return folded.replace(" ", "")


def unspaced(text: str) -> bool:
    """Whether ``text`` holds a script written without spaces (Chinese, Japanese, Korean)."""
    return bool(_UNSPACED.search(text))


def readings(text: str) -> set[str]:
    """Toneless pinyin keys of ``text``: the usual reading, and each other reading of one character."""
    syllables = pinyin(text, style=Style.NORMAL, heteronym=True, v_to_u=True, errors="default")
    usual = [s[0] for s in syllables]
    variants = [usual] + [usual[:i] + [alt] + usual[i + 1 :] for i, s in enumerate(syllables) for alt in s[1:]]
    keys = set()
    for variant in variants:
        joined = "".join(variant)
        keys.update({compact(fold(joined)), compact(fold(joined.replace("ü", "v")))})  # "lv" is how ü is typed
    return keys


class Suffixes:
    """Place-kind words of every language, their pinyin, and how to take one off a folded name."""

    def __init__(self, words: Iterable[str] = ()):
        words = {fold(w) for w in (*place_suffixes(), *words)}
        spelled = {fold("".join(lazy_pinyin(w, v_to_u=True))) for w in words if _HAN.search(w)}
        self.unspaced = sorted((w for w in words if unspaced(w)), key=len, reverse=True)
        self.spaced = sorted((w for w in words | spelled if not unspaced(w)), key=len, reverse=True)

    def strip(self, folded: str) -> str:
        """``folded`` without its place-kind word at the end, or unchanged (a bare word stays)."""
        for word in self.unspaced:
            if folded.endswith(word) and len(folded) - len(word) >= 2:
                return folded[: -len(word)].rstrip()
        for word in self.spaced:
            if folded.endswith(" " + word):
                return folded[: -len(word) - 1]
        return folded

    def forms(self, folded: str) -> list[str]:
        """``folded`` without one, then two kind words ("nairobi city county", "nairobi city", "nairobi")."""
        found = [folded]
        while len(found) < 3 and (bare := self.strip(found[-1])) != found[-1]:
            found.append(bare)
        return found[1:]


@dataclass(frozen=True, slots=True)
class Key:
    """A place is called ``key`` by one of its phrases: exact (``full``) or without its kind word."""

    code: str
    matched_by: str  # "name" | "alias" | "pinyin"
    phrase: str  # the gazetteer phrase the key comes from
    full: bool


def parts(phrase: str) -> list[str]:
    """The folded phrase and its bracketed alternatives: "虎丘区（苏州高新区）" is also both halves."""
    pieces = [fold(p) for p in _BRACKETS.split(phrase)]
    whole = fold(phrase)
    return [whole, *(p for p in pieces if p and p != whole)]


def named_by(place: Place) -> list[tuple[str, str]]:
    """A place's phrases and how each names it: its names ("name"), then its aliases ("alias")."""
    return [(place.name, "name"), *((n, "name") for n in place.names.values()), *((a, "alias") for a in place.aliases)]


def place_keys(place: Place, suffixes: Suffixes) -> Iterator[tuple[str, Key]]:
    """Every key of ``place``: names and aliases, with and without kind words, and their pinyin."""
    phrases = named_by(place)
    for phrase, by in phrases:
        for part in parts(phrase):
            yield compact(part), Key(place.code, by, phrase, True)
            if _HAN.search(part):
                yield from ((k, Key(place.code, "pinyin", phrase, True)) for k in readings(part))
            for bare in suffixes.forms(part):
                yield compact(bare), Key(place.code, by, phrase, False)
                if _HAN.search(bare):
                    yield from ((k, Key(place.code, "pinyin", phrase, False)) for k in readings(bare))


@dataclass(frozen=True, slots=True)
class SiteEntry:
    """A site as the resolver sees it: where it is, its place, and the phrases that name it."""

    site: Site
    names: tuple[str, ...]  # the site's names, then the names of every organization listing it
    address: str | None


class Fragments:
    """Which of a list of folded texts contain a query, through character trigrams (no full scan).

    The trigrams of all texts are packed as int64 (three 21-bit code points) in one sorted array
    beside their rows: built with numpy, read with two binary searches per trigram.
    """

    def __init__(self, texts: list[str]):
        self.texts = texts
        self._compact = [compact(t) for t in texts]
        points = _code_points(self._compact)
        rows = np.repeat(np.arange(len(texts), dtype=np.int32), [len(t) + 1 for t in self._compact])[: len(points)]
        if len(points) < 3:
            self._grams, self._rows = np.empty(0, np.int64), np.empty(0, np.int32)
            return
        grams = (points[:-2] << 42) | (points[1:-1] << 21) | points[2:]
        keep = (points[:-2] != 0) & (points[1:-1] != 0) & (points[2:] != 0)  # never across two texts
        grams, rows = grams[keep], rows[:-2][keep]
        order = np.argsort(grams, kind="stable")
        self._grams, self._rows = grams[order], rows[order]

    def _posting(self, gram: str) -> np.ndarray:
        a, b, c = (ord(ch) for ch in gram)
        value = (a << 42) | (b << 21) | c
        lo, hi = np.searchsorted(self._grams, value, side="left"), np.searchsorted(self._grams, value, side="right")
        return self._rows[lo:hi]

    def containing(self, folded: str) -> list[int]:
        """Rows whose text contains ``folded``: anywhere for CJK, as whole words otherwise."""
        key = compact(folded)
        if len(key) < (MIN_FRAGMENT if unspaced(key) else MIN_SPACED_FRAGMENT):
            return []
        rows = min((self._posting(key[j : j + 3]) for j in range(len(key) - 2)), key=len)
        rows = np.unique(rows)
        if unspaced(key):
            return [int(i) for i in rows if key in self._compact[i]]
        return [int(i) for i in rows if f" {folded} " in f" {self.texts[i]} "]


class Grown:
    """Fragments of a list of texts and of the texts added since it was built (by splices), answering
    texts: a splice rebuilds the small added part, never the large one, until the added part outgrows
    an eighth of it (then both are built as one, once)."""

    def __init__(self, base: Fragments, added: Fragments | None = None):
        self.base, self.added = base, added

    def containing(self, folded: str) -> list[str]:
        """The texts that contain ``folded`` (as ``Fragments.containing``)."""
        found = [self.base.texts[r] for r in self.base.containing(folded)]
        if self.added is not None:
            found += [self.added.texts[r] for r in self.added.containing(folded)]
        return found

    def extended(self, texts: list[str]) -> Grown:
        """These fragments with ``texts`` too."""
        if not texts:
            return self
        added = (self.added.texts if self.added is not None else []) + texts
        if len(added) * FOLD_AT > len(self.base.texts) and len(added) > MIN_FOLD:
            return Grown(Fragments(self.base.texts + added))
        return Grown(self.base, Fragments(added))


FOLD_AT, MIN_FOLD = 8, 1024  # a layer's changes are folded into its base past an eighth of it (and 1,024)


K = TypeVar("K")
V = TypeVar("V")


class Layered(Generic[K, V]):
    """A read-only table (a dict, or a list by position) as a shared base and the keys changed since
    (None: gone). A splice copies the changes, not the base: a dict of a million keys takes ~0.1 s
    to copy, one C call that holds the GIL. Changes past an eighth of the base are folded into a new
    base, that once."""

    __slots__ = ("base", "changes")

    def __init__(self, base: Mapping[K, V] | Sequence[V | None], changes: Mapping[K, V | None] | None = None):
        self.base: Any = base  # a sequence base is keyed by position (K is int)
        self.changes: Mapping[K, V | None] = changes or {}

    def get(self, key: K) -> V | None:
        """The value at ``key``, None if there is none."""
        if key in self.changes:
            return self.changes[key]
        try:
            found: V | None = self.base[key]
        except (KeyError, IndexError):
            return None
        return found

    def with_changes(self, changes: Mapping[K, V | None]) -> Layered[K, V]:
        """This table with ``changes`` (key -> value, None: gone); itself when there are none."""
        if not changes:
            return self
        merged = {**self.changes, **changes}
        if len(merged) * FOLD_AT <= len(self.base) or len(merged) <= MIN_FOLD:
            return Layered(self.base, merged)
        if isinstance(self.base, list):
            slots: list[V | None] = list(self.base)
            for slot, value in merged.items():
                slots.extend([None] * (int(cast(int, slot)) + 1 - len(slots)))
                slots[cast(int, slot)] = value
            return Layered(slots)
        table: dict[K, V] = dict(self.base)
        for key, value in merged.items():
            if value is None:
                table.pop(key, None)
            else:
                table[key] = value
        return Layered(table)


Listing = tuple[Site, tuple[str, ...]]  # a site as one service lists it, with that service's organization names


def listings(services: Iterable[Service]) -> Iterator[Listing]:
    """Each site of each service (in order) with the names of the service's organization."""
    for service in services:
        org = (service.organization_name, *service.organization_names.values())
        for site in service.sites:
            yield site, org


def entries_of(found: Iterable[Listing]) -> dict[str, SiteEntry]:
    """Site id -> its entry: the first listing's site, named by its own names and by every listing
    organization's (a site two organizations share is found by either's name)."""
    named: dict[str, tuple[Site, list[str]]] = {}
    for site, org in found:
        seen = named.get(site.id)
        if seen is None:
            named[site.id] = (site, [site.name, *site.names.values(), *org])
        else:
            seen[1].extend(org)
    return {i: SiteEntry(site, tuple(dict.fromkeys(names)), site.address) for i, (site, names) in named.items()}


def site_entries(services: Iterable[Service]) -> list[SiteEntry]:
    """One entry per site of ``services``, in site id order."""
    return [e for _, e in sorted(entries_of(listings(services)).items())]


class SiteNames:
    """The directory's sites by exact name and by fragment of name or address.

    Sites are numbered by slot: at a build, in site id order; a splice (``spliced``) gives a site new
    to the directory the next slot and empties a gone site's. Queries answer slots in site id order
    either way, so spliced tables answer exactly as a build from the same services does. The tables
    are ``Layered``: a splice shares the built ones and carries only what changed since.
    ``pair_slot`` holds the slot of each listing (a service's site), in the services' order as the
    index's site arrays hold them (``offsets`` per service): where a splice finds a site's other listings.
    """

    def __init__(self, services: Iterable[Service]):
        pairs: list[str] = []
        counts: list[int] = []

        def noted(given: Iterable[Service]) -> Iterator[Service]:
            for service in given:
                counts.append(len(service.sites))
                pairs.extend(site.id for site in service.sites)
                yield service

        found = entries_of(listings(noted(services)))
        unsorted = list(found)
        ids = [unsorted[i] for i in pieces.order(unsorted)]  # sorted(found), the GIL free while it sorts
        entries = [found[i] for i in ids]
        slot_of = {site_id: slot for slot, site_id in enumerate(ids)}
        self.entries: Layered[int, SiteEntry] = Layered(entries)
        self.slot_of: Layered[str, int] = Layered(slot_of)
        self.slots = len(ids)
        self.pair_slot = np.fromiter((slot_of[i] for i in pairs), dtype=np.int32, count=len(pairs))
        self.offsets = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))
        self.ordered = True  # slots in site id order
        named = _texts((slot, n) for slot, e in enumerate(entries) for n in e.names)
        exact: dict[str, list[int]] = {}
        for text, slots in named.items():
            exact.setdefault(compact(text), []).extend(slots)
        exact.pop("", None)
        located = _texts((slot, e.address) for slot, e in enumerate(entries) if e.address)
        self._named: Layered[str, list[int]] = Layered(named)
        self.exact: Layered[str, list[int]] = Layered(exact)
        self._located: Layered[str, list[int]] = Layered(located)
        self.names, self.addresses = Grown(Fragments(list(named))), Grown(Fragments(list(located)))

    def site(self, site_id: str) -> Site | None:
        """The site with ``site_id``, if the directory lists it."""
        slot = self.slot_of.get(site_id)
        return None if slot is None else self.site_at(slot)

    def listed(self) -> Iterator[SiteEntry]:
        """Every site's entry, in slot order."""
        for slot in range(self.slots):
            entry = self.entries.get(slot)
            if entry is not None:
                yield entry

    def site_at(self, slot: int) -> Site:
        """The site in ``slot`` (one a query answered)."""
        entry = self.entries.get(slot)
        if entry is None:
            raise KeyError(slot)
        return entry.site

    def exactly(self, key: str) -> list[int]:
        """Sites one of whose names is ``key`` (compact), in site id order."""
        return self._in_order(set(self.exact.get(key) or ()))

    def named(self, folded: str) -> list[int]:
        """Sites whose name contains ``folded``, in site id order."""
        return self._in_order({s for text in self.names.containing(folded) for s in self._named.get(text) or ()})

    def at_address(self, folded: str) -> list[int]:
        """Sites whose address contains ``folded``, in site id order."""
        return self._in_order({s for text in self.addresses.containing(folded) for s in self._located.get(text) or ()})

    def _in_order(self, slots: set[int]) -> list[int]:
        return sorted(slots) if self.ordered else sorted(slots, key=lambda s: self.site_at(s).id)

    def spliced(
        self,
        services: Sequence[Service],
        kept: np.ndarray,
        at: np.ndarray,
        fresh: Sequence[Service],
        offsets: np.ndarray,
    ) -> SiteNames:
        """These tables for the directory's next version, without a rebuild.

        ``services``: the new rows; ``kept`` marks the listings (of ``pair_slot``) of the rows that
        stay; ``fresh``'s listings go before the kept positions ``at``; ``offsets``: the new rows'
        listings. The sites the changed services list or listed are read again, from every service
        listing them now; the rest is shared (no Python loop over the directory, no copy of its
        tables). Equal, query for query, to ``SiteNames(services)``."""
        old_slots = np.unique(self.pair_slot[~kept]).tolist()
        touched = sorted({self.site_at(s).id for s in old_slots} | {x.id for f in fresh for x in f.sites})
        new = [site_id for site_id in touched if self.slot_of.get(site_id) is None]
        slot_of: dict[str, int | None] = {site_id: self.slots + k for k, site_id in enumerate(new)}
        slot: dict[str, int] = {i: cast(int, slot_of[i] if i in slot_of else self.slot_of.get(i)) for i in touched}
        copy = object.__new__(SiteNames)
        copy.slots, copy.offsets, copy.ordered = self.slots + len(new), offsets, self.ordered and not new
        added = np.array([slot[x.id] for f in fresh for x in f.sites], dtype=np.int32)
        copy.pair_slot = np.insert(self.pair_slot[kept], at, added)
        listed = np.flatnonzero(np.isin(copy.pair_slot, np.array(list(slot.values()), dtype=np.int32)))
        rows = np.unique(np.searchsorted(offsets, listed, side="right") - 1).tolist()
        now = entries_of(x for x in listings(services[r] for r in rows) if x[0].id in slot)
        edits, entries = _Edits(), dict[int, SiteEntry | None]()
        for site_id in touched:
            before, after = self.entries.get(slot[site_id]), now.get(site_id)
            if before != after:
                edits.note(slot[site_id], before, after)
                entries[slot[site_id]] = after
                if after is None:
                    slot_of[site_id] = None
        copy.entries, copy.slot_of = self.entries.with_changes(entries), self.slot_of.with_changes(slot_of)
        copy._named, named = edits.applied(self._named, edits.names)
        copy._located, located = edits.applied(self._located, edits.addresses)
        copy.exact, _ = edits.applied(self.exact, edits.exact)
        copy.names, copy.addresses = self.names.extended(named), self.addresses.extended(located)
        return copy


class _Edits:
    """What a splice changes in the text tables: per folded text (or compact key), slots gained and lost."""

    def __init__(self) -> None:
        self.names: dict[str, tuple[set[int], set[int]]] = {}
        self.addresses: dict[str, tuple[set[int], set[int]]] = {}
        self.exact: dict[str, tuple[set[int], set[int]]] = {}

    def note(self, slot: int, before: SiteEntry | None, after: SiteEntry | None) -> None:
        """Slot ``slot`` goes from entry ``before`` to ``after`` (None: no site there)."""
        names = [{fold(n) for n in e.names} if e else set() for e in (before, after)]
        located = [{fold(e.address)} if e and e.address else set() for e in (before, after)]
        keys = [{compact(t) for t in texts} - {""} for texts in names]
        for table, (old, new) in ((self.names, names), (self.addresses, located), (self.exact, keys)):
            for text in old - new:
                table.setdefault(text, (set(), set()))[1].add(slot)
            for text in new - old:
                table.setdefault(text, (set(), set()))[0].add(slot)

    @staticmethod
    def applied(
        table: Layered[str, list[int]], changes: dict[str, tuple[set[int], set[int]]]
    ) -> tuple[Layered[str, list[int]], list[str]]:
        """``table`` (text -> slots) with ``changes``, and the texts it did not have (a text left with
        no slot stays, answering none, so that it is never added to the fragments twice)."""
        slots = {text: sorted((set(table.get(text) or ()) - lost) | gained) for text, (gained, lost) in changes.items()}
        return table.with_changes(slots), [text for text in changes if table.get(text) is None]


def _code_points(texts: list[str]) -> np.ndarray:
    """The code points of ``texts`` (int64), a 0 between two texts: joined a piece at a time."""
    parts = [
        np.frombuffer(("\x00".join(texts[span]) + "\x00").encode("utf-32-le"), np.uint32) for span in spans(len(texts))
    ]
    return np.concatenate(parts)[:-1].astype(np.int64) if parts else np.empty(0, np.int64)


def _texts(pairs: Iterable[tuple[int, str]]) -> dict[str, list[int]]:
    """Folded text -> the rows that carry it (each text folded once, rows ascending, no repeats)."""
    found: dict[str, list[int]] = {}
    folded: dict[str, str] = {}
    for row, text in pairs:
        key = folded.get(text)
        if key is None:
            key = folded[text] = fold(text)
        rows = found.setdefault(key, [])
        if not rows or rows[-1] != row:
            rows.append(row)
    return found


def _kept(services: Iterable[Service]) -> Sequence[Service]:
    """The services as given when a sequence (the index's store: decoded only when the site tables
    are built), else as a tuple."""
    return services if isinstance(services, Sequence) else tuple(services)


def _prefixes(places: Iterable[Place]) -> dict[str, list[Key]]:
    """Leading whole words of names and aliases ("newtown" of "Newtown North"), two CJK characters or more."""
    table: dict[str, list[Key]] = {}
    seen: set[tuple[str, Key]] = set()
    for place in places:
        phrases = named_by(place)
        for phrase, by in phrases:
            for part in parts(phrase):
                words = part.split(" ")
                heads = [" ".join(words[:i]) for i in range(1, len(words))]
                if unspaced(part) and len(words) == 1:
                    heads = [part[:i] for i in range(2, len(part))]
                for head in heads:
                    found, key = Key(place.code, by, phrase, False), compact(head)
                    if (key, found) not in seen:
                        seen.add((key, found))
                        table.setdefault(key, []).append(found)
    return table


class PlaceNames:
    """The lookup tables of one gazetteer and directory: exact keys, fuzzy keys, sites.

    The place tables are built at once. The site tables (names and addresses of every site: the
    costly part in a large directory, ~5 s at 150,000 sites) are built by the first query that
    reaches them, since most typed places are found by their names; a later version's come spliced
    from them (``SiteNames.spliced``, called by delta.py) or, after a full build, are built anew.
    """

    def __init__(self, places: Iterable[Place], services: Iterable[Service] = (), suffixes: Suffixes | None = None):
        self.suffixes = suffixes or Suffixes()
        places = list(places)
        self.codes = {compact(fold(p.code)): p.code for p in places}
        self.full: dict[str, list[Key]] = {}
        self.bare: dict[str, list[Key]] = {}
        for place in places:
            for key, found in place_keys(place, self.suffixes):
                table = self.full if found.full else self.bare
                if key and found not in table.setdefault(key, []):
                    table[key].append(found)
        self.prefix = _prefixes(places)
        keys = [(k, f) for table in (self.full, self.bare) for k, found in table.items() for f in found]
        self.fuzzy_keys = [k for k, _ in keys]
        self.fuzzy_found = [f for _, f in keys]
        self._services = _kept(services)
        self._sites: SiteNames | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        """Pickled without its lock and its site tables (built again on first use: millions of small
        objects, seconds to unpickle), for an index built in another process (referral/buildaside.py)."""
        return {k: (None if k == "_sites" else v) for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def for_services(self, services: Iterable[Service], sites: SiteNames | None = None) -> PlaceNames:
        """These place tables (shared, read-only) with the site tables of ``services``: ``sites`` when
        given (the caller's, for these services), else built on first use."""
        copy = object.__new__(PlaceNames)
        copy.__dict__.update(self.__dict__)
        copy._services, copy._lock = _kept(services), threading.Lock()
        copy._sites = sites
        return copy

    @property
    def built_sites(self) -> SiteNames | None:
        """The site tables of this version, if a query has needed them yet (else None: not built)."""
        return self._sites

    @property
    def sites(self) -> SiteNames:
        """The site tables, built on first use (a lock keeps it to one build per version)."""
        if self._sites is None:
            with self._lock:
                if self._sites is None:
                    self._sites = SiteNames(self._services)
        return self._sites
