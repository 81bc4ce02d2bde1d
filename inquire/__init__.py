"""inquire: search oversight reports, their recommendations and every response, from the terminal."""
