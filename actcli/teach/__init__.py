"""What turns numbers into understanding: texts (per language), explain, check (the linter), export."""
