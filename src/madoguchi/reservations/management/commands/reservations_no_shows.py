"""Mark bookings still open after their check-in window as no-shows (run after closing)."""

from django.core.management.base import BaseCommand

from madoguchi.core.actors import SYSTEM
from madoguchi.reservations.services import reservation_mark_no_shows


class Command(BaseCommand):
    help = "受付時間を過ぎても来庁のなかった予約を「来庁なし」にします（閉庁後に実行してください）"

    def handle(self, *args, **options):
        marked = reservation_mark_no_shows(actor=SYSTEM)
        self.stdout.write(f"{marked} booking(s) marked as no-show")
