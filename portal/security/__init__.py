"""Login controls: lockout after failed logins, password rules, forced and periodic password
changes, session limits (issue 6 point 1; docs/security.md lists each control and its test)."""
