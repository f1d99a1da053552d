"""One exception root for the twin; the CLI maps every subclass to a one-line message."""

from __future__ import annotations


class SimError(Exception):
    """Root of every error the twin raises on purpose."""


class ScenarioError(SimError, ValueError):
    """A scenario file or override is missing, unreadable or invalid."""


class DataError(SimError, ValueError):
    """User data (e.g. a CSV for `yinqi score train`) cannot be used as given."""


class ChainError(SimError):
    """The local chain (Anvil) failed to start, died, or answered nonsense."""


class BrokerError(SimError):
    """The MQTT broker failed to start, died, or refused the run's own clients."""


class ModelError(SimError):
    """The scoring model could not be trained, loaded or applied."""


class RunError(SimError):
    """A run directory is missing or holds no readable results."""
