"""`--mode nbgrader`: the whole notebook runs in the sandbox, test cells beside the student's code, as nbgrader
runs them; each grade cell is scored by nbgrader's rule.

The notebook run is the one the secure mode plans (submission.merge): provided and test cells from the source
(nbgrader's overwritecells, hidden tests restored, deleted test cells restored), the student's answers and added
cells in their places. Scoring follows nbgrader's ``determine_grade``: a test cell that raises, or writes to
stderr, scores 0; one whose value (its execute_result) reads as a number scores that number (partial credit, at
most the cell's points); any other scores full points. The sandbox keeps our limits, link, keyring and resource
protections; what this mode gives up is that tests share the process with the student's code, which can reach
and change them (see the README).
"""
from __future__ import annotations

from .engine import _Grader, _incident_words, _short
from .results import PartResult
from .sandbox import SandboxError


class NbgraderGrader(_Grader):
    """Runs every cell, tests included, in the student's sandbox process."""

    def run_cell(self, step) -> None:
        _, error = self.execute(step)
        if error:
            who = step.label.capitalize() if step.kind == "student" else "A provided cell"
            self.notes.append(f"{who} raised {error.get('type')}: {_short(error.get('message', ''))}")
            if error.get("memory"):
                self.incidents.add("memory")

    def run_part(self, part) -> PartResult:
        code = "\n".join(c for _, c in part.segments)
        hidden = any(h for h, _ in part.segments)
        self.session.running = ""
        try:
            error = self.session.run_cell(code, want_result=True)
        except SandboxError as err:
            self.session.forget_last()
            self.incidents.add(err.kind)
            return PartResult(part.grade_id, 0.0, part.points, err.kind,
                              f"Your code {_incident_words(err, self.limits)} while this part was tested.")
        reply = self.session.last
        if error:
            what = f"{error.get('type')}: {_short(error.get('message', ''))}"
            if error.get("type") == "NotImplementedError":
                return PartResult(part.grade_id, 0.0, part.points, "error",
                                  "not answered yet: your function still raises NotImplementedError")
            trace = "" if hidden else "\n" + str(error.get("traceback", ""))[-2000:]
            outcome = "failed" if error.get("type") == "AssertionError" else "error"
            return PartResult(part.grade_id, 0.0, part.points, outcome,
                              (f"the test cell raised {what}" + trace).strip(), hidden)
        if reply.get("stderr") is True:
            return PartResult(part.grade_id, 0.0, part.points, "failed",
                              "the test cell wrote to stderr (a warning or an error message): nbgrader scores such a "
                              "cell 0")
        text = reply.get("result")
        points, note = partial_credit(text if isinstance(text, str) else None, part.points)
        outcome = "passed" if points >= part.points else "partial"
        return PartResult(part.grade_id, points, part.points, outcome, note)


def partial_credit(text: str | None, max_points: float) -> tuple[float, str]:
    """nbgrader's get_partial_grade on the cell's text/plain value: a number in [0, max] is the score; anything
    else (no value, not a number, a negative number) is full credit. Above the maximum nbgrader stops with an
    error; here it is capped at the maximum, and said."""
    if not text:
        return max_points, "all tests passed"
    try:
        grade = float(text)
    except ValueError:
        return max_points, "all tests passed"
    if grade != grade or grade < 0:        # NaN or negative: nbgrader gives full credit
        return max_points, "all tests passed"
    if grade > max_points:
        return max_points, (f"the test cell gave {grade:g} points, more than the cell's {max_points:g}: capped "
                            "(nbgrader refuses such a cell)")
    return grade, f"partial credit: {grade:g} of {max_points:g} points"
