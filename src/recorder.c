/* recorder.c - not written yet */
