"""shanxi_qa: extractive question answering that proves every answer with a verbatim quote."""

__version__ = "0.1.0"
