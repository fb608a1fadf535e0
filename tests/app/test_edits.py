"""Search/replace edits on a page: applied exactly, all or nothing; anything malformed is
refused with the reason and changes nothing."""

import pytest

from app.page.edits import (
    EditsRejected,
    apply_answer,
    apply_edits,
    parse_edits,
    restore_pictures,
    shorten_pictures,
)

PAGE = """<!DOCTYPE html>
<html><head><style>
h1 { color: #333; }
.btn { background: #16a34a; }
</style></head>
<body><h1>Weekend in the Alsp</h1>
<p class="lead">Three nights.</p>
<span class="btn">Book now</span>
</body></html>
"""


def block(search: str, replace: str) -> str:
    return f"<<<<<<< SEARCH\n{search}\n=======\n{replace}\n>>>>>>> REPLACE\n"


def test_edits_are_applied_exactly_and_in_order() -> None:
    answer = ("Here are the fixes:\n" + block("<h1>Weekend in the Alsp</h1>",
                                              "<h1>Weekend in the Alps</h1>")
              + block(".btn { background: #16a34a; }",
                      ".btn { background: #15803d;\n       border-radius: 6px; }"))
    applied = apply_answer(PAGE, answer)
    expected = PAGE.replace("Alsp", "Alps").replace(
        ".btn { background: #16a34a; }",
        ".btn { background: #15803d;\n       border-radius: 6px; }")
    assert applied.html == expected
    assert applied.edits == 2 and applied.summary == "2 edits"


def test_a_later_edit_sees_the_page_after_the_earlier_ones() -> None:
    edits = parse_edits(block("Three nights.", "Four nights.") + block("Four nights.", "Five."))
    assert "<p class=\"lead\">Five.</p>" in apply_edits(PAGE, edits)


def test_trailing_spaces_a_model_dropped_still_match() -> None:
    page = PAGE.replace("h1 { color: #333; }", "h1 { color: #333; }   ")
    assert "#444" in apply_answer(page, block("h1 { color: #333; }", "h1 { color: #444; }")).html


@pytest.mark.parametrize(("answer", "reason"), [
    ("I changed the colour to blue.", "neither search/replace edits nor a complete page"),
    ("<<<<<<< SEARCH\n<h1>Weekend in the Alsp</h1>\n=======\n<h1>x</h1>\n",
     "stops inside an edit block"),
    ("<<<<<<< SEARCH\n<h1>Weekend</h1>\n>>>>>>> REPLACE\n", "before '======='"),
    (block("<h2>Not there</h2>", "<h2>x</h2>"), "not in the page"),
    (block("four nights", "days"), "not in the page"),  # exact: case counts
    (block("class=", "id="), "occurs 2 times"),
    (block("", "<p>new</p>"), "empty"),
    (block("Three nights.", "Three nights."), "change nothing"),
    (">>>>>>> REPLACE\n", "outside an edit block"),
])
def test_a_malformed_answer_is_refused_and_changes_nothing(answer: str, reason: str) -> None:
    before = PAGE
    with pytest.raises(EditsRejected, match=reason):
        apply_answer(PAGE, answer)
    assert before == PAGE


def test_one_bad_block_rejects_the_good_ones_too() -> None:
    answer = block("Three nights.", "Four nights.") + block("<h9>gone</h9>", "")
    with pytest.raises(EditsRejected, match="not in the page"):
        apply_answer(PAGE, answer)


def test_a_whole_page_answer_replaces_the_page() -> None:
    applied = apply_answer(PAGE, "```html\n<!DOCTYPE html><html><body><h1>Weekend in the Alps"
                                 "</h1></body></html>\n```")
    assert applied.edits == 0 and applied.summary == "a whole new page"
    assert "Alps" in applied.html and "Alsp" not in applied.html


def test_an_edit_cannot_make_the_page_fetch_anything() -> None:
    applied = apply_answer(PAGE, block('<span class="btn">Book now</span>',
                                       '<img src="https://example.com/a.png" width="40">'))
    assert "example.com" not in applied.html
    assert "replaced 1 external image" in applied.summary


def test_pictures_travel_as_short_stand_ins() -> None:
    picture = "data:image/png;base64," + "iVBORw0KGgo" * 40
    page = PAGE.replace("<p class", f'<img src="{picture}"><p class')
    short, pictures = shorten_pictures(page)
    assert picture not in short and "PICTURE-1" in short and pictures == [picture]
    assert restore_pictures(short, pictures) == page
    # the model quotes the stand-in; the picture comes back in the page
    applied = apply_answer(page, block('<img src="data:image/png;base64,PICTURE-1">',
                                       '<img src="data:image/png;base64,PICTURE-1" width="9">'))
    assert f'<img src="{picture}" width="9">' in applied.html
