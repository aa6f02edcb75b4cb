"""Domain names, shared by the email and url detectors: top-level domains and written-out dots.

A domain counts only when it ends in a real top-level domain (`tlds.txt`, the ICANN part of the
Public Suffix List): this is what keeps "e.g.", "Dr. Smith", "file.png" and "1.2.3" from being
read as domains, and "example at gmail dot com" from needing more than the word "com" to end it.
"""

from __future__ import annotations

import functools
from importlib import resources

# One DNS label: letters (any script), digits and inner hyphens, at most 63 characters.
LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"

# Dots written to evade a filter, for text the normal rules do not see as a domain:
# "gmail|DOT|com", "gmail(dot)com", "gmail [dot] com", "gmail dot com", "gmail (.) com".
BRACKETED_DOT = (r"\s{0,3}(?:[\[({<|]\s{0,2}(?:dot|\.)\s{0,2}[\])}>|]"
                 r"|\|\s{0,2}dot\s{0,2}\||\*dot\*|-dot-|_dot_)\s{0,3}")
WORD_DOT = r"\s{1,3}dot\s{1,3}"
# A dot with a space before it: "gmail . com". "home. is" (space after only) is a full stop.
SPACED_DOT = r"\s{1,3}\.\s{0,3}"

# Suffixes that are also common file extensions: "README.md", "setup.py", "run.sh", "libc.so" are
# files far more often than Moldovan, Paraguayan, Saint Helenan or Somali domains, so only
# PARANOID reads such a name as a domain when nothing else (a scheme, "www.", a path) says so.
FILE_LIKE_TLDS = frozenset({"md", "py", "sh", "rs", "cc", "ps", "so", "mov", "zip"})

# Extensions that end names which are not domains even in PARANOID ("icon@2x.png", "photo.jpg").
FILE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "pdf",
                             "txt", "doc", "docx", "xls", "xlsx", "csv", "js", "css", "html",
                             "htm", "json", "xml", "yml", "yaml", "ini", "cfg", "exe", "dll",
                             "mp3", "mp4", "wav", "avi", "mkv", "gz", "tgz", "rar", "tar"})


@functools.cache
def top_level_domains() -> frozenset[str]:
    """Return the lower-cased top-level domains (read once per process)."""
    text = resources.files(__package__).joinpath("tlds.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.split() if not line.startswith("#"))


def is_tld(label: str) -> bool:
    """Tell whether `label` (any case) is a top-level domain."""
    return label.lower() in top_level_domains()
