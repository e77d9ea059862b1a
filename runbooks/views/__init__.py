"""Portal pages of the runbooks app, one module per area."""
