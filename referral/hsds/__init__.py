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
                                                                ``updated_at``, languages →
                                                                ``delivered_languages`` (a caveat, never a
                                                                rule), cost_options and fees_description →
                                                                ``cost``/``cost_text``, service_areas →
                                                                gazetteer places (new ones from the input's
                                                                addresses: ``gazetteer``), attributes →
                                                                needs (``crosswalk``; unmapped terms become
                                                                ``ext.*`` needs: ``foreign``) or, with
                                                                link_type eligibility/audience or an OE
                                                                situation, genders/target groups/ages
                                                                (``restrictions``, also read from
                                                                eligibility_description); application_process,
                                                                wait_time, alert, required_documents,
                                                                contacts, phones, schedules: ``card``
service_at_location        ServiceAtLocation                    service and site of the same organization
taxonomy / taxonomy_term   NeedTerm (export only)               the needs taxonomy, plus Open Eligibility
attribute (referral        the columns HSDS has no field for    kinds, capacity, wait, intensity, radius,
matching)                                                       modes, translations, card entries, exact
                                                                restrictions, places (``extension``)
=========================  ===================================  =========================================

Everything else (programs, funding, metadata, organization identifiers, other free-text service
fields) is listed field by field in the
import report as not mapped. Inputs are checked first (``validate``: object kinds, the official compiled
schemas); HSDS 1.x/2.0 packages are converted on the way in (``legacy``). Ids are HSDS UUIDs and stay ours; other ids become a stable uuid5.
This package must not import Flask: the CLI, the API and the tests call it with a session.
"""

HSDS_VERSION = "3.0"
PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/"
