"""names: capitals brought to their normal case."""

from anthology.importer.names import is_caps, name_case, title_case


def test_title_case() -> None:
    assert title_case("A LETTER FROM THE EDITOR") == "A Letter from the Editor"
    assert title_case("THE SOUTH-SEA HOUSE") == "The South-Sea House"
    assert title_case("HENRY VIII AND HIS TIMES") == "Henry VIII and His Times"
    assert title_case("CHARLES LAMB TO S.T. COLERIDGE") == "Charles Lamb to S.T. Coleridge"
    assert title_case("WHAT I SAW: A STORY OF THE WAR") == "What I Saw: A Story of the War"
    assert title_case("Already in Its Case") == "Already in Its Case"


def test_name_case() -> None:
    assert name_case("RALPH WALDO EMERSON") == "Ralph Waldo Emerson"
    assert name_case("CHARLES DE GAULLE") == "Charles de Gaulle"
    assert name_case("JOHN O'BRIEN") == "John O'Brien" and name_case("ANGUS MCDONALD") == "Angus McDonald"
    assert name_case("R. W. EMERSON") == "R. W. Emerson" and name_case("Ann Lee") == "Ann Lee"


def test_is_caps() -> None:
    assert is_caps("ON") and is_caps("NO. 203") and not is_caps("No. 203") and not is_caps("12")
