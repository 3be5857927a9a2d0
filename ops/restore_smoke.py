"""Smoke test of a restored copy: a manager's pages answer from it.

    DATABASE_URL=postgres://…/cosa_restored DJANGO_DEBUG=true .venv/bin/python ops/restore_smoke.py

Logs in as the first active manager through Django's test client (the session marked
as past the second factor, as after the code step), opens the start page, the Core
Member list and the operations page, and fails unless each answers 200 with rows from
the copy. It changes nothing but a session row and a second-factor device if the
manager had none (a restored copy is a drill copy). README "Backup and restore".
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cosa.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.test import Client  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_static.models import StaticDevice  # noqa: E402

from accounts.models import User  # noqa: E402


def main():
    manager = User.objects.filter(role=User.Role.MANAGER, is_active=True).order_by("pk").first()
    if manager is None:
        sys.exit("restore_smoke: no active manager in the restored database")
    client = Client(HTTP_HOST="localhost")
    client.force_login(manager)
    device = StaticDevice.objects.filter(user=manager, confirmed=True).first()
    if device is None:
        device = StaticDevice.objects.create(user=manager, name="restore drill", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    failures = []
    for path in ("/", "/core-members/", "/circles/reminders/operations/"):
        response = client.get(path, follow=True, secure=True)
        final = response.redirect_chain[-1][0] if response.redirect_chain else path
        print(f"restore_smoke: GET {path} -> {response.status_code} ({final})")
        if response.status_code != 200:
            failures.append(path)
    # The list shows a restored Core Member: the rows came from the copy.
    core_member = apps.get_model("core_members", "CoreMember").objects.order_by("pk").first()
    if core_member is not None:
        listed = client.get("/core-members/", {"q": core_member.reference}, secure=True)
        found = core_member.reference in listed.content.decode()
        print(f"restore_smoke: Core Member {core_member.reference} listed: {found}")
        if not found:
            failures.append(f"/core-members/?q={core_member.reference}")
    if failures:
        sys.exit(f"restore_smoke: failed: {', '.join(failures)}")
    print(f"restore_smoke: ok, logged in as a manager ({manager.pk}) on the restored copy")


if __name__ == "__main__":
    main()
