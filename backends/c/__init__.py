"""The portable C99 backend (`tqc compile --target c`)."""
