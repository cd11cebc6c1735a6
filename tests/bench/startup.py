# startup: an empty program (measures start-up cost).
