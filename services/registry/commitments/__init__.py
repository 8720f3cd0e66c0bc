"""Service commitments (服务承诺制度): a member's commitment for a year, set against what they did."""
