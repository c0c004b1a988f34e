"""synapse_nb: a notebook toolkit for Synapse.

The public names are filled in by each subpackage; see docs/architecture.md.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
