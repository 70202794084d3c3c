"""Documents: reading files of every format into cleaned text with recorded repairs, and the corpus folder they live in."""
