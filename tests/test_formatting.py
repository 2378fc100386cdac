"""Dates, ranges and numbers come from CLDR through Babel, in each language's own form."""

import datetime as dt

import pytest

from pipeline.localize import country_name, format_day, format_day_range, format_month, format_number
from pipeline.project import DateFormats, load_project

NOV13, NOV14 = dt.date(2023, 11, 13), dt.date(2023, 11, 14)


# What CLDR (Babel from requirements/*.lock) writes; an upgrade that changes a line here is a
# decision for the consortium: keep CLDR's form, or set the old one in project.yaml date_formats.
@pytest.mark.parametrize("locale, expected", [
    ("en_GB", "13\u2009–\u200914 November 2023"),   # CLDR 47; the shipped project.yaml closes it up
    ("pl", "13–14 listopada 2023"),           # genitive month, as Polish writes dates
    ("de", "13.–14. November 2023"),
    ("el", "13–14 Νοεμβρίου 2023"),
    ("pt", "13\u2009–\u200914 de novembro de 2023"),    # full month although CLDR only has yMMMd ranges
    ("es", "13–14 de noviembre de 2023"),
    ("bg", "13 – 14 ноември 2023\u202fг."),
    ("ro", "13–14 noiembrie 2023"),
    ("nl", "13–14 november 2023"),
    ("hu", "2023. november 13–14."),
])
def test_a_two_day_event_in_each_language(locale, expected):
    assert format_day_range(NOV13, NOV14, locale) == expected


def test_ranges_across_months_and_years():
    assert format_day_range(dt.date(2023, 5, 30), dt.date(2023, 6, 2), "en_GB") == "30 May\u2009–\u20092 June 2023"
    assert format_day_range(dt.date(2023, 3, 1), dt.date(2027, 2, 28), "de") == "1. März 2023\u2009–\u200928. Februar 2027"


def test_the_projects_house_style_overrides_cldr_where_set():
    british = DateFormats(range_same_month="d–d MMMM y")
    assert format_day_range(NOV13, NOV14, "en_GB", british) == "13–14 November 2023"
    # only the pattern that is set changes; the others stay CLDR's
    assert format_day_range(dt.date(2023, 5, 30), dt.date(2023, 6, 2), "en_GB", british) == "30 May\u2009–\u20092 June 2023"
    assert format_month(dt.date(2024, 2, 1), "lv") == "2024. gada. februāris"  # CLDR 47
    assert format_month(dt.date(2024, 2, 1), "lv", DateFormats(month="y. 'gada' LLLL")) == "2024. gada februāris"
    assert format_day(NOV13, "de", DateFormats(day="d. MMM y")) == "13. Nov. 2023"


def test_the_shipped_project_keeps_the_consortiums_forms():
    from pathlib import Path

    project = load_project(Path(__file__).parent.parent / "newsletters")
    assert format_day_range(NOV13, NOV14, "en_GB", project.date_formats_for("en")) == "13–14 November 2023"
    assert format_month(dt.date(2024, 2, 1), "lv", project.date_formats_for("lv")) == "2024. gada februāris"


def test_a_single_day_and_no_end():
    assert format_day_range(NOV13, None, "pl") == "13 listopada 2023"
    assert format_day_range(NOV13, NOV13, "en_GB") == format_day(NOV13, "en_GB") == "13 November 2023"


def test_issue_month_uses_the_standalone_form():
    assert format_month(dt.date(2024, 2, 1), "pl") == "luty 2024"
    assert format_month(dt.date(2024, 2, 1), "el") == "Φεβρουάριος 2024"


@pytest.mark.parametrize("locale, expected", [
    ("en_GB", "1,842,680"), ("de", "1.842.680"), ("pl", "1\xa0842\xa0680"), ("bg", "1\xa0842\xa0680"),
])
def test_numbers_use_local_grouping(locale, expected):
    assert format_number(1842680, locale) == expected


def test_country_names_are_localized():
    assert country_name("BG", "bg") == "България"
    assert country_name("GR", "de") == "Griechenland"


@pytest.mark.parametrize("setting, where, message", [   # where: line, column below "date_formats:"
    ('  en:\n    range_same_month: "d MMMM y"\n', (2, 23), "date_formats.en.range_same_month: 'd MMMM y' is not a range"),
    ('  en:\n    range: "d–d MMMM y"\n', (2, 5), "date_formats.en.range: unknown key"),
    ('  fr:\n    month: "MMMM y"\n', (1, 3), "date_formats: has patterns for 'fr', which is not one of the project's languages"),
])
def test_a_wrong_house_style_setting_is_pointed_at(newsletters_dir, setting, where, message):
    from pipeline.errors import ValidationError

    path = newsletters_dir / "project.yaml"
    text = path.read_text("utf-8")
    head, _, _ = text.partition("date_formats:\n")
    path.write_text(head + "date_formats:\n" + setting, "utf-8")
    line = head.count("\n") + 1 + where[0]
    with pytest.raises(ValidationError) as caught:
        load_project(newsletters_dir)
    assert str(caught.value).startswith(f"newsletters/project.yaml:{line}:{where[1]}: {message}")
