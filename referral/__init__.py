"""referral: match children's assessed needs and location to ranked, explained local services.

This package's top level holds only the version: importing ``referral.matching`` must not pull in
Flask, SQLAlchemy or marshmallow.
"""

__version__ = "0.1.0"
