"""``python -m helpers ARGS`` run in the test's own process: the command's ``main`` with those
arguments, in a folder, with what it prints captured. Starting Python again costs about 0.7 s of
processor time a command (importing pandas), which the tests of a command's messages and exit
status do not need. The commands as processes are run by the guide's walk-through
(test_adapting_guide.py: init, new-source, add, validate, report, agreement), by `add`
(test_add_rows.py), the report's signals (test_safe_outputs.py) and the synthetic report
(test_synthetic_report.py)."""

from __future__ import annotations

import contextlib
import io
import subprocess
from pathlib import Path

from helpers.__main__ import main


def helpers_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """What ``python -m helpers *args`` in ``cwd`` returns and prints (an exception that
    ``main`` does not turn into a message is raised, where a process would print its
    traceback)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        code = main(list(args))
    return subprocess.CompletedProcess(
        ["python", "-m", "helpers", *args], code, out.getvalue(), err.getvalue()
    )
