"""Results infrastructure: interval registry, provenance manifests, the writer of records, save and load."""

from borderflows.results.intervals import INTERVALS, describe, eti, hdi, interval
from borderflows.results.manifest import Manifest, data_hash, load_manifest
from borderflows.results.record import Recordable, RecordFigure, RecordTable, write_record

__all__ = [
    "INTERVALS",
    "Manifest",
    "RecordFigure",
    "RecordTable",
    "Recordable",
    "data_hash",
    "describe",
    "eti",
    "hdi",
    "interval",
    "load_manifest",
    "write_record",
]
