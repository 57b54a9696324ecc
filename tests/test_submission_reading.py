"""Reading a student's notebook: links, special files, huge and deeply nested files, old and unknown formats."""
from __future__ import annotations

import json
import os
import resource
import time

import nbformat
import pytest

from autograde.submission import MAX_NOTEBOOK_BYTES, InvalidNotebook, read_student_notebook


def _v4(source="x = 1"):
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(source))
    return nbformat.writes(nb)


def test_reads_a_plain_notebook(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_text(_v4("y = 2"))
    assert [c.source for c in read_student_notebook(path)] == ["y = 2"]


def test_a_link_is_refused_not_followed(tmp_path):
    target = tmp_path / "real.ipynb"
    target.write_text(_v4())
    (tmp_path / "link.ipynb").symlink_to(target)
    with pytest.raises(InvalidNotebook, match="symbolic link"):
        read_student_notebook(tmp_path / "link.ipynb")


@pytest.mark.parametrize("make", ["fifo", "device", "folder"])
def test_special_files_are_refused_without_blocking(tmp_path, make):
    path = tmp_path / "nb.ipynb"
    if make == "fifo":
        os.mkfifo(path)              # opening it for reading would block without O_NONBLOCK
    elif make == "folder":
        path.mkdir()
    else:
        path = "/dev/zero"           # endless: reading it whole would never finish
    with pytest.raises(InvalidNotebook, match="folder|regular file"):
        read_student_notebook(path)


def test_a_huge_sparse_file_fails_fast_without_reading_it(tmp_path):
    path = tmp_path / "nb.ipynb"
    with open(path, "wb") as f:
        f.truncate(2**30)            # 1 GiB, sparse: costs no disk
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    with pytest.raises(InvalidNotebook, match="larger than"):
        read_student_notebook(path)
    assert time.monotonic() - start < 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024     # KiB on Linux
    assert MAX_NOTEBOOK_BYTES < 2**30


def test_deep_nesting_is_invalid_not_a_recursion_error(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(InvalidNotebook, match="nested"):
        read_student_notebook(path)


def test_moderate_nesting_inside_a_cell_is_caught_too(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_text(_dump_deep(json.loads(_v4())))
    with pytest.raises(InvalidNotebook):
        read_student_notebook(path)


def _dump_deep(data) -> str:
    """json.dumps recurses too; build the deep part by hand."""
    text = json.dumps({**data, "cells": [{**data["cells"][0], "metadata": {"x": "@"}}]})
    return text.replace('"@"', "[" * 5000 + "]" * 5000)


def test_nbformat_3_is_upgraded_and_read(tmp_path):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""},
          "worksheets": [{"metadata": {}, "cells": [
              {"cell_type": "code", "input": "z = 3", "language": "python", "outputs": [], "metadata": {}}]}]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(v3))
    assert [c.source for c in read_student_notebook(path)] == ["z = 3"]


@pytest.mark.parametrize("major,minor", [(2, 0), (5, 0), (5, 7), (1, None)])
def test_unreadable_formats_name_the_version(tmp_path, major, minor):
    data = {"nbformat": major, "metadata": {}, "cells": [], "worksheets": []}
    if minor is not None:
        data["nbformat_minor"] = minor
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(data))
    version = f"{major}.{minor}" if minor is not None else str(major)
    with pytest.raises(InvalidNotebook, match=f"nbformat version {version}"):
        read_student_notebook(path)


@pytest.mark.parametrize("text,words", [("", "empty"), ("{not json", "not valid notebook JSON"),
                                        ("[1, 2]", "not a Jupyter notebook"),
                                        ('{"nbformat": 4, "cells": 3}', "no list of cells")])
def test_plain_words_for_broken_files(tmp_path, text, words):
    path = tmp_path / "nb.ipynb"
    path.write_text(text)
    with pytest.raises(InvalidNotebook, match=words):
        read_student_notebook(path)
