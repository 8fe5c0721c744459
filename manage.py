#!/usr/bin/env python
"""Django's command-line utility; the same as the ``aquagrowth`` console entry."""

from aquagrowth.cli import main

if __name__ == "__main__":
    main()
