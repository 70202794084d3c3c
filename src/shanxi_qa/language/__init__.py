"""Language: tokens, stems and sentences, the word lists, and the one reading of a question."""
