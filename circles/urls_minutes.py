"""URL patterns included by this app's urls.py (kept apart so that work on it does not collide)."""

urlpatterns = []
