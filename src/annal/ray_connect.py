"""Connecting to Ray (an existing cluster, or a local instance), for every part that uses it."""

from __future__ import annotations

from annal.errors import AnnalError

#: Where work runs: worker processes of this machine, or Ray tasks (a local instance or a
#: cluster). Experiment grids and chunked embedding take the same choice.
EXECUTION_BACKENDS = ("local", "ray")


def connect_ray(address: str | None, num_cpus: int, *, what: str = "--backend ray") -> bool:
    """Join the cluster at ``address`` or start a local Ray with ``num_cpus`` CPUs.

    Parameters
    ----------
    address : str or None
        ``ray://host:10001``, ``host:6379`` or ``auto``; None starts a local instance.
    num_cpus : int
        CPUs of a local instance.
    what : str
        Names the caller in error messages.

    Returns
    -------
    bool
        Whether this call started (or joined) Ray; False when it was already running.

    Raises
    ------
    AnnalError
        Ray is not installed or cannot be reached.
    """
    try:
        import ray
    except ImportError:
        raise AnnalError(f"{what} needs Ray: pip install 'annal[ray]'") from None
    if ray.is_initialized():
        return False
    try:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = address or "a local instance"
        raise AnnalError(f"{what}: cannot start or reach Ray at {where}: {exc}") from None
    return True
