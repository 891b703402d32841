"""Starts localstripe (the pinned package, unmodified on disk) keeping its store in memory only.

localstripe pickles its whole store to the fixed path /tmp/localstripe.pickle after every write,
and loads that file when it starts. Two instances on one machine (a dev server and a test run,
two checkouts) then read each other's half-written file, and one fails to start ("pickle data
was truncated", seen); a file left by an earlier run seeds a new one with old payments; and
every write copies the whole store, so a test run slows as it goes. The tests need none of it:
each run starts from nothing.
"""

import sys

from localstripe import resources, server

resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None

if __name__ == "__main__":
    sys.argv[0] = "localstripe"
    server.start()
