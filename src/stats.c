/* stats.c - not written yet */
