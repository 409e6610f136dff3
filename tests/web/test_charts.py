"""The inline SVG charts: accessible, escaped, no style attributes, sane with empty data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from chengxin.web.charts import bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314  # our own markup


def test_bar_chart_is_an_image_with_a_title_and_one_bar_per_value() -> None:
    svg = _parse(bar_chart([("税务", 0.25), ("法院", 0.5)], title="退回率", percent=True))
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "退回率"  # type: ignore[union-attr]
    labelled = svg.get("aria-labelledby", "").split()
    assert svg.find(f"{SVG}title").get("id") == labelled[0]  # type: ignore[union-attr]
    bars = svg.findall(f"{SVG}rect[@class='bar']")
    assert len(bars) == 2
    widths = [float(b.get("width", "0")) for b in bars]
    assert widths[1] == 2 * widths[0]  # against 100 %
    texts = "".join(svg.itertext())
    assert "25.0%" in texts
    assert "50.0%" in texts
    assert svg.findall(f"{SVG}line[@class='axis']")


def test_grouped_bars_have_a_legend_and_scale_to_the_largest_value() -> None:
    markup = bar_chart([("A", [10, 20]), ("B", [40, 0])], title="等级", series=("现行", "草稿"))
    svg = _parse(markup)
    assert len(svg.findall(f"{SVG}rect[@class='bar']")) == 2
    assert len(svg.findall(f"{SVG}rect[@class='bar alt']")) == 2
    assert "现行" in "".join(svg.itertext())
    widths = {float(b.get("width", "0")) for b in svg.findall(f"{SVG}rect")}
    assert max(widths) == 370.0  # the largest value spans the plot


def test_labels_and_titles_are_escaped() -> None:
    markup = str(bar_chart([('<script>alert("x")</script>', 1)], title="a & <b>"))
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    assert "a &amp; &lt;b&gt;" in markup
    line = str(line_chart({"<i>": [("<d>", 1.0)]}, title="t"))
    assert "<i>" not in line
    assert "&lt;d&gt;" in line
    _parse(markup)
    _parse(line)


def test_empty_data_draws_an_empty_chart_with_the_message() -> None:
    for markup in (
        bar_chart([], title="无", empty="暂无数据"),
        line_chart({}, title="无", empty="暂无数据"),
    ):
        svg = _parse(markup)
        assert "暂无数据" in "".join(svg.itertext())
        assert not svg.findall(f"{SVG}rect[@class='bar']")
        assert not svg.findall(f"{SVG}polyline")


def test_line_chart_draws_a_line_per_series_over_shared_days() -> None:
    series = {"税务局": [("2026-11-20", 10.0), ("2026-11-21", 5.0)], "法院": [("2026-11-21", 3.0)]}
    svg = _parse(line_chart(series, title="每日", y_label="行数"))
    lines = svg.findall(f"{SVG}polyline")
    assert len(lines) == 2
    assert svg.findall(f"{SVG}circle")
    assert "2026-11-20" in "".join(svg.itertext())
    assert "行数" in "".join(svg.itertext())
    # Points share one x axis: the court's one point sits on the second day.
    tax, court = (ln.get("points", "").split() for ln in lines)
    assert court[0].split(",")[0] == tax[1].split(",")[0]


def test_no_style_attributes_or_scripts_and_stable_ids() -> None:
    markup = str(bar_chart([("a", 1)], title="t")) + str(line_chart({"s": [("x", 1)]}, title="t"))
    assert not re.search(r"\sstyle=", markup)
    assert "<script" not in markup
    assert " on" not in markup.replace(" one", "")
    assert str(bar_chart([("a", 1)], title="t")) == str(bar_chart([("a", 1)], title="t"))
