"""Signals the apps above listen to, so that this app never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that reviews a meeting's minutes (``note=``, ``acting_user=``):
# the volunteers present are credited the meeting's hours in the same commit, or not at all.
minutes_reviewed = Signal()

# Sent inside the transaction that raises a concern (``concern=``, ``acting_user=``): a RED
# concern offers every volunteer of the circle a debrief.
concern_raised = Signal()

# Sent inside the transaction that reassigns a departing coordinator's caseload
# (``coordinator=``, ``to=``, ``circle_ids=``, ``acting_user=``): the supervision of the
# circles' volunteers moves with them, in the same commit or not at all.
caseload_reassigned = Signal()
