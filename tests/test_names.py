"""names.py: one slug and one roman numeral for the whole book."""

from anthology.names import roman, roman_value, slug


def test_slugs_keep_ascii_words_and_fold_accents_only_when_asked() -> None:
    assert slug("Trotsky, Leon") == "trotsky-leon"
    assert slug("Le Rétif") == "le-r-tif"  # as every earlier build spelled the index's ids
    assert slug("Le Rétif", fold=True) == "le-retif"
    assert slug("S’il est minuit", fold=True) == "sil-est-minuit"
    assert slug("***", "term") == "term" and slug("") == ""


def test_roman_numerals_both_ways() -> None:
    assert [roman(n) for n in (1, 4, 9, 14, 40, 90, 400, 1994, 3999)] == [
        "i", "iv", "ix", "xiv", "xl", "xc", "cd", "mcmxciv", "mmmcmxcix"]
    assert roman(0) == "0" and roman(4000) == "4000"  # CSS falls back to decimal
    assert all(roman_value(roman(n)) == n for n in range(1, 4000))
    assert roman_value("XIV") == 14 and roman_value("viii") == 8
