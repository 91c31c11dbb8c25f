"""The partner side's views: ``public`` serves the pages behind a partner's link (no login)."""
