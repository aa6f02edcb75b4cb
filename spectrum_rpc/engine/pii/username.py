"""Usernames (social media handles): `find(text, mode)`.

- NORMAL: handles in the forms the platforms write them: "@chris_93" (document 001), Reddit's
  "u/chris_93", Discord's "chris#1234". An "@" inside a word is an email's ("a@b.com"), and a
  handle followed by "." and a domain label is one too. "@" also stands for "at" ("meet @ 5",
  "@home", "@the station"), so digits alone and a short list of place and time words after it
  are left to PARANOID.
- SUSPICIOUS: a handle given without its "@" after a platform or "username" cue: "my insta is
  chris_93", "snap: chris.93", "add me on discord chris_93", "@ chris_93". The handle must look
  like one (a digit, "_" or "."), since "my insta is private" is English.
- PARANOID: the same cues before any word that is not a common English word ("my insta is
  chrisgram"), "@" before the words NORMAL leaves out, and underscore-joined tokens with no cue
  at all ("xX_sniper_Xx"): people rarely write "_" between words unless it is a name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from .match import Match, Mode, Rule, Span, find_tiers, merge_spans
from .vocabulary import Vocabulary

KIND = "username"

_HANDLE = r"[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?"
_AT_HANDLE = re.compile(rf"(?<![\w@.+-])@(?P<handle>{_HANDLE})(?![\w@]|\.[A-Za-z0-9])")
_REDDIT = re.compile(r"(?<![\w/])/?u/[A-Za-z0-9_-]{3,20}(?![\w/])")
_DISCORD = re.compile(r"(?<![\w#@.])[A-Za-z0-9_.]{2,32}#\d{4}(?!\w)")

_PLATFORMS = (r"insta(?:gram)?|ig|snap(?:chat)?|sc|tik\s?tok|twitter|discord|telegram|tg|"
              r"kik|twitch|reddit|youtube|yt|fb|facebook|onlyfans|skype|wechat|threads|"
              r"bluesky|bsky|github|gitlab|steam|xbox|psn|roblox|minecraft|venmo|cashapp")
# Generic words: a handle follows them only after ":", "=" or "is" ("username: chris_93");
# "my account stay active" has none.
_GENERIC = r"user\s?name|handle|gamertag|ign|account|acc|profile|page"
_CUED = re.compile(
    rf"(?<![^\W\d_])(?:(?:{_PLATFORMS})(?:\s+(?:name|handle|account|acc|id|is|tag))?"
    r"(?:\s*(?::|=|-|is|was|at|on)\s*|\s+)"
    rf"|(?:{_GENERIC})\s*(?::|=|is|was)\s*)(?:(?:is|it's|its)\s+)?@?\s?"
    rf"(?P<handle>{_HANDLE})(?![\w@])",
    re.IGNORECASE)
_CUE_VERB = re.compile(
    rf"(?<![^\W\d_])(?:add|follow|dm|message|find|hit)\s+me\s+(?:on|at|@)\s+(?:{_PLATFORMS})"
    rf"\s*[:\-]?\s*@?(?P<handle>{_HANDLE})(?![\w@])",
    re.IGNORECASE)
_SPACED_AT = re.compile(rf"(?<![\w@])@\s+(?P<handle>{_HANDLE})(?![\w@])")
_UNDERSCORED = re.compile(r"(?<![\w@#/.-])[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+_?(?![\w@#/-]|\.\w)")
_HANDLE_LIKE = re.compile(r"[\d_.]")
_CUE_WORDS = Vocabulary(words=[
    "insta", "instagram", "ig", "snap", "snapchat", "sc", "tik", "tiktok", "twitter", "discord",
    "telegram", "tg", "kik", "twitch", "reddit", "youtube", "yt", "fb", "facebook", "onlyfans",
    "skype", "wechat", "threads", "bluesky", "bsky", "github", "gitlab", "steam", "xbox", "psn",
    "roblox", "minecraft", "venmo", "cashapp", "user", "username", "handle", "gamertag", "ign",
    "account", "acc", "profile", "page"])

# After "@", these mean "at" ("@home", "@ the station", "@noon").
_AT_WORDS = frozenset("""
    home work school the a my your his her their our this that night noon midnight lunch
    dinner breakfast once all everyone everybody here there least last first best
""".split())
# After a platform cue, these are English, not a handle.
_NOT_HANDLES = frozenset("""
    a an the my your his her their our this that is was it private public down dead broken
    banned gone deleted closed open locked same below above in on at not so very too just still
    full new old here there what which now and or but me you him them us if when then also
    only linked bio private. page profile account name handle
""".split())


def find(text: str, mode: Mode = Mode.NORMAL) -> list[Match]:
    """Return the usernames of `text` that `mode` detects, in order."""
    return find_tiers(text, mode, KIND, _TIERS)


def _normal(text: str) -> Iterator[Span]:
    rules = []
    if "@" in text:
        rules.append(_at_handles(text, keep=_usual_handle))
    if "u/" in text:
        rules.append(_spans(_REDDIT, text))
    if "#" in text:
        rules.append(_spans(_DISCORD, text))
    yield from merge_spans(*rules)


def _suspicious(text: str) -> Iterator[Span]:
    rules = []
    if _CUE_WORDS.found_in(text):
        rules.append(_cued(text, _looks_like_handle))
    if "@" in text:
        rules.append(_group(_SPACED_AT, text, _looks_like_handle))
    yield from merge_spans(*rules)


def _paranoid(text: str) -> Iterator[Span]:
    rules = []
    if _CUE_WORDS.found_in(text):
        rules.append(_cued(text, _not_english))
    if "@" in text:
        rules += [_at_handles(text, keep=_any_handle), _group(_SPACED_AT, text, _not_english)]
    if "_" in text:
        rules.append(_spans(_UNDERSCORED, text))
    yield from merge_spans(*rules)


Keep = Callable[[str], bool]


def _usual_handle(handle: str) -> bool:
    return not handle.isdigit() and handle.lower() not in _AT_WORDS and not handle[0].isdigit()


def _any_handle(handle: str) -> bool:
    return True


def _looks_like_handle(handle: str) -> bool:
    return bool(_HANDLE_LIKE.search(handle))


def _not_english(handle: str) -> bool:
    return handle.lower() not in _NOT_HANDLES


def _at_handles(text: str, keep: Keep) -> Iterator[Span]:
    for found in _AT_HANDLE.finditer(text):
        if keep(found.group("handle")):
            yield found.start(), found.end(), None


def _cued(text: str, keep: Keep) -> Iterator[Span]:
    yield from merge_spans(_group(_CUED, text, keep), _group(_CUE_VERB, text, keep))


def _group(pattern: re.Pattern[str], text: str, keep: Keep) -> Iterator[Span]:
    """Yield the handles after a cue: 3 characters or more, a letter among them, and `keep`."""
    for found in pattern.finditer(text):
        handle = found.group("handle")
        if (len(handle) >= 3 and any(ch.isalpha() for ch in handle) and keep(handle)
                and handle.lower() not in _NOT_HANDLES):
            yield found.start("handle"), found.end("handle"), None


def _spans(pattern: re.Pattern[str], text: str) -> Iterator[Span]:
    for found in pattern.finditer(text):
        yield found.start(), found.end(), None


_TIERS: dict[Mode, tuple[Rule, ...]] = {
    Mode.NORMAL: (_normal,),
    Mode.SUSPICIOUS: (_suspicious,),
    Mode.PARANOID: (_paranoid,),
}
