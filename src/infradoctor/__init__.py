"""infradoctor: lint, fix and diagnose nginx-fronted Docker Compose and Kubernetes stacks.

Kept import-light on purpose: `infradoctor --version` imports only this module.
"""

__version__ = "0.2.0"

__all__ = ["__version__"]
