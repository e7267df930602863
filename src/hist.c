/* hist.c - not written yet */
