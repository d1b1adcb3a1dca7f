"""One adapter per payment file format; :mod:`.base` holds what they share."""
