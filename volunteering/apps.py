from django.apps import AppConfig


class VolunteeringConfig(AppConfig):
    name = "volunteering"
    label = "volunteering"
    verbose_name = "Volunteering: hours, expenses, supervision"

    def ready(self):
        # The circles app never imports this one: it sends minutes_reviewed, this app
        # credits the hours inside the same transaction.
        from circles import reminders
        from circles.signals import circles_handed_over, concern_raised, minutes_reviewed
        from volunteering import reminders as volunteering_reminders
        from volunteering import services

        volunteering_reminders.register(reminders)

        minutes_reviewed.connect(
            services.hours_credit_from_minutes_signal, dispatch_uid="volunteering.credit_hours"
        )
        concern_raised.connect(
            services.debriefs_offer_signal, dispatch_uid="volunteering.offer_debriefs"
        )
        circles_handed_over.connect(
            services.supervision_follow_circles_signal,
            dispatch_uid="volunteering.supervision_follows_circles",
        )
