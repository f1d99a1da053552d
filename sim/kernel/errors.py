"""One exception root for the twin; the CLI maps every subclass to a one-line message and an exit
code: bad input 2, a failed component 3 (README, "Exit codes")."""

from __future__ import annotations


class SimError(Exception):
    """Root of every error the twin raises on purpose."""


class ScenarioError(SimError, ValueError):
    """A scenario file or override is missing, unreadable or invalid."""


class DataError(SimError, ValueError):
    """User data (e.g. a CSV for `yinqi score train`) cannot be used as given."""


class RunError(SimError):
    """A run directory is missing or holds no readable results."""


class ComponentError(SimError):
    """A component the twin depends on failed: the chain, the broker, the scoring model, the Dask
    scheduler, or the file system the run writes to."""


class ChainError(ComponentError):
    """The local chain (Anvil) failed to start, died, or answered nonsense."""


class BrokerError(ComponentError):
    """The MQTT broker failed to start, died, or refused the run's own clients."""


class ModelError(ComponentError):
    """The scoring model could not be trained, loaded or applied."""


class SchedulerError(ComponentError):
    """The Dask scheduler of a sweep could not be reached."""


class OutputError(ComponentError):
    """The run's record (manifest, results, report) could not be written."""


class Terminated(BaseException):
    """The process was asked to stop (SIGTERM); like ``KeyboardInterrupt``, not an error."""
