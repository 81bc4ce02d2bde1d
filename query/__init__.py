"""inquire's query side: search, answers and recommendation views over an index directory."""
