"""Solidity sources of the twin and the one loader for their ABIs and bytecode."""

from contracts.loader import Artifact, artifacts_hash, load_artifact, load_artifacts

__all__ = ["Artifact", "artifacts_hash", "load_artifact", "load_artifacts"]
