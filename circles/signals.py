"""Signals the apps above listen to, so that this app never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that reviews a meeting's minutes (``note=``, ``acting_user=``):
# the volunteers present are credited the meeting's hours in the same commit, or not at all.
minutes_reviewed = Signal()

# Sent inside the transaction that raises a concern (``concern=``, ``acting_user=``): a RED
# concern offers every volunteer of the circle a debrief.
concern_raised = Signal()

# Sent inside the transaction that hands circles from one coordinator to another, once
# per coordinator handing over, whichever path moved them (one Core Member's case from
# the circle or the Core Member page, a whole caseload): ``coordinator=`` (handing over),
# ``to=``, ``circle_ids=``, ``acting_user=``. The supervision of the circles' volunteers
# follows, in the same commit or not at all.
circles_handed_over = Signal()
