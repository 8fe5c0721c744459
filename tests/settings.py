"""The tests' settings: the project's, as a developer's machine asks for them (DEBUG).

DEBUG at start gives the development secret, plain HTTP and static files from the
finders (Django's test runner then turns DEBUG itself off while the tests run). The
variable stays set, so commands and workers the tests start get the same settings; the
tests of the production settings start their processes with an environment of their own.
"""

import os

os.environ["DJANGO_DEBUG"] = "1"

from aquagrowth.settings import *  # noqa: F403
