"""Results infrastructure: interval registry, provenance manifests, save and load."""

from borderflows.results.intervals import INTERVALS, describe, eti, hdi, interval
from borderflows.results.manifest import Manifest, data_hash, load_manifest

__all__ = ["INTERVALS", "Manifest", "data_hash", "describe", "eti", "hdi", "interval", "load_manifest"]
