"""The learner's pages: catalogue, board, result and the what-if comparison of variants."""

from flask import Blueprint

bp = Blueprint("learn", __name__)

from . import compare_routes, results, routes  # noqa: E402,F401  (registers the views on bp)
