/* rules.c - not written yet */
