"""Exchanging the directory with the Open Referral ecosystem (HSDS 3.0): import, export, the API.

The mapping between HSDS 3.0 and the model, written down once (see also ``referral/models``):

=========================  ===================================  =========================================
HSDS 3.0                   here                                 notes
=========================  ===================================  =========================================
organization               Organization                         name, description, email, website; the
                                                                first phone (or a contact's) → ``phone``;
                                                                a contact's email when it has none;
                                                                ``kind`` has no HSDS field: ``other``
location (physical)        Site                                 name; addresses → ``address`` (one line);
                                                                latitude/longitude (geocoded when absent,
                                                                see ``referral.geocoding``); ``place`` is
                                                                the nearest gazetteer place within 10 km;
                                                                schedules → ``opening_hours``; languages;
                                                                accessibility → text; first phone
location (virtual/postal)  (none)                               a service offered there is ``remote``
service                    Service                              name, description, minimum/maximum_age,
                                                                status (defunct → inactive, temporarily
                                                                closed → suspended), assured_date ↔
                                                                ``verified_at``, last_modified ↔
                                                                ``updated_at``, languages, cost_options and
                                                                fees_description → ``cost``/``cost_text``,
                                                                service_areas → gazetteer places,
                                                                attributes/taxonomy terms → needs
                                                                (``crosswalk``)
service_at_location        ServiceAtLocation                    service and site of the same organization
taxonomy / taxonomy_term   NeedTerm (export only)               the needs taxonomy, plus Open Eligibility
=========================  ===================================  =========================================

Everything else (programs, funding, required documents, contacts beyond a phone and an e-mail,
metadata, organization identifiers, most free-text service fields) is listed field by field in the
import report as not mapped. Ids are HSDS UUIDs and stay ours; other ids become a stable uuid5.
This package must not import Flask: the CLI, the API and the tests call it with a session.
"""

HSDS_VERSION = "3.0"
PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/"
