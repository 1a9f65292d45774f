"""Read queries. Each returns pydantic read models built from plain column values."""
