"""Cleaning rules, one row per case: input, format, expected blocks (kind, text)."""

import pytest

from search.ingest.clean import Text, clean, clean_text, ends_sentence, has_sentence_end, undouble


def blocks(raw, fmt):
    return [(b.kind, b.text) for b in clean(raw, fmt)]


UNDOUBLE = [
    # (line, repaired)
    ("培培育育「「小巨人小巨人」」 實現大作為實現大作為", "培育「小巨人」 實現大作為"),
    ("湖湖南南", "湖南"),
    ("破破零零倍倍增增", "破零倍增"),
    # real reduplication survives
    ("常常", "常常"),
    ("人人", "人人"),
    ("研究研究", "研究研究"),
    ("人人都是主角", "人人都是主角"),
    ("他常常研究研究这个问题。", "他常常研究研究这个问题。"),
    ("天天向上", "天天向上"),
    ("谢谢", "谢谢"),
    ("加油！加油！", "加油！加油！"),
    ("第一段说的是别的事情。第一段说的是别的事情。", "第一段说的是别的事情。第一段说的是别的事情。"),
]


@pytest.mark.parametrize("line, repaired", UNDOUBLE)
def test_undouble(line, repaired):
    assert undouble(Text.copy_of(line, 0, len(line))).text == repaired


def test_undouble_maps_each_char_over_both_copies():
    line = "湖湖南南"
    out = undouble(Text.copy_of(line, 0, len(line)))
    assert list(zip(out.starts, out.ends, strict=True)) == [(0, 2), (2, 4)]


CASES = [
    # hard wraps inside a paragraph: joined, no space between CJK
    ("wrapped", "第一行文字没有结束因为这是被硬换行的\n第二行继续说完。\n\n",
     [("body", "第一行文字没有结束因为这是被硬换行的第二行继续说完。")]),
    # page break inside a sentence (wrapped): blank line skipped
    ("wrapped", "「聖湘方案」在很多國家成為抗疫核酸檢測主導\n\n方案。\n",
     [("body", "「聖湘方案」在很多國家成為抗疫核酸檢測主導方案。")]),
    # a short line after a sentence end is a heading; the drop cap joins its paragraph
    ("wrapped", "上文結束。\n\n依託先進產業集群\n做強「小巨人」企業\n\n湖湖南南\n有這樣一批中小企業。",
     [("body", "上文結束。"), ("heading", "依託先進產業集群做強「小巨人」企業"),
      ("body", "湖南有這樣一批中小企業。")]),
    # photo captions stand alone, even across a wrap
    ("wrapped", "▲金為新材的精密輥壓成型被美國國家科學基\n金會列入十大先進製造技術\n\n▲飛沃新能源生產車間",
     [("caption", "▲金為新材的精密輥壓成型被美國國家科學基金會列入十大先進製造技術"),
      ("caption", "▲飛沃新能源生產車間")]),
    # Latin words across a wrap keep a space
    ("wrapped", "This line is wrapped in\nthe middle of English.", [
        ("body", "This line is wrapped in the middle of English.")]),
    # page breaks in Markdown: 重庆小 / 康动力, 工 / 信部
    ("markdown", "数字化、绿色化也成了重庆小\n\n康动力有限公司的“秘诀”。",
     [("body", "数字化、绿色化也成了重庆小康动力有限公司的“秘诀”。")]),
    ("markdown", "今年以来，工\n\n信部会同有关部门开展了活动。",
     [("body", "今年以来，工信部会同有关部门开展了活动。")]),
    # ...but not after a complete sentence, a colon, or into a heading
    ("markdown", "具有五个显著特点：\n\n第一，规模体量大。",
     [("body", "具有五个显著特点："), ("body", "第一，规模体量大。")]),
    ("markdown", "## 标题一\n\n本报记者 齐旭\n\n正文开始。",
     [("heading", "标题一"), ("byline", "本报记者 齐旭"), ("body", "正文开始。")]),
    # Markdown inline marks and link syntax
    ("markdown", "这是**重点**和[链接文字](http://x.cn)以及`代码`。",
     [("body", "这是重点和链接文字以及代码。")]),
    ("markdown", "長沙銀行[链接](http://x.cn)", [("body", "長沙銀行链接")]),
    ("markdown", "## ## 标题\n\n正文。", [("heading", "标题"), ("body", "正文。")]),
    # link-only lines are boilerplate
    ("plain", "正文。\n\n[返回株洲日报新闻](//a.com/x.html)｜[返回首页](//a.com/)\n\n<http://a.com/b>",
     [("body", "正文。")]),
    # HTML: tags dropped, entities decoded, <p> and <br> end paragraphs, headings kept
    ("html", "<h2>标题</h2><p>甲&amp;乙&nbsp;丙两家公司合作。</p>\n <p>第二段<br>第三段</p><script>x()</script>",
     [("heading", "标题"), ("body", "甲&乙\xa0丙两家公司合作。"), ("body", "第二段"), ("body", "第三段")]),
    ("html", "<p>（文章来源：株洲日报）</p>", [("byline", "（文章来源：株洲日报）")]),
    # issue 27: a blank line inside one text run ends a paragraph, and the next ones are kept
    ("html", "<td>第一段。\n\n第二段。\n\n第三段。</td>",
     [("body", "第一段。"), ("body", "第二段。"), ("body", "第三段。")]),
    # issue 27: a > inside a quoted attribute does not end the tag
    ("html", "<p>图片<img onload=\"if(this.width>450) this.width=450\" src='http://a.cn/x.jpg'>之后。</p>",
     [("body", "图片之后。")]),
    ("html", "<a title='a>b' href=x>链接</a>文字。", [("body", "链接文字。")]),
    # an image's alt text and a <figcaption> are captions; the alt a figcaption repeats, once
    ("html", "<p>正文。</p><img src=a.jpg alt=\"长沙&quot;小巨人&quot;企业\"><p>又一段。</p>",
     [("body", "正文。"), ("caption", "长沙\"小巨人\"企业"), ("body", "又一段。")]),
    ("html", "<figure><img src=a.jpg alt=\"车间一角\"><figcaption>车间一角</figcaption></figure>",
     [("caption", "车间一角")]),
    ("html", "<img src=a.jpg alt=\"\"><img src=b.jpg alt=\"b.jpg\">正文", [("body", "正文")]),
    # comments, scripts, styles, noscript, doctype, CDATA marks and shortcodes are not text
    ("html", "<!DOCTYPE html><!-- 注释 --><style>p>a{}</style><noscript>请开启</noscript>"
     "<![CDATA[正文]]>{{< video src=x >}}<?xml version='1.0'?>", [("body", "正文")]),
    # a tag left open at the end runs to the end; an entity escaped twice is still one
    ("html", "<p>正文&amp;nbsp;结束。</p><div class=\"x", [("body", "正文\xa0结束。")]),
    # markup escaped into the text (a page showing its own source) is markup still
    ("html", "<pre>&lt;div class=\"a\"&gt;正文。&lt;/div&gt;&lt;!-- 注 --&gt;&amp;lt;p&amp;gt;二段。</pre>",
     [("body", "正文。"), ("body", "二段。")]),
    # text that only looks like markup is text
    ("html", "<p>AT&T说 a < b，<<三国演义>>。</p>", [("body", "AT&T说 a < b，<<三国演义>>。")]),
    # Markdown with HTML inside: block tags end paragraphs, inline tags dropped, shortcodes gone
    ("markdown", "第一段<span style=\"x\">文字</span>。\n<figure>\n<img src=\"a.jpg\" alt=\"\">\n"
     "<figcaption>圖說文字。網絡截圖</figcaption>\n</figure>\n\n{{< video src=\"v\" >}}\n\n第二段。",
     [("body", "第一段文字。"), ("caption", "圖說文字。網絡截圖"), ("body", "第二段。")]),
    ("markdown", "{{% note %}}提示文字。{{% /note %}}\n\n{% raw %}正文。{% endraw %}",
     [("body", "提示文字。"), ("body", "正文。")]),
    ("markdown", "见<https://a.cn/x>说明<!-- more -->", [("body", "见https://a.cn/x说明")]),
    # spaced: paragraphs between ideographic spaces, short unpunctuated ones are headings
    ("spaced", "核心阅读\u3000\u3000近年来，株洲鼓励企业。\u3000\u3000\u3000\u3000技术协同，营造融通发展的创新生态"
     "\u3000\u3000正文。", [("heading", "核心阅读"), ("body", "近年来，株洲鼓励企业。"),
                          ("heading", "技术协同，营造融通发展的创新生态"), ("body", "正文。")]),
    # plain: bylines and captions are recognised
    ("plain", "中央纪委国家监委网站 王雅婧 通讯员 陈文静\n\n工人在生产线上忙碌。（图片来源：视觉中国）",
     [("byline", "中央纪委国家监委网站 王雅婧 通讯员 陈文静"),
      ("caption", "工人在生产线上忙碌。（图片来源：视觉中国）")]),
    # one paragraph a line (JSON dumps): a line that ends a sentence ends its paragraph
    ("plain", "第一段说完了。\n第二段也说完了。\n第三段被硬换行\n切开了。", [
        ("body", "第一段说完了。"), ("body", "第二段也说完了。"), ("body", "第三段被硬换行切开了。")]),
    ("markdown", "第一段说完了。\n第二段也说完了。", [("body", "第一段说完了。"), ("body", "第二段也说完了。")]),
    # real reduplication inside text is never touched
    ("plain", "人人都说常常研究研究。", [("body", "人人都说常常研究研究。")]),
]


@pytest.mark.parametrize("fmt, raw, expected", CASES)
def test_cleaning_rules(fmt, raw, expected):
    assert blocks(raw, fmt) == expected


@pytest.mark.parametrize("fmt, raw, expected", CASES)
def test_every_block_maps_back_to_its_raw_slice(fmt, raw, expected):
    for block in clean(raw, fmt):
        assert len(block.starts) == len(block.ends) == len(block.text)
        assert clean_text(raw[block.char_start:block.char_end], fmt) == block.text


SENTENCE_ENDS = [
    # (text, has a sentence end in it, ends a sentence): ASCII full stops count like 。
    ("本文讨论了发展现状,并提出了三条对策.", True, True),
    ("本文讨论了发展现状，并提出了三条对策。", True, True),
    ("对策.本文", True, False),
    ("in May. Then", True, False),
    ("“好！”", True, True),
    ("Really?", True, True),
    # a decimal point, a dot inside a word, a list number, any dot after a digit: no end
    ("增长0.01度", False, False),
    ("U.S.A与中国", False, False),
    ("example.com", False, False),
    ("1. 总则", False, False),
    ("2.3. 适用范围", False, False),
    ("应当提交：1.以出让方式取得的", False, False),
    ("总书记2. 我国经济", False, False),
    ("增长6.", False, False),  # at a line end, maybe a decimal point cut by a wrap
    # … trails off: it ends a line, but a paragraph holding one may still be a headline
    ("路在何方……", False, True),
    ("长沙银行发展供应链金融", False, False),
]


@pytest.mark.parametrize("text, has_end, ends", SENTENCE_ENDS)
def test_sentence_ends(text, has_end, ends):
    assert has_sentence_end(text) == has_end
    assert ends_sentence(text) == ends


def test_a_page_break_between_latin_words_is_a_space():
    raw = "Supply chain finance at the Bank of Changsha and its\n\nsuppliers grew fast."
    [block] = clean(raw, "plain")
    assert block.text == "Supply chain finance at the Bank of Changsha and its suppliers grew fast."
    assert clean_text(raw[block.char_start:block.char_end], "plain") == block.text
