"""The shared stage every platform's posts go through."""

from shikayat.pipeline.dedupe import DedupeIndex
from shikayat.pipeline.process import BatchResult, Pipeline

__all__ = ["BatchResult", "DedupeIndex", "Pipeline"]
