"""One table decides every method's authorisation: every method of every service has a rule, no rule names a method
that does not exist, and docs/authorisation.md is the table as it is."""

from __future__ import annotations

from devstack.authorisation_doc import DOC, render
from services.catalogue import METHODS, full_name, rules


def test_every_method_of_every_service_has_a_rule_and_every_rule_a_method() -> None:
    table = rules()
    methods = {full_name(method) for _, method in METHODS}
    assert sorted(methods - table.keys()) == [], "methods without a rule (nobody may call them)"
    assert sorted(table.keys() - methods) == [], "rules for methods that do not exist"


def test_docs_hold_the_table_as_it_is() -> None:
    assert DOC.read_text() == render(), "docs/authorisation.md is stale: run ./linli gen"
