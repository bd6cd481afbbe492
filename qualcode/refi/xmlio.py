"""XML for REFI-QDA: parsing untrusted files safely and leniently, writing strictly, GUIDs.

Reading: :func:`parse_xml` uses defusedxml (entity declarations and external references are refused,
so a billion-laughs file or an ``<!ENTITY x SYSTEM "file:///etc/passwd">`` never expands) and strips
namespaces, so ``urn:QDA-XML:project:1.0``, a vendor's ``codebook:0:4`` variant or no namespace at all
read the same. GUIDs are compared by :func:`guid_key` (no braces, lower case).

Writing: elements carry the standard's namespace; :func:`clean` drops characters XML 1.0 cannot hold.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from xml.etree import ElementTree as ET

from ..errors import SourceFormatError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
#: Namespace for the GUIDs qualcode derives from ids, so the same node always gets the same GUID.
QUALCODE_NS = uuid.UUID("3c0f8d52-7a4b-5e61-9f0d-2b6c1e4a7d90")
_NS_BYTES = QUALCODE_NS.bytes

GUID_RE = re.compile(
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})$"
)
RGB_RE = re.compile(r"^#(?:[A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def local(tag) -> str:
    """``{urn:...}Code`` -> ``Code``."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_xml(data: bytes, name: str):
    """Parse ``data`` (named ``name`` in messages) into an ElementTree root with namespaces stripped."""
    import defusedxml
    from defusedxml.ElementTree import fromstring

    if not data.strip():
        raise SourceFormatError(f"{name}: the file is empty; re-export the project or codebook.")
    try:
        root = fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":", 1)[0]
        raise SourceFormatError(
            f"{name}:{line}:{column}: malformed XML ({reason}); the export is damaged, re-export it from the QDA program."
        ) from None
    except defusedxml.DefusedXmlException as exc:
        raise SourceFormatError(
            f"{name}: the XML declares entities or external references ({type(exc).__name__}), which REFI-QDA files "
            "never need and XML bombs use; refusing it."
        ) from None
    for element in root.iter():
        element.tag = local(element.tag)
        if element.attrib and any("}" in key for key in element.attrib):
            element.attrib = {local(k): v for k, v in element.attrib.items()}
    return root


def children(element, tag: str) -> list:
    """Direct children called ``tag`` (namespaces already stripped)."""
    return [child for child in element if child.tag == tag]


def child(element, tag: str):
    return next((c for c in element if c.tag == tag), None)


def text_of(element, tag: str) -> str:
    """The stripped text of the first child ``tag``, or ``""``."""
    found = child(element, tag)
    return (found.text or "").strip() if found is not None else ""


def guid_key(value) -> str:
    """A GUID as compared: braces and white space removed, lower case (NVivo writes upper case)."""
    return str(value or "").strip().strip("{}").strip().lower()


def is_guid(value) -> bool:
    return bool(value) and bool(GUID_RE.match(str(value).strip()))


def derived_guid(*parts: str) -> str:
    """A stable GUID for ``parts`` (e.g. ``("code", book name, node id)``): the same input, the same GUID.

    It is ``uuid.uuid5(QUALCODE_NS, "\\x1f".join(parts))``, computed without building UUID objects (an
    export derives one per selection and coding).
    """
    digest = bytearray(hashlib.sha1(_NS_BYTES + "\x1f".join(parts).encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def clean(value) -> str:
    """Text XML 1.0 can hold: control characters (other than tab/newline) and lone surrogates removed."""
    return _XML_ILLEGAL.sub("", "" if value is None else str(value))


def sub(parent, tag: str, attrs: dict | None = None, text: str | None = None):
    """Append ``<tag attrs>text</tag>`` to ``parent``, skipping attributes whose value is ``None``."""
    element = ET.SubElement(parent, tag, {k: clean(v) for k, v in (attrs or {}).items() if v is not None})
    if text is not None:
        element.text = clean(text)
    return element


def to_bytes(root, namespace: str) -> bytes:
    """Serialise ``root`` (tags without prefixes) as UTF-8 with ``namespace`` as the default namespace."""
    root.set("xmlns", namespace)
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False) + b"\n"
