"""Country names for sentences in headlines and reports."""

from __future__ import annotations

import pytest

from borderflows.data.countries import ISO3_TO_IMF, short_name


@pytest.mark.parametrize(
    ("code", "name"),
    [("CHN", "China"), ("KAZ", "Kazakhstan"), ("KGZ", "Kyrgyzstan"), ("HKG", "Hong Kong"), ("UZB", "Uzbekistan")],
)
def test_short_name_reads_like_a_sentence(code: str, name: str) -> None:
    assert short_name(code) == name


def test_every_known_code_has_a_short_name_without_imf_qualifiers() -> None:
    for code in ISO3_TO_IMF:
        assert not any(part in short_name(code) for part in (", Rep. of", "P.R.", ":")), code


def test_unknown_code_comes_back_as_given() -> None:
    assert short_name("XYZ") == "XYZ"
