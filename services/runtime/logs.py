"""JSON logs: one object a line. Callers log ids and codes, never personal data."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime

_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Every service logs a line per call, so this is on the hot path: the time's text is made once a second
    and the encoder once."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service
        self._second = -1
        self._second_text = ""
        self._encode = json.JSONEncoder(ensure_ascii=False, default=str).encode

    def _timestamp(self, created: float) -> str:
        second = int(created)
        if second != self._second:
            self._second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        return f"{self._second_text}.{int((created - second) * 1000):03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": self._timestamp(record.created),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The type and the stack, not the message: exception texts can quote the data that caused them.
            entry["error"] = record.exc_info[0].__name__
            entry["stack"] = "".join(traceback.format_tb(record.exc_info[2]))
        return self._encode(entry)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The lines carry none of these, and a service logs a line per call: skip gathering them for each record
    # (the logging HOWTO's "Optimization" switches).
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # no caller's file and line: no frame walk per record
    # Libraries log request details at INFO and below; keep their warnings only.
    for noisy in ("asyncio", "grpc", "temporalio", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
