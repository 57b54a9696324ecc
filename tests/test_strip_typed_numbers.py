"""tools/strip_typed_numbers.py on two tiny hand-written chapters: typed numbers leave the headings, labels appear
above the title and the sections, typed references become {numref} roles, code and math are left alone, and a
second run changes nothing."""
from __future__ import annotations

import sys
import textwrap

from .assignments import REPO

sys.path.insert(0, str(REPO / "tools"))
import strip_typed_numbers as tool  # noqa: E402

HEADER = "---\njupytext:\n  text_representation:\n    extension: .md\n---\n\n"
ONE = HEADER + textwrap.dedent("""\
    # 1. Where it started

    Intro text; Chapter 2 builds on Section 1.2, and {doc}`Chapter 2 <ch02-b>` too.

    ## 1.1 The neuron

    (ch01-a-rule)=
    ## 1.2 Rosenblatt's rule

    ### 1.2.1 A detail

    ## 1990 and after

    ```{code-cell} ipython3
    # 1. A comment that looks like a heading; Section 1.1 in code
    print("Section 1.1")
    ```

    $$
    \\text{Section 1.1 in math}
    $$

    Sections 1.1 and 1.2, Section 1.2.1, `Section 1.1` in code, and $x$ (§1.1) and Section 9.9.
    """)
TWO = HEADER + textwrap.dedent("""\
    # 2. Next

    ## 2.1 Back to the past

    As in Sections 1.1–1.2 of Chapter 1, and chapters 1 and 2.
    """)
TOC = """format: jb-book
root: book/intro
parts:
  - caption: Front
    chapters:
      - file: book/notation
  - caption: Part
    numbered: true
    chapters:
      - file: book/ch01-a
      - file: book/ch02-b
"""


def _run(tmp_path):
    (tmp_path / "_toc.yml").write_text(TOC)
    book = tmp_path / "book"
    book.mkdir(exist_ok=True)
    paths = [book / "ch01-a.md", book / "ch02-b.md"]
    if not paths[0].exists():
        paths[0].write_text(ONE)
        paths[1].write_text(TWO)
    results = tool.process(paths, repo=tmp_path)
    for path, (text, _) in results.items():
        path.write_text(text)
    return paths, results


def test_headings_lose_their_numbers_and_gain_labels(tmp_path):
    (one, two), results = _run(tmp_path)
    text = one.read_text()
    assert "(ch01-a)=\n# Where it started" in text
    assert "(ch01-a-neuron)=\n## The neuron" in text
    assert "(ch01-a-rule)=\n## Rosenblatts rule" not in text and "(ch01-a-rule)=\n## Rosenblatt's rule" in text
    assert "(ch01-a-detail)=\n### A detail" in text                        # referenced by number: labelled
    assert "## 1990 and after" in text                                     # a year, not a section number
    assert "(ch02-b)=\n# Next" in two.read_text() and "(ch02-b-back-past)=\n## Back to the past" in two.read_text()


def test_typed_references_become_numref_roles(tmp_path):
    (one, two), results = _run(tmp_path)
    text = one.read_text()
    assert ("Intro text; {numref}`Chapter %s <ch02-b>` builds on {numref}`Section %s <ch01-a-rule>`, and "
            "{numref}`Chapter %s <ch02-b>` too.") in text
    assert "{numref}`Sections %s <ch01-a-neuron>` and {numref}`%s <ch01-a-rule>`" in text
    assert "{numref}`Section %s <ch01-a-detail>`" in text and "({numref}`§%s <ch01-a-neuron>`)" in text
    assert "As in {numref}`Sections %s <ch01-a-neuron>`–{numref}`%s <ch01-a-rule>` of {numref}`Chapter %s <ch01-a>`, " \
           "and {numref}`chapters %s <ch01-a>` and {numref}`%s <ch02-b>`." in two.read_text()
    assert results[one][1] == ["Section 9.9"]                              # no such section: left as typed
    assert "Section 9.9" in text


def test_code_math_and_code_spans_are_left_alone(tmp_path):
    (one, _), _ = _run(tmp_path)
    text = one.read_text()
    assert "# 1. A comment that looks like a heading; Section 1.1 in code" in text
    assert 'print("Section 1.1")' in text and "\\text{Section 1.1 in math}" in text and "`Section 1.1` in code" in text


def test_a_second_run_changes_nothing(tmp_path):
    (one, two), _ = _run(tmp_path)
    first = (one.read_text(), two.read_text())
    _, results = _run(tmp_path)
    assert (one.read_text(), two.read_text()) == first
    assert all(text == path.read_text() for path, (text, _) in results.items())
