"""What the service says by text message, in six languages, and how many SMS segments it
costs. Pure: no I/O.

Segments follow GSM 03.38 / 3GPP 23.040: a text made only of GSM-7 characters is one segment
up to 160 septets (extension characters such as `€` take two), else 153 per segment; any
other character makes the whole text UCS-2: one segment up to 70 UTF-16 units, else 67 per
segment. An answer is built to fit `MAX_SEGMENTS` (two)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

MAX_SEGMENTS = 2

_GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = "^{}\\[~]|€\f"
GSM7_BASIC = frozenset(_GSM7_BASIC)
GSM7_EXTENSION = frozenset(_GSM7_EXTENSION)


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def segments(text: str) -> Segments:
    """How many SMS segments `text` is sent as. A multi-part split never cuts an
    extension character's escape pair nor a UTF-16 surrogate pair."""
    if is_gsm7(text):
        sizes = [2 if c in GSM7_EXTENSION else 1 for c in text]
        single, part, encoding = 160, 153, "GSM-7"
    else:
        sizes = [2 if ord(c) > 0xFFFF else 1 for c in text]
        single, part, encoding = 70, 67, "UCS-2"
    units = sum(sizes)
    if units <= single:
        return Segments(encoding, units, 1 if units else 0)
    count, used = 1, 0
    for size in sizes:
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return Segments(encoding, units, count)


# -- words --------------------------------------------------------------------------------------

PAYOUT = {
    "en": {"bank": "bank", "cash": "cash", "wallet": "wallet", "home": "home"},
    "ur": {"bank": "بینک", "cash": "نقد", "wallet": "والٹ", "home": "گھر"},
    "fa-AF": {"bank": "بانک", "cash": "نقد", "wallet": "کیف‌پول", "home": "خانه"},
    "ps": {"bank": "بانک", "cash": "نغدې", "wallet": "والټ", "home": "کور"},
    "bn": {"bank": "ব্যাংক", "cash": "নগদ", "wallet": "ওয়ালেট", "home": "বাড়ি"},
    "ar": {"bank": "بنك", "cash": "نقدا", "wallet": "محفظة", "home": "منزل"},
}
SPEED = {
    "en": {"minutes": "mins", "same_day": "today", "next_day": "1 day", "2_5_days": "2-5 d",
           "over_5_days": ">5 d"},
    "ur": {"minutes": "منٹ", "same_day": "آج", "next_day": "1 دن", "2_5_days": "2-5 دن",
           "over_5_days": "5+ دن"},
    "fa-AF": {"minutes": "دقیقه", "same_day": "امروز", "next_day": "1 روز",
              "2_5_days": "2-5 روز", "over_5_days": "5+ روز"},
    "ps": {"minutes": "دقیقې", "same_day": "نن", "next_day": "1 ورځ", "2_5_days": "2-5 ورځې",
           "over_5_days": "5+ ورځې"},
    "bn": {"minutes": "মিনিট", "same_day": "আজ", "next_day": "1 দিন", "2_5_days": "2-5 দিন",
           "over_5_days": "5+ দিন"},
    "ar": {"minutes": "دقائق", "same_day": "اليوم", "next_day": "يوم", "2_5_days": "2-5 أيام",
           "over_5_days": "5+ أيام"},
}  # fmt: skip
TIER = {
    "en": {"live": "live", "survey": "survey", "sample": "sample"},
    "ur": {"live": "لائیو", "survey": "سروے", "sample": "نمونہ"},
    "fa-AF": {"live": "زنده", "survey": "سروی", "sample": "نمونه"},
    "ps": {"live": "ژوندی", "survey": "سروې", "sample": "نمونه"},
    "bn": {"live": "লাইভ", "survey": "জরিপ", "sample": "নমুনা"},
    "ar": {"live": "مباشر", "survey": "مسح", "sample": "عينة"},
}
# Texts with {placeholders}. Translations are drafts for review by native speakers.
TEXT: dict[str, dict[str, str]] = {
    "head": {
        "en": "{amount} {ccy} {route}, family gets {rccy}",
        "ur": "{amount} {ccy}: ملے گا {rccy}",
        "fa-AF": "{amount} {ccy}: می‌رسد {rccy}",
        "ps": "{amount} {ccy}: رسیږي {rccy}",
        "bn": "{amount} {ccy}: পাবে {rccy}",
        "ar": "{amount} {ccy}: يصل {rccy}",
    },
    "help": {
        "en": "Send amount, currency, country: 750 SAR PK. Alert: ALERT 750 SAR PK 56000. "
        "LANG ur/fa/ps/bn/ar. STOP deletes your data.",
        "ur": "رقم، کرنسی، ملک بھیجیں: 750 SAR PK۔ الرٹ: ALERT 750 SAR PK 56000۔ "
        "زبان: LANG ur۔ STOP سب مٹا دیتا ہے۔",
        "fa-AF": "مبلغ، پول، کشور را بفرستید: 750 SAR AF. هشدار: ALERT 750 SAR AF 9000. "
        "زبان: LANG fa. STOP همه را پاک می‌کند.",
        "ps": "اندازه، پیسې، هېواد ولېږئ: 750 SAR AF. خبرتیا: ALERT 750 SAR AF 9000. "
        "ژبه: LANG ps. STOP هر څه پاکوي.",
        "bn": "পরিমাণ, মুদ্রা, দেশ পাঠান: 1000 AED BD। সতর্কতা: ALERT 1000 AED BD 33000। "
        "ভাষা: LANG bn। STOP সব মুছে দেয়।",
        "ar": "أرسل المبلغ والعملة والبلد: 200 EUR IQ. تنبيه: ALERT 200 EUR IQ 300000. "
        "اللغة: LANG ar. STOP يحذف بياناتك.",
    },
    "example": {
        "en": "Sorry, we could not read that. Send e.g.: 750 SAR PK (HELP for more)",
        "ur": "معاف کیجیے، سمجھ نہیں آیا۔ مثال: ۷۵۰ ریال پاکستان (مدد)",
        "fa-AF": "ببخشید، نفهمیدیم. مثال: ۷۵۰ ریال افغانستان (کمک)",
        "ps": "بښنه، پوه نه شو. بېلګه: ۷۵۰ ریال افغانستان (مرسته)",
        "bn": "দুঃখিত, বুঝতে পারিনি। যেমন: ১০০০ দিরহাম বাংলাদেশ (সাহায্য)",
        "ar": "عذرا، لم نفهم. مثال: 200 يورو العراق (مساعدة)",
    },
    "no_route": {
        "en": "We do not compare that route. Send e.g.: 750 SAR PK",
        "ur": "یہ راستہ ہمارے پاس نہیں۔ مثال: 750 SAR PK",
        "fa-AF": "این مسیر را مقایسه نمی‌کنیم. مثال: 750 SAR AF",
        "ps": "دا لار نه پرتله کوو. بېلګه: 750 SAR AF",
        "bn": "এই পথ আমরা তুলনা করি না। যেমন: 1000 AED BD",
        "ar": "لا نقارن هذا المسار. مثال: 200 EUR IQ",
    },
    "none": {
        "en": "No prices for {route} at this amount now. {link}",
        "ur": "{route} کے لیے ابھی کوئی قیمت نہیں۔ {link}",
        "fa-AF": "برای {route} فعلا قیمتی نیست. {link}",
        "ps": "د {route} لپاره اوس بیه نشته. {link}",
        "bn": "{route}-এ এখন কোনো দাম নেই। {link}",
        "ar": "لا أسعار لـ {route} الآن. {link}",
    },
    "lang": {
        "en": "Replies in English. HELP for how to ask.",
        "ur": "جواب اردو میں۔ طریقہ: مدد",
        "fa-AF": "پاسخ به دری. راهنما: کمک",
        "ps": "ځوابونه په پښتو. لارښود: مرسته",
        "bn": "উত্তর বাংলায়। নিয়ম: সাহায্য",
        "ar": "الردود بالعربية. للمساعدة: مساعدة",
    },
    "stopped": {
        "en": "Done: your alerts and number are deleted. Nothing more will be sent.",
        "ur": "ہو گیا: آپ کے الرٹ اور نمبر مٹا دیے گئے۔ مزید کچھ نہیں بھیجا جائے گا۔",
        "fa-AF": "انجام شد: هشدارها و شماره شما پاک شد. دیگر چیزی فرستاده نمی‌شود.",
        "ps": "وشو: ستاسو خبرتیاوې او شمېره پاک شول. نور څه نه لېږل کېږي.",
        "bn": "হয়েছে: আপনার সতর্কতা ও নম্বর মুছে ফেলা হয়েছে। আর কিছু পাঠানো হবে না।",
        "ar": "تم: حُذفت تنبيهاتك ورقمك. لن يُرسل شيء بعد الآن.",
    },
    "alert_set": {
        "en": "Alert set: {amount} {ccy} {route} when a live price gives {threshold} {rccy}. "
        "90 days. STOP to end.",
        "ur": "الرٹ لگ گیا: {amount} {ccy} {route} جب لائیو قیمت {threshold} {rccy} دے۔ "
        "90 دن۔ ختم: STOP",
        "fa-AF": "هشدار ثبت شد: {amount} {ccy} {route} وقتی قیمت زنده {threshold} {rccy} "
        "بدهد. 90 روز. پایان: STOP",
        "ps": "خبرتیا ثبت شوه: {amount} {ccy} {route} کله چې ژوندۍ بیه {threshold} {rccy} "
        "ورکړي. 90 ورځې. پای: STOP",
        "bn": "সতর্কতা চালু: {amount} {ccy} {route} লাইভ দামে {threshold} {rccy} হলে। 90 দিন। বন্ধ: STOP",
        "ar": "تم التنبيه: {amount} {ccy} {route} عندما يعطي سعر مباشر {threshold} {rccy}. "
        "90 يوما. للإيقاف: STOP",
    },
    "alert_fired": {
        "en": "{provider}: {amount} {ccy} delivers {received} {rccy} ({route}, live). "
        "{link} STOP to end",
        "ur": "{provider}: {amount} {ccy} پر {received} {rccy} ({route}، لائیو)۔ {link} ختم: STOP",
        "fa-AF": "{provider}: {amount} {ccy} می‌رساند {received} {rccy} ({route}، زنده). "
        "{link} پایان: STOP",
        "ps": "{provider}: {amount} {ccy} رسوي {received} {rccy} ({route}، ژوندی). "
        "{link} پای: STOP",
        "bn": "{provider}: {amount} {ccy}-এ {received} {rccy} ({route}, লাইভ)। {link} বন্ধ: STOP",
        "ar": "{provider}: {amount} {ccy} تصل {received} {rccy} ({route}، مباشر). "
        "{link} للإيقاف: STOP",
    },
}


def text(key: str, lang: str, **values: object) -> str:
    table = TEXT[key]
    return table.get(lang, table["en"]).format(**values)


# -- the answer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    provider: str
    received: Decimal
    payout: str
    speed: str
    tier: str  # live, survey, sample
    quarter: str | None = None  # survey prices: "2025Q3"


def whole(value: Decimal, *, grouped: bool = True) -> str:
    """An amount as whole units, rounded down (never more than the family gets)."""
    units = value.quantize(Decimal(1), rounding=ROUND_FLOOR)
    return f"{units:,}" if grouped else f"{units}"


def plain_amount(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _tier(offer: Offer, lang: str) -> str:
    word = TIER.get(lang, TIER["en"])[offer.tier]
    return f"{word} {offer.quarter}" if offer.tier == "survey" and offer.quarter else word


def _lines(
    lang: str,
    head: str,
    offers: Sequence[Offer],
    rccy: str,
    link: str,
    name_len: int,
) -> str:
    tiers = {_tier(o, lang) for o in offers}
    shared = tiers.pop() if len(tiers) == 1 else None
    out = [head + (f" ({shared})" if shared else "")]
    for o in offers:
        name = o.provider
        if len(name) > name_len:  # at a word's end where one is near, else cut with "."
            cut = name[:name_len].rsplit(" ", 1)[0]
            name = cut if len(cut) >= name_len // 2 else name[: name_len - 1] + "."
        parts = [
            name,
            whole(o.received, grouped=False),
            PAYOUT.get(lang, PAYOUT["en"]).get(o.payout, o.payout),
            SPEED.get(lang, SPEED["en"]).get(o.speed, o.speed),
        ]
        if shared is None:
            parts.append(_tier(o, lang))
        out.append(" ".join(parts))
    out.append(link)
    return "\n".join(out)


def answer(
    lang: str,
    route: str,
    amount: Decimal,
    ccy: str,
    rccy: str,
    offers: Sequence[Offer],
    link: str,
) -> str:
    """The top offers (at most three, best first; one line each: provider, what the family
    receives, payout, speed, and the tier when they differ) and the link, in at most
    `MAX_SEGMENTS` segments: provider names are shortened first, then the last offers
    dropped."""
    if not offers:
        return text("none", lang, route=route, link=link)
    head = text("head", lang, amount=plain_amount(amount), ccy=ccy, route=route, rccy=rccy)
    shown = list(offers[:3])
    while shown:
        for name_len in (14, 12, 10, 8, 6):
            reply = _lines(lang, head, shown, rccy, link, name_len)
            if segments(reply).count <= MAX_SEGMENTS:
                return reply
        shown.pop()
    return text("none", lang, route=route, link=link)  # pragma: no cover - link too long
