"""The JSON API: blueprints, schemas, errors and the OpenAPI document."""
