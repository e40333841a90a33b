"""Send the day-before reminders of bookings that gave an e-mail address (run hourly)."""

from django.core.management.base import BaseCommand

from madoguchi.core.actors import SYSTEM
from madoguchi.reservations.services import reservation_remind_due


class Command(BaseCommand):
    help = "前日のお知らせメールを送ります（1時間ごとに実行してください）"

    def handle(self, *args, **options):
        sent = reservation_remind_due(actor=SYSTEM)
        self.stdout.write(f"{sent} reminder(s) sent")
