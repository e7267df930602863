/* upstream.c - not written yet */
