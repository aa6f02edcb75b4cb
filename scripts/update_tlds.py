"""Rewrite spectrum_rpc/engine/pii/tlds.txt: the top-level domains the email and url detectors know.

The list is the last label of every ICANN rule of the Public Suffix List snapshot that `tldextract`
ships (no network: its `suffix_list_urls=()` mode). Serving reads only the text file, so tldextract
is needed only here: `pip install -e '.[evaluate]'` then `python scripts/update_tlds.py`.
"""

from __future__ import annotations

from pathlib import Path

import tldextract

TARGET = Path(__file__).resolve().parent.parent / "spectrum_rpc" / "engine" / "pii" / "tlds.txt"


def top_level_domains() -> list[str]:
    """Return the sorted, lower-cased, de-duplicated top-level labels of the ICANN suffixes."""
    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                    include_psl_private_domains=False)
    labels = {suffix.rsplit(".", 1)[-1].lower() for suffix in extract.tlds}
    return sorted(label for label in labels if label and not label.startswith("*"))


def main() -> None:
    """Write one top-level domain a line."""
    tlds = top_level_domains()
    header = "# Top-level domains (ICANN part of the Public Suffix List): scripts/update_tlds.py\n"
    TARGET.write_text(header + "\n".join(tlds) + "\n", encoding="utf-8")
    print(f"wrote {len(tlds)} top-level domains to {TARGET}")


if __name__ == "__main__":
    main()
