"""The platform fixture lives in tests/e2e/platform.py (one platform for the whole run); names re-exported."""

from tests.e2e.platform import ADMIN_EMAIL, ADMIN_PASSWORD, Platform

__all__ = ["ADMIN_EMAIL", "ADMIN_PASSWORD", "Platform"]
