/* render_text.c - not written yet */
