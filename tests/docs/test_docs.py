"""The README and docs/ tell the same story as the code: every variable dam reads is in the
configuration table, the field list is the field table, and every relative link leads somewhere."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from assets.fields import ALL_FIELDS
from tests.conftest import PROJECT_DIR
from tests.dam.test_deploy import variables_dam_reads

DOCS_DIR = PROJECT_DIR / "docs"
MARKDOWN_FILES = [PROJECT_DIR / "README.md", *sorted(DOCS_DIR.glob("*.md"))]

FENCE = re.compile(r"^```.*?^```", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
# [text](target) and ![alt](target): the target ends at whitespace (a title may follow) or ")".
LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$", re.M)
TABLE_SEPARATOR = re.compile(r"\|(\s*:?-+:?\s*\|)+")


def heading_anchor(heading: str) -> str:
    """The fragment GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def section(text: str, title: str) -> str:
    """The body of the section headed ``title``, up to the next heading of the same or a higher level."""
    for match in HEADING.finditer(text):
        if match.group(2) == title:
            following = re.compile(rf"^#{{1,{len(match.group(1))}}}\s", re.M).search(text, match.end())
            return text[match.end() : following.start() if following else len(text)]
    raise AssertionError(f"no section headed {title!r}")


def table_first_cells(text: str) -> list[str]:
    """The first cell of every body row (not the header rows) of the Markdown tables in ``text``."""
    lines = [line.strip() for line in text.splitlines()]
    cells = []
    for index, line in enumerate(lines):
        is_row = line.startswith("|") and not TABLE_SEPARATOR.fullmatch(line)
        is_header = index + 1 < len(lines) and TABLE_SEPARATOR.fullmatch(lines[index + 1])
        if is_row and not is_header:
            cells.append(line.strip("|").split("|")[0].strip())
    return cells


def test_every_variable_dam_reads_is_in_the_configuration_table():
    table = (DOCS_DIR / "configuration.md").read_text()
    undocumented = sorted(name for name in variables_dam_reads() if f"`{name}`" not in table)
    assert not undocumented, f"not in docs/configuration.md's table: {undocumented}"


def test_the_field_list_is_the_field_table():
    field_list = section((DOCS_DIR / "metadata.md").read_text(), "The field list")
    cells = table_first_cells(field_list)
    malformed = [cell for cell in cells if not re.fullmatch(r"`[a-z0-9_]+`", cell)]
    assert not malformed, f"rows of docs/metadata.md's field list that do not name one field: {malformed}"
    documented = [cell.strip("`") for cell in cells]
    repeated = sorted(name for name, count in Counter(documented).items() if count > 1)
    assert not repeated, f"listed more than once in docs/metadata.md: {repeated}"
    rows = {field.name for field in ALL_FIELDS}
    missing = sorted(rows - set(documented))
    assert not missing, f"rows of assets.fields.ALL_FIELDS missing from docs/metadata.md's field list: {missing}"
    not_rows = sorted(set(documented) - rows)
    assert not not_rows, f"listed in docs/metadata.md but not rows of assets.fields.ALL_FIELDS: {not_rows}"


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=lambda path: str(path.relative_to(PROJECT_DIR)))
def test_relative_links_lead_to_files_and_headings_that_exist(path: Path):
    # Code blocks and inline code hold examples, not links.
    text = INLINE_CODE.sub("", FENCE.sub("", path.read_text()))
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto: ...: not checked offline
            continue
        file_part, _, fragment = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif fragment and linked.suffix == ".md":
            headings = {heading_anchor(title) for _, title in HEADING.findall(FENCE.sub("", linked.read_text()))}
            if fragment not in headings:
                broken.append(f"{target} (no such heading)")
    assert not broken, f"broken links in {path.relative_to(PROJECT_DIR)}: {broken}"
