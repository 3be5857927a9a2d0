"""The framework floor: a logged-in page that does nothing but pass the middleware.

``make bench`` measures every everyday page beside this one, so each page's cost is
reported as a ratio to what Django, the session, two-factor and security middleware
cost on this machine at that moment.
"""

from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def floor(request):
    return render(request, "devtools/floor.html")
