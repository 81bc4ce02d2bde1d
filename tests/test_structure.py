"""Structure finding: golden tests on the bundled corpus, synthetic edge cases, and the real PDFs.

Offsets contract checked here: for every recommendation and response ``r``,
``clean.text[r.start:r.end] == r.text`` (exactly, no trimming needed); sections and segments are
whitespace-trimmed spans of ``clean.text``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inquire.indexer.clean import clean_document
from inquire.indexer.parse import parse
from inquire.indexer.structure import find_structure
from inquire.indexer.structure.golden import score, within_thresholds

from inquire.paths import corpora_dir
from inquire.recnum import covers
from inquire.records import ROLE_OTHER, ROLE_RECOMMENDATION, ROLE_RESPONSE, Page, RawDocument

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
IOPC = CORPUS / "iopc-operation-linden-recommendations-and-responses.txt"
COUNCIL = CORPUS / "rotherham-council-2022-04-07-syp-progress-report-operation-linden.txt"
GOLDEN = Path(__file__).resolve().parent / "golden" / "structure"


CORPORA = corpora_dir()  # every real report with a golden file: the seven evaluation PDFs and the report/response pairs
PDFS = sorted(CORPORA.rglob("*.pdf")) if CORPORA.is_dir() else []


def build(path: Path):
    clean = clean_document(parse(path))
    return clean, find_structure(clean)


@pytest.fixture(scope="module")
def iopc():
    return build(IOPC)


@pytest.fixture(scope="module")
def council():
    return build(COUNCIL)


def check_invariants(clean, structure) -> None:
    text = clean.text
    for r in list(structure.recommendations) + list(structure.responses):
        assert text[r.start : r.end] == r.text
        assert r.text == r.text.strip() and r.text
        assert (r.page_start, r.page_end) == clean.page_span(r.start, r.end)
    for sec in structure.sections:
        assert 0 <= sec.start < sec.end <= len(text) and sec.path
        assert sec.page_start == clean.page_at(sec.start)
    covered = bytearray(len(text))
    prev_end = 0
    bounds = {b for r in list(structure.recommendations) + list(structure.responses) for b in (r.start, r.end)}
    for seg in structure.segments:
        assert prev_end <= seg.start < seg.end <= len(text)  # ordered, non-overlapping
        assert text[seg.start : seg.end] == text[seg.start : seg.end].strip()
        assert not any(seg.start < b < seg.end for b in bounds)  # never crosses a record boundary
        if seg.role == ROLE_RECOMMENDATION:
            assert seg.recommendation
        if seg.role == ROLE_RESPONSE:
            assert seg.recommendation
        prev_end = seg.end
        covered[seg.start : seg.end] = b"\x01" * (seg.end - seg.start)
    uncovered = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not uncovered, f"text not in any segment at {uncovered[:5]}"
    for r in structure.recommendations:
        segs = [s for s in structure.segments if r.start <= s.start < r.end]
        assert segs and all(s.role == ROLE_RECOMMENDATION and s.recommendation == r.number for s in segs)
    for r in structure.responses:
        segs = [s for s in structure.segments if r.start <= s.start < r.end]
        assert segs and all(s.role == ROLE_RESPONSE and s.responder == r.responder for s in segs)


# --------------------------------------------------------------------------- IOPC web page


IOPC_TITLES = {
    "1": "Up-to-date knowledge and skills",
    "2": "Incorporating 'survivor voices' into training",
    "3": "Use of Operation Linden elements in future training",
    "4": "Compliance of crime recording practice",
    "5": "Monitoring compliance with the Vicitims' Code",
    "6": "Regularly updating victims",
    "7": "Working arrangements with the ISVA service",
    "8": "Community engagement to build trust with police services",
    "9": "Reviewing legislative framework for victims of grooming and exploitation",
    "10": "Access to information for frontline officers",
    "11": "Progress in addressing issues in handling child sexual exploitation",
    "12": "Collaboration to identify issues and priorities",
    "13": "Working with partner agencies",
}


def test_iopc_recommendations_1_to_13_with_contents_titles(iopc):
    _, st = iopc
    assert [r.number for r in st.recommendations] == [str(n) for n in range(1, 14)]
    assert {r.number: r.title for r in st.recommendations} == IOPC_TITLES
    for r in st.recommendations:
        assert r.text.startswith(f"{r.number}. Recommendation {r.number}\n")
        assert "The IOPC recommends" in r.text and "Response from" not in r.text


def test_iopc_responders(iopc):
    _, st = iopc
    expected = {str(n): "South Yorkshire Police" for n in range(1, 14)}
    expected.update(
        {
            "2": "College of Policing",
            "3": "College of Policing",
            "9": "Law Commission",
            "10": "Police Digital Service",
            "12": "College of Policing and NPCC",
        }
    )
    assert {r.recommendation: r.responder for r in st.responses} == expected
    assert len(st.responses) == 13
    for r in st.responses:
        assert r.text.startswith("Response from")


def test_iopc_addressees(iopc):
    _, st = iopc
    by = {r.number: r.addressee for r in st.recommendations}
    assert by["1"] == "South Yorkshire Police"
    assert by["8"] == "South Yorkshire Police"  # "recommends that during its mapping exercise South Yorkshire Police ..."
    assert by["9"] == "Law Commission"
    assert by["12"] == "College of Policing and NPCC"


def test_iopc_furniture_gone(iopc):
    clean, st = iopc
    for junk in ("debugging block", "User Bar", "Postscript", "Header First", "Preface Second", "Branding"):
        assert junk not in clean.text
        assert not any(junk in clean.text[s.start : s.end] for s in st.segments)


def test_iopc_one_glossary_copy_as_section(iopc):
    clean, st = iopc
    definition = "An act of parliament that provides the core framework of police powers"
    assert clean.text.count(definition) == 1
    glossary = [s for s in st.sections if s.path == ("Glossary",)]
    assert len(glossary) == 1
    segs = [s for s in st.segments if s.section == ("Glossary",)]
    assert segs and all(s.role == ROLE_OTHER for s in segs)
    assert any(definition in clean.text[s.start : s.end] for s in segs)


def test_iopc_contents_is_other_with_section(iopc):
    clean, st = iopc
    toc = [s for s in st.segments if s.section == ("Contents",)]
    assert len(toc) == 1 and toc[0].role == ROLE_OTHER
    assert "7. 7. Recommendation 7: Working arrangements" in clean.text[toc[0].start : toc[0].end]


def test_iopc_recommendation_sections(iopc):
    _, st = iopc
    rec7 = [s for s in st.segments if s.recommendation == "7"]
    assert [s.role for s in rec7] == [ROLE_RECOMMENDATION, ROLE_RESPONSE]
    assert all(s.section == ("Recommendation 7: Working arrangements with the ISVA service",) for s in rec7)


def test_iopc_offsets_and_segments(iopc):
    check_invariants(*iopc)


# --------------------------------------------------------------------------- council report


def test_council_themed_sections_and_no_recommendations(council):
    clean, st = council
    assert st.recommendations == () and st.responses == ()
    tops = {s.path[0] for s in st.sections}
    for name in ("VICTIMS", "COMMUNITIES", "PARTNERS", "OUR PEOPLE", "PROCESS", "NEXT STEPS", "Appendix A"):
        assert name in tops
    # themed segments carry their section, and the one-line theme summaries are not sections
    victims = [s for s in st.segments if s.section == ("VICTIMS",)]
    assert victims and "Victims Code of Practice" in clean.text[victims[0].start : victims[0].end]
    assert not any(p[0].startswith("VICTIMS - ") for p in tops)
    assert all(s.role == ROLE_OTHER for s in st.segments)


def test_council_offsets_and_segments(council):
    check_invariants(*council)


# --------------------------------------------------------------------------- synthetic cases


def _txt(text: str):
    clean = clean_document(RawDocument(Path("x.txt"), "txt", (Page(None, text),)))
    return clean, find_structure(clean)


def test_numbered_actions_and_paragraph_references_are_not_recommendations():
    text = (
        "Report of the review\n\n"
        "Recommendation 1\n\nThe force should review its training. This follows paragraph 31 of the report.\n\n"
        "MPS response:\n\nWe accept this. We will:\n\n1. Review the course.\n\n2. Train all staff.\n\n"
        "3. Report back.\n\nAs set out in paragraph 31 and Recommendation 5 above, progress is reported.\n\n"
        "Recommendation 2\n\nThe force should publish data.\n\nMPS response:\n\nAccepted.\n"
    )
    clean, st = _txt(text)
    assert [r.number for r in st.recommendations] == ["1", "2"]
    assert [(r.recommendation, r.responder) for r in st.responses] == [("1", "MPS"), ("2", "MPS")]
    assert "3. Report back." in st.responses[0].text
    check_invariants(clean, st)


def test_government_response_takes_the_department_on_the_cover():
    text = (
        "Home Office\n\nGovernment Response to the Committee report\n\n"
        "Recommendation 1: Faster vetting\n\nThe Home Office should speed up vetting.\n\n"
        "Government response\n\nWe have reduced vetting times.\n\n"
        "Recommendation 2: Better data\n\nThe Home Office should publish vetting data.\n\n"
        "Government response\n\nData will be published.\n"
    )
    clean, st = _txt(text)
    assert [(r.number, r.title, r.addressee) for r in st.recommendations] == [
        ("1", "Faster vetting", "Home Office"),
        ("2", "Better data", "Home Office"),
    ]
    assert [r.responder for r in st.responses] == ["Home Office", "Home Office"]
    check_invariants(clean, st)


def test_acceptance_sentences_and_sub_numbered_recommendations():
    text = (
        "Update on the responses 4) Preventing harm 4a) i. A duty of candour should be introduced in "
        "Northern Ireland. This recommendation is accepted in full by the Northern Ireland Executive "
        "4a) ii. The duty in Scotland and Wales should be reviewed. This recommendation is accepted in full by "
        "the Scottish Government and the Welsh Government. Work has begun. 5) Ending defensiveness 5a. The "
        "Government should reconsider the code. 5b. The Government should consider a duty. These "
        "recommendations are accepted in principle by the UK Government. 6) Monitoring 6a. Those with "
        "cirrhosis should be monitored. The UK Government accepts this recommendation in full. As "
        "recommendation 4a) ii. says, reviews matter.\n"
    )
    clean, st = _txt(text)
    assert [r.number for r in st.recommendations] == ["4a i", "4a ii", "5a", "5b", "6a"]
    got = [(r.recommendation, r.responder) for r in st.responses]
    assert got == [
        ("4a i", "Northern Ireland Executive"),
        ("4a ii", "Scottish Government and Welsh Government"),
        ("5 a-b", "UK Government"),  # both parts, named: `rec 5a` finds it
        ("6a", "UK Government"),
    ]
    assert covers("5", "5b") and covers("12 a-c", "12b") and not covers("1", "12")
    check_invariants(clean, st)


def test_listed_recommendations_skip_tagged_conclusions():
    text = (
        "Introduction\n\n1. We took evidence from ten forces.\n\n2. We recommend nothing here.\n\n"
        "Conclusions and recommendations\n\nThe disorder\n\n"
        "1. Police were left with no choice. (Conclusion, Paragraph 6)\n\n"
        "2. We recommend that the CPS publish its protocol. (Recommendation, Paragraph 17)\n\n"
        "3. The Government should fund forces. (Recommendation, Paragraph 25)\n\n"
        "Formal minutes\n\n1. Paragraphs 1 to 75 read and agreed to.\n"
    )
    clean, st = _txt(text)
    assert [(r.number, r.addressee) for r in st.recommendations] == [("2", "CPS"), ("3", "Government")]
    check_invariants(clean, st)


def test_unnumbered_recommendations_take_their_heading_number():
    text = (
        "Committee report: Government Response\n\nRecommendations\n\n1. Social media\n\n"
        "Recommendation: We recommend that the CPS publish its protocol.\n\nResponse:\n\n"
        "The CPS supported the committee.\n\n2. Funding\n\n"
        "Recommendation: The Government should fund forces. We welcome the recommendation of the "
        "inspectorate on this.\n\nResponse:\n\nFunding was paid.\n\n"
        "Recommendation: The Government should publish plans.\n\nResponse:\n\nPlans will follow.\n"
    )
    clean, st = _txt(text)
    assert [(r.number, r.title) for r in st.recommendations] == [("1", "Social media"), ("2", "Funding"), ("2", "Funding")]
    assert "inspectorate on this." in st.recommendations[1].text  # "welcome the recommendation of" is not a response
    assert [(r.recommendation, r.responder) for r in st.responses] == [("1", "CPS"), ("2", "Government"), ("2", "Government")]
    check_invariants(clean, st)


def test_table_of_recommendations_rows():
    rows = "\n\n".join(
        f"{label} The inquiry recommends that the service improves area {k}.\n\nF F P"
        for k, label in enumerate(["1", "2", "3a", "3b (i-ii)", "3b (iii)", "4a-c"], 1)
    )
    text = f"Appendix 1\n\nSummary of recommendations and responses\n\n{rows}\n\n1 Other paragraph 2024.\n"
    clean, st = _txt(text)
    assert [r.number for r in st.recommendations] == ["1", "2", "3a", "3b i-ii", "3b iii", "4 a-c"]
    check_invariants(clean, st)


# --------------------------------------------------------------------------- real PDFs

corpora = pytest.mark.skipif(not PDFS, reason=f"no PDFs under {CORPORA} (set INQUIRE_CORPORA)")


@pytest.fixture(scope="module")
def parsed() -> dict[str, RawDocument]:
    return {p.name: parse(p) for p in PDFS}


@pytest.mark.corpora
@corpora
def test_all_pdfs_clean_and_structure(parsed):
    # speed is measured by scripts/structure_report.py, not asserted here
    assert len(parsed) >= 7
    built = {name: (c := clean_document(raw), find_structure(c)) for name, raw in parsed.items()}
    for name, (clean, st) in built.items():
        check_invariants(clean, st)
        assert clean.page_starts[0][0] == 0
        feet = [(s, e) for s, e, kind in clean.regions if kind == "footnotes"]
        body_end = feet[0][0] if feet else len(clean.text)
        pages = [p for off, p in clean.page_starts if off < body_end]
        assert pages == sorted(pages), name  # body text in page order; footnote blocks follow it
        if feet:  # ... each footnote block cited on the page that printed it, all in one final section
            assert clean.text[body_end:].strip() and all(s >= body_end for s, _ in feet)
            notes = [seg for seg in st.segments if seg.start >= body_end]
            assert notes and all(seg.kind == "notes" and seg.section == ("Footnotes",) for seg in notes), name
            assert not any(seg.kind == "notes" for seg in st.segments if seg.start < body_end), name


GOLDENS = sorted(GOLDEN.glob("*.json"))
PDF_GOLDENS = [g for g in GOLDENS if not (CORPUS / f"{g.stem}.txt").exists()]
TXT_GOLDENS = [g for g in GOLDENS if (CORPUS / f"{g.stem}.txt").exists()]


def _check_golden(golden_file: Path, clean, st) -> None:
    golden = json.loads(golden_file.read_text())
    fails = within_thresholds(score(st, golden), golden["thresholds"])
    assert not fails, f"{golden_file.stem}: {fails}"


@pytest.mark.corpora
@corpora
@pytest.mark.parametrize("golden_file", PDF_GOLDENS, ids=[g.stem[:40] for g in PDF_GOLDENS])
def test_pdf_against_golden(golden_file, parsed):
    name = golden_file.stem + ".pdf"
    if name not in parsed:
        pytest.skip(f"{name} not in {CORPORA}")
    clean = clean_document(parsed[name])
    _check_golden(golden_file, clean, find_structure(clean))


@pytest.mark.parametrize("golden_file", TXT_GOLDENS, ids=[g.stem[:40] for g in TXT_GOLDENS])
def test_bundled_against_golden(golden_file):
    _check_golden(golden_file, *build(CORPUS / f"{golden_file.stem}.txt"))


def test_goldens_cover_at_least_four_pdfs():
    assert len(PDF_GOLDENS) >= 4
    for g in PDF_GOLDENS:
        data = json.loads(g.read_text())
        assert data["recommendations"] and data["how"] and "thresholds" in data


# --------------------------------------------------------------------------- formats of unseen reports (issue 12)


def test_nested_lists_compose_numbers_and_the_final_list_is_the_printing_tracked():
    group2 = (
        "2. Remembering\n\n(a) A memorial should be established in the capital city.\n\n"
        "(b) Events should be held twice a year for those affected.\n\n"
    )
    group4 = (
        "4. Safety culture\n\n(a) Duty of candour\n\n(i) A statutory duty of candour should be introduced.\n\n"
        "(ii) The existing duties should be reviewed by the end of next year.\n\n"
        "(b) Regulation should be simplified across the four nations.\n\n"
    )
    text = (
        "Chapter 1\n\nDiscussion of memorials at some length, with evidence.\n\nAccordingly, I recommend:\n\n"
        + group2
        + "The chapter goes on to discuss safety and the evidence heard about it in detail.\n\n"
        "Thus I recommend:\n\n" + group4 + "More discussion follows here about other matters entirely.\n\n"
        "The Recommendations\n\n1. Compensation\n\nMy principal recommendation is that a scheme should be set up now.\n\n"
        + group2
        + "3. Learning\n\n(a) Training should include the lessons of this report.\n\n"
        + group4
    )
    clean, st = _txt(text)
    assert [r.number for r in st.recommendations] == ["1", "2a", "2b", "3a", "4a i", "4a ii", "4b"]
    final = text.index("The Recommendations")
    assert all(r.start > final for r in st.recommendations)  # the consolidated list, not the chapter printings
    assert st.recommendations[0].text.startswith("1. Compensation")
    check_invariants(clean, st)


def test_mixed_summary_list_keeps_the_items_that_direct():
    text = (
        "Report of the committee\n\nChapter 1\n\nBody text of the report.\n\n"
        "SUMMARY OF CONCLUSIONS AND RECOMMENDATIONS\n\n"
        "1. The value of the sector is underappreciated. (Paragraph 12)\n\n"
        "2. The Government should publish a strategy within a year. (Paragraph 20)\n\n"
        "Funding\n\n"
        "3. We note the fiscal position remains difficult. (Paragraph 31)\n\n"
        "4. We recommend that funding is ring-fenced for three years. (Paragraph 33)\n\n"
        "Appendix 1: Members\n\nLord A, Lord B.\n"
    )
    clean, st = _txt(text)
    assert [r.number for r in st.recommendations] == ["2", "4"]
    assert "(Paragraph 33)" in st.recommendations[1].text and "Appendix" not in st.recommendations[1].text
    check_invariants(clean, st)


def test_numbered_list_under_a_numbered_recommendations_heading():
    text = (
        "1. INTRODUCTION\n\n1.1. This volume reports on redress.\n\n2. RECOMMENDATIONS\n\n"
        "1. The Department shall publish written responses by October.\n\n"
        "2. The scheme should be closed to new claims next year.\n\n"
        "3. A senior lawyer shall be appointed to review first offers.\n\n"
        "3. THE SCHEMES\n\n3.1. The first scheme opened in 2020 and is discussed here.\n"
    )
    clean, st = _txt(text)
    assert [r.number for r in st.recommendations] == ["1", "2", "3"]
    assert "THE SCHEMES" not in st.recommendations[-1].text
    check_invariants(clean, st)


def test_prevention_of_future_deaths_report():
    text = (
        "REGULATION 28 REPORT TO PREVENT FUTURE DEATHS\n\nTHIS REPORT IS BEING SENT TO:\n"
        "1. Example Surgery, 1 High Street, Town AB1 2CD\n2. The Secretary of State for Health and Social Care\n\n"
        "1 CORONER\nI am A Coroner, coroner for the area.\n\n"
        "5 CORONER'S CONCERNS\nDuring the inquest the evidence revealed matters giving rise to concern.\n\n"
        "The MATTERS OF CONCERN are as follows:\n"
        "(1) That prescriptions were issued twice without a check.\n(2) That the error could not be reported.\n\n"
        "6 ACTION SHOULD BE TAKEN\nIn my opinion action should be taken to prevent future deaths.\n\n"
        "7 YOUR RESPONSE\nYou are under a duty to respond to this report within 56 days.\n"
    )
    clean, st = _txt(text)
    assert [r.number for r in st.recommendations] == ["1", "2"]
    assert st.recommendations[0].addressee == "Example Surgery; The Secretary of State for Health and Social Care"
    assert "ACTION SHOULD BE TAKEN" not in st.recommendations[1].text
    check_invariants(clean, st)


def test_status_lines_open_replies_after_quoted_recommendations():
    text = (
        "Department for Business and Trade\n\nGovernment response to the inquiry report\n\n"
        "Recommendation 1\n\nThe department shall publish its responses by October.\n\nRecommendation accepted\n\n"
        "We have published this paper today.\n\n"
        "Recommendation 2\n\nThe scheme shall be closed to new claims.\n\nRecommendation rejected\n\n"
        "Closing the scheme would harm late claimants.\n"
    )
    clean, st = _txt(text)
    got = [(r.recommendation, r.responder, r.text.split("\n")[0]) for r in st.responses]
    assert got == [
        ("1", "Department for Business and Trade", "Recommendation accepted"),
        ("2", "Department for Business and Trade", "Recommendation rejected"),
    ]
    assert st.recommendations[0].text.endswith("by October.")
    check_invariants(clean, st)


def test_paragraph_numbered_items_under_a_recurring_label_and_their_replies():
    box = "Committee Recommendation\n\n"
    text = (
        "Government Response to the Committee report on behaviour\n\n"
        + box
        + "8.1. Ministers should explain the evidence for interventions (paragraph 2.3).\n\n"
        "The Government agrees with the Committee's conclusion.\n\n"
        + box
        + "8.2. We recommend more applied research (paragraph 3.1).\n\n"
        "8.3. We urge a review of research funding (paragraph 3.4).\n\n"
        "The Government agrees that research matters and will review funding.\n\n"
        + box
        + "8.4. We recommend a chief social scientist (paragraph 4.2).\n\n"
        "The Government will consider the case for a chief social scientist when it next reviews advice.\n"
    )
    clean, st = _txt(text)
    assert [r.number for r in st.recommendations] == ["8.1", "8.2", "8.3", "8.4"]
    assert [r.recommendation for r in st.responses] == ["8.1", "8.2-8.3", "8.4"]
    check_invariants(clean, st)


def test_a_repeated_printing_of_recommendations_is_not_removed_as_furniture():
    def box(n: int) -> str:
        lines = [f"Recommendation {n}: A title for number {n}", f"The government of the country should do thing {n}:"]
        lines += [f"- step {k} of recommendation {n}, to be taken within a year and reported on in public" for k in range(4)]
        return "\n".join(lines)

    def prose(tag: str) -> str:
        return "\n\n".join(f"Paragraph {k} of part {tag} discusses the evidence at some length and in detail." for k in range(6))

    text = f"Chapter 1\n\n{prose('a')}\n\n{box(1)}\n\n{prose('b')}\n\n{box(2)}\n\n{prose('c')}\n\n"
    text += f"Appendix 1: List of recommendations\n\n{box(1)}\n\n{box(2)}\n"
    clean, st = _txt(text)
    assert clean.text.count("Recommendation 1:") == 2  # both printings kept
    assert [r.number for r in st.recommendations] == ["1", "2"]
    appendix = clean.text.index("Appendix 1")
    assert all(r.start > appendix for r in st.recommendations)  # the list, not the chapter boxes
    check_invariants(clean, st)


def test_a_title_that_only_names_the_kind_of_paper_takes_the_words_that_name_this_one():
    cover = "HOUSE OF LORDS\n\nScience Committee\n\n2nd Report of Session 2010–12\n\nThe Space Economy:\n\nAct Now or Lose Out\n\nReport\n\n"
    _, st = _txt(cover + "Ordered to be printed 11 July 2011.\n\nChapter 1\n\nSome text of the report follows here.\n")
    assert st.title == "The Space Economy: Act Now or Lose Out"
    form = (
        "REGULATION 28: REPORT TO PREVENT FUTURE DEATHS (1)\n\nTHIS REPORT IS BEING SENT TO:\n1. A Surgery\n\n"
        "3 INVESTIGATION and INQUEST\nOn 7th December 2023 an investigation into the death of Oliver James Billings aged 22 was commenced.\n"
    )
    _, st = _txt(form)
    assert st.title == "REGULATION 28: REPORT TO PREVENT FUTURE DEATHS: Oliver James Billings"
