"""The registry service: the org tree, in-service party members and their registration."""
