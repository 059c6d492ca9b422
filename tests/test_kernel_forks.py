"""Kernels forked from the report's kernel server (helpers.publish.kernel_forks): a forked kernel
is as a started one to the notebook, ends with its server, and where an import the notebooks
make warns, kernels start the usual way."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from helpers.publish import kernel_forks

pytestmark = pytest.mark.skipif(not kernel_forks.can_fork(), reason="no fork and pidfd here")

# What a notebook can tell of the kernel it runs in (the process ids are compared apart).
FACTS = """\
import os, signal, sys, warnings
import matplotlib, numpy, pandas as pd
from IPython import get_ipython
from IPython.core import debugger  # keeps get_ipython by name when imported
from ipykernel.kernelapp import IPKernelApp

app = IPKernelApp.instance()
facts = {
    "cwd": os.getcwd(),
    "sys.path": sys.path,
    "argv0": os.path.basename(sys.argv[0]),
    "main": sys.modules["__main__"].__name__,
    "marker": os.environ.get("KERNEL_FORKS_TEST"),
    "MPLBACKEND": os.environ.get("MPLBACKEND"),
    "backend": matplotlib.rcParams["backend"],
    "max_columns": pd.get_option("display.max_columns"),
    "width": pd.get_option("display.width"),
    "shell": type(get_ipython()).__name__,
    "debugger's shell": type(debugger.get_ipython()).__name__,
    "watches its parent": app.parent_handle == os.getppid(),
    "leads its session": os.getsid(0) == os.getpid(),
    "SIGINT": getattr(signal.getsignal(signal.SIGINT), "__name__", None),
    "SIGCHLD": str(signal.getsignal(signal.SIGCHLD)),
    # numpy's, set when imported, are kept; their order is not (see the module's docstring)
    "warning filters": sorted(str(f) for f in warnings.filters),
    "encrypted": app.curve_secretkey is not None,
    "this package": sorted(m for m in sys.modules if m.split(".")[0] == "helpers"),
}
print(json.dumps(facts, sort_keys=True))
print(os.getppid())
"""


def notebook(folder: Path, *cells: str, name: str = "facts") -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def run(path: Path) -> list[str]:
    """Execute ``path`` as the report does (forked while a server runs); its printed lines."""
    out = path.with_suffix(".out.ipynb")
    pm.execute_notebook(
        str(path),
        str(out),
        kernel_name="python3",
        progress_bar=False,
        resources={"metadata": {"path": str(path.parent)}},
        shutdown_kernel="immediate",
        kernel_manager_class=kernel_forks.manager_class(),
    )
    outputs = nbformat.read(out, as_version=4).cells[-1].outputs
    return "".join(o.get("text", "") for o in outputs if o.output_type == "stream").splitlines()


def test_the_server_imports_what_every_notebook_imports_before_anything_else(tmp_path) -> None:
    (tmp_path / "local.py").write_text("")
    first = notebook(tmp_path, "x = None  # a parameter", "import json, csv\n%matplotlib inline")
    cells = ("import csv, local\nfrom json import decoder", "import os\nos.environ['X'] = '1'")
    second = notebook(tmp_path, *cells, "import zlib", name="second")
    assert kernel_forks.common_imports([first]) == ["json", "csv"]
    # local is the notebook's own module, which may change what the imports after it do
    assert kernel_forks.common_imports([second]) == ["csv"]
    assert kernel_forks.common_imports([first, second]) == ["csv"]
    # "from json import" names json; zlib comes after a statement that could change what an
    # import does (as a magic could)
    cells = ("import csv\nfrom json import decoder", "import os\nos.environ['X'] = '1'")
    fourth = notebook(tmp_path, *cells, "import zlib", name="fourth")
    assert kernel_forks.common_imports([fourth]) == ["csv", "json", "os"]
    third = notebook(tmp_path, "from . import sibling\nimport json", name="third")
    assert kernel_forks.common_imports([first, third]) == []


def test_a_forked_kernel_is_as_a_started_one(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KERNEL_FORKS_TEST", "set by the test")
    path = notebook(tmp_path / "notebooks", "import json", FACTS)
    # a file of the notebook's folder named as a standard module that numpy imports: a kernel
    # finds the standard one first (IPython puts the folder after the standard library)
    (path.parent / "secrets.py").write_text("TOKEN = 'fictional'\n")
    started = run(path)
    with kernel_forks.serving([path]) as forks:
        assert forks is not None
        forked = run(path)
        server = forks.pid
    assert forked[0] == started[0]
    facts = json.loads(forked[0])
    assert facts["cwd"] == str(path.parent) and facts["marker"] == "set by the test"
    assert facts["watches its parent"] and facts["leads its session"]
    assert facts["encrypted"]  # CurveZMQ keys from the manager (helpers.publish.kernels)
    assert facts["max_columns"] == 20  # as pandas sets it in a kernel, not in a terminal
    assert (int(started[1]), int(forked[1])) == (os.getpid(), server)


@pytest.mark.parametrize(
    ("module", "seen"),
    [
        # fictional module: it warns when imported, which a kernel shows in the notebook
        ("import warnings\nwarnings.warn('fictional')\n", "fictional"),
        # the same, naming its importer: a cell, in a kernel, where Python shows it
        ("import warnings\nwarnings.warn('old', DeprecationWarning, stacklevel=2)\n", "old"),
        # it hooks into IPython's shell when imported, which a kernel has and the server not
        ("from matplotlib_inline.backend_inline import *\n", None),
    ],
    ids=["warns", "deprecated", "asks-for-the-shell"],
)
def test_an_import_a_kernel_must_make_leaves_kernels_to_start_the_usual_way(
    tmp_path, monkeypatch, module, seen
) -> None:
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "on_import.py").write_text(module)
    monkeypatch.setenv("PYTHONPATH", str(modules))
    ppid = "import os\nprint(os.getppid())"
    path = notebook(tmp_path / "notebooks", "import on_import", ppid)
    with kernel_forks.serving([path]):
        printed = run(path)
    assert printed == [str(os.getpid())]  # started by this process, not forked
    if seen:
        executed = nbformat.read(path.with_suffix(".out.ipynb"), as_version=4)
        assert seen in executed.cells[0].outputs[0]["text"]


def test_a_forked_kernel_ends_with_its_server(tmp_path) -> None:
    path = notebook(tmp_path, "import json")

    async def scenario(forks: kernel_forks.KernelForks) -> None:
        manager = kernel_forks.manager_class()(kernel_name="python3")
        await manager.start_kernel(cwd=str(tmp_path))
        try:
            kernel = manager.provisioner.process
            assert isinstance(kernel, kernel_forks.ForkedKernel) and await manager.is_alive()
            os.kill(forks.pid, signal.SIGKILL)  # the report's side stays: only the server died
            deadline = time.monotonic() + 10
            while kernel.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert kernel.poll() is not None, "the kernel outlived its server"
            assert not await manager.is_alive()
        finally:
            await manager.shutdown_kernel(now=True)

    with kernel_forks.serving([path]) as forks:
        asyncio.run(scenario(forks))


@pytest.mark.parametrize("started", [False, True])
def test_the_report_forks_its_kernels_unless_told_to_start_them(tmp_path, monkeypatch, started):
    """``--started-kernels``: no server for the report's notebooks (stood in for here)."""
    from helpers.__main__ import main
    from helpers.files import write_text_atomic
    from helpers.paths import PROJECT_DATA
    from helpers.publish import kernels, runner

    forked: list[bool] = []

    def job(job: runner.Job, progress: bool) -> None:
        forked.append(kernel_forks.manager_class() is not kernels.encrypted_manager())
        write_text_atomic(job.target, job.source.read_text(encoding="utf-8"))

    monkeypatch.setattr(runner, "run_job", job)
    flag = ["--started-kernels"] if started else []
    args = ["report", "--data", str(PROJECT_DATA), "--out", str(tmp_path), "--only", "01"]
    assert main([*args, *flag]) == 0
    assert forked == [not started]


@pytest.mark.parametrize("started", [False, True])
def test_the_report_checks_its_data_either_way(tmp_path, data_copy, started) -> None:
    """``--started-kernels`` changes how kernels start, not what is checked before."""
    from helpers.errors import DataError
    from helpers.publish import runner

    events = data_copy / "events.csv"
    events.write_text(events.read_text(encoding="utf-8") + "not,a,valid,row\n", encoding="utf-8")
    with pytest.raises(DataError):
        runner.run_report(data_copy, tmp_path / "out", only=["01"], fork_kernels=not started)
