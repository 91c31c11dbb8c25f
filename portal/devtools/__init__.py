"""Development tooling, apart from the portal's production code: nothing outside this package
imports it (an import contract in ``make test`` checks)."""
