"""A saved page's article, header and notes: each rule on a small page shaped like the
publishing systems that use it (the real pages are in tests/fixtures/sources/web/)."""

from __future__ import annotations

from pathlib import Path

from anthology.importer.report import Log
from anthology.importer.web import web_piece

TEXT = ("It is with extreme willingness that I execute your commands, and should indeed have "
        "claimed the task if you had not enjoined it, for the account is worth the keeping.")


def piece(tmp_path: Path, body: str, head: str = "<title>A Letter</title>") -> tuple[dict, str, Log]:
    page = tmp_path / "page.html"
    page.write_text(f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>",
                    "utf-8")
    log = Log(str(page))
    got = web_piece(page, page.read_bytes(), log)
    return got.front, got.markdown, log


def test_blank_line_breaks_make_paragraphs_and_a_single_break_stays(tmp_path: Path) -> None:
    _front, body, _log = piece(tmp_path, f'<div class="post-body">{TEXT}<br/><br/>{TEXT} '
                               f'Second.<br/>Same paragraph, next line.<blockquote>{TEXT}'
                               f'</blockquote>{TEXT} Last.</div>')
    paragraphs = body.split("\n\n")
    assert paragraphs[0] == TEXT
    assert paragraphs[1].startswith(TEXT) and "| " in paragraphs[1] or \
        paragraphs[1].endswith("next line.")
    assert paragraphs[2].startswith("> ")
    assert paragraphs[3].endswith("Last.")


def test_a_verse_quotation_set_in_italics_keeps_its_lines(tmp_path: Path) -> None:
    _front, body, _log = piece(tmp_path, f"<article><p>{TEXT}</p><blockquote><i>First line of "
                               "it,<br/>second line of it.</i></blockquote></article>")
    assert "> | *First line of it,*\n> | *second line of it.*" in body


def test_notes_written_inline_one_after_another(tmp_path: Path) -> None:
    _front, body, _log = piece(tmp_path, f'<div itemprop="description articleBody">{TEXT}'
                               '<sup><a href="#fn1" id="ref1">1</a></sup> More.<sup><a href="#fn2"'
                               f' id="ref2">2</a></sup><br/><br/><span><sup id="fn1">1. The first '
                               'note. <a href="#ref1">↩</a></sup><br/><sup id="fn2">2. The second'
                               ' note. <a href="#ref2">↩</a></sup></span></div>')
    assert "[^1]: The first note." in body and "[^2]: The second note." in body
    assert "↩" not in body


def test_a_link_to_the_page_s_own_address_is_in_the_page(tmp_path: Path) -> None:
    url = "https://example.org/2021/03/06/a-letter/"
    _front, body, log = piece(tmp_path, f'<article><p>{TEXT}<sup><a href="{url}#fn-1">1</a>'
                              f'</sup></p><ol><li id="fn-1">The note.</li></ol></article>')
    assert "[^1]: The note." in body
    assert not [d for d in log.items if d.code == "import-note-outside"]


def test_a_reference_to_a_note_in_another_file_is_kept_and_said(tmp_path: Path) -> None:
    _front, body, log = piece(tmp_path, f'<section><p>{TEXT}<a href="endnotes.xhtml#note-35" '
                              'epub:type="noteref">35</a> More.</p></section>')
    assert "[35]" in body.replace("\\", "") and "[^" not in body
    said = [d for d in log.items if d.code == "import-note-outside"]
    assert len(said) == 1 and "endnotes.xhtml#note-35" in said[0].message


def test_a_note_on_the_title_is_the_title_s(tmp_path: Path) -> None:
    front, body, _log = piece(tmp_path, f'<article><h1>A Letter<sup><a href="#en1" id="r1">1'
                              f'</a></sup></h1><p>{TEXT}</p><ol><li id="en1">On the title.</li>'
                              '</ol></article>')
    assert front["title"] == "A Letter" and front["title_notes"] == ["1"]
    assert "[^1]: On the title." in body


def test_byline_and_source_set_apart_by_class_are_metadata(tmp_path: Path) -> None:
    front, body, _log = piece(tmp_path, '<article><h1>A Letter</h1><ul class="authors"><li>'
                              '<span class="name">Ann Lee</span><span class="affiliation">'
                              'Somewhere College</span></li></ul><p class="source-line">From '
                              f'The Review, 1916.</p><p>{TEXT}</p></article>')
    assert front["authors"] == ["Ann Lee"] and front["source"] == "From The Review, 1916."
    assert "Somewhere College" not in body and "The Review" not in body


def test_a_byline_s_job_title_agency_or_handle_is_no_author(tmp_path: Path) -> None:
    for byline, want in (('<div class="blog-author">By Ann Lee, Senior Staff Writer</div>',
                          ["Ann Lee"]),
                         ('<span class="author">AFP</span>', []),
                         ('<div class="byline">J J</div><div class="author-name">ANN LEE</div>',
                          ["Ann Lee"]),
                         ('<button class="author-follow">Follow Bo Ma</button>', [])):
        front, _body, _log = piece(tmp_path, f"{byline}<article><p>{TEXT}</p></article>")
        assert front["authors"] == want, byline


def test_a_run_of_teasers_goes_and_a_linked_heading_of_the_text_stays(tmp_path: Path) -> None:
    teasers = "".join(f'<li><h3><a href="/story-{k}">Another story {k}</a></h3><p>Its teaser.'
                      '</p></li>' for k in range(3))
    _front, body, _log = piece(tmp_path, f'<article><p>{TEXT}</p><h2><a href="https://bugs.'
                               f'example.org/q">Resolved bugs</a></h2><p>{TEXT}</p><ul>{teasers}'
                               '</ul></article>')
    assert "Resolved bugs" in body
    assert "Another story" not in body and "teaser" not in body


def test_a_generated_class_named_ad_is_text_and_an_advert_is_not(tmp_path: Path) -> None:
    _front, body, _log = piece(tmp_path, f'<article><p class="pw-post-body-paragraph ad hx">{TEXT}'
                               '</p><div class="advert-slot"><p>Buy now.</p></div></article>')
    assert TEXT in body and "Buy now" not in body


def test_a_layout_table_is_entered_without_leaving_its_notes(tmp_path: Path) -> None:
    menu = "".join(f'<a href="p{k}.html">Page {k}</a><br>' for k in range(8))
    front, body, _log = piece(tmp_path, f'<table><tr><td>{menu}</td><td><center><b>A Letter</b>'
                               f'<br>by Ann Lee</center><font>{TEXT * 3}<a name="r1" href="#n1">'
                               '<sup>1</sup></a></font><hr><p><a name="n1">1.</a> The note.</p>'
                               '</td></tr></table>')
    assert "Page 3" not in body and "[^1]: The note." in body
    assert front["authors"] == ["Ann Lee"]  # the heading lines above the text were kept


def test_short_lines_after_the_last_note_are_the_site_s(tmp_path: Path) -> None:
    _front, body, _log = piece(tmp_path, f'<article><p>{TEXT}<sup><a href="#n1" id="r1">1</a>'
                               '</sup></p><ol><li id="n1">The note.</li></ol><p>(Next week: the '
                               'second letter.)</p></article>')
    assert "Next week" not in body and "[^1]: The note." in body


def test_the_text_s_heading_is_the_title_when_the_page_adds_to_it(tmp_path: Path) -> None:
    front, _body, _log = piece(tmp_path, f"<h2>XVII</h2><p>Of Cruelty</p><p>{TEXT}</p>",
                               head="<title>XVII: Of Cruelty</title>")
    assert front["title"] == "Of Cruelty" and front["label"] == "XVII"


def test_the_page_s_title_is_kept_in_its_case_when_the_heading_has_the_same_words(
        tmp_path: Path) -> None:
    front, _body, _log = piece(tmp_path, f"<article><h1>A LETTER</h1><p>{TEXT}</p></article>",
                               head="<title>A Letter | The Letter Box</title>")
    assert front["title"] == "A Letter"


def test_a_damaged_picture_is_not_copied_for_a_build_to_refuse(tmp_path: Path) -> None:
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    _front, body, log = piece(tmp_path, f'<article><p>{TEXT}</p><p><img src="bad.png" '
                              'alt="A map"/></p></article>')
    assert "images/" not in body
    dropped = [d for d in log.items if d.code == "import-image-dropped"]
    assert dropped and "cannot be read" in dropped[0].message


def test_an_older_gutenberg_edition_s_licence_blocks_go_and_its_facts_stay(tmp_path: Path) -> None:
    header = ("<pre>\nProject Gutenberg's A Letter, by Ann Lee\n\nThis eBook is for the use of "
              "anyone anywhere at no cost.\n\nTitle: A Letter\n\nAuthor: Ann Lee\n\n*** START OF "
              "THIS PROJECT GUTENBERG EBOOK A LETTER ***\n</pre>")
    footer = ("<pre>\nEnd of the Project Gutenberg EBook of A Letter, by Ann Lee\n\n*** END OF "
              "THIS PROJECT GUTENBERG EBOOK A LETTER ***\n</pre><p>Updated editions will replace "
              "the previous one.</p>")
    front, body, log = piece(tmp_path, f"{header}<h1>A LETTER</h1><p>{TEXT}</p>{footer}",
                             head="<title>The Project Gutenberg eBook of A Letter by Ann Lee</title>")
    assert front["title"] == "A Letter" and front["authors"] == ["Ann Lee"]
    assert "Gutenberg" not in body and "Updated editions" not in body and TEXT in body
    assert any(d.code == "import-boilerplate" for d in log.items)
