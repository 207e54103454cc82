"""Evidence: which sentences of the retrieved sections answer the question, and how well.

Coverage is the IDF-weighted share of the question's content tokens (and their phrases) found in
a span; it drives quote selection and abstention ("no basis found" when nothing covers enough).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.documents.models import Chunk
from rag.retrieve.query import ABBREVIATION_WORDS, QType, Query, lemmas, named_places
from rag.retrieve.vocab import GENERIC_EN, QUESTION_WORDS_VI, english_zipf
from rag.text.normalize import fold
from rag.text.tokenize import lexical_tokens

_SPLIT = re.compile(
    r"\n+|(?<=[.;!?])\s+(?=[\-–+(\"“A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ0-9])|(?<=:)\s+(?=[-–+])"
)
MAX_QUOTE = 600
#: The heading line of a numbered section ("12. Sở Tư pháp", "2.3. Sở Giao thông vận tải") inside a
#: chunk that merges small sibling sections: it is the context of the items below it.
_LOCAL_HEADING = re.compile(r"(?m)^(?:\d+(?:\.\d+)*\.?|[IVX]+\.|[a-zđ]\))[ \t]+[^\n.;:]{2,120}:?$")


def _number_in(n: str, present: set[str]) -> bool:
    """``n`` ("6", "2,5") is among the tokens, written in any of the usual ways ("06", "2.5")."""
    forms = {n, n.replace(",", "."), n.replace(".", ","), n.lstrip("0") or "0", "0" + n}
    return bool(forms & present)


_DISTRICT_BODY = "uy ban nhan dan huyen "
_LISTED_SUBJECT = 80  # characters: "Thủ trưởng các sở, ban ngành tỉnh;" is a subject, not a clause


def _join_listed_subjects(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Short pieces cut at ";" on one line are subjects listed before one predicate ("Chánh Văn phòng
    UBND tỉnh; Giám đốc Sở: Ngoại vụ; Thủ trưởng các sở, ban ngành tỉnh; … chịu trách nhiệm thi
    hành"): they are one sentence with the piece that ends the list."""
    out: list[tuple[int, int]] = []
    last = (0, 0)  # the previous piece as cut
    for a, b in pieces:
        listed = text[last[0] : last[1]]
        if (
            out
            and "\n" not in text[last[1] : a]
            and listed.rstrip().endswith(";")
            and len(listed) <= _LISTED_SUBJECT
        ):
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
        last = (a, b)
    return out


def names_agency(text: str, agency: str) -> bool:
    """``text`` (folded) names ``agency``, perhaps with more words inside its name: "ban quan ly khu
    kinh te dung quat va cac khu cong nghiep" names "ban quan ly cac khu cong nghiep". The first two
    words ("ban quan", "so tu") must be together, the rest in order."""
    if agency in text:
        return True
    if agency.startswith(_DISTRICT_BODY):
        # A district's committee by the district's name ("huyện đảo Lý Sơn", "các huyện Sơn Hà, Sơn
        # Tây"), or "UBND các huyện, thành phố": every district's.
        name = re.escape(agency.removeprefix(_DISTRICT_BODY))
        return re.search(rf"\b{name}\b|uy ban nhan dan cac huyen", text) is not None
    words = agency.split()
    head = " ".join(words[:2])
    at = text.find(head)
    while at >= 0:
        rest = iter(text[at:].split()[2 : len(words) + 8])  # within the name, a few words inserted
        if all(w in rest for w in words[2:]):
            return True
        at = text.find(head, at + 1)
    return False


def untranslated_weight(word: str) -> float:
    """Share of a full concept an untranslated English word counts for: 1 for rare words (Zipf
    ≤ 3.5), falling to 0.1 for everyday ones (Zipf ≥ 5.5)."""
    zipf = max(english_zipf(w) for w in [word, *lemmas(word)])
    return min(1.0, max(0.1, 1.0 - 0.45 * (zipf - 3.5)))


def _exact_tokens(phrase: str) -> list[str]:
    """Tokens a translated phrase must match exactly: its words with their diacritics ('lương' is not
    'lượng') and its word pairs in order ('kinh thành' is not 'kinh tế ... thành phố')."""
    from rag.text.tokenize import words

    ws = words(phrase)
    out = [("o:" + w) if fold(w) != w else w for w in ws]
    folded = [fold(w) for w in ws]
    out += [f"{a}_{b}" for a, b in itertools.pairwise(folded)]
    return out


_ITEM = re.compile(r"\s*(?:[-–+]|\(?\d{1,2}\)|[a-zđ]\))\s")


def item_lead(text: str, at: int) -> str:
    """The first sentence of the list item ("- …", "(3) …", "b) …") that goes on at ``at``, when
    ``at`` is further into it; "" otherwise."""
    start = text.rfind("\n", 0, at) + 1
    if not _ITEM.match(text, start):
        return ""
    first = re.search(r"[.;:](?:\s|$)", text[start:at])
    return text[start : start + first.end()] if first else ""


@dataclass
class Span:
    chunk: Chunk
    start: int  # offsets into the document text
    end: int
    text: str
    coverage: float  # ranking score: coverage with context, plus agency and rank bonuses
    rank: int  # retrieval rank of the chunk
    base: float = 0.0  # plain coverage of the sentence with its context, no bonuses
    agency: bool = False  # it is under, or names, an agency the question names


#: A number counting places ("5 tỉnh", "three provinces" once figures are read).
_PLACE_COUNT = (
    r"\b(\d{1,2}) (?:[a-z]+ ){0,2}?(?:tinh|thanh pho|tinh, thanh|dia phuong|provinces?|cities|localities)\b"
)


#: A number that names which one of a series ("phase 3", "giai đoạn 2", "level-4"): the text must give
#: that number with one of the nouns of its series.
_ORDINAL_NOUNS = {
    "phase": "giai doan|gd|dot|phase",
    "stage": "giai doan|gd|dot|stage",
    "giai doan": "giai doan|gd",
    "dot": "dot|giai doan",
    "round": "dot|round",
    "level": "muc do|muc|cap do|level",
    "muc do": "muc do|muc",
}
_ORDINAL = r"\b(" + "|".join(_ORDINAL_NOUNS) + r")\s*-?\s*(\d{1,2})\b"


class EvidenceScorer:
    def __init__(
        self,
        query: Query,
        idf: Callable[[str], float],
        known: Callable[[str], bool] = lambda _t: True,
        scoped_codes: set[str] | None = None,
        phrase_idf: Callable[[str], float] | None = None,
        document_years: Sequence[str] = (),
    ) -> None:
        self.query = query
        self.idf = idf
        self.known = known
        self.phrase_idf = phrase_idf or idf
        self.weights: dict[str, float] = {}  # unigrams and codes
        self.phrases: dict[str, float] = {}  # bigrams
        # "Theo CV 2395, …": the words naming a document the search is scoped to are not asked of
        # its sections (every one of them is in that document).
        scoped_numbers = {c.split("/")[0] for c in scoped_codes or set()}
        reference = {t for n, words in query.number_words.items() if n in scoped_numbers for t in [n, *words]}
        for tok, w in query.tokens.items():
            if tok.startswith(("o:", "c:")) or tok in query.expansion_tokens or tok in reference:
                continue  # diacritic forms are a ranking bonus; expansions are alternatives, not demands
            if tok in query.soft_tokens and not known(tok):
                if tok in GENERIC_EN or len(tok) <= 3:
                    continue  # "asked", "does": an untranslated word with no subject matter
                # "metro", "penalty": a word the documents never use names something they may not
                # cover; it counts as a missing term, like an unknown Vietnamese word.
                self.weights[tok] = 0.6 * idf(tok)
                continue
            if "_" in tok:
                parts = tok.split("_")
                # Phrases across question words ("quan_nao") or abbreviations ("so_tt") are not
                # phrases of the documents.
                if any(p in query.alternatives for p in parts):
                    continue
                if any(p in QUESTION_WORDS_VI for p in parts) and not (
                    query.lang == "vi_nodiac" and self.phrase_idf(tok) < self.phrase_idf("_")
                ):
                    # Typed without diacritics, "hoi nhap", "dau tu", "co quan" are the documents' words
                    # though "hỏi", "đâu", "có" ask: a pair the index holds is kept.
                    continue
                self.phrases[tok] = w * idf(parts[0])
            else:
                self.weights[tok] = w * idf(tok)
        for tok, w in query.tokens.items():
            # A code the question names decides, unless it is the document the question is scoped to
            # (then every section of it carries the code in its context).
            if tok.startswith("c:") and tok[2:] not in (scoped_codes or set()):
                self.weights[tok] = w * 8.0
        # "Sở LĐTBXH của Quảng Ngãi (2022) và của Thừa Thiên Huế (2021)": each place's document
        # answers its part; neither must name the other place, nor the year of the other's document.
        # So are the years of two documents a question names ("KH 2018 và CV 2022 … thế nào").
        several_places = len(query.places) >= 2
        several = several_places or len(set(document_years)) >= 2
        self.loose_years: set[str] = set(document_years) if several else set()
        dropped = set(self.loose_years)
        if several_places:
            dropped |= {t for place in query.places for t in place.split()}
        for t in dropped:
            self.weights.pop(t, None)
        self.total = sum(self.weights.values()) or 1.0
        self.place_counts = set(re.findall(_PLACE_COUNT, fold(query.question).lower()))
        self.ordinals = [
            (n.lstrip("0") or "0", _ORDINAL_NOUNS[noun])
            for noun, n in re.findall(_ORDINAL, fold(query.question).lower())
        ]
        self.phrase_total = sum(self.phrases.values())

        # English questions: one concept per English term, present when any of its translations is.
        # A concept weighs what its most specific translation weighs; a looser, commoner translation
        # ("quản lý" for "control", beside "kiểm soát") earns part of that.
        self.concepts: list[tuple[float, list[list[str]]]] = []
        self.translated: list[list[list[str]]] = []  # the translated concepts' exact tokens
        self.alt_share: dict[tuple[str, ...], float] = {}
        if query.concepts:
            for alts in query.concepts:
                toks = [_exact_tokens(a) for a in alts]
                toks = [t for t in toks if t]
                if not toks:
                    continue
                self.translated.append(toks)
                rarities = [self._specificity(alt) for alt in toks]
                rarity = max(rarities)
                for alt, r in zip(toks, rarities, strict=True):
                    self.alt_share[tuple(alt)] = 0.5 + 0.5 * r / rarity if rarity > 0 else 1.0
                framing = max(
                    query.tokens.get(t, 1.0) for alt in lexical_tokens(" ".join(alts)) for t in [alt]
                )
                self.concepts.append((rarity * min(framing, 1.0), toks))
            for name in [w for w in query.soft_tokens if not known(w) and w not in GENERIC_EN and len(w) > 3]:
                # An English word the vocabulary cannot translate is never in the documents: a missing
                # concept, weighed by how rare it is in English ("citadel" names something; "working",
                # "bring" hardly do).
                self.concepts.append((idf(name) * untranslated_weight(name), [[name]]))
            for name in query.names:
                self.concepts.append((max(idf(t) for t in name.split()), [name.split()]))

    def absent_concept(self, in_corpus: Callable[[str], bool]) -> bool:
        """An English question names something no loaded document says in any of its translations
        ("offshore wind" → "điện gió ngoài khơi"): nothing can answer it."""
        # Figures are not indexed in word pairs ("dưới 03 tháng"): only words decide.
        if any(
            not any(all(in_corpus(t) for t in alt if not any(c.isdigit() for c in t)) for alt in alts)
            for alts in self.translated
        ):
            return True
        # A name left untranslated ("Chan May port", "Sembcorp") or a Vietnamese name ("huyện Đức Phổ")
        # that no document says, in words or in its word pairs.
        for name in self.query.names:
            toks = name.split()
            keys = [f"{a}_{b}" for a, b in itertools.pairwise(toks)] or toks
            if all(in_corpus(k) for k in keys):
                continue
            if self.query.lang != "en" and any(in_corpus(k) for k in keys):
                continue  # Vietnamese capitals run across names: "Sở Công Thương Thừa Thiên Huế"
            if len(toks) == 1 and any(in_corpus(f"{name[:i]}_{name[i:]}") for i in range(2, len(name) - 1)):
                continue  # "Quangngai", "Lyson": two syllables typed as one word
            return True
        return False

    def _specificity(self, alt: list[str]) -> float:
        """How rare a translated phrase is: its rarest word pair ('xuất nhập cảnh' is rarer than
        any of its syllables), or its word's rarity when it is one word."""
        pairs = [t for t in alt if "_" in t]
        return max(self.phrase_idf(t) for t in (pairs or alt))

    def _alt_presence(self, alt: list[str], present: set[str]) -> float:
        """Share of a translated phrase found: of its word pairs when it has several words (the
        syllables of 'kinh thành' scattered in a text are not 'kinh thành'), else of its words."""
        pairs = [t for t in alt if "_" in t]
        if pairs:
            return sum(1 for t in pairs if t in present) / len(pairs)
        mass = sum(self._idf_of(t) for t in alt) or 1.0
        return sum(self._idf_of(t) for t in alt if t in present) / mass

    def _idf_of(self, tok: str) -> float:
        base = tok[2:] if tok.startswith("o:") else tok
        return self.idf(fold(base.split("_")[0]))

    def _concept_coverage(self, present: set[str]) -> float:
        total = sum(w for w, _ in self.concepts) or 1.0
        got = 0.0
        for w, alts in self.concepts:
            best = 0.0
            for alt in alts:
                best = max(best, self.alt_share.get(tuple(alt), 1.0) * self._alt_presence(alt, present))
            got += w * (1.0 if best >= 0.99 else best * 0.8)
        return got / total

    def _present(self, tok: str, present: set[str]) -> bool:
        if tok in present:
            return True
        return any(alt and all(a in present for a in alt) for alt in self.query.alternatives.get(tok, []))

    def coverage(self, text: str) -> float:
        """IDF-weighted share of the question's words (and, half, of its phrases) found in ``text``;
        a year or figure the question names and the text lacks halves it."""
        present = set(lexical_tokens(text))
        for tok in [t for t in present if t in ABBREVIATION_WORDS]:
            present |= ABBREVIATION_WORDS[tok]
        if self.concepts:
            cov = self._concept_coverage(present)
            codes = [t for t in self.weights if t.startswith("c:")]
            if codes and not all(t in present for t in codes):
                cov *= 0.5
        else:
            uni = sum(w for t, w in self.weights.items() if self._present(t, present)) / self.total
            if self.phrase_total > 0:
                # Phrases reward word order; they cannot make up for missing words.
                phr = sum(w for t, w in self.phrases.items() if t in present) / self.phrase_total
                cov = uni * (0.7 + 0.3 * phr)
            else:
                cov = uni
        missing = [
            n
            for n in self.query.numbers
            if not _number_in(n, present) and n not in self.loose_years and not self._counted(n, text)
        ]
        # "Phase 3 of the Doosan plant": the number goes with its noun; "giai đoạn 2 (28ha)" with a
        # "3" elsewhere is phase 2.
        folded = fold(text).lower()
        missing += [
            n for n, nouns in self.ordinals if not re.search(rf"\b(?:{nouns})\s*-?\s*0?{n}\b", folded)
        ]
        if any(not re.fullmatch(r"(19|20)\d\d", n) for n in missing):
            # "Level-4 services" over a sentence on level-3 ones: the figure that qualifies what is
            # asked is missing, so the sentence speaks of something else.
            return cov * 0.4
        # A year may date the document rather than what the sentence says ("the 2018 plan").
        return cov * (0.5 if missing else 1.0)

    def says_key(self, text: str) -> bool:
        """``text`` says the question's rarest concept (its rarest word pair, in Vietnamese): "nguồn
        nhân lực" of "hội nghị về phát triển nguồn nhân lực vùng"."""
        present = set(lexical_tokens(text))
        # Of an English question, the translated concepts only: an untranslated word ("DOIT-run")
        # is no subject a row could say.
        translated = self.concepts[: len(self.translated)]
        if translated:
            _w, alts = max(translated, key=lambda c: c[0])
            return any(self._alt_presence(alt, present) >= 0.5 for alt in alts)
        if self.query.lang == "en":
            return True
        # A word pair the index holds (an unknown abbreviation typed on a phone is no key).
        unseen = self.phrase_idf("_")
        units = {t: w for t, w in self.phrases.items() if self.phrase_idf(t) < unseen} or {
            t: w for t, w in self.weights.items() if self.known(t)
        }
        if not units:
            return True
        key = max(units, key=units.__getitem__)
        return self._present(key, present)

    def _counted(self, n: str, text: str) -> bool:
        """ "Giữa 5 tỉnh miền Trung", "the four provinces": a count of places is met by a text that
        names that many, not by the figure."""
        if n not in self.place_counts:
            return False
        return len(named_places(fold(text).lower())) >= int(n)

    def spans(self, chunk: Chunk, rank: int) -> list[Span]:
        """Sentences / list items of a chunk, with their coverage."""
        out: list[Span] = []
        text = chunk.text
        pos = 0
        pieces: list[tuple[int, int]] = []
        for m in _SPLIT.finditer(text):
            if m.start() > pos:
                pieces.append((pos, m.start()))
            pos = m.end()
        if pos < len(text):
            pieces.append((pos, len(text)))
        if self.query.qtype == QType.WHO:
            pieces = _join_listed_subjects(text, pieces)  # "who": every subject of the predicate
        # The document reference, its title and the heading chain (the agency, the topic) complete
        # what a sentence says: "Sở Công Thương" is in the heading, not in the task below it.
        context = chunk.embed_text.replace(text, " ")
        # A section under the agency the question names ("Sở Nội vụ được giao gì") comes first.
        named = self._names_agency(chunk.headings)
        # Headings of sibling sections merged into this chunk ("12. Sở Tư pháp" after "11. Sở Thông
        # tin và Truyền thông"): each is the context of the lines below it, up to the next one.
        locals_ = [(m.start(), m.end(), m.group(0)) for m in _LOCAL_HEADING.finditer(text) if m.start() > 0]
        for a, b in pieces:
            piece = text[a:b]
            if not piece.strip() or len(piece.strip()) < 3:
                continue
            local = next((h for s, e, h in reversed(locals_) if s <= a and b > e), "")
            # A sentence that goes on an item reads in the light of the item's first sentences: "Tổng số
            # lao động được đào tạo nghề: 25.900 người" after "- Tiếp tục triển khai … Đề án Đào tạo nghề
            # chất lượng cao … giai đoạn 2011 – 2015."
            lead = item_lead(text, a)
            own = self.coverage(piece)
            with_ctx = self.coverage(f"{context} {local} {lead} {piece}")
            under = named or bool(local and self._names_agency([local]))
            bonus = 0.15 if under else 0.0
            score = 0.75 * with_ctx + 0.25 * own + 0.04 / (1 + rank) + bonus
            if self.query.answer_kind and re.search(self.query.answer_kind, piece):
                score += 0.1  # "which countries": the sentence that names countries
            agency = under or self._names_agency([piece])
            out.append(Span(chunk, chunk.start + a, chunk.start + b, piece, score, rank, with_ctx, agency))
        return out

    def subject_coverage(self, text: str) -> float:
        """Coverage of ``text`` as if it named the agencies the question names: how well it speaks of
        the rest of the question ("the coastal-road workshop in Huế" of "what does the Department of
        Finance contribute to the coastal-road workshop in Huế")."""
        return self.coverage(f"{text} {self._agency_names}")

    @functools.cached_property
    def _agency_names(self) -> str:
        from rag.retrieve.query import agency_key

        names = list(self.query.agencies)
        for alts in self.query.concepts:
            if any(names_agency(agency_key(fold(a).lower()), ag) for a in alts for ag in self.query.agencies):
                names.extend(alts)
        return " ".join(names)

    def names_agency_in(self, text: str) -> bool:
        """``text`` names one of the agencies the question names."""
        return self._names_agency([text])

    def _names_agency(self, headings: list[str]) -> bool:
        if not self.query.agencies:
            return False
        from rag.retrieve.query import agency_key, expand_inline

        heads = [agency_key(expand_inline(agency_key(h))) for h in headings]
        return any(names_agency(h, a) for h in heads for a in self.query.agencies)

    def best_window(self, span: Span, doc_text: str) -> tuple[int, int]:
        """The part of a long sentence that carries the matches, cut at clause boundaries."""
        if span.end - span.start <= MAX_QUOTE:
            return span.start, span.end
        text = doc_text[span.start : span.end]
        cuts = [0] + [m.end() for m in re.finditer(r"[,;:]\s+", text)] + [len(text)]
        best = (0.0, 0, min(len(text), MAX_QUOTE))
        for i in range(len(cuts)):
            for j in range(i + 1, len(cuts)):
                if cuts[j] - cuts[i] > MAX_QUOTE:
                    break
                cov = self.coverage(text[cuts[i] : cuts[j]])
                if cov > best[0] + 1e-9:
                    best = (cov, cuts[i], cuts[j])
        a, b = best[1], best[2]
        piece = text[a:b].rstrip(" ,;:")
        return span.start + a, span.start + a + len(piece)
