"""Notebook kernels forked from one process that has already imported what the notebooks import.

A kernel started the usual way spends one to two seconds of processor time importing ipykernel,
pandas, matplotlib and this package before its first cell does any work, and every notebook of a
report pays it again. While a report runs, one server process (started with the kernel's own
interpreter and options, in the notebooks' folder, when the first kernel is asked for) imports
ipykernel and the modules that every notebook imports before it runs anything else (before any
statement other than an import or a parameter), once. Each kernel is then a fork of it that
runs ``ipykernel_launcher`` as ``python -m`` would, in its own session, folder and environment.

What libraries read when first imported is set as in a kernel: the folder, ``sys.path`` (the
folder after the standard library, as IPython puts it), the kernel spec's environment and the
variables ipykernel sets (MPLBACKEND, JPY_PARENT_PID: the server, so a kernel ends when it does;
TERM, FORCE_COLOR, PAGER...), ``__IPYTHON__`` and what ``get_ipython()`` answers. No module a
notebook's own folder holds is imported early. Every kernel starts the usual way if an early
import warns or writes output (a kernel would show it in the notebook), asks IPython for its
shell, binds a logging handler to the output, leaves a thread running or a process started, or
takes over ``READY_TIMEOUT`` seconds; so do they where the system cannot fork or open a process
file descriptor (pidfd: Linux 5.3 and later), where the notebooks are in several folders, or
once the server is gone.

Known differences that remain: at import time a module sees the server's ``sys.stdout``,
``sys.stderr``, display and exception hooks, ``sys.argv`` and ``__main__``, not the kernel's (an
object that keeps one of them writes to the process's output, which ipykernel forwards out of
order with the cell's own output, and which also reaches the report's terminal); a kernel's
stack has the server's frames below it (eight); the warning filters that the early imports set
come after the kernel's own (IPython's), not before; numpy's global random state is the same in
every kernel of a report; a kernel's standard input is /dev/null, not a pipe; ``ps`` shows each
kernel with the server's command line; and its exit status is not known to the report (0).
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
from contextvars import ContextVar
from pathlib import Path
from typing import Any

LAUNCHER = "ipykernel_launcher"
# What ipykernel's IPKernelApp.init_gui_pylab sets when MPLBACKEND is unset: matplotlib reads it
# when first imported, which is now in the server, before any kernel has set it.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_FRAME = 1 << 20  # largest request or reply, in bytes
READY_TIMEOUT = 60.0  # seconds for the server's imports, as nbclient waits for a kernel


def can_fork() -> bool:
    """Whether kernels can be forked here (fork and pidfd_open)."""
    return hasattr(os, "fork") and hasattr(os, "pidfd_open")


def _leading_modules(source: Path) -> list[str]:
    """The modules a notebook imports before it runs anything else: its import statements
    before the first statement that is neither an import nor a name set to a literal (the
    parameters); ``from a.b import c`` names ``a.b``. An import of a module its own folder holds
    (``name.py`` or ``name/``), a relative import, or a cell that is not Python (after IPython's
    magics are translated) ends the leading part."""
    import nbformat
    from IPython.core.inputtransformer2 import TransformerManager

    translate = TransformerManager().transform_cell
    folder, modules = source.parent, []
    for cell in nbformat.read(source, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            body = ast.parse(translate(cell.source)).body
        except SyntaxError:
            return modules
        for node in body:
            if _parameter(node):
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                return modules
            for name in names:
                top = name.split(".", 1)[0]
                if (folder / f"{top}.py").exists() or (folder / top).is_dir():
                    return modules  # the notebook's own module may change what follows
                if name not in modules:
                    modules.append(name)
    return modules


def _parameter(node: ast.stmt) -> bool:
    """Whether ``node`` sets names to a literal, as a parameters cell does."""
    if isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        targets, value = [node.target], node.value
    else:
        return False
    if not all(isinstance(target, ast.Name) for target in targets):
        return False
    try:
        ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def common_imports(sources: Sequence[Path]) -> list[str]:
    """The modules every notebook of ``sources`` imports before it runs anything else, in the
    first notebook's order: what one kernel would have imported by its first other statement,
    whichever notebook it runs (a module only some import is left to their kernels)."""
    each = [_leading_modules(source) for source in sources]
    return [m for m in each[0] if all(m in other for other in each[1:])] if each else []


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

    def __init__(
        self, kernel_argv: Sequence[str], sources: Sequence[Path], env: dict[str, str] | None = None
    ) -> None:
        self.prefix = list(kernel_argv[: list(kernel_argv).index("-m")])
        self.env = dict(env or {})  # the kernel spec's, as a kernel has it when it imports
        self._sources = list(sources)
        self.folder = self._sources[0].parent
        self._broken: str | None = None
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._server: subprocess.Popen | None = None

    def _start(self) -> socket.socket:
        """Start the server in the notebooks' folder (not as a module of this package, which
        would then be imported before the notebooks' own ``helpers``, if they have one) and
        wait, at most ``READY_TIMEOUT`` seconds, until it has imported; OSError if it cannot."""
        if self._socket is None:
            if self._broken:
                raise OSError(self._broken)
            modules = json.dumps(common_imports(self._sources))
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            boot = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__')"
            with theirs:
                self._server = subprocess.Popen(
                    [*self.prefix, "-c", boot, __file__, str(theirs.fileno()), modules],
                    pass_fds=[theirs.fileno()],
                    env={**os.environ, **self.env},
                    stdin=subprocess.DEVNULL,
                    cwd=self.folder,
                    start_new_session=True,  # Ctrl-C at the terminal reaches the report only
                )
            ours.settimeout(READY_TIMEOUT)
            try:
                ready, _ = _receive(ours)
            except (OSError, EOFError) as exc:
                ready = {"refusal": f"the kernel server did not get ready: {exc!r}"}
            ours.settimeout(None)
            if ready.get("refusal"):
                self._broken = ready["refusal"]
                ours.close()
                self._end_server()
                raise OSError(self._broken)
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
            if self._socket is not None:
                self._socket.close()
            self._end_server(wait=10)

    def _end_server(self, wait: float = 0) -> None:
        """Wait up to ``wait`` seconds for the server to exit, then end its process group (the
        server and anything an import started; each kernel leads a session of its own)."""
        if self._server is None:
            return
        with suppress(subprocess.TimeoutExpired):
            self._server.wait(timeout=wait)
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self._server.pid, signal.SIGKILL)
        self._server.wait()
        self._server = None


# the server of the report running in this context (each report thread has its own)
_active: ContextVar[KernelForks | None] = ContextVar("kernel_forks", default=None)


@contextmanager
def serving(sources: Sequence[Path], kernel_name: str = "python3") -> Iterator[KernelForks | None]:
    """While active, the kernels of this context (and of its copies: the runner runs each
    notebook in ``contextvars.copy_context().run``) are forked from a server that has imported
    what the notebooks ``sources`` all import first; yields it (None where kernels cannot be
    forked, and they start the usual way: no fork or pidfd, notebooks in several folders, a
    server already active here)."""
    folders = {Path(source).parent for source in sources}
    if not can_fork() or _active.get() is not None or len(folders) != 1:
        yield None
        return
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(kernel_name)
    argv = spec.argv
    if "-m" not in argv or argv[argv.index("-m") + 1] != LAUNCHER:
        yield None
        return
    forks = KernelForks(argv, sources, spec.env)
    token = _active.set(forks)
    try:
        yield forks
    finally:
        _active.reset(token)
        forks.close()


def manager_class() -> type:
    """The kernel manager class for papermill: while ``serving``, one that forks its kernels
    from the server; otherwise the report's usual one (``kernels.encrypted_manager``)."""
    from helpers.publish.kernels import encrypted_manager  # not at the top: the server runs
    # this file without importing the package (``KernelForks._start``)

    forks = _active.get()
    if forks is None:
        return encrypted_manager()
    from jupyter_client.provisioning import LocalProvisioner

    class ForkedKernelManager(encrypted_manager()):
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


def _preload(modules: Sequence[str]) -> str | None:
    """Import ipykernel, then ``modules``, as a kernel would before its first cell (one that
    fails to import is left to the kernel): ipykernel with the folder off ``sys.path``, then the
    folder where IPython puts it (after the standard library), the kernel's environment and its
    builtins set. Returns why forked kernels would not behave as started ones (None: they
    would): an import warned or wrote output (a kernel would show it in the notebook), asked
    IPython for its shell (there is none yet), bound a logging handler to this process's output,
    or left a thread running or a process started."""
    import builtins
    import importlib
    import logging
    import tempfile
    import types
    import warnings

    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    # ipykernel reads it when imported; a kernel's parent is this server (``become_kernel``)
    os.environ["JPY_PARENT_PID"] = str(os.getpid())
    del sys.path[0]  # as ipykernel_launcher does while it loads
    shown: list[str] = []
    show = warnings.showwarning
    warnings.showwarning = lambda message, *rest, **kw: shown.append(str(message))
    saved = [os.dup(1), os.dup(2)]
    asked: list[type] = []  # the classes asked whether a shell exists
    with tempfile.TemporaryFile() as written:
        os.dup2(written.fileno(), 1)
        os.dup2(written.fileno(), 2)
        try:
            importlib.import_module("ipykernel.kernelapp")
            from ipykernel import zmqshell
            from IPython.core.interactiveshell import InteractiveShell
            from IPython.core.shellapp import InteractiveShellApp

            InteractiveShellApp.init_path(types.SimpleNamespace(ignore_cwd=False))
            zmqshell.ZMQInteractiveShell.init_environment(None)  # TERM, FORCE_COLOR, PAGER...
            # IPython's get_ipython() asks the class; a module may keep that function by name
            InteractiveShell.initialized = classmethod(lambda cls: bool(asked.append(cls)))
            builtins.get_ipython = _KernelShell  # type: ignore[attr-defined]
            builtins.__IPYTHON__ = True  # type: ignore[attr-defined]
            for module in modules:
                # as a cell runs it: a warning that names its importer names __main__, and
                # Python's filters then show a DeprecationWarning, as a kernel would
                cell = compile(f"import {module}", "<cell>", "exec")
                with suppress(Exception):  # the kernel raises it in its cell
                    exec(cell, {"__name__": "__main__"})  # noqa: S102 - a module name, imported
            del InteractiveShell.initialized  # SingletonConfigurable's again
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in zip((1, 2), saved, strict=True):
                os.dup2(copy, fd)
                os.close(copy)
            for name in ("get_ipython", "__IPYTHON__"):
                builtins.__dict__.pop(name, None)
            warnings.showwarning = show
        output = os.pread(written.fileno(), 200, 0).decode(errors="replace")
    if shown or output:
        return f"an import warned or wrote output: {(shown or [output])[0][:200]}"
    if asked:
        return "an import asked IPython for its shell"
    streams = {id(sys.stdout), id(sys.stderr), id(sys.__stdout__), id(sys.__stderr__)}
    handlers = [ref() for ref in logging._handlerList]  # type: ignore[attr-defined]
    dynamic = logging._StderrHandler  # type: ignore[attr-defined]  # looks sys.stderr up each time
    if any(type(h) is not dynamic and id(getattr(h, "stream", 0)) in streams for h in handlers):
        return "an import bound a logging handler to the output"
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    if any(t.name != WATCHER for t in others):
        return "an import left a thread running"
    with suppress(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
        return "an import started a process"
    return None


class _KernelShell:
    """What the builtin ``get_ipython()`` answers while the server imports: a stand-in for a
    kernel's shell, of its class name and with a ``kernel``, as the notebooks' imports see it in
    a kernel (pandas, for one, then shows wide tables in parts, as in a notebook, not to a
    terminal's width). A module that asks IPython itself for the shell makes the server refuse."""

    kernel = None


_KernelShell.__name__ = _KernelShell.__qualname__ = "ZMQInteractiveShell"


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


def serve(sock: socket.socket) -> dict | None:
    """Fork a kernel for each request until the report closes the socket. Returns only in a
    forked child, with its request; in the server, None at the end."""
    signal.signal(signal.SIGCHLD, _reap)
    while True:
        try:
            request, _ = _receive(sock)
        except EOFError:
            return None
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
    sys.path.insert(0, os.getcwd())  # as python -m does; the launcher takes it off again
    sys.argv = [LAUNCHER, *request["argv"][1:]]
    runpy.run_module(request["argv"][0], run_name="__main__", alter_sys=True)


WATCHER = "kernel-forks-watch"


def main(fd: int, modules: list[str]) -> None:
    sock = socket.socket(fileno=fd)
    report, done = os.getppid(), threading.Event()

    def watch() -> None:  # the report killed while this imports: end too
        while not done.wait(0.2):
            if os.getppid() != report:  # with what an import started (this leads its group)
                os.killpg(0, signal.SIGKILL)

    watcher = threading.Thread(target=watch, name=WATCHER, daemon=True)
    watcher.start()
    try:
        refusal = _preload(modules)
    finally:
        done.set()
        watcher.join()
    _send(sock, {"refusal": refusal})
    if refusal is None:  # else the report starts its kernels the usual way
        request = serve(sock)
        if request is not None:
            become_kernel(request)
            return
    # The report waits for this process to end. Ending the interpreter the usual way would
    # first tear down every module imported (half a second, with pandas and matplotlib), for
    # nothing: this process wrote no file and holds nothing to release but its kernels, which
    # have ended (collected here, so that their processor time counts as the report's).
    _reap(signal.SIGCHLD, None)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(int(sys.argv[-2]), json.loads(sys.argv[-1]))
