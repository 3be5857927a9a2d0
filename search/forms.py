from django import forms


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        min_length=2,
        max_length=100,
        strip=True,
        help_text="A name (typos are fine), a reference such as CM-000123 or 000123, or a CRN.",
        error_messages={
            "required": "Type at least two characters.",
            "min_length": "Type at least two characters.",
        },
    )

    def clean_q(self):
        # One line of text: control characters (NUL breaks PostgreSQL) mean nothing here.
        query = " ".join("".join(ch for ch in self.cleaned_data["q"] if ch.isprintable()).split())
        if len(query) < 2:
            raise forms.ValidationError(self.fields["q"].error_messages["min_length"])
        return query
