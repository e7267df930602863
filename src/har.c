/* har.c - not written yet */
