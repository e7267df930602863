/* render_json.c - not written yet */
