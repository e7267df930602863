/* render_html.c - not written yet */
