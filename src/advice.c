/* advice.c - not written yet */
