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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from pypinyin import Style, lazy_pinyin, pinyin

from referral.matching.messages import place_suffixes
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
    names: tuple[str, ...]  # the site's names and its organization's names
    address: str | None


class Fragments:
    """Which of a list of folded texts contain a query, through character trigrams (no full scan).

    The trigrams of all texts are packed as int64 (three 21-bit code points) in one sorted array
    beside their rows: built with numpy, read with two binary searches per trigram.
    """

    def __init__(self, texts: list[str]):
        self.texts = texts
        self._compact = [compact(t) for t in texts]
        points = np.frombuffer("\x00".join(self._compact).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
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


class SiteNames:
    """The directory's sites by exact name and by fragment of name or address."""

    def __init__(self, entries: list[SiteEntry]):
        self.entries = entries
        self._by_id = {e.site.id: e.site for e in entries}
        named = _texts((i, n) for i, e in enumerate(entries) for n in e.names)  # an organization's name once
        self.exact: dict[str, list[int]] = {}
        for text, rows in named.items():
            self.exact.setdefault(compact(text), []).extend(rows)
        self.exact.pop("", None)
        self._name_rows = list(named.values())
        self.names = Fragments(list(named))
        located = _texts((i, e.address) for i, e in enumerate(entries) if e.address)
        self._address_rows = list(located.values())
        self.addresses = Fragments(list(located))

    def site(self, site_id: str) -> Site | None:
        """The site with ``site_id``, if the directory lists it."""
        return self._by_id.get(site_id)

    def named(self, folded: str) -> list[int]:
        """Sites whose name contains ``folded``."""
        return sorted({i for r in self.names.containing(folded) for i in self._name_rows[r]})

    def at_address(self, folded: str) -> list[int]:
        """Sites whose address contains ``folded``."""
        return sorted({i for r in self.addresses.containing(folded) for i in self._address_rows[r]})


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


def site_entries(services: Iterable[Service]) -> list[SiteEntry]:
    """One entry per site of ``services`` (first seen wins), named also by its organization."""
    seen: dict[str, SiteEntry] = {}
    for service in services:
        org = (service.organization_name, *service.organization_names.values())
        for site in service.sites:
            if site.id not in seen:
                names = tuple(dict.fromkeys((site.name, *site.names.values(), *org)))
                seen[site.id] = SiteEntry(site, names, site.address)
    return list(seen.values())


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
    costly part in a large directory, ~2 s at 150,000 sites) are built by the first query that
    reaches them, once per directory version, since most typed places are found by their names.
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

    def for_services(self, services: Iterable[Service], same_sites: bool = False) -> PlaceNames:
        """These place tables (shared, read-only) with the site tables of ``services`` (built on first
        use; these ones, when built, if ``same_sites``: the services' site entries are the same)."""
        copy = object.__new__(PlaceNames)
        copy.__dict__.update(self.__dict__)
        copy._services, copy._lock = _kept(services), threading.Lock()
        copy._sites = self._sites if same_sites else None
        return copy

    @property
    def built_sites(self) -> bool:
        """Whether a query has needed the site tables of this version yet."""
        return self._sites is not None

    @property
    def sites(self) -> SiteNames:
        """The site tables, built on first use (a lock keeps it to one build per version)."""
        if self._sites is None:
            with self._lock:
                if self._sites is None:
                    self._sites = SiteNames(site_entries(self._services))
        return self._sites
