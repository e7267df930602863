/* render_junit.c - not written yet */
