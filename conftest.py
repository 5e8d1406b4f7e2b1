pytest_plugins = ["coop_shared.testing.fixtures", "coop_shared.testing.hang_report", "tests.e2e.platform"]
