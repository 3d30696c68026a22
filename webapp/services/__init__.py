"""Services: take the SQLAlchemy session, add, flush and query; never commit."""
