"""The search attributes linli sets on its workflows, so ops staff find one in the Temporal UI or CLI by its
community (or unit), state and category: `LinliCommunity = "12" AND LinliState = "published"`. Ids and state names
only — search attributes are not encrypted, so no name, address or text ever goes in one.

The outbox sets them when it starts a workflow (LINLI_SEARCH_ATTRIBUTES on); a workflow started with them keeps its
state current. A Temporal cluster must have them registered first (docs/deploying.md); the local dev server
registers them when it starts (devstack/temporal.py)."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

COMMUNITY = SearchAttributeKey.for_keyword("LinliCommunity")  # the object's community, or its org unit
STATE = SearchAttributeKey.for_keyword("LinliState")  # e.g. "published", "claimed"
CATEGORY = SearchAttributeKey.for_keyword("LinliCategory")  # a wish's category, an alert's or activity's kind
KEYS = (COMMUNITY, STATE, CATEGORY)


def search_attributes(community: str, state: str = "", category: str = "") -> TypedSearchAttributes:
    """The attributes a workflow starts with; empty values are left out."""
    values = ((COMMUNITY, community), (STATE, state), (CATEGORY, category))
    return TypedSearchAttributes([SearchAttributePair(key, value) for key, value in values if value])


def dev_server_flags() -> list[str]:
    """The dev server's flags registering every key (`temporal server start-dev --search-attribute NAME=TYPE`)."""
    return [flag for key in KEYS for flag in ("--search-attribute", f"{key.name}=Keyword")]
