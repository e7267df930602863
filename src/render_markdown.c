/* render_markdown.c - not written yet */
