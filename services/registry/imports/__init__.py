"""Bulk sync with the party-member information system: ImportMembers, ExportMembers and the CSV form."""
