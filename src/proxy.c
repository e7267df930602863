/* proxy.c - not written yet */
