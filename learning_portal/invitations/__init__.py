"""Sign-in for everyone: invitations to set a first password, and "forgot password" resets, by e-mailed link."""
