"""Hand chapter and section numbers over to Sphinx: ``python tools/strip_typed_numbers.py book/ch*.md``.

With ``numbered: true`` in _toc.yml Sphinx numbers the chapters and their sections itself, so typed numbers
("# 4. Activation functions", "## 4.6 Vanishing gradients") would be shown twice, and typed references
("Section 4.6", "Chapter 7") go stale whenever a section moves. For each chapter file this script

1. labels the ``#`` title ``(<chapter-id>)=`` and every ``##`` heading ``(<chapter-id>-<slug>)=`` that has no label
   yet (a ``###`` heading gets one only when some text refers to it by number);
2. removes the typed numbers from the ``#``, ``##`` and ``###`` headings;
3. rewrites typed references in the prose into roles that Sphinx numbers:
   "Section 4.6" -> {numref}`Section %s <ch04-activations-vanishing-gradients-measured>`,
   "Sections 4.2 and 4.3" -> {numref}`Sections %s <...>` and {numref}`%s <...>`,
   "Chapter 7" -> {numref}`Chapter %s <ch07-optimization>`, "§4.6" -> {numref}`§%s <...>`, and
   {doc}`Chapter 4 <ch04-activations>` -> {numref}`Chapter %s <ch04-activations>`.

A typed number is resolved by the heading that carried it (so give all chapters at once: a reference to another
chapter needs that chapter's typed headings); once stripped, by the number Sphinx gives (the n-th ``##`` of the
chapter, chapters in _toc.yml order). Code cells, code spans, math and existing roles are left alone. A reference
that cannot be resolved is left as typed and reported. Running the script again changes nothing. ``--check``
reports what would change and exits 1 if anything would.
"""
from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADING = re.compile(r"^(?P<hashes>#{1,3}) +(?:(?P<number>\d+(?:\.\d+)*\.?) +)?(?P<title>.*?)\s*$")
LABEL = re.compile(r"^\((?P<label>[^()\s]+)\)=\s*$")
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})")
NUMBER = r"\d+(?:\.\d+)*"
REFERENCE = re.compile(rf"(?P<word>\b[Ss]ections?|\b[Cc]hapters?|§) ?(?P<first>{NUMBER})"
                       rf"(?P<rest>(?:(?:,| and| or| to| ?[–-]) ?{NUMBER}\b)*)(?![.\d]*\d)")
# Spans that are not prose: inline code, roles, math, link targets and texts.
# {doc}`Chapter 4 <ch04-activations>` with a typed number: the same link, numbered by Sphinx.
DOC_ROLE = re.compile(r"\{doc\}`(?P<word>[Cc]hapters?\s)?(?P<number>\d+)\s+<(?P<target>[^>`]+)>`")
STOP = {"a", "an", "the", "and", "or", "of", "for", "to", "in", "on", "with", "by", "its", "is", "are", "why", "how",
        "what", "from", "at", "as"}
PROTECTED = re.compile(r"\{[\w:-]+\}`[^`]*`|``.*?``|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\[[^\]]*\]\([^)]*\)")


@dataclass
class Heading:
    line: int                 # index of the heading line in the file
    level: int
    typed: str | None         # "4.6" as typed, or None
    title: str
    label: str | None         # an existing label right above it
    number: str = ""          # the number Sphinx gives it
    new_label: str | None = None


@dataclass
class Chapter:
    path: Path
    chapter_id: str
    number: int | None
    lines: list[str]
    headings: list[Heading] = field(default_factory=list)
    prose: list[bool] = field(default_factory=list)      # per line: outside code fences and math blocks


def chapter_numbers(repo: Path = REPO) -> dict[str, int]:
    """Chapter id -> the number Sphinx gives it: the chapters of the numbered parts of _toc.yml, in order."""
    import yaml
    toc = yaml.safe_load((repo / "_toc.yml").read_text())
    ids = [Path(c["file"]).name for part in toc.get("parts", []) if part.get("numbered")
           for c in part.get("chapters", [])]
    return {chapter_id: i for i, chapter_id in enumerate(ids, start=1)}


def slug(text: str) -> str:
    text = re.sub(r"\{[\w:-]+\}`([^`<]*)(<[^>]*>)?`", r"\1", text)      # a role: its text
    text = re.sub(r"\\([A-Za-z]+)", r" \1 ", text)                       # \delta -> delta
    text = re.sub(r"['’]", "", text)                                     # Rosenblatt's -> rosenblatts
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.findall(r"[a-z0-9]+", text) if w not in STOP]
    return "-".join(words[:4]) or "section"


def _is_section_number(typed: str, level: int, chapter_number: int | None) -> bool:
    parts = typed.split(".")
    if chapter_number is not None and parts[0] != str(chapter_number):
        return False
    return len(parts) == level or (level == 1 and len(parts) == 1)


def parse(path: Path, numbers: dict[str, int]) -> Chapter:
    lines = path.read_text(encoding="utf-8").split("\n")
    chapter = Chapter(path, path.stem, numbers.get(path.stem), lines)
    fence, in_math, front = None, False, lines[0].strip() == "---"
    counters = [0, 0]
    for i, line in enumerate(lines):
        if front:
            chapter.prose.append(False)
            if i > 0 and line.strip() == "---":
                front = False
            continue
        match = FENCE.match(line.strip())
        if fence:
            chapter.prose.append(False)
            if match and line.strip().startswith(fence) and line.strip() == match["fence"]:
                fence = None
            continue
        if match and not line.strip().startswith(":::"):
            fence = match["fence"]
            chapter.prose.append(False)
            continue
        if line.strip() == "$$" or (line.strip().startswith("$$") and line.strip().count("$$") == 1):
            in_math = not in_math
            chapter.prose.append(False)
            continue
        chapter.prose.append(not in_math)
        heading = HEADING.match(line) if not in_math else None
        if heading:
            level = len(heading["hashes"])
            prev = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            label = LABEL.match(prev.strip())
            typed = heading["number"].rstrip(".") if heading["number"] else None
            if typed and not _is_section_number(typed, level, chapter.number):
                typed = None                      # "## 2012 and after": a year, not a section number
            title = heading["title"] if typed or not heading["number"] else f"{heading['number']} {heading['title']}"
            h = Heading(i, level, typed, title, label["label"] if label else None)
            if level == 2:
                counters = [counters[0] + 1, 0]
            elif level == 3:
                counters[1] += 1
            base = str(chapter.number) if chapter.number else "?"
            h.number = {1: base, 2: f"{base}.{counters[0]}", 3: f"{base}.{counters[0]}.{counters[1]}"}[level]
            chapter.headings.append(h)
    return chapter


def targets(chapters: list[Chapter]) -> dict[str, Heading]:
    """A typed number -> its heading: typed numbers first, then Sphinx's numbers for headings typed without one."""
    found: dict[str, Heading] = {}
    for chapter in chapters:
        for h in chapter.headings:
            if h.typed and h.level > 1:
                found.setdefault(h.typed, h)
    for chapter in chapters:
        for h in chapter.headings:
            if h.level > 1 and not h.typed and not any(x.typed for x in chapter.headings if x.level > 1):
                found.setdefault(h.number, h)
    return found


def _label_of(h: Heading) -> str | None:
    return h.label or h.new_label


def assign_labels(chapter: Chapter, referenced: set[int]) -> None:
    used = {h.label for c in [chapter] for h in c.headings if h.label}
    for h in chapter.headings:
        if h.label:
            continue
        if h.level == 1:
            h.new_label = chapter.chapter_id
        elif h.level == 2 or id(h) in referenced:
            base = f"{chapter.chapter_id}-{slug(h.title)}"
            label, k = base, 2
            while label in used:
                label, k = f"{base}-{k}", k + 1
            h.new_label = label
        if h.new_label:
            used.add(h.new_label)


def _resolve(word: str, number: str, chapters_by_number: dict[int, Chapter], sections: dict[str, Heading]):
    if word.lower().startswith("chapter"):
        chapter = chapters_by_number.get(int(number)) if number.isdigit() else None
        if chapter is None:
            return None
        title = next((h for h in chapter.headings if h.level == 1), None)
        return title
    return sections.get(number)


def rewrite_references(text: str, resolve, missing: list[str]) -> str:
    def replace(match: re.Match) -> str:
        word, first, rest = match["word"], match["first"], match["rest"]
        pieces = re.findall(rf"((?:,| and| or| to| ?[–-]) ?)({NUMBER})", rest)
        numbers = [first] + [n for _, n in pieces]
        labels = [resolve(word, n) for n in numbers]
        if not all(labels):
            missing.append(match.group(0))
            return match.group(0)
        prefix = word if word == "§" else word + " "
        out = f"{{numref}}`{prefix}%s <{labels[0]}>`"
        for (sep, _), label in zip(pieces, labels[1:]):
            out += f"{sep}{{numref}}`%s <{label}>`"
        return out

    def doc_role(match: re.Match) -> str:
        target = match["target"].rsplit("/", 1)[-1]
        if not resolve("Chapter", match["number"]) == target:
            missing.append(match.group(0))
            return match.group(0)
        word = match["word"].strip() + " " if match["word"] else ""
        return f"{{numref}}`{word}%s <{target}>`"

    text = DOC_ROLE.sub(doc_role, text)
    pieces, last = [], 0
    for protected in PROTECTED.finditer(text):
        pieces.append(REFERENCE.sub(replace, text[last:protected.start()]))
        pieces.append(protected.group(0))
        last = protected.end()
    pieces.append(REFERENCE.sub(replace, text[last:]))
    return "".join(pieces)


def process(paths: list[Path], repo: Path = REPO) -> dict[Path, tuple[str, list[str]]]:
    """New text and unresolved references of each given file (others in its folder are read for their numbers)."""
    numbers = chapter_numbers(repo)
    given = [p.resolve() for p in paths]
    folders = {p.parent for p in given}
    others = [p for f in folders for p in sorted(f.glob("ch*.md")) if p.resolve() not in given]
    chapters = [parse(p, numbers) for p in given]
    context = chapters + [parse(p, numbers) for p in others]
    by_number = {c.number: c for c in context if c.number}
    sections = targets(context)

    # Which ### headings are referenced by number: they need labels too.
    referenced: set[int] = set()
    for chapter in chapters:
        for line, prose in zip(chapter.lines, chapter.prose):
            if prose and not HEADING.match(line):
                for m in REFERENCE.finditer(PROTECTED.sub("", line)):
                    for n in [m["first"]] + re.findall(NUMBER, m["rest"]):
                        if not m["word"].lower().startswith("chapter") and n in sections:
                            referenced.add(id(sections[n]))
    for chapter in context:
        assign_labels(chapter, referenced)

    def resolve(word: str, number: str) -> str | None:
        h = _resolve(word, number, by_number, sections)
        if h is None:
            return None
        owner = next(c for c in context if h in c.headings)
        if owner not in chapters and not h.label:
            return None                        # its file is not being rewritten: no label to point at
        return _label_of(h)

    results = {}
    for chapter in chapters:
        missing: list[str] = []
        out: list[str] = []
        starts = {h.line: h for h in chapter.headings}
        block: list[str] = []          # consecutive prose lines: a role or a reference may span two of them

        def flush():
            if block:
                out.extend(rewrite_references("\n".join(block), resolve, missing).split("\n"))
                block.clear()

        for i, (line, prose) in enumerate(zip(chapter.lines, chapter.prose)):
            h = starts.get(i)
            if h is not None:
                flush()
                if h.new_label:
                    if out and out[-1].strip():
                        out.append("")
                    out.append(f"({h.new_label})=")
                out.append(f"{'#' * h.level} {h.title}")
            elif prose and line.strip():
                block.append(line)
            else:
                flush()
                out.append(line)
        flush()
        results[chapter.path] = ("\n".join(out), missing)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if a file would change")
    args = parser.parse_args(argv)
    changed = False
    for path, (text, missing) in process(args.files).items():
        old = path.read_text(encoding="utf-8")
        for ref in missing:
            print(f"{path}: could not resolve {ref!r}; left as typed", file=sys.stderr)
        if text != old:
            changed = True
            print(f"{path}: {'would change' if args.check else 'rewritten'}")
            if not args.check:
                path.write_text(text, encoding="utf-8")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
