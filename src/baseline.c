/* baseline.c - not written yet */
