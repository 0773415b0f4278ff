"""Gazetteer and place extraction: short forms, hierarchy, ambiguous names, the seeds."""

import pytest

from search.text.analysis import fold, word_bounds, words
from search.text.places import extract, gazetteer, summarize

SHORT_FORMS = [
    ("株洲市", "株洲"), ("嘉善县", "嘉善"), ("新疆维吾尔自治区", "新疆"), ("内蒙古自治区", "内蒙古"),
    ("广西壮族自治区", "广西"), ("湘西土家族苗族自治州", "湘西"), ("长阳土家族自治县", "长阳"),
    ("香港特别行政区", "香港"), ("澳门特别行政区", "澳门"), ("台湾省", "台湾"), ("临平区", "临平"),
    ("大兴安岭地区", "大兴安岭"), ("锡林郭勒盟", "锡林郭勒"), ("神农架林区", "神农架"),
]


@pytest.mark.parametrize("full, short", SHORT_FORMS)
def test_short_forms(full, short):
    places = gazetteer().lookup(full)
    assert places and places[0].name == short
    assert any(p.full == full for p in gazetteer().lookup(short))


HIERARCHY = [
    # name, level, city, province
    ("嘉善", "county", "嘉兴", "浙江"), ("诸暨", "county", "绍兴", "浙江"),
    ("昆山", "county", "苏州", "江苏"), ("临平", "county", "杭州", "浙江"),
    ("株洲", "city", "株洲", "湖南"), ("長沙", "city", "长沙", "湖南"),
    ("北京", "city", "北京", None), ("重庆", "city", "重庆", None), ("香港", "city", "香港", None),
    ("台北", "city", "台北", "台湾"), ("湖南", "province", None, None),
    ("北京经开区", "city", "北京", None), ("长沙高新区", "city", "长沙", "湖南"),
]


@pytest.mark.parametrize("name, level, city, province", HIERARCHY)
def test_hierarchy(name, level, city, province):
    top = min(gazetteer().lookup(name), key=lambda p: ("province", "city", "county").index(p.level))
    assert (top.level, top.city, top.province) == (level, city, province)


def test_gazetteer_covers_all_levels():
    levels = [p.level for p in gazetteer().places.values()]
    assert levels.count("province") >= 28 and levels.count("city") >= 330
    assert levels.count("county") >= 2800


def places_in(text: str) -> list[str]:
    return [m.place.name for m in extract(fold(text), *word_bounds(words(text)))]


EXTRACTION = [
    ("视频连线珠海、佛山、中山、肇庆、清远等市", ["珠海", "佛山", "中山", "肇庆", "清远"]),
    ("株洲中车的产品", ["株洲"]),
    ("長沙銀行發放貸款", ["长沙"]),
    ("杭州临平的老板电器", ["杭州", "临平"]),
    ("浙江省嘉善县开发区", ["浙江", "嘉善"]),
    ("赴昆山、苏州、无锡等地学习", ["昆山", "苏州", "无锡"]),
    ("北京朝阳区的企业", ["北京", "朝阳"]),
    ("海南东方市的风电", ["海南", "东方"]),
    ("山西大同的煤矿", ["山西", "大同"]),
    ("吉林省的粮食", ["吉林"]),
    # everyday words and names that are not places here
    ("东方红，太阳升", []),
    ("江山如此多娇", []),
    ("永康的生活很好", []),
    ("孙中山先生", []),
    ("研发中心主任张向阳说", []),
    ("朝阳产业发展迅速", []),
    ("白银价格上涨", []),
    ("大同世界", []),
    ("阿里云提供了基础产品", []),
    ("新华社记者报道", []),
    ("和平发展", []),
    ("从南部6省52家参赛团队中脱颖而出", []),
    ("临平的工厂", []),  # a county named alone, with no city to confirm it
    ("他们来自天元", []),
    ("上海合作组织各领域合作", ["上海"]),  # 合作 (合作市) is not confirmed by an unrelated neighbour
    ("公安机关在荆州破案", ["荆州"]),  # 公安 (公安县) is an everyday word: context is not enough
    ("荆州公安的油茶", ["荆州", "公安"]),  # ...but right after its own city it is the county
    ("巴中关系", []),
]


@pytest.mark.parametrize("text, expected", EXTRACTION)
def test_extraction(text, expected):
    assert places_in(text) == expected


# Article-level places of the seeds (from the issue). Provinces may also include the provinces
# of the cities found (苏州 -> 江苏), since a filter on a province includes its cities.
SEED_PLACES = {
    "000": ({"株洲"}, {"湖南", "广西", "云南", "福建"}),
    "001": ({"长沙", "株洲"}, {"湖南"}),
    "002": ({"嘉兴", "绍兴", "福州", "北京"}, {"浙江", "福建", "江苏"}),
    "003": ({"株洲", "长沙", "苏州", "无锡", "赣州"}, {"湖南", "江西"}),
    "004": ({"杭州", "重庆", "济南", "广州", "珠海", "佛山", "中山", "肇庆", "清远"},
            {"浙江", "山东", "广东"}),
}


@pytest.mark.parametrize("seed", sorted(SEED_PLACES))
def test_seed_places(seed_articles, seed):
    from search.ingest.metadata import article_places
    cities, provinces = SEED_PLACES[seed]
    found = {"city": set(), "province": set(), "county": set()}
    _, articles = seed_articles[seed]
    for article in articles:
        counts = article_places(article, [(fold(p.text), words(p.text))
                                          for p in article.passages]).counts
        for level in found:
            found[level] |= set(counts[level])
    assert found["city"] == cities
    implied = {p.province for name in cities for p in gazetteer().lookup(name) if p.level == "city"}
    assert provinces <= found["province"] <= provinces | implied


def test_counties_count_for_their_city():
    text = "浙江省嘉善县和诸暨市"
    counts = summarize(extract(fold(text), *word_bounds(words(text))))
    assert counts["county"] == {"嘉善": 1, "诸暨": 1}
    assert counts["city"] == {"嘉兴": 1, "绍兴": 1}
    assert counts["province"] == {"浙江": 3}


def test_everyday_words_list_follows_its_rule():
    """data/everyday_words.txt: county-only short names that jieba's dictionary knows as
    everyday words (frequency >= 300 and not tagged as a place or person, or >= 3000).
    Localities (data/localities.tsv) say themselves how they count."""
    import os
    from importlib import resources

    jieba = pytest.importorskip("jieba")
    frequency = {}
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as f:
        for line in f:
            word, count, *tag = line.split()
            frequency[word] = (int(count), tag[0] if tag else "")
    gaz = gazetteer()
    expected = sorted(
        name for name, places in gaz.names.items()
        if name not in gaz.full_names and name not in gaz.localities
        and all(p.level == "county" for p in places)
        and ((frequency.get(name, (0, ""))[0] >= 300 and frequency[name][1] not in ("ns", "nr", "nrt"))
             or frequency.get(name, (0, ""))[0] >= 3000))
    listed = (resources.files("search") / "data" / "everyday_words.txt").read_text("utf-8").split()
    assert listed == expected
