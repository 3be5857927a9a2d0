from django import forms


class FeedVenueForm(forms.Form):
    include_venue = forms.BooleanField(
        required=False,
        label="Include each meeting's venue in my feed",
        help_text="Off by default: anyone who sees your calendar app would see where you meet.",
    )
