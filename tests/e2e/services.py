"""The test services the e2e scripts need, as scripts/start-*.sh export them."""
import os


def service(var, script):
    """(value of `var`, None), or (None, exit code): 77 (skipped) when unset, 1 under
    EVEFLOW_REQUIRE_SERVICES=1."""
    value = os.environ.get(var)
    if value:
        return value, None
    if os.environ.get("EVEFLOW_REQUIRE_SERVICES"):
        print(f"FAIL: {var} is not set")
        return None, 1
    print(f"skipped: {var} not set ({script})")
    return None, 77
