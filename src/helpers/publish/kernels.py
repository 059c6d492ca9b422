"""The kernel manager a report starts its notebooks' kernels with.

The report and each kernel talk over local TCP ports. jupyter_client signs every message with
the session's key but does not encrypt it, and ipykernel 7.4 warns of it on the report's terminal
once per kernel. Our manager makes a CurveZMQ key pair for each kernel whose kernel spec declares
it supports them (ipykernel's does), so that the connection is encrypted (jupyter_client's
``transport_encryption = "auto"``); where the report's pyzmq was built without CurveZMQ,
kernels run as before, unencrypted. Known gap: a kernel spec that declares CurveZMQ (ipykernel
writes it into every spec) but whose interpreter's pyzmq lacks it now fails to start."""

from __future__ import annotations

import functools


@functools.cache
def encrypted_manager() -> type:
    """``AsyncKernelManager`` with CurveZMQ encryption provisioned where the kernel supports it
    (one class, so that other managers can build on it)."""
    import zmq
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum

    policy = "auto" if zmq.has("curve") else "disabled"

    class EncryptedKernelManager(AsyncKernelManager):
        """Kernels whose connection is encrypted with keys the manager makes."""

        transport_encryption = CaselessStrEnum(
            ["disabled", "auto", "required"], default_value=policy, config=True
        )

    return EncryptedKernelManager
