"""A parsed HTML report page (stdlib html.parser) for the report and CLI tests."""

from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """``tables``: id -> rows of cell texts (header row first; ``<br>`` is a newline);
    ``nodes``: diagram box (``data-node``) -> its visible text lines; ``tags``: every start
    tag with its attributes; ``text``: all text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str | None, list[list[str]]] = {}
        self.nodes: dict[str, list[str]] = {}
        self.tags: list[tuple[str, dict]] = []
        self._texts: list[str] = []
        self._table = self._row = self._cell = self._node = self._line = None
        self.feed(text)
        self.close()

    @property
    def text(self) -> str:
        return "".join(self._texts)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table":
            self._table = self.tables.setdefault(a.get("id"), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")
        elif tag == "g" and "data-node" in a:
            self._node = self.nodes.setdefault(a["data-node"], [])
        elif tag == "text" and self._node is not None:
            self._line = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "text" and self._line is not None:
            self._node.append("".join(self._line))
            self._line = None
        elif tag == "g":
            self._node = None

    def handle_data(self, data):
        self._texts.append(data)
        for part in (self._cell, self._line):
            if part is not None:
                part.append(data)

    def column(self, table: str, name: str) -> list[str]:
        """The cells of column ``name`` (below the header) of table ``table``."""
        head, *rows = self.tables[table]
        i = head.index(name)
        return [r[i] for r in rows]

    def row(self, table: str, first: str) -> dict[str, str]:
        """The row whose first cell is ``first``, by column name."""
        head, *rows = self.tables[table]
        (match,) = [r for r in rows if r[0] == first]
        return dict(zip(head, match, strict=True))


def number(cell: str) -> int | float:
    """A report cell's number ("1,234" -> 1234)."""
    text = cell.replace(",", "")
    return float(text) if "." in text else int(text)
