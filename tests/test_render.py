from pathlib import Path

from lxml import etree

from anthology.manuscript import read_manuscript
from anthology.xhtml import parse_fragment
from anthology.render import render, shared_html


def test_shared_html_golden(mini: Path, golden) -> None:
    book = render(read_manuscript(mini).volume)
    html = shared_html(book)
    # the structure, not the stylesheet: CSS changes must not touch this golden file
    golden("render/mini.html", html[:html.index("<style>")] + html[html.index("</head>"):])


def test_every_document_is_one_well_formed_element_with_unique_ids(mini: Path) -> None:
    """What the EPUB writer needs of each document: one XHTML element (it parses each body
    with xhtml.parse_fragment), the document's own id on it, ids unique across the book, and
    every internal link pointing at one of them."""
    book = render(read_manuscript(mini).volume)
    ids: list[str] = []
    hrefs: list[str] = []
    for doc in book.documents:
        root = parse_fragment(doc.body)
        (top,) = [el for el in root if isinstance(el.tag, str)]
        assert not (root.text or "").strip() and not (top.tail or "").strip(), doc.id
        assert top.get("id") == doc.id, (doc.id, top.get("id"))
        ids += [el.get("id") for el in root.iter() if el.get("id")]
        hrefs += [el.get("href") for el in root.iter() if (el.get("href") or "").startswith("#")]
    assert len(book.documents) >= 8 and len(ids) > 3 * len(book.documents)
    assert len(ids) == len(set(ids))
    assert hrefs and {href[1:] for href in hrefs} <= set(ids)


def test_notes_link_both_ways_and_repeat_references_get_their_own_ids(mini: Path) -> None:
    book = render(read_manuscript(mini).volume)
    html = next(d.body for d in book.documents if d.id == "piece-first")
    assert 'href="#first-note-1" id="first-noteref-1"' in html
    assert 'href="#first-note-1" id="first-noteref-1-2"' in html
    assert '<a class="note-number" href="#first-noteref-1"' in html
    assert 'href="#first-noteref-1-2" epub:type="backlink"' in html


def test_typography_applies_to_text_not_markup(mini: Path) -> None:
    book = render(read_manuscript(mini).volume)
    html = next(d.body for d in book.documents if d.id == "piece-first")
    assert "“lit”" in html and "keeper’s" in html and "1909–1914" in html
    assert "(184)" in html  # a page citation stays text


def test_landmarks_and_toc(mini: Path) -> None:
    book = render(read_manuscript(mini).volume)
    assert [(d.id, d.landmark) for d in book.documents if d.landmark] == [
        ("titlepage", "titlepage"), ("contents", "toc"), ("part-1", "bodymatter")]
    assert [e.title for e in book.toc] == ["Editorial note", "A note on the text", "The exchange",
                                          "Reviews", "Contributors"]
    assert [c.href for c in book.toc[2].children] == ["#piece-first", "#piece-reply"]
    assert [d.id for d in book.documents][:4] == ["halftitle", "titlepage", "imprint", "contents"]


def test_rendering_again_gives_the_same_book(mini: Path) -> None:
    # the Markdown converters and the templates are made once and reused: nothing of one
    # render (note references, link definitions, stashed HTML) may reach the next
    volume = read_manuscript(mini).volume
    first = render(volume)
    assert render(volume, number_paragraphs=True) != first
    assert render(volume) == first


def test_removals_are_logged_every_time_a_text_is_converted(caplog) -> None:
    # converted texts are kept for the next time, except those the sanitiser changed
    from anthology.render.book import _markdown

    with caplog.at_level("WARNING", logger="anthology.render.sanitize"):
        first = _markdown("kept *once* <script>x</script>")
        again = _markdown("kept *once* <script>x</script>")
    assert first == again
    assert len(caplog.records) == 2


def test_a_kept_body_gives_its_note_references_again(mini: Path) -> None:
    from anthology.render.book import _markdown

    piece = read_manuscript(mini).volume.parts[0].pieces[0]
    refs: dict[str, list[str]] = {}
    html = _markdown(piece.body, piece, refs)
    refs_again: dict[str, list[str]] = {}
    assert _markdown(piece.body, piece, refs_again) == html
    assert refs_again == refs and refs["1"] == ["first-noteref-1", "first-noteref-1-2"]


def _volume_with(tmp_path: Path, front: str, body: str):
    ms = tmp_path / "ms"
    (ms / "pieces").mkdir(parents=True)
    (ms / "volume.toml").write_text('title = "V"\npieces = ["pieces/01-a.md"]\n')
    (ms / "pieces" / "01-a.md").write_text(f'+++\ntitle = "History"\n{front}\n+++\n\n{body}\n')
    return render(read_manuscript(ms).volume)


def test_label_title_notes_and_notes_on_notes(tmp_path: Path) -> None:
    book = _volume_with(tmp_path, 'label = "Essay I"\ntitle_notes = ["*"]',
                        "Text.[^1]\n\n[^*]: On the title.\n\n[^1]: A note with its own.[^A]\n\n"
                        "[^A]: The note's note.")
    doc = next(d for d in book.documents if d.id == "piece-a")
    # the label above the title; the title's note reference in the heading only
    assert '<span class="piece-label">Essay I</span> History<a href="#a-note-1" ' \
           'id="a-noteref-1-title" class="noteref"' in doc.body
    assert doc.title == "History"
    assert not any("noteref" in e.title for e in book.toc)
    # the note on a note: its reference sits in note 2, its backlink leads there
    root = etree.fromstring(f'<div xmlns:epub="http://www.idpf.org/2007/ops">{doc.body}</div>')
    note2 = next(li for li in root.iter("li") if li.get("id") == "a-note-2")
    ref = next(a for a in note2.iter("a") if a.get("class") == "noteref")
    assert ref.get("href") == "#a-note-3"
    note3 = next(li for li in root.iter("li") if li.get("id") == "a-note-3")
    back = [a.get("href") for a in note3.iter("a") if a.get("epub:type") == "backlink"
            or a.get("{http://www.idpf.org/2007/ops}type") == "backlink"]
    assert back == ["#" + ref.get("id")]
    # the title's note leads back to the heading
    note1 = next(li for li in root.iter("li") if li.get("id") == "a-note-1")
    assert [a.get("href") for a in note1.iter("a")][0] == "#a-noteref-1-title"


# ---- pictures ------------------------------------------------------------------------------

PICTURES = Path(__file__).resolve().parent / "fixtures" / "manuscripts" / "pictures"


def _pictures_book():
    return render(read_manuscript(PICTURES).volume)


def test_a_picture_alone_is_a_figure_its_title_the_caption() -> None:
    html = next(d.body for d in _pictures_book().documents if d.id == "piece-troubadours")
    figure = ('<figure><img alt="A melody in modern staff notation: two lines of music with the '
              'words of a song by Pons de Capdeuil written under the notes" '
              'src="images/macdowell-pons-de-capdeuil.png"/><figcaption>A song of Pons de '
              "Capdeuil, as a modern edition sets it</figcaption>\n</figure>")
    assert figure in html
    # among words, a picture stays in the line
    assert 'give. <img alt="a small black fleuron" src="images/fleuron.gif"/> The' in html
    # alone in a note's paragraph: a figure there too, without a caption when it has no title
    assert ('<figure><img alt="A swatch of pale, warm brown, the colour of old vellum" '
            'src="images/vellum.jpg"/></figure>') in html


def test_a_picture_by_reference_without_title_has_no_caption() -> None:
    html = next(d.body for d in _pictures_book().documents if d.id == "piece-vellum")
    assert ('<figure><img alt="A swatch of pale, warm brown, the colour of old vellum" '
            'src="images/vellum.jpg"/></figure>') in html
    assert "figcaption" not in html
    assert "para-2" in html  # the figure is no paragraph: the next one is the second


def test_the_book_carries_the_pictures_it_shows() -> None:
    book = _pictures_book()
    assert [(i.name, i.media_type) for i in book.images] == [
        ("macdowell-pons-de-capdeuil.png", "image/png"), ("fleuron.gif", "image/gif"),
        ("vellum.jpg", "image/jpeg")]
    assert "unused.png" not in shared_html(book)


def test_a_caption_and_an_inline_title_are_typeset(tmp_path: Path) -> None:
    import shutil

    ms = tmp_path / "ms"
    shutil.copytree(PICTURES, ms)
    piece = ms / "pieces" / "02-vellum.md"
    piece.write_text(piece.read_text("utf-8").replace(
        "[swatch]: images/vellum.jpg",
        '[swatch]: images/vellum.jpg "Vellum -- \\"calf\\" skin"\n\n'
        'In the line: ![a swatch](images/vellum.jpg "it\'s vellum").'), "utf-8")
    html = next(d.body for d in render(read_manuscript(ms).volume).documents
                if d.id == "piece-vellum")
    assert "<figcaption>Vellum\u00a0— “calf” skin</figcaption>" in html
    assert 'title="it\'s vellum"' in html  # an attribute: the typography pass leaves it


def test_a_picture_where_the_reader_looks_for_none_stops_the_build(tmp_path: Path) -> None:
    import shutil

    import pytest

    from anthology.errors import InputError

    ms = tmp_path / "ms"
    shutil.copytree(PICTURES, ms)
    piece = ms / "pieces" / "02-vellum.md"
    piece.write_text(piece.read_text("utf-8").replace(
        'title = "On vellum"', 'title = "On vellum ![x](images/unused.png)"'), "utf-8")
    with pytest.raises(InputError) as info:
        render(read_manuscript(ms).volume)
    [problem] = info.value.diagnostics
    assert problem.code == "image-unchecked" and problem.path.endswith("02-vellum.md")
    assert "'images/unused.png'" in problem.message
