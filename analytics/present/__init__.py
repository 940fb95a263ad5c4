"""Words and tables for people: labels, sentences, the stage matrix's cells."""
