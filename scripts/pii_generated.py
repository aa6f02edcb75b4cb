"""A generated evaluation set for the personal-data detectors: `generated_rows(seed, per_kind)`.

presidio_generated_small.json holds too few emails, urls, cards, phones and IBANs to show a
precision or recall of 0.95 with any confidence. This set is made at run time, seeded and so
reproducible for one version of `faker` (its providers change between versions): sentences
written for this set, each with one slot that `faker` fills, in several locales. Every row has
the gold span of its value; the look-alike rows (order and tracking numbers, dates and times,
prices, quantities, version strings, hexadecimal ids and uuids, ISBNs, file and dotted names,
time ranges and scores, and cards and IBANs whose checksum fails) have none, so whatever a
detector finds in them is a false positive.

Emails: faker's, first.last at a sub-domain, "+tag" addresses, capitals. Urls: faker's `url()`
and `uri()`, with a query, a port, a fragment, an IPv4 host, or "www." without a scheme (a bare
domain is SUSPICIOUS in document 001, so none is gold here).

Phone numbers are written in national and international formats of ten countries, the digits
drawn by `faker` into formats of each country's numbering plan (below); the en_US, en_GB and
fr_FR locales' own `phone_number()` (with extensions such as "x9150") are a second source.
Cards are the Luhn-valid numbers of `faker`'s brands, plain or in their printed groups; IBANs
are `faker`'s (valid mod-97) for 18 countries, plain or in groups of four.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote_plus

from faker import Faker

KINDS = ("email", "url", "phone", "credit_debit_number", "iban")


@dataclass(frozen=True)
class Generated:
    """One sentence: its text, the gold span of its value (or None), and what it shows."""

    text: str
    kind: str | None  # one of KINDS, or None for a look-alike that must not be found
    span: tuple[int, int] | None
    variety: str  # "phone DE international", "look-alike invalid IBAN", ...


TEMPLATES = {
    "email": [
        "You can write to {} if the form does not work.",
        "my mail is {}",
        "Contact: {}.",
        "send the invoice to {}, thanks!",
        "({}) is the address I use for work",
        "Reach her at <{}> after Monday.",
        "Questions? Ping {} and we'll get back to you",
    ],
    "url": [
        "The full guide is at {} if you want it.",
        "see {}",
        "I posted the photos here: {}.",
        "The link ({}) works for me now",
        "check out {}!!",
        "Source: {}",
    ],
    "phone": [
        "Call me on {} after six.",
        "my number is {}",
        "Tel: {}",
        "you can text {} anytime.",
        "The front desk ({}) opens at nine",
        "Ring the office at {}, ask for the manager.",
        "whatsapp me {} pls",
    ],
    "credit_debit_number": [
        "Charge it to my card {} please",
        "card number: {}",
        "I paid with {} and it was declined.",
        "use {} for the booking, expiry next year",
        "The number on the card is {}.",
    ],
    "iban": [
        "Please transfer the deposit to {}.",
        "IBAN: {}",
        "my bank account is {}, same name as on the lease",
        "Send the rent to {} by the 5th",
        "Refunds go to {} (the joint account).",
    ],
}

# National and international formats: "#" any digit, "%" 1-9 (faker's numerify).
PHONE_FORMATS = {
    "US": (["(%##) %##-####", "%##-%##-####", "%##.%##.####"],
           ["+1 %##-%##-####", "+1 (%##) %##-####", "+1%##%######"]),
    "GB": (["020 7### ####", "07%## ######", "0161 ### ####"],
           ["+44 20 7### ####", "+44 7%## ######", "+447%########"]),
    "DE": (["030 %#######", "0151 %#######", "089 %######"],
           ["+49 30 %#######", "+49 151 %#######", "+49 (0)89 %######"]),
    "FR": (["0% ## ## ## ##", "06 ## ## ## ##", "01.##.##.##.##"],
           ["+33 6 ## ## ## ##", "+33 1 ## ## ## ##", "+33 (0)6 ## ## ## ##"]),
    "ES": (["6## ### ###", "91 ### ## ##"], ["+34 6## ## ## ##", "+34 91 ### ## ##"]),
    "IT": (["3## ### ####", "06 %#######"], ["+39 3## ### ####", "+39 06 %#######"]),
    "NL": (["06-%#######", "020 ### ####"], ["+31 6 %#######", "+31 20 ### ####"]),
    "IN": (["09%## #####", "98### #####"], ["+91 9%### #####", "+91-98###-#####"]),
    "AU": (["(02) %### ####", "04## ### ###"], ["+61 4## ### ###", "+61 2 %### ####"]),
    "BR": (["(11) 9%###-####", "(21) %###-####"], ["+55 11 9%###-####", "+55 21 %###-####"]),
}
PHONE_LOCALES = ("en_US", "en_GB", "fr_FR")  # whose own phone_number() formats are plausible
_FIRST_DATE, _LAST_DATE = datetime(2001, 1, 1), datetime(2030, 12, 31)  # look-alike dates

CARD_BRANDS = ("visa16", "visa13", "mastercard", "amex", "discover", "jcb16", "diners")
CARD_GROUPS = {13: (13,), 14: (4, 6, 4), 15: (4, 6, 5), 16: (4, 4, 4, 4)}

IBAN_LOCALES = ("en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "de_AT", "de_CH",
                "nl_BE", "pt_PT", "no_NO", "da_DK", "fi_FI", "en_IE", "cs_CZ", "ro_RO", "tr_TR")
TEXT_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL")

LOOK_ALIKES = {
    "order number": ["Your order #{} has shipped.", "Order no. {} is ready for pickup",
                     "ticket {} was closed"],
    "tracking number": ["Tracking: {} (out for delivery)", "the parcel {} is stuck in customs"],
    "date and time": ["The meeting moved to {}.", "posted {} by the admin", "due {}"],
    "price": ["It costs {} now", "total {} incl. VAT", "I sold it for {} last year"],
    "version": ["Updated to version {} yesterday", "running {} on the server", "build {} fixed it"],
    "hex id": ["commit {} broke the build", "request id {}", "your session {} expired"],
    "ISBN": ["ISBN {}", "the book (ISBN {}) is out of print"],
    "quantity": ["{} people watched it", "we sold {} units in March"],
    "file or dotted name": ["open {} and look at page 3", "we moved to {} last year",
                            "the logo is {} in the repo"],
    "time range or score": ["open {} on weekdays", "it ended {} after extra time"],
    "invalid card": ["card number: {}", "Charge it to my card {} please"],
    "invalid IBAN": ["IBAN: {}", "Please transfer the deposit to {}."],
}


def generated_rows(seed: int = 16, per_kind: int = 240, look_alikes: int = 40) -> list[Generated]:
    """Return `per_kind` rows for each of KINDS and `look_alikes` rows of each LOOK_ALIKES kind."""
    rng = random.Random(seed)
    fakers = {loc: Faker(loc) for loc in {*TEXT_LOCALES, *IBAN_LOCALES, *PHONE_LOCALES}}
    for index, locale in enumerate(sorted(fakers)):
        fakers[locale].seed_instance(seed * 1000 + index)
    values: dict[str, Callable[[], tuple[str, str]]] = {
        "email": lambda: _email(rng, fakers), "url": lambda: _url(rng, fakers),
        "phone": lambda: _phone(rng, fakers), "credit_debit_number": lambda: _card(rng, fakers),
        "iban": lambda: _iban(rng, fakers)}
    rows = []
    for kind in KINDS:
        for _ in range(per_kind):
            value, variety = values[kind]()
            rows.append(_fill(rng.choice(TEMPLATES[kind]), value, kind, variety))
    for kind, templates in LOOK_ALIKES.items():
        for _ in range(look_alikes):
            value = _look_alike(kind, rng, fakers)
            rows.append(_fill(rng.choice(templates), value, None, f"look-alike {kind}"))
    return rows


def _fill(template: str, value: str, kind: str | None, variety: str) -> Generated:
    begin = template.index("{}")
    text = template[:begin] + value + template[begin + 2:]
    return Generated(text, kind, (begin, begin + len(value)) if kind else None, variety)


def _email(rng: random.Random, fakers: dict[str, Faker]) -> tuple[str, str]:
    fake = fakers[rng.choice(TEXT_LOCALES)]
    how = rng.choice(("email", "free_email", "company_email", "dotted", "tagged", "capitals"))
    # a name as a mailbox writes it: "van den Velden" and "West-Francië, van" lose space, comma
    name = re.sub(r"[^\w.'-]", "", f"{fake.first_name()}.{fake.last_name()}")
    if how == "dotted":
        return f"{name}@{fake.domain_name(2)}".lower(), how
    if how == "tagged":
        return f"{fake.user_name()}+{fake.word().replace(' ', '')}@{fake.free_email_domain()}", how
    if how == "capitals":
        return f"{name}@{fake.domain_word().capitalize()}.{fake.tld().upper()}", how
    return getattr(fake, how)(), how


def _url(rng: random.Random, fakers: dict[str, Faker]) -> tuple[str, str]:
    fake = fakers[rng.choice(TEXT_LOCALES)]
    how = rng.choice(("url", "uri", "query", "www", "port", "fragment", "ip"))
    if how == "port":
        port = rng.choice((8080, 8443, 3000))
        return f"http://{fake.domain_name()}:{port}/{fake.uri_path()}", how
    if how == "fragment":
        return f"{fake.uri()}#{fake.slug()}", how
    if how == "ip":
        return f"http://{fake.ipv4_public()}/{fake.uri_path()}", how
    if how == "query":
        query = quote_plus(fake.word())  # a word may hold a space ("zachowywać się")
        return f"{fake.url()}search?q={query}&page={rng.randint(2, 40)}", how
    if how == "www":
        return f"www.{fake.domain_name()}/{fake.uri_path()}", how
    return getattr(fake, how)(), how


def _phone(rng: random.Random, fakers: dict[str, Faker]) -> tuple[str, str]:
    if rng.random() < 0.2:
        locale = rng.choice(PHONE_LOCALES)
        return fakers[locale].phone_number(), f"faker {locale}"
    country = rng.choice(sorted(PHONE_FORMATS))
    international = rng.random() < 0.5
    formats = PHONE_FORMATS[country][international]
    style = "international" if international else "national"
    return fakers["en_US"].numerify(rng.choice(formats)), f"{country} {style}"


def _card(rng: random.Random, fakers: dict[str, Faker]) -> tuple[str, str]:
    brand = rng.choice(CARD_BRANDS)
    number = fakers["en_US"].credit_card_number(brand)
    how = rng.choice(("plain", " ", "-"))
    return (number if how == "plain" else _grouped(number, how)), f"{brand} {how!r}"


def _grouped(number: str, separator: str) -> str:
    pieces, at = [], 0
    for size in CARD_GROUPS.get(len(number), (len(number),)):
        pieces.append(number[at:at + size])
        at += size
    return separator.join(pieces)


def _iban(rng: random.Random, fakers: dict[str, Faker]) -> tuple[str, str]:
    iban = fakers[rng.choice(IBAN_LOCALES)].iban()
    if rng.random() < 0.5:
        return iban, f"{iban[:2]} compact"
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4)), f"{iban[:2]} grouped"


def _look_alike(kind: str, rng: random.Random, fakers: dict[str, Faker]) -> str:
    fake = fakers[rng.choice(TEXT_LOCALES)]
    if kind == "order number":
        return fake.numerify(rng.choice(("%#######", "%#########", "##-%######")))
    if kind == "tracking number":
        shape = rng.choice(("1Z###??##########", "??#########??", "JD############"))
        return fake.bothify(shape).upper()
    if kind == "date and time":
        pattern = rng.choice(("%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M", "%m/%d/%Y %I:%M %p",
                              "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S"))
        # Fixed bounds: faker's date_time() ends at the current time, so a seed gave another
        # value every minute.
        return fake.date_time_between(_FIRST_DATE, _LAST_DATE).strftime(pattern)
    if kind == "price":
        cents = f"{rng.randint(0, 99):02d}"
        return rng.choice((fake.pricetag(), f"{rng.randint(1000, 99999):,}.{cents} EUR",
                           f"€ {rng.randint(1, 999)}.{rng.randint(100, 999)},{cents}"))
    if kind == "version":
        return fake.numerify(rng.choice(("%.#.####", "v%.##.#", "%#.0.#####.####", "%.#.#-rc%")))
    if kind == "hex id":
        return rng.choice((fake.sha1()[:12], fake.uuid4(), fake.hexify("^^^^^^^^^^^^^^^^")))
    if kind == "ISBN":
        return rng.choice((fake.isbn13(), fake.isbn10()))
    if kind == "file or dotted name":
        return rng.choice((fake.file_name(), f"icon@{rng.randint(2, 3)}x.png", "Node.js",
                           f"{fake.word()}.{fake.file_extension()}",
                           f"python{rng.randint(2, 3)}.{rng.randint(6, 13)}"))
    if kind == "time range or score":
        return rng.choice((f"{rng.randint(6, 10)}:00-{rng.randint(16, 22)}:30",
                           f"{rng.randint(0, 9)}-{rng.randint(0, 9)} ({rng.randint(0, 9)}-"
                           f"{rng.randint(0, 9)}, {rng.randint(0, 9)}-{rng.randint(0, 9)})"))
    if kind == "quantity":
        return f"{rng.randint(1_000_000, 99_999_999):,}"
    if kind == "invalid card":
        number = fakers["en_US"].credit_card_number(rng.choice(CARD_BRANDS))
        number = number[:-1] + str((int(number[-1]) + rng.randint(1, 9)) % 10)  # Luhn fails
        return _grouped(number, rng.choice((" ", "-")))
    iban = fakers[rng.choice(IBAN_LOCALES)].iban()
    check = (int(iban[2:4]) + rng.randint(1, 96)) % 97  # mod-97 fails
    iban = f"{iban[:2]}{check:02d}{iban[4:]}"
    return rng.choice((iban, " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))))
