"""boilerplate: the distributor's and the web page's lines out, every one reported."""

from __future__ import annotations

from anthology.importer.boilerplate import strip_boilerplate
from anthology.importer.decode import read_lines
from anthology.importer.report import Log

PROSE = ("It was the best of times and the worst of times, and nobody who lived through them "
         "could say which was which, for the days ran on without a pause between them all.")


def strip(text: str) -> tuple[list[str], Log]:
    log = Log("x")
    kept, _facts = strip_boilerplate(read_lines(text, log), log)
    return [ln.text for ln in kept], log


def test_gutenberg_header_footer_and_credits() -> None:
    text = ("The Project Gutenberg EBook of Essays, by Somebody\n\nThis eBook is for the use of "
            "anyone anywhere at no cost.\n\n***START OF THE PROJECT GUTENBERG EBOOK ESSAYS, VOLUME 1,\n"
            "ISSUE 2***\n\n\nProduced by A. Volunteer and the Online Distributed\nProofreading Team.\n\n\n"
            f"ESSAYS\n\n{PROSE}\n\n\nEnd of the Project Gutenberg EBook of Essays\n\n*** END OF THIS "
            "PROJECT GUTENBERG EBOOK ESSAYS ***\n\nSection 1. General Terms.\n")
    kept, log = strip(text)
    assert kept == ["ESSAYS", PROSE]
    whys = {why for _no, _text, why in log.removed}
    assert whys == {"the distributor's licence header", "the distributor's licence footer",
                    "transcription credits"}
    # every line left out is in [[removed]], each run named once in the report
    assert len(log.removed) == 9
    assert [d.code for d in log.items].count("import-licence-dropped") == 2


def test_standard_ebooks_sections_and_placeholders() -> None:
    text = ("Letters\n\nImprint\n\nThis ebook is the product of many hours of hard work by "
            "volunteers for Standard Ebooks.\n\nThe source text is believed to be in the public "
            f"domain.\n\nI. ON TIME\n\n{PROSE}\n\n[Illustration: A map]\n\n{PROSE}\n\nUncopyright\n\n"
            "May you do good and not evil.\n\nCopyright pages exist to tell you that you can't.\n")
    kept, log = strip(text)
    assert kept == ["Letters", "I. ON TIME", PROSE, PROSE]
    assert {d.code for d in log.items} == {"import-distributor-dropped",
                                           "import-illustration-dropped"}


def test_web_chrome_lines_go_a_sentence_that_mentions_them_stays() -> None:
    kept, log = strip(f"{PROSE}\nShare this\nPrinter-friendly version\n\nClick here to read "
                      "more of what we have.\n\nPeople who share this view are many.\n")
    assert kept == [PROSE, "People who share this view are many."]
    assert [d.code for d in log.items] == ["import-boilerplate-dropped"] * 3
