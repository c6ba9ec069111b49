"""Deploy Lancer to several chains: `python scripts/deploy_multichain.py --chains anvil-1,anvil-2`.

The same as `lancer deploy`, for operators who run it from a checkout.
"""

import sys

from scripts.cli import cli


def main() -> None:
    cli(["deploy", *sys.argv[1:]], prog_name="deploy_multichain")


if __name__ == "__main__":
    main()
