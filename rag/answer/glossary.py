"""English glosses of Vietnamese agency names, for answers to English questions. Quotes stay
Vietnamese; only the framing and this gloss are English."""

from __future__ import annotations

import re

from rag.retrieve.vocab import ENGLISH
from rag.text.normalize import fold

# Vietnamese phrase → English, longest first; built from the English→Vietnamese vocabulary plus
# the words agency names are made of.
_PHRASES: dict[str, str] = {
    "Ban Quản lý dự án đầu tư xây dựng các công trình Giao thông tỉnh": "Provincial Transport Works Construction Project Management Board",
    "Ban Quản lý Khu kinh tế Dung Quất và các Khu công nghiệp Quảng Ngãi": "Management Board of Dung Quat Economic Zone and Quang Ngai Industrial Parks",
    "Ban Quản lý Khu kinh tế Dung Quất": "Dung Quat Economic Zone Management Board",
    "Ban Quản lý các Khu công nghiệp": "Industrial Parks Management Board",
    "BQL KKT Dung Quất và các KCN Quảng Ngãi": "Management Board of Dung Quat Economic Zone and Quang Ngai Industrial Parks",
    "Ban Chỉ đạo": "Steering Committee",
    "Ban Tuyên giáo Tỉnh ủy": "Provincial Party Propaganda Department",
    "Bộ Chỉ huy Quân sự tỉnh": "Provincial Military Command",
    "Bộ Chỉ huy Bộ đội biên phòng tỉnh": "Provincial Border Guard Command",
    "Công an tỉnh": "Provincial Police",
    "Liên đoàn Lao động tỉnh": "Provincial Labour Federation",
    "Ngân hàng Nhà nước - Chi nhánh": "State Bank of Vietnam, branch",
    "Sở Văn hóa, Thể thao và Du lịch": "Department of Culture, Sports and Tourism",
    "Sở Văn hóa - Thể thao và Du lịch": "Department of Culture, Sports and Tourism",
    "Sở Lao động, Thương binh và Xã hội": "Department of Labour, Invalids and Social Affairs",
    "Sở Lao động - Thương binh và Xã hội": "Department of Labour, Invalids and Social Affairs",
    "Sở Du lịch": "Department of Tourism",
    "Sở Ngoại vụ": "Department of Foreign Affairs",
    "Tổ điều phối": "Coordination Team",
    "Văn phòng UBND tỉnh": "Office of the Provincial People's Committee",
    "Ủy ban nhân dân các huyện, thành phố": "District and city People's Committees",
    "UBND các huyện, thành phố": "District and city People's Committees",
    "Sở KHĐT": "Department of Planning and Investment",
}
for en, vis in ENGLISH.items():
    for vi in vis:
        if (
            vi.startswith(("Sở ", "Bộ ", "Ban ", "Ủy ban", "Hội đồng", "Công an", "Ngân hàng"))
            and en[0].isalpha()
        ):
            _PHRASES.setdefault(
                vi, en.title().replace(" And ", " and ").replace(" Of ", " of ").replace("'S", "'s")
            )
_ORDERED = sorted(_PHRASES.items(), key=lambda kv: -len(kv[0]))


def gloss(name: str) -> str:
    """'Sở Tài chính' → 'Department of Finance'; unknown parts are transliterated (no diacritics)."""
    text = name.strip()
    for vi, en in _ORDERED:
        if fold(vi).lower() == fold(text).lower():
            return en
    out = text
    for vi, en in _ORDERED:
        out = re.sub(re.escape(vi), en, out, flags=re.IGNORECASE)
    return fold(out)
