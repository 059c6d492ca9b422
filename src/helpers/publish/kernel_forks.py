"""Notebook kernels forked from one process that has already imported what the notebooks import.

A kernel started the usual way spends one to two seconds of processor time importing ipykernel,
pandas, matplotlib and this package before its first cell does any work, and every notebook of a
report pays it again. While a report runs, one server process (started with the kernel's own
interpreter and options, when the first kernel is asked for) imports those modules once: the
imports at the top level of the notebooks' code cells, and ipykernel. Each kernel is then a fork
of it that runs ``ipykernel_launcher`` as ``python -m`` would, in its own session, folder and
environment; the kernels share the imported modules' memory until they write to it.

What libraries read when first imported is set as in a kernel: MPLBACKEND, JPY_PARENT_PID (the
server: a kernel ends when it does) and what ``get_ipython()`` answers. No module a notebook's
own folder holds is imported early (the kernel finds that one first). If an early import warns
or prints, which a kernel would show in the notebook, every kernel starts the usual way; so do
they where the system cannot fork or open a process file descriptor (pidfd: Linux 5.3 and
later), or the server is gone.
"""

from __future__ import annotations

import ast
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

LAUNCHER = "ipykernel_launcher"
# What ipykernel's IPKernelApp.init_gui_pylab sets when MPLBACKEND is unset: matplotlib reads it
# when first imported, which is now in the server, before any kernel has set it.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_FRAME = 1 << 20  # largest request or reply, in bytes


def can_fork() -> bool:
    """Whether kernels can be forked here (fork and pidfd_open)."""
    return hasattr(os, "fork") and hasattr(os, "pidfd_open")


def notebook_imports(sources: Sequence[Path]) -> list[str]:
    """The import statements at the top level of the notebooks' code cells, in order, once
    each; none of a module that a notebook's own folder holds (``name.py`` or ``name/``) and no
    relative import. A cell that is not Python (after IPython's magics are translated) is
    passed over."""
    import nbformat
    from IPython.core.inputtransformer2 import TransformerManager

    translate = TransformerManager().transform_cell
    statements: list[str] = []
    for source in sources:
        folder = source.parent
        nb = nbformat.read(source, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            try:
                body = ast.parse(translate(cell.source)).body
            except SyntaxError:
                continue
            for node in body:
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                if isinstance(node, ast.ImportFrom) and (node.level or not node.module):
                    continue
                names = (
                    [node.module]
                    if isinstance(node, ast.ImportFrom)
                    else [alias.name for alias in node.names]
                )
                tops = {name.split(".", 1)[0] for name in names if name}
                if any((folder / f"{t}.py").exists() or (folder / t).is_dir() for t in tops):
                    continue
                statement = ast.unparse(node)
                if statement not in statements:
                    statements.append(statement)
    return statements


class ForkedKernel:
    """The part of ``subprocess.Popen`` that jupyter_client's LocalProvisioner uses, for a
    kernel the server forked: a pidfd says when it has ended and signals it without a race on
    its process id. Its parent, the server, reaps it, so its exit status is not known here:
    ``returncode`` is 0 once it has ended."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, pidfd: int) -> None:
        self.pid = pid
        self._pidfd: int | None = pidfd
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.wait(timeout=0) if self.returncode is None else self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if self.returncode is None and self._pidfd is not None:
            poller = select.poll()  # not select(): a descriptor may be past FD_SETSIZE
            poller.register(self._pidfd, select.POLLIN)
            if not poller.poll(None if timeout is None else timeout * 1000):
                if timeout is None:  # pragma: no cover - poll(None) returns only when it ended
                    raise OSError("pidfd wait returned early")
                if timeout > 0:
                    raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
                return None
            os.close(self._pidfd)
            self._pidfd, self.returncode = None, 0
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None and self._pidfd is not None:
            with suppress(ProcessLookupError):  # it ended in between, as Popen tolerates
                signal.pidfd_send_signal(self._pidfd, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def __del__(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)


class KernelForks:
    """The report's side of the server: it starts when the first kernel is asked for (a
    report whose notebooks all stand in for themselves, as in the tests, starts none)."""

    def __init__(self, kernel_argv: Sequence[str], sources: Sequence[Path]) -> None:
        self.prefix = list(kernel_argv[: list(kernel_argv).index("-m")])
        self._sources = list(sources)
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._server: subprocess.Popen | None = None

    def _start(self) -> socket.socket:
        if self._socket is None:
            imports = json.dumps(notebook_imports(self._sources))
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            with theirs:
                self._server = subprocess.Popen(
                    [*self.prefix, "-m", __name__, str(theirs.fileno()), imports],
                    pass_fds=[theirs.fileno()],
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,  # Ctrl-C at the terminal reaches the report only
                )
            self._socket = ours
        return self._socket

    @property
    def pid(self) -> int | None:
        """The server's process id (each forked kernel's parent); None before it starts."""
        return self._server.pid if self._server else None

    def serves(self, cmd: Sequence[str]) -> bool:
        """Whether ``cmd`` starts a kernel this server can fork: the server's interpreter and
        options, then ``-m ipykernel_launcher``."""
        n = len(self.prefix)
        return list(cmd[:n]) == self.prefix and list(cmd[n : n + 2]) == ["-m", LAUNCHER]

    def launch(self, cmd: Sequence[str], env: dict[str, str], cwd: str) -> ForkedKernel:
        """Fork a kernel running ``cmd``'s launcher with its arguments, environment and folder
        (raises OSError when the server cannot, or is gone)."""
        request = {"argv": list(cmd[len(self.prefix) + 1 :]), "env": env, "cwd": cwd}
        with self._lock:
            sock = self._start()
            try:
                _send(sock, request)
                reply, fds = _receive(sock, with_fd=True)
            except EOFError as exc:
                raise OSError("the kernel server has ended") from exc
        if "error" in reply or not fds:
            raise OSError(reply.get("error", "the kernel server sent no process"))
        return ForkedKernel(reply["pid"], fds[0])

    def close(self) -> None:
        """Stop the server (its end of the socket closes, and it exits)."""
        with self._lock:
            if self._socket is None or self._server is None:
                return
            self._socket.close()
            try:
                self._server.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - it exits on reading EOF
                self._server.kill()
                self._server.wait()


_active: KernelForks | None = None


@contextmanager
def serving(sources: Sequence[Path], kernel_name: str = "python3") -> Iterator[KernelForks | None]:
    """While active, the report's kernels are forked from a server that has imported what the
    notebooks ``sources`` import; yields it (None where kernels cannot be forked, and they
    start the usual way)."""
    global _active
    if not can_fork() or _active is not None:
        yield None
        return
    from jupyter_client.kernelspec import KernelSpecManager

    argv = KernelSpecManager().get_kernel_spec(kernel_name).argv
    if "-m" not in argv or argv[argv.index("-m") + 1] != LAUNCHER:
        yield None
        return
    _active = forks = KernelForks(argv, sources)
    try:
        yield forks
    finally:
        _active = None
        forks.close()


def manager_class() -> type | None:
    """The kernel manager class for papermill while ``serving`` (None: the default)."""
    if _active is None:
        return None
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    forks = _active

    class ForkedKernelManager(AsyncKernelManager):
        """Launches the kernel as a fork of the server when it can, the usual way if not."""

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            provisioner = self.provisioner
            if type(provisioner) is not LocalProvisioner or not forks.serves(kernel_cmd):
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            cwd = str(kw.get("cwd") or os.getcwd())
            try:
                process = forks.launch(kernel_cmd, dict(kw.get("env") or os.environ), cwd)
            except OSError:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            provisioner.process = process
            provisioner.pid = provisioner.pgid = process.pid  # the kernel leads its own session
            provisioner.cwd = cwd
            self._reconcile_connection_info(provisioner.connection_info)

    return ForkedKernelManager


# --- the server --------------------------------------------------------------------------------


def _send(sock: socket.socket, message: dict, fds: Sequence[int] = ()) -> None:
    data = json.dumps(message).encode()
    frame = len(data).to_bytes(4, "big") + data
    if fds:
        socket.send_fds(sock, [frame], list(fds))
    else:
        sock.sendall(frame)


def _receive(sock: socket.socket, with_fd: bool = False) -> tuple[dict, list[int]]:
    """One message (and the descriptors sent with it); EOFError when the other side closed."""
    if with_fd:
        head, fds, _, _ = socket.recv_fds(sock, 4, 1)
    else:
        head, fds = sock.recv(4), []
    while 0 < len(head) < 4:
        head += sock.recv(4 - len(head))
    if not head:
        raise EOFError
    size = int.from_bytes(head, "big")
    if size > _FRAME:
        raise OSError(f"kernel server: message of {size} bytes")
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return json.loads(data), fds


def _preload(statements: Sequence[str]) -> str | None:
    """Run each import statement as a notebook would; one that fails is left to the kernel.
    Returns why forked kernels would not behave as started ones (None: they would): an import
    that warns or prints would do so into the notebook in a kernel, not here."""
    import builtins
    import io
    import warnings
    from contextlib import redirect_stderr, redirect_stdout

    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    # ipykernel reads it when imported; a kernel's parent is this server (``become_kernel``)
    os.environ["JPY_PARENT_PID"] = str(os.getpid())
    cwd = sys.path.pop(0)  # as ipykernel_launcher does while it loads
    builtins.get_ipython = _KernelShell  # type: ignore[attr-defined]
    try:
        for statement in ["import ipykernel.kernelapp", *statements]:
            printed = io.StringIO()
            with warnings.catch_warnings(record=True) as warned, redirect_stdout(printed):
                warnings.simplefilter("always")
                with redirect_stderr(printed):
                    try:
                        exec(statement, {})  # noqa: S102 - import statements of the notebooks
                    except Exception:  # noqa: BLE001, S112 - the kernel raises it in its cell
                        continue
            if warned or printed.getvalue():
                said = str(warned[0].message) if warned else printed.getvalue()
                return f"{statement!r} warns or prints when imported: {said[:200]}"
        return None
    finally:
        del builtins.get_ipython  # type: ignore[attr-defined]
        sys.path.insert(0, cwd)


class _KernelShell:
    """What ``get_ipython()`` answers while the server imports: a shell of a kernel (it has a
    ``kernel``), as the notebooks' imports see it in a kernel (pandas, for one, then shows wide
    tables in parts, as in a notebook, not to a terminal's width)."""

    kernel = None


def _reap(signum: int, frame: object) -> None:
    """Collect the kernels that ended (their processor time then counts as the server's, and
    so the report's)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def serve(sock: socket.socket, refusal: str | None = None) -> dict | None:
    """Fork a kernel for each request until the report closes the socket (with a ``refusal``:
    answer each request with it instead). Returns only in a forked child, with its request; in
    the server, None at the end."""
    signal.signal(signal.SIGCHLD, _reap)
    while True:
        try:
            request, _ = _receive(sock)
        except EOFError:
            return None
        if refusal is not None:
            _send(sock, {"error": refusal})
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            sock.close()
            return request
        try:
            pidfd = os.pidfd_open(pid)
        except OSError as exc:  # pragma: no cover - can_fork() checked pidfd_open exists
            _send(sock, {"error": f"pidfd_open: {exc}"})
            continue
        _send(sock, {"pid": pid}, [pidfd])
        os.close(pidfd)


def become_kernel(request: dict) -> None:
    """In the forked child: what ``python -m ipykernel_launcher ARGS`` would be, started in the
    request's folder, environment and a session of its own."""
    import runpy

    for signum in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.chdir(request["cwd"])
    os.environ.clear()
    # the kernel watches its parent (JPY_PARENT_PID): that is this server, which lives as long
    # as the report does
    os.environ.update({**request["env"], "JPY_PARENT_PID": str(os.getppid())})
    sys.path[0] = os.getcwd()
    sys.argv = [LAUNCHER, *request["argv"][1:]]
    runpy.run_module(request["argv"][0], run_name="__main__", alter_sys=True)


def main(fd: int, statements: list[str]) -> None:
    sock = socket.socket(fileno=fd)
    request = serve(sock, _preload(statements))
    if request is not None:
        become_kernel(request)


if __name__ == "__main__":
    main(int(sys.argv[1]), json.loads(sys.argv[2]))
