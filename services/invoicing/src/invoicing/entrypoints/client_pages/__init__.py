"""Pages for members' clients, reached from e-mails without logging in."""
