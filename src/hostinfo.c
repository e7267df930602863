/* hostinfo.c - not written yet */
