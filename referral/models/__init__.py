"""The database tables: the directory's listings, and the accounts, keys, audit trail and reports
that keep it honest; the safety layer's risk lexicon and region resources. Import models from here."""

from referral.models.accounts import Account, ApiKey, AuditEvent, ListingReport
from referral.models.changes import DirectoryChange
from referral.models.jobs import Job
from referral.models.listings import *  # noqa: F403 - the directory's tables and enumerations
from referral.models.listings import __all__ as _listings
from referral.models.referrals import GapCount, OutboxEvent, Referral, WebhookDelivery, WebhookSubscription
from referral.models.safety import RegionResource, RiskCategory

__all__ = [
    *_listings,
    "Account",
    "ApiKey",
    "AuditEvent",
    "ListingReport",
    "RegionResource",
    "RiskCategory",
    "Referral",
    "WebhookSubscription",
    "OutboxEvent",
    "WebhookDelivery",
    "GapCount",
    "DirectoryChange",
    "Job",
]
