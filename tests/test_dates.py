"""dates.py: the one fixed time of a build."""

from anthology import dates


def test_the_volume_date_wins_then_source_date_epoch_then_1980(monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert dates.modified("2009-10-01") == "2009-10-01T00:00:00Z"
    assert dates.modified("") == "2023-11-14T22:13:20Z"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert dates.modified("") == "1980-01-01T00:00:00Z"
    assert dates.epoch(dates.modified("")) == dates.DEFAULT_EPOCH


def test_epoch_reads_any_iso_stamp_and_falls_back() -> None:
    assert dates.epoch("2009-10-01T00:00:00Z") == 1254355200
    assert dates.epoch("2009-10-01T00:00:00") == 1254355200  # no zone: UTC
    assert dates.epoch("not a date") == dates.DEFAULT_EPOCH
