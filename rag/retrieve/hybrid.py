"""Hybrid retrieval over one index generation: BM25 (original + folded tokens) and dense vectors
(Chroma) fused by reciprocal rank, with exact document-number matching and metadata filters."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import logging
import re
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from rag.documents.models import META_KINDS, Chunk
from rag.index.embedder import Embedder
from rag.index.generations import Generation
from rag.index.vectors import ChromaVectors
from rag.retrieve.query import DOC_TYPES, QType, Query, has_labels
from rag.retrieve.rerank import Reranker
from rag.text.normalize import fold
from rag.text.tokenize import CODE_RE, code_key

_META_VALUES = frozenset(k.value for k in META_KINDS)
_YEAR = re.compile(r"(19[5-9]\d|20\d\d)")
_ISSUER_PLACE = re.compile(r"(?:tinh|thanh pho|tp\.?)\s+([a-z][a-z -]*)$")
log = logging.getLogger(__name__)


@dataclass
class Filters:
    """Metadata filters; every field optional. ``doc`` is an id or a document number."""

    doc: str | None = None
    doc_type: str | None = None
    issuer: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def empty(self) -> bool:
        return not (self.doc or self.doc_type or self.issuer or self.date_from or self.date_to)


@dataclass
class Hit:
    chunk: Chunk
    row: int
    score: float
    lexical_rank: int | None = None
    dense_rank: int | None = None
    lexical_score: float = 0.0
    dense_score: float = 0.0


@dataclass
class SearchResult:
    hits: list[Hit]
    lexical: bool
    dense: bool
    timings_ms: dict[str, float] = field(default_factory=dict)
    scoped_docs: list[str] = field(default_factory=list)  # documents the question named
    reranked: bool = False
    dense_error: str | None = None  # why dense retrieval failed for this query (vector store down)
    unknown_issuers: list[str] = field(default_factory=list)  # provinces named as issuer, with no document
    unknown_years: list[str] = field(default_factory=list)  # years a document is named by, with no document
    other_places: list[str] = field(default_factory=list)  # provinces named that issued no loaded document
    place_docs: list[str] = field(default_factory=list)  # documents issued where the question names
    unknown_refs: list[str] = field(default_factory=list)  # document numbers named, none of them loaded
    document_years: list[str] = field(default_factory=list)  # years named that a loaded document is of
    title_years: list[str] = field(default_factory=list)  # years named that a loaded document's title names
    title_docs: list[str] = field(default_factory=list)  # documents the question names by their title
    issued_docs: list[str] = field(default_factory=list)  # documents issued when the question asks
    searched_docs: list[str] = field(default_factory=list)  # every document the filters let through


_DOC_WORDS = (
    r"\b(ke hoach|quyet dinh|cong van|chien luoc|de an|chuong trinh|plans?|decisions?|letters?|strateg(y|ies)"
    r"|programmes?|programs?|schemes?|dispatch)\b"
)
_IMPLEMENTING = (
    r"\b(?:trien khai|thuc hien|thi hanh|implement(?:s|ing|ation)?|carr(?:y|ies|ying) out|executing"
    r"|pass(?:es|ing)? down|hand(?:s|ing)? down|roll(?:s|ing)? out|put(?:s|ting)? into effect|act(?:s|ing)? on"
    # "that 2022 letter on Resolution 57", "công văn về Nghị quyết 57"
    r"|(?:letter|dispatch|cong van|cv) (?:\S+ ){0,2}?(?:on|about|regarding|ve|ve viec)) (?:of )?"
)
_TITLE_GENERIC = frozenset(
    "ke_hoach ban_hanh hanh_ke trien_khai khai_thuc thuc_hien hien_ke hien_nghi nghi_quyet quyet_so "
    "den_nam tam_nhin nhin_den giai_doan cua_tinh nam_cua".split()
)


class HybridSearcher:
    """Ranks the chunks of a generation for a query. Cheap per query; built once per generation."""

    RRF_K = 60
    POOL = 100
    YEAR_PRIOR = 1.3  # lexical score factor for documents issued in a year the question names
    PLACE_PRIOR = 1.5  # ... for documents issued by a province or city the question names

    def __init__(
        self,
        generation: Generation | None,
        *,
        embedder: Embedder | None = None,
        vectors: ChromaVectors | None = None,
        reranker: Reranker | None = None,
        dense_weight: float = 1.0,
        lexical_weight: float = 1.0,
    ) -> None:
        self.generation = generation
        self.embedder = embedder
        self.vectors = vectors
        self.reranker = reranker
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.docs: list[dict[str, str | None]] = []
        self.row_doc = np.zeros(0, dtype=np.int32)
        self.row_meta = np.zeros(0, dtype=bool)
        if generation is not None:
            store = generation.store
            self.docs = store.document_rows()
            index = {d["id"]: i for i, d in enumerate(self.docs)}
            self.row_doc = np.array([index[d] for d in store.chunk_doc_ids()], dtype=np.int32)
            self.row_meta = np.array([k in _META_VALUES for k in store.chunk_kinds()], dtype=bool)
        self._doc_type = [fold(d["doc_type"] or "").lower() for d in self.docs]
        self._issuer = [fold(d["issuer"] or "").lower() for d in self.docs]
        self._date = [
            dt.date.fromisoformat(d["issued_date"]) if d["issued_date"] else None for d in self.docs
        ]
        self._number = [code_key(d["number"]) if d["number"] else "" for d in self.docs]
        self._year = np.array([d.year if d else 0 for d in self._date], dtype=np.int32)
        # The province or city of each issuer ("ubnd tinh quang ngai" → "quang ngai").
        self._place = [m.group(1).strip() if (m := _ISSUER_PLACE.search(s)) else "" for s in self._issuer]
        places = sorted({p for p in self._place if p}, key=len, reverse=True)
        self._place_re = re.compile(r"\b(" + "|".join(map(re.escape, places)) + r")\b") if places else None
        self._dense_failing = False  # log a vector store failure once, not on every query

    @property
    def dense_active(self) -> bool:
        return self.embedder is not None and self.vectors is not None

    # --- filters and document scope ---

    def resolve_doc(self, ref: str) -> list[int]:
        """Document indexes for an id, a full number or a bare number ('2395')."""
        key = code_key(ref)
        hits = [i for i, d in enumerate(self.docs) if d["id"] == ref or self._number[i] == key]
        if not hits and key.isdigit():
            hits = [i for i, n in enumerate(self._number) if n.split("/")[0] == key]
        return hits

    def doc_mask(self, filters: Filters | None) -> npt.NDArray[np.bool_] | None:
        if filters is None or filters.empty():
            return None
        ok = np.ones(len(self.docs), dtype=bool)
        if filters.doc:
            allowed = set(self.resolve_doc(filters.doc))
            ok &= np.array([i in allowed for i in range(len(self.docs))], dtype=bool)
        if filters.doc_type:
            want = fold(filters.doc_type).lower()
            ok &= np.array([t == want for t in self._doc_type], dtype=bool)
        if filters.issuer:
            want = fold(filters.issuer).lower()
            ok &= np.array([want in s for s in self._issuer], dtype=bool)
        if filters.date_from:
            ok &= np.array([d is not None and d >= filters.date_from for d in self._date], dtype=bool)
        if filters.date_to:
            ok &= np.array([d is not None and d <= filters.date_to for d in self._date], dtype=bool)
        return ok

    def year_docs(self, query: Query) -> npt.NDArray[np.bool_] | None:
        """Documents issued in a year the question names ("năm 2014", "the 2014 plan"); None when
        it names none, or when every document or none was issued then (no preference)."""
        years = {int(x) for x in (*query.numbers, *query.doc_numbers) if _YEAR.fullmatch(x)}
        if not years or not len(self._year):
            return None
        same = np.isin(self._year, list(years))
        return same if same.any() and not same.all() else None

    def place_docs(self, query: Query) -> npt.NDArray[np.bool_] | None:
        """Documents whose issuer is in a province or city the question names; None when it names
        none, or when every document or none is from there."""
        if self._place_re is None:
            return None
        # "tt hue", "Hue" name Thừa Thiên Huế; a place an event is held in ("the workshop in Huế")
        # need not be where the document listing it was issued.
        named = set(self._place_re.findall(fold(query.normalized).lower())) | set(query.places)
        named -= set(query.held_in)
        if not named:
            return None
        same = np.array([p in named for p in self._place], dtype=bool)
        return same if same.any() and not same.all() else None

    @functools.cached_property
    def _titles(self) -> list[str]:
        """Each document's title, read once (for the questions that name a document by it)."""
        if self.generation is None:
            return []
        docs = (self.generation.store.document(str(d["id"])) for d in self.docs)
        return [(doc.title or "") if doc else "" for doc in docs]

    @functools.cached_property
    def _title_pairs(self) -> list[set[str]]:
        """Per document, the word pairs of its title that set it apart: not in every title, not the
        issuer's place, not document-kind words ("kế hoạch", "triển khai")."""
        # A title read after its document's kind: 39/KH-UBND's title starts "Liên kết phát triển
        # Vùng …", and people call it "kế hoạch liên kết vùng".
        titles = [
            {f"{a}_{b}" for a, b in itertools.pairwise(re.findall(r"[a-z]+", f"{kind} {fold(t).lower()}"))}
            for kind, t in zip(self._doc_type, self._titles, strict=True)
        ]
        shared = set.intersection(*titles) if titles else set()
        place_words = {w for p in self._place for w in p.split()} | {"tinh", "thanh", "pho"}
        return [
            {p for p in t - shared - _TITLE_GENERIC if not set(p.split("_")) & place_words} for t in titles
        ]

    def title_docs(self, query: Query) -> list[int]:
        """Documents a question names by their title ("the international integration plan" is
        997/QĐ-UBND's): when it speaks of a document ("plan", "kế hoạch"), those sharing two or more
        distinctive title word pairs with it. Empty when it names none, or all of them."""
        folded = " ".join(fold(query.normalized).lower().split())
        text = folded + " | " + " ".join(fold(t).lower() for t in query.translations)
        if not re.search(_DOC_WORDS, folded):
            return []
        words = re.findall(r"[a-z]+|\|", text)
        asked = {f"{a}_{b}" for a, b in itertools.pairwise(words)}
        found = [i for i, pairs in enumerate(self._title_pairs) if len(pairs & asked) >= 2]
        # "Kế hoạch liên kết vùng năm 2018": of the plans so named, the one of that year.
        dated = [i for i in found if any(self._of_year(i, y) for y in query.document_years)]
        kinds = {kind for kind, pattern in DOC_TYPES if re.search(pattern, folded)}
        if (
            query.document_years
            and not dated
            and (len(found) != 1 or (kinds and self._doc_type[found[0]] not in kinds))
        ):
            # "The 2018 regional linkage plan": of that year's documents of that kind, one whose title
            # says so.
            dated = [
                i
                for i, pairs in enumerate(self._title_pairs)
                if pairs & asked
                and any(self._of_year(i, y) for y in query.document_years)
                and (not kinds or self._doc_type[i] in kinds)
            ]
        found = dated or found
        return found if 0 < len(found) < len(self.docs) else []

    def _of_year(self, i: int, year: str) -> bool:
        """Document ``i`` was issued in ``year``, or its title names it (in a period it spans)."""
        if int(year) == self._year[i]:
            return True
        spans = re.findall(r"((?:19|20)\d\d)(?:\s*[-–]\s*((?:19|20)\d\d))?", self._titles[i])
        return any(a <= year <= (b or a) for a, b in spans)

    def implementing_docs(self, query: Query) -> list[int]:
        """Documents a question names as the one implementing another ("công văn triển khai Nghị
        quyết 57/NQ-CP", "the letter implementing Resolution 57"): their titles cite it."""
        folded = " ".join(fold(query.normalized).lower().split())
        found: set[int] = set()
        for ref in self.unknown_refs(query):
            number = ref.split("/")[0]
            if re.search(rf"{_IMPLEMENTING}(?:\S+ ){{0,3}}?{re.escape(number)}\b", folded):
                found.update(
                    i
                    for i, title in enumerate(self._titles)
                    if any(code_key(m.group(1)).split("/")[0] == number for m in CODE_RE.finditer(title))
                )
        return sorted(found)

    def scoped_docs(self, query: Query) -> list[int]:
        """Documents the question names by number ('Công văn 2395/UBND-KTTH', 'KH 39'), or as the
        one implementing a document it names ('công văn triển khai Nghị quyết 57/NQ-CP')."""
        found: list[int] = self.implementing_docs(query)
        for ref in query.doc_refs:
            found += [i for i, n in enumerate(self._number) if n == ref]
        for num in query.doc_numbers:
            found += [i for i, n in enumerate(self._number) if n.split("/")[0] == num]
        return sorted(set(found))

    # --- search ---

    def search(self, query: Query, k: int = 8, filters: Filters | None = None) -> SearchResult:
        t0 = time.perf_counter()
        gen = self.generation
        if gen is None or gen.lexical.size == 0:
            return SearchResult([], lexical=True, dense=False)
        n = gen.lexical.size
        doc_ok = self.doc_mask(filters)
        scope = self.scoped_docs(query)
        if scope and (doc_ok is None or doc_ok[scope].any()):
            # A question that names a document is answered from it.
            named = np.zeros(len(self.docs), dtype=bool)
            named[scope] = True
            doc_ok = named if doc_ok is None else (doc_ok & named)
        row_ok = doc_ok[self.row_doc] if doc_ok is not None else np.ones(n, dtype=bool)
        if query.section_ref and len(scope) == 1:
            # "Điểm b mục 2.2 Công văn 2395 yêu cầu gì": the section the question names, when it exists.
            doc_rows = [int(r) for r in np.flatnonzero(self.row_doc == scope[0])]
            chunks = gen.store.chunks(doc_rows)
            inside: list[int] = []
            for n_labels in range(len(query.section_ref), 0, -1):  # a point may sit in its section's chunk
                labels = query.section_ref[:n_labels]
                if len(chunks) == len(doc_rows):
                    inside = [
                        r for r, c in zip(doc_rows, chunks, strict=True) if has_labels(c.section_path, labels)
                    ]
                if inside:
                    break
            if inside:
                row_ok = np.zeros(n, dtype=bool)
                row_ok[inside] = True

        lex = gen.lexical.scores(list(query.tokens), query.tokens)
        prior = np.ones(n, dtype=np.float32)
        if query.qtype == QType.DOC_META:
            prior[self.row_meta] = 1.5
        else:
            prior[self.row_meta] = 0.35  # recipients lists and headers are not answers to content questions
        same_year = self.year_docs(query)
        if same_year is not None:
            # Among near-identical documents of other years, "năm 2014" points to the 2014 one.
            prior[same_year[self.row_doc]] *= self.YEAR_PRIOR
        same_place = self.place_docs(query)
        if same_place is not None:
            # ... and among other provinces' copies, "của Quảng Ngãi" to Quảng Ngãi's.
            prior[same_place[self.row_doc]] *= self.PLACE_PRIOR
        lex = lex * prior
        lex[~row_ok] = -1.0
        t1 = time.perf_counter()

        pool = min(self.POOL, n)
        candidates = np.argpartition(-lex, pool - 1)[:pool] if pool < n else np.arange(n)
        candidates = candidates[np.argsort(-lex[candidates], kind="stable")]
        lex_top = [int(r) for r in candidates if lex[r] > 0]
        lex_rank = {r: i for i, r in enumerate(lex_top)}

        dense_rank: dict[int, int] = {}
        dense_score: dict[int, float] = {}
        dense_used = False
        dense_error: str | None = None
        if self.dense_active and query.dense_text.strip():
            assert self.embedder is not None and self.vectors is not None
            try:
                vec = self.embedder.embed_query(query.dense_text)
                pairs = self.vectors.query(vec, k=pool)
                rows = gen.store.rows_for_ids([i for i, _ in pairs])
                r = 0
                for cid, sim in pairs:
                    row = rows.get(cid)
                    if row is None or not row_ok[row]:
                        continue  # a stale vector, or filtered out
                    dense_rank[row] = r
                    dense_score[row] = sim
                    r += 1
                dense_used = True
                if self._dense_failing:
                    self._dense_failing = False
                    log.warning(
                        "dense retrieval works again (%s)", getattr(self.vectors, "where", "vector store")
                    )
            except Exception as exc:  # the vector store went away: answer lexically, say so
                dense_used = False
                dense_error = f"{type(exc).__name__}: {str(exc)[:200]}"
                if not self._dense_failing:
                    self._dense_failing = True
                    log.warning("dense retrieval failed, answering from BM25 only: %s", dense_error)
        t2 = time.perf_counter()

        fused: dict[int, float] = {}
        for row, r in lex_rank.items():
            fused[row] = fused.get(row, 0.0) + self.lexical_weight / (self.RRF_K + r + 1)
        for row, r in dense_rank.items():
            meta_penalty = 0.35 if self.row_meta[row] and query.qtype != QType.DOC_META else 1.0
            fused[row] = fused.get(row, 0.0) + meta_penalty * self.dense_weight / (self.RRF_K + r + 1)
        ranked = sorted(fused, key=lambda r: -fused[r])
        reranked = False
        if self.reranker is not None and ranked:
            # The cross-encoder reorders the head of the fused list; its rank joins the fusion.
            head = ranked[: max(k * 3, 20)]
            texts = [c.embed_text for c in gen.store.chunks(head)]
            try:
                scores = self.reranker.scores(query.dense_text or query.normalized, texts)
                order = sorted(range(len(head)), key=lambda i: -scores[i])
                for r, i in enumerate(order):
                    fused[head[i]] += 1.0 / (self.RRF_K + r + 1)
                ranked = sorted(fused, key=lambda r: -fused[r])
                reranked = True
            except Exception:  # a failing reranker never fails a query
                reranked = False
        best = ranked[:k]
        if len(scope) >= 2:
            # A question naming several documents gets the best sections of each of them.
            per_doc: dict[int, list[int]] = {}
            for r in ranked:
                per_doc.setdefault(int(self.row_doc[r]), []).append(r)
            picks = [r for d in scope for r in per_doc.get(d, [])[:2]]
            best = list(dict.fromkeys(picks + ranked))[:k]
            best.sort(key=lambda r: -fused[r])
        chunks = gen.store.chunks(best)
        hits = [
            Hit(
                chunk=c,
                row=row,
                score=fused[row],
                lexical_rank=lex_rank.get(row),
                dense_rank=dense_rank.get(row),
                lexical_score=float(max(lex[row], 0.0)),
                dense_score=dense_score.get(row, 0.0),
            )
            for row, c in zip(best, chunks, strict=True)
        ]
        t3 = time.perf_counter()
        return SearchResult(
            hits,
            lexical=True,
            dense=dense_used,
            timings_ms={"lexical": (t1 - t0) * 1000, "dense": (t2 - t1) * 1000, "fuse": (t3 - t2) * 1000},
            scoped_docs=[str(self.docs[i]["id"]) for i in scope],
            reranked=reranked,
            dense_error=dense_error,
            unknown_issuers=self.unknown_issuers(query),
            unknown_years=[] if scope or query.doc_refs or query.doc_numbers else self.unknown_years(query),
            other_places=self._not_issuers(query.places),
            unknown_refs=[] if scope else self.unknown_refs(query),
            document_years=[y for y in query.numbers if _YEAR.fullmatch(y) and int(y) in self._year],
            title_years=[y for y in query.numbers if self._names_document_year(y)],
            title_docs=[] if scope else [str(self.docs[i]["id"]) for i in self.title_docs(query)],
            place_docs=[str(self.docs[i]["id"]) for i in np.flatnonzero(same_place)]
            if same_place is not None
            else [],
            issued_docs=[str(self.docs[i]["id"]) for i in self.issued_docs(query)],
            searched_docs=[str(d["id"]) for i, d in enumerate(self.docs) if doc_ok is None or doc_ok[i]],
        )

    def issued_docs(self, query: Query) -> list[int]:
        """Documents issued when a list question asks ("văn bản nào ban hành sau năm 2020", "which
        plans were issued in May"). A decision issuing a plan counts as a plan."""
        window = query.issued
        if window is None:
            return []
        out = []
        for i, date in enumerate(self._date):
            kinds = {self._doc_type[i]} | (
                {"ke hoach"} if "ke hoach" in fold(self._titles[i]).lower() else set()
            )
            if any(window.admits(date, kind) for kind in kinds):
                out.append(i)
        return out

    def unknown_refs(self, query: Query) -> list[str]:
        """Document numbers the question names that no loaded document has ("Nghị quyết 57/NQ-CP",
        which 2395/UBND-KTTH only cites)."""
        refs = [r for r in query.doc_refs if r not in self._number]
        refs += [
            n
            for n in query.doc_numbers
            if not any(x.split("/")[0] == n for x in self._number)
            # "kế hoạch 2018": the year of a loaded plan, not its number
            and not (self._names_document_year(n) or (_YEAR.fullmatch(n) and int(n) in self._year))
        ]
        return refs

    def unknown_years(self, query: Query) -> list[str]:
        """Years the question dates a document by ("Quang Ngai's 2019 regional linkage plan") that no
        loaded document was issued in or names in its title."""
        folded = " ".join(fold(query.normalized).lower().split())
        return [
            y
            for y in query.document_years
            if not any(self._of_year(i, y) for i in range(len(self.docs)))
            # "the construction plan to 2035", "giai đoạn 2016-2020": a horizon or a period, which
            # plans inside the documents have, is no date of a document.
            and not re.search(
                rf"\b(?:to|until|by|through|till|den(?: nam)?|toi(?: nam)?|giai doan|thoi ky|tam nhin|vision|horizon)"
                rf"\s+{y}\b|\b{y}\s*[-–]\s*\d{{4}}|\d{{4}}\s*[-–]\s*{y}\b",
                folded,
            )
        ]

    def unknown_issuers(self, query: Query) -> list[str]:
        """Provinces the question says issued the document it asks about, of which no document is
        loaded ("Da Nang's regional plan" over Quảng Ngãi's and Huế's documents)."""
        return self._not_issuers(query.issuer_places)

    def _names_document_year(self, token: str) -> bool:
        """``token`` is a year a loaded document's title names ("giai đoạn 2021 - 2025")."""
        return bool(_YEAR.fullmatch(token)) and any(token in t for t in self._titles)

    def _not_issuers(self, places: list[str]) -> list[str]:
        """Those of ``places`` (canonical folded names) that issued none of the loaded documents."""
        known = " | ".join(p for p in self._place if p)
        return [p for p in places if not re.search(rf"\b{re.escape(p)}\b", known)]
