"""A declaration from text to the normalised dict: parse with line
marks, schema, lint rules, normalise, application profiles."""
