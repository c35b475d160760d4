"""The pure matching core: a directory snapshot and a query in, ranked and explained services out.

Owns: text matching (text), the directory index (index, columns, taxonomy, gazetteer), places,
needs understanding, eligibility, scoring, explanations, unmet needs, bundles and the engine.
Must not depend on anything but the standard library, numpy, rapidfuzz and geopy.distance:
no Flask, SQLAlchemy or marshmallow (a unit test proves it). Entry points: ``index.build_index``,
``engine.match``, ``places.resolve_place`` / ``places.place_for_point``, ``text.PhraseMatcher``.
"""
