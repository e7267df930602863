/* render_csv.c - not written yet */
