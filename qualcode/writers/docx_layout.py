"""Page layout and styles for qualcode's Word documents: A4 pages, fonts, quote styles, footer, TOC.

:func:`new_document` gives a python-docx ``Document`` set up the same way for every report.
"""

from __future__ import annotations

from .word import BodyWriter, add_field, clean, paragraph_xml

FONT = "Arial"  # LibreOffice renders it with the metric-compatible Liberation Sans
INK, GREY, HEADER_FILL, THEME_FILL = "1F3864", "595959", "D9E2F3", "F2F2F2"
PORTRAIT_CM, LANDSCAPE_CM = (21.0, 29.7), (29.7, 21.0)
MARGIN_CM = 2.0


def add_styles(document) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    def font(style, size=None, bold=None, italic=None, color=None):
        style.font.name = FONT
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), FONT)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)  # a theme font would win over the named one
        if size:
            style.font.size = Pt(size)
        if bold is not None:
            style.font.bold = bold
        if italic is not None:
            style.font.italic = italic
        if color:
            style.font.color.rgb = RGBColor.from_string(color)

    styles = document.styles
    font(styles["Normal"], 10)
    styles["Normal"].paragraph_format.space_after = Pt(4)
    for level, size in ((1, 16), (2, 13), (3, 11)):
        style = styles[f"Heading {level}"]
        font(style, size, bold=True, italic=False, color=INK)
        style.paragraph_format.space_before = Pt(14 if level == 1 else 10)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.page_break_before = level == 1
    font(styles["Title"], 24, color=INK)
    styles["Title"].paragraph_format.space_before = Cm(4)
    font(styles["Subtitle"], 14, italic=False, color=GREY)
    font(styles["TOC Heading"], 16, bold=True, color=INK)
    font(styles["Caption"], 9, bold=False, italic=True, color=GREY)
    quote = styles["Quote"]
    font(quote, 10, italic=True, color="262626")
    fmt = quote.paragraph_format
    fmt.left_indent, fmt.right_indent = Cm(1.0), Cm(1.0)
    fmt.space_before, fmt.space_after = Pt(6), Pt(1)
    fmt.keep_with_next = True
    for name, size, color, after, indent in (("Attribution", 9, GREY, 8, 1.0), ("Counts", 9, GREY, 6, 0.0),
                                             ("Note", 8.5, GREY, 4, 0.0)):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        font(style, size, color=color)
        style.paragraph_format.space_after = Pt(after)
        style.paragraph_format.left_indent = Cm(indent)
    for level in (1, 2):
        style = styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        style.paragraph_format.space_after = Pt(2)
        font(style, 10.5 if level == 1 else 10, bold=level == 1)


def set_page(section, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    width, height = LANDSCAPE_CM if landscape else PORTRAIT_CM
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(width), Cm(height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))


def text_width(section) -> float:
    return section.page_width.cm - section.left_margin.cm - section.right_margin.cm


def new_document(info, *, landscape: bool = False):
    """A document with qualcode's styles, A4 pages, a footer with the title and page number."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    add_styles(document)
    section = document.sections[0]
    set_page(section, landscape)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.style = document.styles["Note"]
    footer.add_run(clean(f"{info.title}  |  page "))
    add_field(footer, "PAGE", "1")
    props = document.core_properties
    props.title, props.subject, props.author = clean(info.title), clean(info.study), "qualcode"
    return document


def page_break(body: BodyWriter) -> None:
    from lxml import etree

    paragraph = paragraph_xml([])
    run = etree.SubElement(paragraph, paragraph.tag.replace("}p", "}r"))
    etree.SubElement(run, paragraph.tag.replace("}p", "}br")).set(paragraph.tag.replace("}p", "}type"), "page")
    body.append(paragraph)


def toc_placeholder(body: BodyWriter):
    body.paragraph("Contents", "TOC Heading")
    return body.paragraph("")


def fill_toc(document, body: BodyWriter, placeholder, levels: int = 2) -> None:
    """Replace ``placeholder`` with a TOC field whose cached result lists the headings (Word refreshes
    it with page numbers; other readers show the list as it is)."""
    from lxml import etree

    w = placeholder.tag[: -len("p")]
    entries = [(level, text) for level, text in body.headings if level <= levels]
    if not entries:
        entries = [(1, "No headings")]

    def char(parent, kind, dirty=False):
        node = etree.SubElement(etree.SubElement(parent, w + "r"), w + "fldChar")
        node.set(w + "fldCharType", kind)
        if dirty:
            node.set(w + "dirty", "true")

    paragraphs = []
    for i, (level, text) in enumerate(entries):
        paragraph = paragraph_xml([], body.style_id(f"toc {level}"))
        if i == 0:
            char(paragraph, "begin", dirty=True)
            instr = etree.SubElement(etree.SubElement(paragraph, w + "r"), w + "instrText")
            instr.text = f' TOC \\o "1-{levels}" \\h \\z \\u '
            instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            char(paragraph, "separate")
        paragraph.append(paragraph_xml(text)[0])
        if i == len(entries) - 1:
            char(paragraph, "end")
        paragraphs.append(paragraph)
    for paragraph in paragraphs:
        placeholder.addprevious(paragraph)
    placeholder.getparent().remove(placeholder)


def new_section(document, landscape: bool):
    from docx.enum.section import WD_SECTION

    section = document.add_section(WD_SECTION.NEW_PAGE)
    set_page(section, landscape)
    return section
