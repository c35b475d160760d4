"""The directory's services as compact records, decoded only when a match reads one.

This module owns ``ServiceStore``: the index's sequence of services. A ``Service`` with its sites,
texts, phones and hours is a few dozen Python objects (~4 KB at 100,000 services: 400 MB); a match
reads a few dozen of them — the results it explains, the urgent options, the nearest service of an
unmet need — and everything it screens, scores and bounds is in numpy columns (columns.py). So each
service is kept as one ``bytes`` record: the dataclass tree flattened to plain tuples (dates as
ordinals, mappings as dicts) and written with ``marshal``, a few hundred bytes that the garbage
collector never tracks. Reading row ``r`` decodes its record (~10-20 µs) through a small cache of the
last services read, so a neighbourhood's usual results are decoded once.

The codec is derived from the dataclasses' own fields and type hints (types.py is the one
declaration): a field holding a dataclass, an optional one or a tuple of them is flattened and rebuilt;
a date travels as its ordinal; any other value (str, numbers, tuples and frozensets of them, mappings)
as marshal writes it. A decoded service equals the one stored. Depends on the standard library and
types.py only.
"""

from __future__ import annotations

import marshal
import pickle
import threading
import time
import typing
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import InitVar, fields, is_dataclass
from datetime import date
from functools import cache
from types import UnionType

import numpy as np

from referral.matching.types import Service

CACHED = 4096  # decoded services kept per store: a neighbourhood's usual results, ~15 MB at most

Convert = Callable[[object], object]


class Packed(Sequence[bytes]):
    """Byte strings end to end in a few large buffers (chunks of ``CHUNK`` items at a build), with
    their offsets in one numpy array per chunk.

    A few allocations however many items: nothing of them is a small Python object, so freeing the
    objects they were made from (a snapshot's services) gives the memory back instead of leaving
    pymalloc arenas pinned by a few records each. An edit rewrites only the chunks it touches (a
    rename at 1M services copies ~2 MB, not the whole store)."""

    __slots__ = ("_blobs", "_offsets", "_starts")

    def __init__(self, blobs: Sequence[bytes], offsets: Sequence[np.ndarray]):
        self._blobs, self._offsets = tuple(blobs), tuple(offsets)
        starts = [0]
        for local in self._offsets:
            starts.append(starts[-1] + len(local) - 1)
        self._starts = starts  # row of each chunk's first item, then the total

    def __reduce_ex__(self, protocol: typing.SupportsIndex) -> tuple[object, ...]:
        """Pickled as its blobs and offsets; with protocol 5 the blobs go as buffers, which a pickler
        with a buffer callback sends apart (an index built in another process, referral/buildaside.py)."""
        blobs = [pickle.PickleBuffer(b) for b in self._blobs] if int(protocol) >= 5 else list(self._blobs)
        return _packed, (blobs, list(self._offsets))

    @classmethod
    def of(cls, items: Iterable[bytes]) -> Packed:
        blobs, offsets = [], []
        buffer, ends = bytearray(), array("q", [0])
        for item in items:
            buffer += item
            ends.append(len(buffer))
            if len(ends) > CHUNK:
                blobs.append(bytes(buffer))
                offsets.append(np.frombuffer(ends, dtype=np.int64).copy())
                buffer, ends = bytearray(), array("q", [0])
        if len(ends) > 1 or not blobs:
            blobs.append(bytes(buffer))
            offsets.append(np.frombuffer(ends, dtype=np.int64).copy())
        return cls(blobs, offsets)

    def __len__(self) -> int:
        return self._starts[-1]

    @typing.overload
    def __getitem__(self, i: int) -> bytes: ...

    @typing.overload
    def __getitem__(self, i: slice) -> list[bytes]: ...

    def __getitem__(self, i: int | slice) -> bytes | list[bytes]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        k = bisect_right(self._starts, i) - 1
        local, offsets = i - self._starts[k], self._offsets[k]
        return self._blobs[k][offsets[local] : offsets[local + 1]]

    def spliced(self, events: Sequence[tuple[int, int, int]], fresh: Sequence[bytes]) -> Packed:
        """The items with ``events`` applied: (row, 0, _) drops old item ``row``, (row, 1, j) puts
        ``fresh[j]`` before it (row = len(self): at the end); events sorted, as delta._Splice makes
        them. The chunks no event touches are shared."""
        by_chunk: dict[int, list[tuple[int, int, int]]] = {}
        for row, insert, j in events:
            k = min(bisect_right(self._starts, row) - 1, len(self._blobs) - 1)
            by_chunk.setdefault(k, []).append((row - self._starts[k], insert, j))
        blobs, offsets = list(self._blobs), list(self._offsets)
        for k, local in by_chunk.items():
            blobs[k], offsets[k] = _splice_chunk(blobs[k], offsets[k], local, fresh)
        return Packed(*_rebalanced(blobs, offsets))

    def replaced(self, rows: Sequence[int], fresh: Sequence[bytes]) -> Packed:
        """The items with ``fresh[k]`` in place of item ``rows[k]`` (rows distinct)."""
        order = sorted(range(len(rows)), key=rows.__getitem__)
        events = [event for k in order for event in ((rows[k], 1, k), (rows[k], 0, -1))]  # put in, then drop the old
        return self.spliced(events, fresh)


def _packed(blobs: Sequence[bytes | memoryview | bytearray], offsets: Sequence[np.ndarray]) -> Packed:
    """A ``Packed`` unpickled: each blob made ``bytes`` again, yielding the GIL between two (a copy of a few
    MB each; a worker's requests run between them while it takes an index built elsewhere)."""
    made = []
    for blob in blobs:
        made.append(blob if isinstance(blob, bytes) else bytes(blob))
        time.sleep(0)
    return Packed(made, offsets)


CHUNK = 4096  # items per chunk at a build (~1.6 MB of services); a chunk past twice this splits


def _splice_chunk(
    blob: bytes, offsets: np.ndarray, events: list[tuple[int, int, int]], fresh: Sequence[bytes]
) -> tuple[bytes, np.ndarray]:
    """One chunk with ``events`` (rows local to it) applied."""
    pieces, sizes, previous = [], [], 0
    lengths = np.diff(offsets)
    for row, insert, j in events:
        pieces.append(blob[offsets[previous] : offsets[row]])
        sizes.append(lengths[previous:row])
        if insert:
            pieces.append(fresh[j])
            sizes.append(np.array([len(fresh[j])], dtype=np.int64))
            previous = row
        else:
            previous = row + 1
    pieces.append(blob[offsets[previous] :])
    sizes.append(lengths[previous:])
    return b"".join(pieces), np.concatenate(([0], np.cumsum(np.concatenate(sizes))), dtype=np.int64)


def _rebalanced(blobs: list[bytes], offsets: list[np.ndarray]) -> tuple[list[bytes], list[np.ndarray]]:
    """Empty chunks dropped (one is kept for an empty store), chunks past 2 x CHUNK items halved."""
    out_blobs, out_offsets = [], []
    for blob, local in zip(blobs, offsets, strict=True):
        n = len(local) - 1
        if n == 0:
            continue
        if n <= 2 * CHUNK:
            out_blobs.append(blob)
            out_offsets.append(local)
            continue
        half = n // 2
        cut = int(local[half])
        out_blobs += [blob[:cut], blob[cut:]]
        out_offsets += [local[: half + 1].copy(), local[half:] - cut]
    if not out_blobs:
        return [b""], [np.zeros(1, dtype=np.int64)]
    return out_blobs, out_offsets


class Texts(Sequence[str]):
    """Strings packed as UTF-8 (``Packed``), read back one by one."""

    __slots__ = ("packed",)

    def __init__(self, packed: Packed):
        self.packed = packed

    @classmethod
    def of(cls, texts: Iterable[str]) -> Texts:
        return cls(Packed.of(t.encode() for t in texts))

    def __len__(self) -> int:
        return len(self.packed)

    @typing.overload
    def __getitem__(self, i: int) -> str: ...

    @typing.overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return self.packed[i].decode()


class ServiceStore(Sequence[Service]):
    """Services by row, each kept encoded (``records``); ``ids`` gives every row's service id without
    decoding (lookups, ties)."""

    __slots__ = ("_cache", "_lock", "ids", "records")

    def __init__(self, records: Packed, ids: Texts):
        if len(records) != len(ids):
            raise ValueError("one id per record")
        self.records, self.ids = records, ids
        # row -> decoded service, oldest first (no reference back to the store, so an old version is
        # freed by reference counts even after gc.freeze). An OrderedDict: a plain dict evicting its
        # first key scans the deleted entries before it, ~1.1 µs an eviction against ~0.2 µs here
        self._cache: OrderedDict[int, Service] = OrderedDict()
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as its records and ids, without the decoded services or the lock (an index built in
        another process, referral/buildaside.py)."""
        return ServiceStore, (self.records, self.ids)

    @classmethod
    def of(cls, services: Iterable[Service]) -> ServiceStore:
        """The store of ``services``, in their order."""
        services = list(services)
        return cls(Packed.of(encode(s) for s in services), Texts.of(s.id for s in services))

    def __len__(self) -> int:
        return len(self.records)

    @typing.overload
    def __getitem__(self, row: int) -> Service: ...

    @typing.overload
    def __getitem__(self, row: slice) -> list[Service]: ...

    def __getitem__(self, row: int | slice) -> Service | list[Service]:
        if isinstance(row, slice):
            return [self[r] for r in range(*row.indices(len(self)))]
        service = self._cache.get(row)
        if service is not None:
            return service
        if row < 0:
            row += len(self)
        service = decode(self.records[row])  # IndexError out of range, as a tuple's
        with self._lock:
            if len(self._cache) >= CACHED:
                self._cache.popitem(last=False)
            self._cache[row] = service
        return service

    def __iter__(self) -> Iterator[Service]:
        """Every service in row order, decoded one by one (not cached: a full pass would evict the
        neighbourhood's services)."""
        return (decode(self.records[row]) for row in range(len(self)))

    def __eq__(self, other: object) -> bool:
        """Equal, as a tuple is, to a sequence holding equal services in the same order (decodes both)."""
        if not isinstance(other, Sequence):
            return NotImplemented
        if isinstance(other, str | bytes) or len(other) != len(self):
            return False
        return all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # equality by content, as a list's: never a dict key

    def spliced(self, events: Sequence[tuple[int, int, int]], fresh: Sequence[Service]) -> ServiceStore:
        """This store with ``events`` applied (``Packed.spliced``)."""
        return ServiceStore(
            self.records.spliced(events, [encode(s) for s in fresh]),
            Texts(self.ids.packed.spliced(events, [s.id.encode() for s in fresh])),
        )

    def replaced(self, rows: Sequence[int], fresh: Sequence[Service]) -> ServiceStore:
        """This store with ``fresh[k]`` at row ``rows[k]``."""
        return ServiceStore(
            self.records.replaced(rows, [encode(s) for s in fresh]),
            Texts(self.ids.packed.replaced(rows, [s.id.encode() for s in fresh])),
        )


def encode(service: Service) -> bytes:
    """One service as a compact record (``decode`` gives back an equal service)."""
    flat = _flatten(Service)(service)
    return marshal.dumps(flat)  # type: ignore[arg-type]  # plain values by construction (_flatten)


def decode(record: bytes) -> Service:
    """The service a record holds."""
    return typing.cast(Service, _rebuild(Service)(marshal.loads(record)))


@cache
def _flatten(cls: type) -> Convert:
    """For a dataclass: a function turning an instance into a tuple of marshal-able values."""
    steps = [(f.name, _to_plain(hint)) for f, hint in _hints(cls)]

    def flatten(obj: object) -> tuple[object, ...]:
        out = []
        for name, step in steps:
            value = getattr(obj, name)
            out.append(value if step is None or value is None else step(value))
        return tuple(out)

    return flatten


@cache
def _rebuild(cls: type) -> Convert:
    """For a dataclass: a function turning ``_flatten``'s tuple back into an instance.

    Written out as one function per class (a converter call only where a field needs one): decoding
    runs per service shown, and a generic loop over ~40 fields per call doubled its cost. Every field
    is stored, so a frozen class with slots and nothing after ``__init__`` is filled through its
    slots' own setters (half the time of a frozen ``__init__``, which goes through
    ``object.__setattr__`` once per field); any other class through its ``__init__``."""
    hints = _hints(cls)
    scope: dict[str, object] = {"cls": cls, "new": object.__new__}
    values = []
    for i, (_, hint) in enumerate(hints):
        step = _from_plain(hint)
        if step is None:
            values.append(f"v[{i}]")
        else:
            scope[f"c{i}"] = step
            values.append(f"(c{i}(v[{i}]) if v[{i}] else v[{i}])")  # None and () stay as they are
    if _slotted(cls):
        lines = ["o = new(cls)"]
        for i, ((f, _), value) in enumerate(zip(hints, values, strict=True)):
            scope[f"set{i}"] = getattr(cls, f.name).__set__  # the slot's member descriptor
            lines.append(f"set{i}(o, {value})")
        body = "\n    ".join([*lines, "return o"])
    else:
        body = f"return cls({', '.join(values)})"
    exec(f"def rebuild(v):\n    {body}", scope)
    return typing.cast(Convert, scope["rebuild"])


def _slotted(cls: type) -> bool:
    """Whether every field of dataclass ``cls`` is a slot of its own and ``__init__`` does nothing
    but store them (no ``__post_init__``, no init-only or excluded fields)."""
    slots = set(getattr(cls, "__slots__", ()))
    return (
        not hasattr(cls, "__post_init__")
        and all(f.init and f.name in slots for f in fields(cls))
        and not any(hint is InitVar or isinstance(hint, InitVar) for hint in typing.get_type_hints(cls).values())
    )


def _hints(cls: type) -> list[tuple[typing.Any, object]]:
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name]) for f in fields(cls)]


def _kind(hint: object) -> tuple[str, type | None]:
    """What a field's hint asks of the codec: ("object", cls), ("objects", cls) for a tuple of
    dataclasses, ("date", None), ("mapping", None) or ("plain", None)."""
    args = typing.get_args(hint)
    if isinstance(hint, UnionType) or typing.get_origin(hint) is typing.Union:
        inner = [a for a in args if a is not type(None)]
        return _kind(inner[0]) if len(inner) == 1 else ("plain", None)
    if isinstance(hint, type) and is_dataclass(hint):
        return "object", hint
    if hint is date:
        return "date", None
    origin = typing.get_origin(hint)
    if (
        origin is tuple
        and len(args) == 2
        and args[1] is Ellipsis
        and isinstance(args[0], type)
        and is_dataclass(args[0])
    ):
        return "objects", args[0]
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        return "mapping", None
    return "plain", None


def _to_plain(hint: object) -> Convert | None:
    kind, cls = _kind(hint)
    if kind == "object":
        return _flatten(typing.cast(type, cls))
    if kind == "objects":
        one = _flatten(typing.cast(type, cls))
        return lambda items: tuple(one(i) for i in typing.cast(tuple[object, ...], items))
    if kind == "date":
        return lambda day: typing.cast(date, day).toordinal()
    if kind == "mapping":
        return lambda mapping: dict(typing.cast(Mapping[str, object], mapping))
    return None


def _from_plain(hint: object) -> Convert | None:
    kind, cls = _kind(hint)
    if kind == "object":
        return _rebuild(typing.cast(type, cls))
    if kind == "objects":
        one = _rebuild(typing.cast(type, cls))
        return lambda items: tuple(map(one, typing.cast(tuple[object, ...], items)))
    if kind == "date":
        return lambda ordinal: date.fromordinal(typing.cast(int, ordinal))
    return None
