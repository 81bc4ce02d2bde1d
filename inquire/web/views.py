"""The tracker's database views live with the store (``inquire.views``), which creates them in the
index when it is written; the web layer reads them from there."""

from inquire.views import RESPONSES, TRACKER, UNANSWERED_NO, UNANSWERED_YES, VIEWS, create_views, has_views, view_columns

__all__ = ["RESPONSES", "TRACKER", "UNANSWERED_NO", "UNANSWERED_YES", "VIEWS", "create_views", "has_views", "view_columns"]
