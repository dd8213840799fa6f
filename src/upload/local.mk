# upload: sources and unit tests (see Makefile.am)
