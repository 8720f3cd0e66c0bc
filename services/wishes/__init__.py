"""The wishes service: residents' micro-wishes (微心愿) and the wish wall."""
