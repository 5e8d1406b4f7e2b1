pytest_plugins = ["coop_shared.testing.fixtures"]
