/* template.c - not written yet */
