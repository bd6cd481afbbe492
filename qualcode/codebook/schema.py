"""The fields a codebook file may hold, at each level: what :mod:`.model` reads and :mod:`.check` checks."""

BOOK_FIELDS = ("name", "version", "description", "changelog", "threshold", "themes")
NODE_FIELDS = (
    "id", "label", "description", "definition", "include", "exclude", "examples", "origin", "status",
    "memo", "rules", "children", "subthemes", "codes", "guid", "color", "codable", "threshold",
)
CHILD_KEYS = ("children", "subthemes", "codes")
RULE_FIELDS = ("keywords", "patterns", "regex", "near", "exclude_terms", "groups", "methods", "speakers", "min_hits")
ORIGINS = ("deductive", "inductive")
STATUSES = ("active", "candidate", "retired")
CHANGELOG_FIELDS = ("version", "date", "author", "change", "reason")
#: The similarity coding by meaning needs where neither the node nor the book sets ``threshold``.
DEFAULT_MEANING_THRESHOLD = 0.22
