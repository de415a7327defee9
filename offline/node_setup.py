"""`make setup`: installs the Node side of the offline checks, or says what is missing.

Without Node or npm the rest of the preview still runs; the login and access checks then report
that they could not run.
"""

import sys

from offline.node_tools import NodeToolError, ensure_node_modules


def main() -> int:
    try:
        ensure_node_modules()
    except NodeToolError as error:
        print(f"note: {error}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
