"""Turn the conventions of real text dumps into named patterns and limits, in one place.

Every rule the importer's stages apply is built from the names below, so supporting another
convention (one more separator, byline form, note marker or boilerplate line) is a change to
this module, not a new regular expression somewhere in a stage. Each name says which stage
uses it.
"""

from __future__ import annotations

import re

from ..manuscript import images as _build_images

# ---- decode ------------------------------------------------------------------------------

TAB_WIDTH = 4  # a tab indents like four spaces (indentation marks quotations and verse)
# An encoding the text declares for itself (Project Gutenberg's header does), used only when
# the bytes are not UTF-8.
DECLARED_ENCODING = re.compile(rb"^(?:character set encoding|encoding|charset)\s*:\s*"
                               rb"(?P<name>[a-z0-9_.:-]{3,30})\s*$", re.IGNORECASE | re.MULTILINE)

# ---- boilerplate -------------------------------------------------------------------------

# Project Gutenberg: the licence header ends at the START line, the footer begins at the END
# line (or at "End of the Project Gutenberg EBook of …" just before it).
GUTENBERG_START = re.compile(
    r"\*{3}\s*START OF (?:THE|THIS) PROJECT GUTENBERG E-?(?:BOOK|TEXT)\b.*", re.IGNORECASE)
GUTENBERG_END = re.compile(
    r"\*{3}\s*END OF (?:THE|THIS) PROJECT GUTENBERG E-?(?:BOOK|TEXT)\b.*"
    r"|End of (?:the |this )?Project Gutenberg'?s?\b.*", re.IGNORECASE)
# older files (before about 2005): the "small print" licence, in front or at the back, and
# a header that ends at a line of asterisks
SMALL_PRINT_START = re.compile(r"\*+\s*START\W*THE SMALL PRINT.*", re.IGNORECASE)
SMALL_PRINT_END = re.compile(r"\*END\W*THE SMALL PRINT.*", re.IGNORECASE)
OLD_FOOTER = re.compile(r"(?:The )?Project Gutenberg'?s? E-?(?:text|book) of\b.*"
                        r"|\**\s*This file should be named .*", re.IGNORECASE)
ASTERISKS_LINE = re.compile(r"\*{3,}")
OLD_HEADER_LINES = 150  # an older header's closing asterisks come within this many lines
# a header's facts about the book ("Title: Essays", "Author: R. W. Emerson"): left out, and
# used for the volume when its own title page does not say
HEADER_FACT = re.compile(r"(?P<key>Title|Author|Editor|Translator|Illustrator|Release Date|Posting Date"
                         r"|Last Updated|Edition|Language|Character set encoding|Produced by)\s*:\s*"
                         r"(?P<value>.*)", re.IGNORECASE)
# paragraphs that credit the transcription, not the authors
CREDIT_PARAGRAPH = re.compile(
    r"(?:(?:E-?text|E-?book|This e-?text|This e-?book)?\s*(?:was\s+)?"
    r"(?:Produced|Prepared|Transcribed|Scanned|Proofread|Digitized|Digitised|Converted)"
    r"(?:\s+and\s+\w+)?\s+(?:by|from|for)\b"
    r"|Transcriber'?s?\s+notes?\b|\[Transcriber'?s?\s+note|Note:\s+Project Gutenberg\b"
    r"|(?:Updated|Release|Posting) [Dd]ate:|\[?E-?(?:Book|Text) #\d+\]?"
    r"|Character set encoding:|Language:\s+\w+$).*", re.IGNORECASE | re.DOTALL)
# a paragraph that mentions these is the distributor's, not the authors' (front and back only)
DISTRIBUTOR = re.compile(r"Project Gutenberg|gutenberg\.(?:org|net)|Standard ?Ebooks|"
                         r"standardebooks\.org|pgdp\.net|Distributed Proofread", re.IGNORECASE)
# what a distributor's imprint, colophon or licence paragraph speaks of
EBOOK_MATTER = re.compile(r"\bebooks?\b|public domain|copyright|licen[cs]e|\bCC0\b|transcription|"
                          r"typefaces?|cover (?:page|art)|Wikisource|Internet Archive|"
                          r"Standard ?Ebooks|Project Gutenberg|proofread|\bfor\b$|^by$|^May you",
                          re.IGNORECASE)
# Standard Ebooks' own sections: imprint, colophon, uncopyright
SE_SECTION = re.compile(r"(?:Imprint|Colophon|Uncopyright)\.?", re.IGNORECASE)
# an illustration placeholder: the dump has no image to show
ILLUSTRATION = re.compile(r"\[(?:Illustration|Image|Picture)\b[^\]]*\]?", re.IGNORECASE)
# whole lines of web pages' chrome
WEB_CRUFT = [re.compile(p, re.IGNORECASE) for p in (
    r"visit (the|our) .{1,80}(home ?page|web ?site|site)\W*",
    r"click here\b.{0,100}",
    r"(share|tweet|e-?mail|print|like|save)( (this|it)( (article|page|story|post))?)?( on .{1,40})?\W*",
    r"share on (facebook|twitter|linkedin|reddit|whatsapp).{0,60}",
    r"printer[- ]friendly( version| page| format)?\W*",
    r"(back|return|go) to (the )?top( of (the )?page)?\W*",
    r"(read|see) more\W*",
    r"(log ?in|sign ?in|register) (or register )?to (post|leave) comments?\W*",
    r"(add|post|leave) (a |new )?comments?\W*",
    r"subscribe (now|today|to (our|the) (newsletter|mailing list|feed)).{0,60}",
    r"follow us on .{1,40}",
    r"(previous|next) (article|post|page|story)\b.{0,80}",
    r"skip to (main )?content\W*",
    r"(facebook|twitter|e-?mail|print|reddit|linkedin|whatsapp)"
    r"(\s*[|·•,/]\s*(facebook|twitter|e-?mail|print|reddit|linkedin|whatsapp))+\W*",
)]
WEB_CRUFT_MAX = 140  # longer lines are text, whatever they say
# the source's own table of contents (the new book makes its own)
CONTENTS_HEADING = re.compile(r"(?:table of )?contents\s*[.:]?|index of (?:essays|chapters)\.?",
                              re.IGNORECASE)
OTHER_BOOKS = re.compile(r"(?:(?:other )?(?:books|works) )?by the same (?:author|writer)\.?"
                         r"|(?:also|other (?:books|works)) by .{1,60}", re.IGNORECASE)

# ---- blocks ------------------------------------------------------------------------------

# A line that separates pieces or sections: three or more of * - _ = ~ # • · (spaced or not),
# a lone dash, an asterism, a form feed.
SEPARATOR = re.compile(r"\f|(?:[*\-_=~#•·+◊]\s*){3,}|[—–]|--|⁂|§|\*")
SEPARATOR_BLANKS = 3  # this many blank lines in a row separate as a separator line does
INDENT_QUOTE = 2  # a paragraph indented this much more than the text is a block quotation
WRAP_MIN = 50  # a dump whose long lines end near one width ≥ this is hard-wrapped
VERSE_RATIO = 0.8  # in a hard-wrapped dump, verse lines stay shorter than this × the width
VERSE_LINE_MAX = 90  # in a dump with a paragraph a line, verse lines are at most this long
PROSE_LINE_MIN = 50  # a paragraph with a line this long is prose: its indentation is the text's

# ---- headers -----------------------------------------------------------------------------

TITLE_WORDS_MAX = 20
TITLE_CHARS_MAX = 160
HEADING_WORDS_MAX = 12
HEADING_CHARS_MAX = 90
TITLE_END_BAD = (".", ",", ";", ":", "-", "–", "—")
CAPS_TITLE_LINES_MAX = 3  # a title in capitals may run over this many lines
SUBTITLE_START = re.compile(r"(?:an?|or|being|with|and other)\b|[(\[]", re.IGNORECASE)

# words that stay lower case inside a title brought from capitals to title case
SMALL_WORDS = {"a", "an", "the", "and", "but", "or", "nor", "for", "so", "yet", "as", "at",
               "by", "in", "of", "off", "on", "per", "to", "up", "via", "from", "with", "into",
               "onto", "upon", "than", "o'", "vs", "vs.", "v."}
NAME_PARTICLES = {"de", "da", "di", "du", "van", "von", "der", "den", "la", "le", "del", "della",
                  "bin", "ibn", "al", "y", "e", "dos", "das", "ten", "ter", "st.", "of"}
# what a distributor's header puts where an author's name would be
NOT_AN_AUTHOR = {"various", "anonymous", "unknown", "anon.", "anon"}
# words a title has and a name has not ("A Section in Capitals" is no signature)
NOT_IN_NAMES = {"a", "an", "in", "on", "to", "for", "at", "with", "from", "by", "and", "or",
                "is", "was", "my", "our", "your", "his", "her", "its", "their", "this", "that",
                "vol.", "vol", "no.", "chap.", "p.", "pp.", "part", "chapter", "letter",
                # what books are called ("Selected Letters" is no one's name)
                "letters", "essays", "poems", "works", "papers", "sermons", "lectures", "stories",
                "tales", "sketches", "selected", "collected", "complete", "history", "book", "books",
                "volume", "preface", "introduction", "notes", "contents", "index", "appendix"}
# what a site's byline adds to the name ("Ben Silverman Games Editor", "Joe Wee Monday")
BYLINE_NOT_NAMES = {"editor", "writer", "reporter", "correspondent", "columnist", "contributor",
                    "staff", "team", "desk", "news", "agency", "monday", "tuesday", "wednesday",
                    "thursday", "friday", "saturday", "sunday"}
# a page's byline element, by a part of a class token: "byline", "article-inline-byline",
# "post-author", "contributor-text", "author-name" (not "author-follow", a button, nor the
# author's picture or biography)
BYLINE_PARTS = {"byline", "author", "authors", "authorname", "contributor", "contributors",
                "creator", "creators"}
BYLINE_NOT_PARTS = {"follow", "avatar", "image", "img", "photo", "picture", "bio", "social",
                    "icon", "description", "about"}
HONORIFICS = {"mr.", "mrs.", "ms.", "dr.", "rev.", "prof.", "sir", "lady", "lord", "dame",
              "hon.", "gen.", "col.", "capt.", "mme.", "mlle.", "m.", "rt."}

# "By X", "by X", "BY X", "Reviewed by X", "Written by X"
BYLINE = re.compile(r"(?:(?:Reviewed|Review|Written|Text|Interview|Essay|Told)\s+)?"
                    r"by\s+(?P<names>.+)", re.IGNORECASE)
# "— X", "-- X", "– X": a byline under a title, a signature at a piece's end
DASH_NAME = re.compile(r"(?:—|–|--|-)\s*(?P<names>[^\s—–-].*)")
NAME_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", re.IGNORECASE)
NAME_WORDS_MAX = 6
BYLINE_CHARS_MAX = 100

# source and first-publication lines, kept verbatim as the piece's source
SOURCE_PREFIX = re.compile(
    r"(?:From|Source:|For|(?:Originally|First) (?:published|appeared|printed|issued)(?: in| by| as)?"
    r"|(?:An? )?(?:Lecture|Address|Speech|Sermon|Paper|Discourse)s? (?:delivered|given|read|preached)"
    r"(?: (?:at|before|in|to))?|Read (?:at|before)|Delivered (?:at|before|in)"
    r"|Published (?:in|by)|Appeared (?:in|first in)|Reprinted (?:from|with permission from|by "
    r"permission (?:of|from))|Reproduced from"
    r"|This (?:article|essay|review|piece|text|interview|letter|chapter) (?:was )?"
    r"(?:first |originally )?(?:appeared|published|appears|printed) in)\s+", re.IGNORECASE)
# the prefixes that make a line a source line without a year in it
SOURCE_STRONG = re.compile(r"(?:Originally|First|Reprinted|Reproduced|Appeared|Published|Source"
                           r"|This|An? |Lecture|Address|Speech|Sermon|Paper|Discourse|Read|Delivered)\b",
                           re.IGNORECASE)
# a credit of the translation under the byline is a source line too, wherever it stands in it:
# "Letters, Book VI, 16. Translated by William Melmoth", "English translation by Ann Lee"
TRANSLATION_CREDIT = re.compile(r"\b(?:translated|rendered into \w+|englished|done into \w+)"
                                r"\s+(?:from\s+.{1,60}?\s+)?by\s+[A-Z]|\btranslation\s+(?:by|of)\s+[A-Z]",
                                re.IGNORECASE)
SOURCE_CHARS_MAX = 160
SOURCE_WORDS_MAX = 25
BRACKETED_SOURCE_MAX = 250

MONTHS = (r"(?:January|February|March|April|May|June|July|August|September|October|November"
          r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?")
WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)"
DAY_FIRST = rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{MONTHS}),?\s+(?P<y1>\d{{4}})"
MONTH_FIRST = rf"(?P<m2>{MONTHS})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})"
ISO_DATE = r"(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})"
MONTH_YEAR = rf"{MONTHS}(?:\s*[-–/]\s*{MONTHS})?,?\s+\d{{4}}"
SEASON = (r"(?:Spring|Summer|Autumn|Fall|Winter)(?:\s*[-–/]\s*(?:Spring|Summer|Autumn|Fall|Winter))?"
          r",?\s+\d{4}")
DATE = rf"{WEEKDAY}?(?:{DAY_FIRST}|{MONTH_FIRST}|{ISO_DATE}|{MONTH_YEAR}|{SEASON})"
# a date line, perhaps in parentheses or after a place ("Ch. Ch., _Dec_. 13, 1885.")
DATE_LINE = re.compile(rf"\(?{DATE}\)?\.?", re.IGNORECASE)
PLACE_DATE = re.compile(rf"(?P<place>[A-Z][\w.'’ ]{{0,40}}?)[,.]\s+(?P<date>{DATE})\.?", re.IGNORECASE)
DATE_AT_END = re.compile(rf"(?:^|,\s*|\s)(?P<date>{DATE}|\d{{4}})$", re.IGNORECASE)

# A line that labels a piece: "CHAPTER X.", "Chapter 3", "ESSAY I. HISTORY.", "Letter IV".
ROMAN = r"(?=[IVXLCDM])M{0,3}(?:C[MD]|D?C{0,3})(?:X[CL]|L?X{0,3})(?:I[XV]|V?I{0,3})"
NUMBER_WORDS = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
                r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|first|second|third|"
                r"fourth|fifth|sixth|seventh|eighth|ninth|tenth)")
PIECE_WORDS = (r"(?:chapter|essay|letter|lecture|sermon|discourse|canto|address|speech|"
               r"epistle|story|tale|article|paper|review|dialogue|study|sketch|no\.|number)")
# a heading line of fields set apart by wide spaces: "No. 203.    Tuesday, October 23, 1711.    Addison."
FIELDS = re.compile(r"\s{3,}")
PART_WORDS = r"(?:part|book|volume|section)"
NUMERAL = rf"(?:{ROMAN}|\d{{1,3}}|{NUMBER_WORDS})"
# The title may follow after a stop and wide space, a dash or a colon: "SERMON XVII.  LOVE OF
# GOD AND MAN", "LECTURE I--SESAME", "Chapter 3: The Road"; "FEDERALIST No. 1" has a name first.
LABEL = re.compile(rf"(?P<label>(?:(?P<name>[A-Z][A-Za-z']+)\s+(?=no\.))?"
                   rf"(?P<word>{PIECE_WORDS}|{PART_WORDS})\s*(?P<num>{NUMERAL})"
                   rf"|(?P<bare>{ROMAN}|\d{{1,3}}))(?P<stop>\s*[.:]?)"
                   rf"(?:(?:(?<=[.:])\s{{2,}}|\s*(?:[.:—–]|--|-)\s*)(?P<title>\S.*?))?\.?",
                   re.IGNORECASE)
# a section heading is not: a line ending as a clause does, a sentence beginning with "And",
# a speaker's name before his speech ("VIVIAN.  I intend …")
HEADING_END_BAD = (",", ";", ":", "…", "—", "–", "--", "-")
HEADING_START_BAD = re.compile(r"(?:and|but|or|nor|so|yet|then|thus|hence|for|as|if|when|while"
                               r"|that|which|who)\b", re.IGNORECASE)
INNER_SENTENCE = re.compile(r"[^\W\d_]{3,}[.!?](?:\[\w{1,3}\]|\(\d{1,3}\)|[⁰¹²³⁴⁵⁶⁷⁸⁹*†‡]+)?\s+\S")
# titles that say what a piece is even without a number
NAMED_PIECES = re.compile(r"(?:(?:the |an? |author'?s'? )?(?:preface|foreword|introduction|"
                          r"prologue|epilogue|afterword|postscript|conclusion|dedication|"
                          r"introductory|prefatory note|editor'?s note|advertisement))"
                          r"(?:\s.*)?", re.IGNORECASE)

# a piece's kind, from what its title, publication line or the editorial note says
KIND_WORDS = [
    ("rejoinder", re.compile(r"\brejoinder\b", re.IGNORECASE)),
    ("response", re.compile(r"\b(?:reply|replies|response|responds?|answer)\b", re.IGNORECASE)),
    ("review", re.compile(r"\b(?:review|reviews|reviewed)\b", re.IGNORECASE)),
    ("letter", re.compile(r"\b(?:letter|epistle)\b|^to\s+(?:(?:mr|mrs|dr|the|my)\.?\s+)?[A-Z]",
                          re.IGNORECASE)),
    ("preface", re.compile(r"\b(?:preface|prefatory|foreword)\b", re.IGNORECASE)),
    ("introduction", re.compile(r"\b(?:introduction|introductory)\b", re.IGNORECASE)),
    ("afterword", re.compile(r"\b(?:afterword|epilogue|postscript)\b", re.IGNORECASE)),
]
# "a response from X", "reply by Y": the editorial note naming a piece's kind
KIND_IN_NOTE = re.compile(r"\b(?P<word>response|reply|rejoinder|review|letter|essay|answer)\s+"
                          r"(?:from|by)\s+(?P<name>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4})")
# a reviewed book in one line: "The Constitutional History of England. By HENRY HALLAM. In 2
# vols. 1827"
BOOK_WITH_AUTHOR = re.compile(r"(?P<title>[A-Z][^\n]{3,250}?)\.?\s+By\s+(?P<author>[A-Z][A-Za-z.\- ]{2,60}?)"
                              r"[.,]\s+(?P<details>.*?)(?P<year>(?:1[5-9]|20)\d\d)\.?")
# a title-page line crediting the volume's editor ("Edited with an Introduction", "Edited by",
# "Introduction and notes by")
EDITED = re.compile(r"(?:edited|compiled|selected|collected|arranged|chosen|revised)\b",
                    re.IGNORECASE)
# what an editor's credit line names before "by": "Introduction and notes", "Edited"
EDITOR_CREDIT = re.compile(r"(?:(?:with )?(?:an )?(?:introduction|notes|preface|foreword)"
                           r"(?:,? and (?:an )?(?:introduction|notes|index))*"
                           r"|(?:edited|compiled|selected|collected|arranged|chosen|revised)\b.*)",
                           re.IGNORECASE)
CREDIT = re.compile(r"(?P<what>.+?)\s+by\s+(?P<names>.+?)\.?", re.IGNORECASE)
TRANSLATED = re.compile(r"(?:(?:newly |freshly )?translated|rendered into english|englished)"
                        r"(?: from the \w+)?(?: and (?:edited|annotated))?", re.IGNORECASE)
# "BY" alone on a line, the name on the next (and "EDITED BY")
LONE_BY = re.compile(r"(?:(?:edited|compiled|selected|revised|written)\s+)?by\.?", re.IGNORECASE)
# degrees and honours after a name: "MICHAEL FARADAY, D.C.L., F.R.S."
POST_NOMINALS = re.compile(r"(?:,\s*(?:[A-Z][a-z]?\.){1,4}[A-Z]?\.?|,\s*(?:Esq|Ph\.D|LL\.D|M\.D)\.?)+$")
# a letter's opening and closing
SALUTATION = re.compile(r"(?:(?:my )?dear\b.{0,40}|sir|madam|gentlemen|sirs|to the editor.{0,40}"
                        r"|to the (?:people|electors|citizens|inhabitants|public|reader)s?\b.{0,60}"
                        r"|greetings? (?:from|to)\b.{0,60})\s*[,:—.]?", re.IGNORECASE)
# a volume whose title says it is letters: its pieces are letters unless they say otherwise
LETTERS_TITLE = re.compile(r"\b(?:letters|epistles)\s+(?:of|to|from|on|written)\b|\bcorrespondence\b"
                           r"|^(?:the\s+)?(?:[\w'’]+\s+){0,2}(?:letters|epistles)$", re.IGNORECASE)
# a note's back-link, as a web page or an ebook prints it after the note's text
NOTE_BACKLINK = re.compile(r"\s*(?:↩\ufe0e?|↩︎|⤴|↑|\^)\s*$")
VALEDICTION = re.compile(r"(?:(?:yours|your|ever|very|most|faithfully|sincerely|truly|"
                         r"respectfully|affectionately|obediently|humble|obedient|servant|"
                         r"friend|always|cordially|gratefully)[\s,.]*){1,6}", re.IGNORECASE)
SIGNATURE_WORDS_MAX = 6

# ---- notes -------------------------------------------------------------------------------

NOTES_HEADING = re.compile(r"(?:notes?|endnotes|footnotes|notes and references|references|"
                           r"references and notes|sources and notes|editor'?s notes)\s*[.:]?",
                           re.IGNORECASE)
# A note as listed: "1. text", "[1] text", "(1) text", "¹ text", "* text", "[A] text", "1 text"
NOTE_ITEMS = [
    # "1 (return) [ text ]": the back-link of an HTML edition, copied as text
    (re.compile(r"(?P<label>\d{1,3})\s*\(return\)\s*(?P<text>.*)", re.IGNORECASE), "return"),
    (re.compile(r"(?P<label>\d{1,3})[.)]\s+(?P<text>\S.*)"), "number"),
    (re.compile(r"\{(?P<label>\d{1,3})\}\s*(?P<text>\S.*)"), "curly"),
    (re.compile(r"\[(?P<label>\d{1,3}|[A-Za-z])\]\s*(?P<text>\S.*)"), "bracket"),
    (re.compile(r"\((?P<label>\d{1,3}|[a-z])\)\s*(?P<text>\S.*)"), "paren"),
    (re.compile(r"(?P<label>[⁰¹²³⁴⁵⁶⁷⁸⁹]+)\s*(?P<text>\S.*)"), "super"),
    (re.compile(r"(?P<label>\*{1,3}|†{1,2}|‡{1,2}|§|¶|‖)\s*(?P<text>\S.*)"), "symbol"),
    (re.compile(r"(?P<label>\d{1,3})\s+(?P<text>[^\d\s].*)"), "bare"),
    (re.compile(r"(?P<label>[A-Z])[.)]\s+(?P<text>\S.*)"), "letter"),
]
# syntaxes of items that may stand right after the paragraph that cites them (a footnote)
INLINE_NOTE_SYNTAX = {"bracket", "paren", "super", "symbol"}
# Project Gutenberg's footnotes: [Footnote 1: text] or [Footnote A: text], anywhere
FOOTNOTE_BLOCK = re.compile(r"\[\s*Foot-?note(?:\s+(?P<label>\d{1,3}|[A-Za-z]|[*†‡§]))?\s*[:.]\s*"
                            r"(?P<text>.*)", re.IGNORECASE | re.DOTALL)
# the same, standing inside a paragraph
FOOTNOTE_INLINE = re.compile(r"\s?\[\s*Foot-?note(?:\s+(?P<label>\d{1,3}|[A-Za-z]|[*†‡§]))?\s*[:.]\s*",
                             re.IGNORECASE)
# Note references: (1) [1] [A] ¹ and symbols after a word, punctuation or closing quote
REFERENCE = re.compile(r"\((?P<paren>\d{1,3})\)|\[(?P<bracket>\d{1,3}|[A-Za-z])\]"
                       r"|\{(?P<curly>\d{1,3})\}|(?P<super>[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
                       # a web page's superscript copied as a plain digit: "snowbank.2"
                       r"|(?<=[^\W\d_][.,;:!?”’\"')])(?P<plain>\d{1,3})(?=\s|$)"
                       r"|(?<=[\w.,;:!?”’\"')\]_])(?P<symbol>\*{1,3}|†{1,2}|‡{1,2}|§|‖)"
                       r"(?![\w*†‡])")
SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
SYMBOLS = "*†‡§¶‖"

# ---- inline markup -----------------------------------------------------------------------

# _emphasis_ and *emphasis*: opened before a word, closed after one, within a paragraph
EMPHASIS = re.compile(r"(?<![\w\\*_])(?P<mark>[_*])(?=[^\s_*])(?P<text>(?:(?!(?P=mark)).){1,400}?"
                      r"(?<=[^\s_*]))(?P=mark)(?![\w*_])", re.DOTALL)
# =bold= as some Gutenberg texts set it
STRONG = re.compile(r"(?<![\w=])=(?=[^\s=])(?P<text>[^=\n]{1,200}?(?<=[^\s=]))=(?![\w=])")

# ---- body --------------------------------------------------------------------------------

# a verb of saying that introduces a quotation
SAYING = re.compile(
    r"\b(wr[io]te|writes|written|says?|said|states?|stated|statement|declared?s?|puts it|put it|"
    r"passage|following|as follows|titled|entitled|observe[sd]?|notes|noted|remark(s|ed)?|"
    r"argue[sd]?|asserts?|asserted|explain(s|ed)?|describe[sd]?|reflects|recall(s|ed)?|"
    r"conclude[sd]?|insist(s|ed)?|tells|told|ask(s|ed)|continue[sd]|adds|added|quoted?|"
    r"words|reads|in full)\b", re.IGNORECASE)
CITATION = re.compile(r"\s*\((?P<cite>[^()]{1,80})\)\s*[.,;]?$")
OPEN_QUOTES = "“\"«„"
CLOSE_QUOTES = "”\"»"
ORDERED_ITEM = re.compile(r"(\d{1,3})\.\s+\S")
BULLET_ITEM = re.compile(r"[-*+•]\s+\S")
PROSE_WORD = re.compile(r"[^\W\d_]{2,}")
PROSE_WORDS_MIN = 3  # a line with this many words is prose
TEASER_WORDS_MAX = 80  # an item under a linked heading this short is another page's teaser,
TEASERS_MIN = 3  # when this many stand side by side
AFTER_NOTES_WORDS_MAX = 40  # a page's lines after its last note, this short, are the site's
TEXT_PARAGRAPH_WORDS = 30  # a page's <p> this long is text, whatever its class says
TEXT_WORDS_MIN = 12  # a piece has a paragraph this long, or a line of prose (a title page has not)

# ---- contributors' files -----------------------------------------------------------------

ARCHIVE_UNPACKED_MAX = 256 << 20  # a .docx/.odt/.epub may unpack to at most this much
ARCHIVE_RATIO_MAX = 100  # an entry over 1 MB inflating more than this is a bomb
ARCHIVE_ENTRIES_MAX = 5000
# an e-book's own pages, by their epub:type or role, left out of an .epub's import
EPUB_APPARATUS = {"cover", "titlepage", "halftitlepage", "imprint", "colophon", "copyright-page",
                  "toc", "landmarks", "loi", "lot", "endnotes", "footnotes", "rearnotes", "index",
                  "frontispiece", "seriespage", "uncopyright", "part"}
SOURCE_BYTES_MAX = 64 << 20  # a contributor's file larger than this is refused
PANDOC_SECONDS = 120  # pandoc gets this long for one file
PANDOC_MEMORY = 2 << 30  # and this much address space
# the pictures the import keeps are those a build accepts: no larger, of the same types,
# each named as its type is (manuscript/images.py)
IMAGE_BYTES_MAX = _build_images.IMAGE_BYTES_MAX
IMAGE_TYPES = {magic: _build_images.SUFFIXES[media_type][0]
               for magic, media_type in _build_images.MAGIC.items()}
# a saved page's furniture: elements whose class or id says so are not the article
CHROME = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|header|masthead|footer|sidebar|widget|share|sharing|social|"
    r"related|comments?|respond|cookie|consent|gdpr|newsletter|subscribe|signup|"
    r"advert\w*|adsbygoogle|ad-(?:slot|unit|container|wrapper|banner|label)|promo|sponsor|"
    r"breadcrumbs?|tags?|categories|catlinks|post-?meta|entry-?meta|byline|author-?bio|"
    r"pagination|nav-links|skip|search|popup|modal|banner|toolbar|print|printfooter|"
    r"reading-?time|edit-?section|edit-?link|licen[cs]e\w*|tools|metrics|downloads?|article-?info)(?:$|[\s_-])",
    re.IGNORECASE)
# (no bare "ad": sites that generate two-letter class names give body paragraphs class "ad")
# the piece's own subtitle, set under its title: "pw-subtitle-paragraph", "entry-subtitle", "dek"
# where the piece first appeared, set apart under the byline: "source-line", "citation-line"
SOURCE_CLASS = re.compile(r"(?:^|[\s_-])(?:source-?line|citation-?line|source|provenance|"
                          r"first-?published)(?:$|[\s_-])", re.IGNORECASE)
SUBTITLE_CLASS = re.compile(r"(?:^|[\s_-])(?:sub-?title|subhead|dek|standfirst)(?:$|[\s_-])",
                            re.IGNORECASE)
# a title's site-name suffix: "Essay Title | Site Name"
TITLE_SUFFIX = re.compile(r"\s+(?:\||–|—|-|::|·|•|»)\s+")
