"""Small python-docx helpers shared by every Word export: clean text, real tables, headings."""

from __future__ import annotations

import re

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(value) -> str:
    """Text safe for a .docx: ``None``/NaN become ``""``; XML-illegal control characters are stripped."""
    if value is None:
        return ""
    try:
        import math

        if isinstance(value, float) and math.isnan(value):
            return ""
    except TypeError:
        pass
    return _XML_ILLEGAL.sub("", str(value))


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


_NUMBER = re.compile(r"^-?[\d.,]+%?( \([\d.]+%\))?$")


def _numeric(column) -> bool:
    """Numbers, or text such as ``1,234`` and ``5 (36%)``: right-aligned in tables."""
    if column.dtype.kind in "iuf":
        return True
    values = [str(v) for v in column if v is not None and v == v]
    return bool(values) and all(_NUMBER.match(v) for v in values)


def _cant_split(row) -> None:
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def add_table(document, frame, *, widths_cm: list[float] | None = None, font_pt: float = 9, style: str = "Table Grid",
              header_fill: str | None = None):
    """Append ``frame`` as a real Word table: bold header row repeated on each page, given widths."""
    from docx.shared import Pt

    columns = [str(c) for c in frame.columns]
    table = document.add_table(rows=1, cols=len(columns))
    table.style = style
    table.autofit = widths_cm is None
    header = table.rows[0]
    _repeat_header(header)
    for cell, name in zip(header.cells, columns):
        run = cell.paragraphs[0].add_run(clean(name))
        run.bold = True
        run.font.size = Pt(font_pt)
        if header_fill:
            shade(cell, header_fill)
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    numeric = [_numeric(frame[c]) for c in frame.columns]
    for cell, is_number in zip(header.cells, numeric):
        if is_number:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for values in frame.itertuples(index=False):
        row = table.add_row()
        _cant_split(row)
        for cell, value, is_number in zip(row.cells, values, numeric):
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(clean(value))
            run.font.size = Pt(font_pt)
            if is_number:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if widths_cm:
        set_widths(table, fit_words(frame, widths_cm, font_pt))
    keep_with_table(table)
    return table


#: Roughly how wide a character is, as a share of the font size (Arial/Liberation Sans, bold headers).
_CHAR_EM = 0.7
_CELL_PADDING_CM = 0.5


def fit_words(frame, widths_cm: list[float], font_pt: float) -> list[float]:
    """``widths_cm`` with every column at least as wide as its longest word (header or value), taking the
    room from columns that have some to spare, so no word is broken across lines ("Participant/s").
    The total width stays the same; where the words cannot all fit, the widths are left as given."""
    words = [max([len(w) for w in [str(name), *map(str, frame[name].head(300))] for w in w.split()] or [1])
             for name in frame.columns]
    need = [n * font_pt * _CHAR_EM * 2.54 / 72 + _CELL_PADDING_CM for n in words]
    if len(need) != len(widths_cm) or sum(need) > sum(widths_cm):
        return list(widths_cm)
    widths = [max(w, n) for w, n in zip(widths_cm, need)]
    excess = sum(widths) - sum(widths_cm)
    spare = [w - n for w, n in zip(widths, need)]
    room = sum(s for s in spare if s > 0)
    if excess <= 0 or room <= 0:
        return widths
    return [w - excess * s / room if s > 0 else w for w, s in zip(widths, spare)]


def keep_with_table(table, limit: int = 3) -> None:
    """Keep the heading (and the notes under it) just above ``table`` on the table's page: a heading is
    never left alone at the foot of a page."""
    from docx.oxml.ns import qn

    previous = table._tbl.getprevious()
    chain = []
    while previous is not None and previous.tag == qn("w:p") and len(chain) < limit:
        chain.append(previous)
        style = previous.find(qn("w:pPr") + "/" + qn("w:pStyle"))
        if style is not None and style.get(qn("w:val"), "").lower().startswith("heading"):
            break
        previous = previous.getprevious()
    else:
        return
    for paragraph in chain:
        ppr = paragraph.find(qn("w:pPr"))
        if ppr is None:
            from docx.oxml import OxmlElement

            ppr = OxmlElement("w:pPr")
            paragraph.insert(0, ppr)
        if ppr.find(qn("w:keepNext")) is None:
            from docx.oxml import OxmlElement

            keep = OxmlElement("w:keepNext")
            style = ppr.find(qn("w:pStyle"))
            (style.addnext(keep) if style is not None else ppr.insert(0, keep))


# -- building large documents fast ---------------------------------------------------------------
# python-docx looks a style up by walking every style on each add_paragraph(style=...), which makes
# a 50,000-quote document take many minutes; these helpers build the paragraph XML directly.

_W_URI = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{" + _W_URI + "}"


def run_string(text: str, *, bold: bool = False, italic: bool = False, size_pt: float | None = None,
               color: str | None = None) -> str:
    """The XML of one ``w:r`` run (prefix ``w:``): cleaned, escaped text; newlines become line breaks."""
    props = ""
    if bold or italic or size_pt or color:
        props = "<w:rPr>" + ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
        props += (f'<w:color w:val="{color}"/>' if color else "")
        props += (f'<w:sz w:val="{int(round(size_pt * 2))}"/>' if size_pt else "") + "</w:rPr>"
    lines = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").split("\n")
    body = "<w:br/>".join(f'<w:t xml:space="preserve">{line}</w:t>' for line in lines)
    return f"<w:r>{props}{body}</w:r>"


def paragraph_string(runs, style_id: str | None = None) -> str:
    """The XML of a ``w:p`` with ``style_id`` and ``runs``: a string or a list of ``(text, options)``
    where options are keyword arguments of :func:`run_string` such as ``{"bold": True}``."""
    if isinstance(runs, str):
        runs = [(runs, {})]
    style = f'<w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>' if style_id else ""
    return f"<w:p>{style}{''.join(run_string(text, **options) for text, options in runs)}</w:p>"


def parse_paragraphs(strings: list[str]) -> list:
    """Parse paragraph XML strings (from :func:`paragraph_string`) into elements, in one go."""
    from lxml import etree

    wrapper = etree.fromstring(f'<w:body xmlns:w="{_W_URI}">{"".join(strings)}</w:body>')
    return list(wrapper)


def paragraph_xml(runs, style_id: str | None = None):
    """A ``w:p`` element (see :func:`paragraph_string`)."""
    return parse_paragraphs([paragraph_string(runs, style_id)])[0]


class BodyWriter:
    """Appends paragraphs to the end of a document's body quickly (before its final section break).

    Paragraphs are written as XML text and parsed in batches: inside ``with body.batch():`` they are
    held until the block ends (call nothing else on the document in it); outside, each is added at once.

    >>> body = BodyWriter(document)                                          # doctest: +SKIP
    >>> body.paragraph("Some text", "Quote")                                 # doctest: +SKIP
    """

    BATCH = 2000

    def __init__(self, document):
        self.document = document
        self._ids: dict[str, str] = {}
        self._pending: list[str] | None = None
        self._deferred: list[bytes] | None = None
        self.headings: list[tuple[int, str]] = []  # (level, text) of every heading added, for a TOC

    def style_id(self, name: str) -> str:
        if name not in self._ids:
            self._ids[name] = self.document.styles[name].style_id
        return self._ids[name]

    def _insert(self, elements) -> None:
        body = self.document.element.body
        # body.sectPr and len(body) both walk every child: look only at the last one (O(1)).
        try:
            last = body[-1]
        except IndexError:
            last = None
        before = last is not None and last.tag == _W + "sectPr"
        for element in elements:
            if before:
                last.addprevious(element)
            else:
                body.append(element)

    def append(self, element):
        self.flush()
        self._insert([element])
        return element

    def paragraph(self, runs, style: str | None = None):
        """Add a paragraph; returns its element (``None`` inside a batch)."""
        text = paragraph_string(runs, self.style_id(style) if style else None)
        if style and style.startswith("Heading ") and isinstance(runs, str):
            self.headings.append((int(style.split()[-1]), clean(runs)))
        if self._pending is None:
            return self.append(parse_paragraphs([text])[0])
        self._pending.append(text)
        if len(self._pending) >= self.BATCH:
            self.flush()
        return None

    def flush(self) -> None:
        if self._pending and self._deferred is not None:
            self._deferred.append("".join(self._pending).encode("utf-8"))
            self._pending.clear()
        elif self._pending:
            self._insert(parse_paragraphs(self._pending))
            self._pending.clear()

    def deferred(self):
        """Like :meth:`batch`, but the paragraphs stay XML text (UTF-8, a few hundred bytes each, where
        python-docx elements take several KB) until :func:`save_deferred` splices them into the saved
        file. The document in memory holds a marker paragraph in their place, so save it only with
        :func:`save_deferred` (``qualcode.reports.docx.save_document`` does)."""
        from contextlib import contextmanager
        import uuid

        @contextmanager
        def holding():
            marker = f"qualcode-deferred-{uuid.uuid4().hex}"
            self.append(paragraph_xml(marker))
            chunks: list[bytes] = []
            self._deferred = chunks
            try:
                with self.batch():  # its last flush still goes to ``chunks``
                    yield self
            finally:
                self._deferred = None
                self.document._qualcode_deferred = {**getattr(self.document, "_qualcode_deferred", {}), marker: chunks}

        return holding()

    def batch(self):
        from contextlib import contextmanager

        @contextmanager
        def holding():
            self._pending = []
            try:
                yield self
            finally:
                self.flush()
                self._pending = None

        return holding()


def save_deferred(document, path) -> None:
    """Save ``document`` to ``path`` with the paragraphs held back by :meth:`BodyWriter.deferred` in
    place of their markers, streamed into ``word/document.xml`` without building them as elements."""
    import io
    import zipfile

    deferred = getattr(document, "_qualcode_deferred", None)
    if not deferred:
        document.save(str(path))
        return
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                target.writestr(info, source.read(info.filename))
                continue
            xml = source.read(info.filename)
            cuts = []
            for marker, chunks in deferred.items():
                placeholder = paragraph_string(marker).encode("utf-8")
                at = xml.find(placeholder)
                if at < 0 or xml.count(marker.encode("ascii")) != 1:
                    raise RuntimeError(f"the document lost its placeholder {marker} before saving")
                cuts.append((at, at + len(placeholder), chunks))
            cuts.sort(key=lambda cut: cut[0])
            entry = zipfile.ZipInfo("word/document.xml", date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with target.open(entry, "w") as out:
                done = 0
                for start, end, chunks in cuts:
                    out.write(xml[done:start])
                    for chunk in chunks:
                        out.write(chunk)
                    done = end
                out.write(xml[done:])


def add_field(paragraph, instruction: str, placeholder: str = "") -> None:
    """Append a field (``PAGE``, ``TOC \\o "1-2" \\h``, ...) to a python-docx paragraph."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str):
        run = OxmlElement("w:r")
        node = OxmlElement("w:fldChar")
        node.set(qn("w:fldCharType"), kind)
        run.append(node)
        return run

    paragraph._p.append(char("begin"))
    run = OxmlElement("w:r")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run.append(instr)
    paragraph._p.append(run)
    paragraph._p.append(char("separate"))
    if placeholder:
        paragraph.add_run(placeholder)
    paragraph._p.append(char("end"))


def shade(cell, fill: str) -> None:
    """Give a table cell a background colour (hex, e.g. ``"D9E2F3"``)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = cell._tc.get_or_add_tcPr()
    node = OxmlElement("w:shd")
    node.set(qn("w:val"), "clear")
    node.set(qn("w:color"), "auto")
    node.set(qn("w:fill"), fill)
    props.append(node)


def set_widths(table, widths_cm: list[float]) -> None:
    """Fix a table's column widths (grid and cells, which Word and LibreOffice each read)."""
    from docx.shared import Cm

    table.autofit = False
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths_cm):
        column.w = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)
