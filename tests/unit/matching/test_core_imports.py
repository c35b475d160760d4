"""The matching core stays pure: no web framework, ORM or schema library is ever imported."""

import subprocess
import sys

MODULES = [
    "referral.matching", "referral.matching.text", "referral.matching.index", "referral.matching.places",
    "referral.matching.engine", "referral.matching.bundle", "referral.matching.explain",
    "referral.matching.safety", "referral.matching.urgent", "referral.matching.assessment", "referral.matching.reading",
]


def test_importing_the_core_never_imports_flask_sqlalchemy_or_marshmallow():
    code = (
        f"import sys, {', '.join(MODULES)}\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "bad = {'flask', 'sqlalchemy', 'marshmallow', 'werkzeug'} & loaded\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
