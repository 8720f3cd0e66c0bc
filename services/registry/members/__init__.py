"""In-service members (在职党员报到): registration, their personal data, transfers, search and look-up."""
