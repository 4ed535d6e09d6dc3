"""Reading a text message: what people type by SMS or WhatsApp, in any of our six
languages and scripts, with native digits ("۷۵۰ ریال پاکستان", "১০০০ দিরহাম বাংলাদেশ",
"send 200 pounds to Bangladesh", "ALERT 750 SAR PK 56000"). Pure: no I/O.

`parse(text, routes)` returns an intent (Ask, AlertAsk, Command or Unreadable) and the
language of the message (`detect_language`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from api.domain.languages import LANGUAGES

LANGS = tuple(LANGUAGES)  # en, ur, fa-AF, ps, bn, ar
DESTINATIONS = ("PK", "BD", "AF", "IQ", "IR")
MAX_AMOUNT = Decimal(1_000_000_000)  # as the compare API's limit

# -- digits and letters ---------------------------------------------------------------------

_DIGITS = {
    **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic
    **{chr(0x06F0 + i): str(i) for i in range(10)},  # Extended Arabic-Indic (ur, fa, ps)
    **{chr(0x09E6 + i): str(i) for i in range(10)},  # Bengali
    "\u066b": ".",  # Arabic decimal separator
    "\u066c": ",",  # Arabic thousands separator
}
# Letter forms that differ between Arabic and Persian keyboards: matched as one.
_FOLD = {
    "ي": "ی",
    "ى": "ی",
    "ې": "ی",
    "ۍ": "ی",
    "ك": "ک",
    "ګ": "گ",
    "ة": "ه",
    "ہ": "ه",
    "ۀ": "ه",
    "ھ": "ه",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "\u200c": "",  # zero-width non-joiner
    "\u200d": "",
    "\u0640": "",  # tatweel
}
_TRANS = str.maketrans({**_DIGITS, **_FOLD})


def normalise(text: str) -> str:
    """Lower case, native digits as ASCII, Arabic/Persian letter variants folded, marks
    removed: the form every vocabulary word is matched in."""
    text = unicodedata.normalize("NFC", text).translate(_TRANS).lower()
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


# -- vocabulary (matched after `normalise`) -------------------------------------------------

_COUNTRY_WORDS: dict[str, tuple[str, ...]] = {
    "PK": ("pakistan", "pak", "پاکستان", "باکستان", "পাকিস্তান"),
    "BD": ("bangladesh", "بنگله دیش", "بنگلہ دیش", "بنگلادش", "بنغلادیش", "বাংলাদেশ"),
    "AF": ("afghanistan", "افغانستان", "আফগানিস্তান"),
    "IQ": ("iraq", "عراق", "العراق", "ইরাক"),
    "IR": ("iran", "ایران", "ইরান"),
    "SA": ("saudi arabia", "saudi", "ksa", "سعودی عرب", "سعودی", "السعودیه", "سعودیه", "সৌদি"),
    "AE": ("uae", "emirates", "dubai", "امارات", "الامارات", "دبئی", "دبی", "আমিরাত", "দুবাই"),
    "GB": (
        "united kingdom",
        "uk",
        "britain",
        "england",
        "london",
        "برطانیه",
        "انگلینڈ",
        "بریتانیا",
        "انگلستان",
        "যুক্তরাজ্য",
        "লন্ডন",
    ),
    "US": ("usa", "america", "united states", "امریکه", "امریکا", "امریکہ", "امریکا", "আমেরিকা"),
    "QA": ("qatar", "قطر", "কাতার"),
    "KW": ("kuwait", "کویت", "الکویت", "কুয়েত"),
    "OM": ("oman", "عمان", "ওমান"),
    "IT": ("italy", "اٹلی", "ایتالیا", "ایطالیا", "ইতালি"),
    "DE": ("germany", "جرمنی", "آلمان", "المان", "المانیا", "জার্মানি"),
    "ES": ("spain", "سپین", "اسپانیا", "اسبانیا", "স্পেন"),
    "CA": ("canada", "کینیڈا", "کانادا", "کندا", "কানাডা"),
    "MY": ("malaysia", "ملائیشیا", "مالزی", "مالیزیا", "মালয়েশিয়া"),
    "SE": ("sweden", "سویڈن", "سوئد", "السوید", "সুইডেন"),
    "TR": ("turkey", "turkiye", "türkiye", "ترکی", "ترکیه", "ترکیا", "তুরস্ক"),
    "JO": ("jordan", "اردن", "الاردن", "জর্ডান"),
}
# Currency words -> the currencies they can mean, most common first ("riyal": Saudi first).
_CURRENCY_WORDS: dict[str, tuple[str, ...]] = {
    "riyal": ("SAR", "QAR", "OMR"),
    "riyals": ("SAR", "QAR", "OMR"),
    "rial": ("SAR", "OMR", "QAR"),
    "rials": ("SAR", "OMR", "QAR"),
    "ریال": ("SAR", "QAR", "OMR"),
    "রিয়াল": ("SAR", "QAR", "OMR"),
    "dirham": ("AED",),
    "dirhams": ("AED",),
    "درہم": ("AED",),
    "درهم": ("AED",),
    "دراهم": ("AED",),
    "দিরহাম": ("AED",),
    "pound": ("GBP",),
    "pounds": ("GBP",),
    "£": ("GBP",),
    "پاؤنڈ": ("GBP",),
    "پاونڈ": ("GBP",),
    "پوند": ("GBP",),
    "جنیه": ("GBP",),
    "পাউন্ড": ("GBP",),
    "dollar": ("USD", "CAD"),
    "dollars": ("USD", "CAD"),
    "$": ("USD", "CAD"),
    "ڈالر": ("USD", "CAD"),
    "دالر": ("USD", "CAD"),
    "دلار": ("USD", "CAD"),
    "دولار": ("USD", "CAD"),
    "ডলার": ("USD", "CAD"),
    "euro": ("EUR",),
    "euros": ("EUR",),
    "€": ("EUR",),
    "یورو": ("EUR",),
    "ইউরো": ("EUR",),
    "dinar": ("KWD", "JOD"),
    "dinars": ("KWD", "JOD"),
    "دینار": ("KWD", "JOD"),
    "ringgit": ("MYR",),
    "رنگٹ": ("MYR",),
    "রিঙ্গিত": ("MYR",),
    "krona": ("SEK",),
    "kronor": ("SEK",),
    "کرون": ("SEK",),
    "lira": ("TRY",),
    "لیره": ("TRY",),
    "لیرا": ("TRY",),
    "লিরা": ("TRY",),
    "rupee": ("PKR",),
    "rupees": ("PKR",),
    "روپے": ("PKR",),
    "روپیه": ("PKR",),
    "روپی": ("PKR",),
}
_CODES = (
    "SAR",
    "AED",
    "GBP",
    "USD",
    "EUR",
    "QAR",
    "KWD",
    "OMR",
    "CAD",
    "MYR",
    "SEK",
    "TRY",
    "JOD",
    "PKR",
    "IRR",
)

# Commands, by language (the first word of the message).
_HELP = {
    "en": ("help", "info", "?"),
    "ur": ("مدد",),
    "fa-AF": ("کمک", "راهنما"),
    "ps": ("مرسته", "لارښود"),
    "bn": ("সাহায্য", "হেল্প"),
    "ar": ("مساعده",),
}
_STOP = {
    "en": ("stop", "unsubscribe", "cancel", "end", "quit", "stopall"),
    "ur": ("بند", "روکو", "ختم"),
    "fa-AF": ("توقف", "لغو"),
    "ps": ("ودروه", "بس"),
    "bn": ("বন্ধ", "থামুন"),
    "ar": ("ایقاف", "الغاء", "توقف"),
}
_LANG = {
    "en": ("lang", "language"),
    "ur": ("زبان",),
    "fa-AF": ("زبان",),
    "ps": ("ژبه",),
    "bn": ("ভাষা",),
    "ar": ("لغه",),
}
_ALERT = {
    "en": ("alert", "alarm", "notify"),
    "ur": ("الرٹ", "انتباه"),
    "fa-AF": ("هشدار",),
    "ps": ("خبرتیا",),
    "bn": ("সতর্কতা", "এলার্ট", "অ্যালার্ট"),
    "ar": ("تنبیه",),
}
_LANG_NAMES = {
    "en": "en", "english": "en", "انگریزی": "en", "ইংরেজি": "en",
    "ur": "ur", "urdu": "ur", "اردو": "ur", "উর্দু": "ur",
    "fa": "fa-AF", "fa-af": "fa-AF", "prs": "fa-AF", "dari": "fa-AF", "دری": "fa-AF",
    "farsi": "fa-AF", "فارسی": "fa-AF",
    "ps": "ps", "pashto": "ps", "پښتو": "ps", "پشتو": "ps",
    "bn": "bn", "bangla": "bn", "bengali": "bn", "বাংলা": "bn",
    "ar": "ar", "arabic": "ar", "عربی": "ar", "العربیه": "ar",
}  # fmt: skip


def _folded(words: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {k: tuple(normalise(w) for w in v) for k, v in words.items()}


COUNTRY_WORDS = _folded(_COUNTRY_WORDS)
CURRENCY_WORDS = {normalise(k): v for k, v in _CURRENCY_WORDS.items()}
HELP_WORDS = _folded(_HELP)
STOP_WORDS = _folded(_STOP)
LANG_WORDS = _folded(_LANG)
ALERT_WORDS = _folded(_ALERT)
LANG_NAMES = {normalise(k): v for k, v in _LANG_NAMES.items()}

# -- intents ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A corridor a message can ask about."""

    from_country: str
    to_country: str
    send_currency: str
    receive_currency: str


@dataclass(frozen=True)
class Ask:
    route: Route
    amount: Decimal


@dataclass(frozen=True)
class AlertAsk:
    route: Route
    amount: Decimal
    threshold: Decimal


@dataclass(frozen=True)
class Command:
    kind: str  # help, stop, lang
    lang: str | None = None  # LANG: the language asked for


@dataclass(frozen=True)
class Unreadable:
    reason: str  # amount, country, currency, route, lang


Intent = Ask | AlertAsk | Command | Unreadable


@dataclass(frozen=True)
class Parsed:
    intent: Intent
    lang: str


# -- language ---------------------------------------------------------------------------------

_PASHTO = set("ښږځڅټډړګېۍڼ")
_URDU = set("ٹڈڑںےھہۓ")
_ARABIC = set("يكةى") | {chr(0x0660 + i) for i in range(10)}
_DARI_WORDS = ("کمک", "هشدار", "توقف", "لغو", "راهنما", "دری", "فارسی", "افغانی")


def detect_language(
    text: str, *, fallback: str | None = None, to_country: str | None = None
) -> str:
    """The language a message is written in. Latin script is English unless the sender
    chose another (`fallback`, from LANG); Perso-Arabic text without a letter or word
    particular to one language goes by `fallback`, else by the destination (Pakistan: Urdu,
    otherwise Dari)."""
    letters = set(text)
    if any("\u0980" <= c <= "\u09ff" for c in text):
        return "bn"
    arabic_script = any("\u0600" <= c <= "\u06ff" for c in text)
    if not arabic_script:
        return fallback or "en"
    scores = {
        "ps": len(letters & _PASHTO),
        "ur": len(letters & _URDU),
        "ar": len(letters & _ARABIC) + (2 if re.search(r"(^|\s)ال", text) else 0),
    }
    folded = normalise(text)
    scores["fa-AF"] = sum(2 for w in _DARI_WORDS if w in folded.split())
    best = max(scores.values())
    if best > 0:
        return max(scores, key=lambda k: scores[k])
    if fallback in ("ur", "fa-AF", "ps", "ar"):
        return fallback
    return "ur" if to_country == "PK" else "fa-AF"


# -- reading ------------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(k)?(?![\w])")


def _numbers(text: str) -> list[Decimal]:
    found = []
    for m in _NUMBER.finditer(text):
        whole = m.group(1).replace(",", "")
        try:
            value = Decimal(whole + ("." + m.group(2) if m.group(2) else ""))
        except InvalidOperation:  # pragma: no cover - the pattern admits digits only
            continue
        if m.group(3):
            value *= 1000
        found.append(value)
    return found


def _find(text: str, vocabulary: dict[str, tuple[str, ...]]) -> list[tuple[int, str]]:
    """(position, key) of each vocabulary phrase in `text`, longest phrases first, each
    stretch of text used once."""
    padded = f" {text} "
    hits: list[tuple[int, str]] = []
    phrases = sorted(
        ((w, key) for key, words in vocabulary.items() for w in words), key=lambda p: -len(p[0])
    )
    for phrase, key in phrases:
        needle = f" {phrase} "
        start = padded.find(needle)
        while start >= 0:
            hits.append((start, key))
            padded = padded[:start] + " " * len(needle) + padded[start + len(needle) :]
            start = padded.find(needle)
    return sorted(hits)


def _tokens(folded: str) -> str:
    spaced = re.sub(r"([£$€])", r" \1 ", folded)
    spaced = re.sub(
        r"[!;:\"'()\[\]{}،؛؟?]+",
        lambda m: " ? " if "?" in m.group() or "؟" in m.group() else " ",
        spaced,
    )
    spaced = re.sub(r"(?<=\d)(?=[^\d\s.,k])|(?<=[^\d\s.,])(?=\d)", " ", spaced)
    return " ".join(spaced.split())


def _first_word_in(first: str, words: dict[str, tuple[str, ...]]) -> str | None:
    for lang, forms in words.items():
        if first in forms:
            return lang
    return None


def parse(text: str, routes: Sequence[Route], *, fallback_lang: str | None = None) -> Parsed:
    """Read one message against the corridors we serve."""
    folded = _tokens(normalise(text))
    words = folded.split()
    first = words[0] if words else ""
    countries = [key for _, key in _find(folded, COUNTRY_WORDS)]
    to_hint = next((c for c in reversed(countries) if c in DESTINATIONS), None)
    lang = detect_language(text, fallback=fallback_lang, to_country=to_hint)

    if not words:
        return Parsed(Unreadable("empty"), lang)
    if (cmd_lang := _first_word_in(first, STOP_WORDS)) is not None and len(words) <= 2:
        return Parsed(Command("stop"), _command_lang(cmd_lang, lang))
    if (cmd_lang := _first_word_in(first, HELP_WORDS)) is not None and len(words) <= 2:
        return Parsed(Command("help"), _command_lang(cmd_lang, lang))
    if (cmd_lang := _first_word_in(first, LANG_WORDS)) is not None:
        asked = LANG_NAMES.get(" ".join(words[1:]).strip())
        if asked is None:
            return Parsed(Unreadable("lang"), _command_lang(cmd_lang, lang))
        return Parsed(Command("lang", asked), asked)

    alert = _first_word_in(first, ALERT_WORDS) is not None
    numbers = _numbers(folded)
    if not numbers or not 0 < numbers[0] <= MAX_AMOUNT:
        return Parsed(Unreadable("amount"), lang)
    currencies: list[str] = []
    for w in words:
        code = w.upper()
        if code in _CODES and code not in currencies:
            currencies.append(code)
    for _, key in _find(folded, {k: (k,) for k in CURRENCY_WORDS}):
        for code in CURRENCY_WORDS[key]:
            if code not in currencies:
                currencies.append(code)
    # Two-letter country codes ("750 SAR PK"), besides the names.
    for w in words:
        if len(w) == 2 and w.isascii() and w.isalpha() and w.upper() in _COUNTRY_WORDS:
            countries.append(w.upper())
    route = _route(routes, countries, currencies)
    if isinstance(route, Unreadable):
        return Parsed(route, lang)
    lang = detect_language(text, fallback=fallback_lang, to_country=route.to_country)
    if alert:
        if len(numbers) < 2 or not 0 < numbers[1] <= MAX_AMOUNT * 1_000_000:
            return Parsed(Unreadable("threshold"), lang)
        return Parsed(AlertAsk(route, numbers[0], numbers[1]), lang)
    return Parsed(Ask(route, numbers[0]), lang)


def _command_lang(command_lang: str, detected: str) -> str:
    # "stop" typed in Latin letters keeps the sender's language; a word of one language wins.
    return detected if command_lang == "en" else command_lang


def _route(
    routes: Sequence[Route], countries: list[str], currencies: list[str]
) -> Route | Unreadable:
    to = next((c for c in reversed(countries) if c in DESTINATIONS), None)
    if to is None:
        return Unreadable("country")
    senders = [c for c in countries if c != to]
    if to == "PK" and "PK" in countries[:-1] and countries.count("PK") > 1:
        senders.append("PK")
    candidates = [r for r in routes if r.to_country == to]
    if senders:
        candidates = [r for r in candidates if r.from_country == senders[0]]
    if currencies:
        ordered = [r for code in currencies for r in candidates if r.send_currency == code]
        candidates = ordered
    elif not senders:
        return Unreadable("currency")
    if not candidates:
        return Unreadable("route")
    return candidates[0]
