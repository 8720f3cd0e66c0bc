"""The docs stay true: every path the README and the manuals name exists, the README stays a front door (at most
200 lines), and every manual in docs/ is reached from the README's table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devstack.stack import REPO

README_MAX_LINES = 200
DOCS = sorted((REPO / "docs").glob("*.md"))
# The README, the manuals, and the READMEs beside the code they describe.
PAGES = [REPO / "README.md", *DOCS, REPO / "bench/README.md", REPO / "deploy/README.md"]
# Folders `./linli` makes on a machine (the local run's data, the virtualenv): named in the docs, never committed.
MADE_LOCALLY = {".linli", ".venv"}
FILE_SUFFIX = re.compile(r"\.(py|md|sql|proto|json|jsonl|yaml|yml|toml|lock|binpb|txt|sh)$")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _top_level_folders() -> set[str]:
    return {p.name for p in REPO.iterdir() if p.is_dir() and p.name not in MADE_LOCALLY and p.name != ".git"}


def named_paths(text: str) -> set[str]:
    """The repository paths a page names in code spans, e.g. `services/wishes/claims.py` or `tests/e2e/` (a
    `<placeholder>` or `*` stands for any name; `path::test` names a file's test)."""
    folders = _top_level_folders()
    found = set()
    for span in CODE_SPAN.findall(text):
        for token in span.split():
            token = token.split("::")[0].rstrip(".,;:)")
            first = token.split("/")[0]
            if "/" not in token or "://" in token or token.startswith("/") or first in MADE_LOCALLY:
                continue
            if first in folders or FILE_SUFFIX.search(token):
                found.add(token)
    return found


def linked_paths(page: Path) -> set[Path]:
    """The files a page links to, relative to the page (web addresses and anchors left out)."""
    found = set()
    for target in LINK.findall(page.read_text()):
        if "://" in target or target.startswith(("#", "mailto:")):
            continue
        found.add((page.parent / target.split("#")[0]).resolve())
    return found


def exists(path: str) -> bool:
    pattern = re.sub(r"<[^>]*>", "*", path).rstrip("/")
    if "*" in pattern:
        return any(REPO.glob(pattern))
    return (REPO / pattern).exists()


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_every_path_a_page_names_exists(page: Path) -> None:
    text = page.read_text()
    missing = sorted(path for path in named_paths(text) if not exists(path))
    broken = sorted(str(path) for path in linked_paths(page) if not path.exists())
    assert missing == [], f"{page.relative_to(REPO)} names paths that do not exist"
    assert broken == [], f"{page.relative_to(REPO)} links to files that do not exist"


def test_the_readme_is_a_front_door() -> None:
    lines = (REPO / "README.md").read_text().splitlines()
    assert len(lines) <= README_MAX_LINES


def test_every_manual_is_linked_from_the_readme() -> None:
    linked = linked_paths(REPO / "README.md")
    unlinked = [str(doc.relative_to(REPO)) for doc in DOCS if doc.resolve() not in linked]
    assert unlinked == []
    assert (REPO / "bench/README.md").resolve() in linked


def test_the_path_check_sees_what_it_should() -> None:
    text = (
        "`services/wishes/claims.py`, `tests/e2e/test_wish_slice.py::test_x`, `deploy/k8s/overlays/<district>/` and "
        "`service/typo.py`; not `.linli/secrets.json`, `linli.wishes.v1.WishService/GetWish`, `activity-<id>/x`, "
        "`http://127.0.0.1:8233` or `/var/lib/linli-postgres`"
    )
    assert named_paths(text) == {
        "services/wishes/claims.py",
        "tests/e2e/test_wish_slice.py",
        "deploy/k8s/overlays/<district>/",
        "service/typo.py",
    }
    assert exists("deploy/k8s/overlays/<district>/")
    assert not exists("service/typo.py")
