"""The version of qualcode, in one place (reports and REFI-QDA files print it; pyproject.toml repeats it)."""

__version__ = "0.1.0"
