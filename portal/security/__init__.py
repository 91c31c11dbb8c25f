"""Login controls: lockout after failed logins, password rules, forced and periodic password
changes, session limits, the second factor (docs/security.md lists each control and its
test)."""
