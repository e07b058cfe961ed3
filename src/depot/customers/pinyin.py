"""Pinyin initials of a Chinese name, so that typing `hsd` finds 华盛达物流."""

from pypinyin import Style, lazy_pinyin


def initials(text: str) -> str:
    letters = lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors=lambda s: list(s.lower()))
    return "".join(ch for ch in "".join(letters).lower() if ch.isalnum())


def full(text: str) -> str:
    return "".join(lazy_pinyin(text or "", errors=lambda s: list(s.lower()))).lower()
