# http: sources and unit tests (see Makefile.am)
