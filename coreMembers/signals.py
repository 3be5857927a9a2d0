"""Signals the apps above listen to, so that this app never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that ends a liaison's cover (``assignment=``): whatever the
# cover gave the liaison in an app above (the records shared with them) is taken back.
liaison_cover_ended = Signal()
