"""``nlpsuite`` with the harness test plugin registered in-process: run as a script by the Ray tests.

The plugin has no entry point, so a Ray worker gets it shipped from the driver
(:func:`nlpsuite.evaluation.engines.ray_engine.in_process_plugins`).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlpsuite.cli.app import main  # noqa: E402
from nlpsuite.testing import fresh_registry  # noqa: E402
from tests.eval_plugin import EvalTestPlugin  # noqa: E402

if __name__ == "__main__":
    with fresh_registry([("evaltest", EvalTestPlugin())]):
        sys.exit(main(sys.argv[1:]))
