"""`manage.py probe_media`: read the media facts (duration, size, orientation) of catalogue files.

    python manage.py probe_media              # the whole backlog, then exit
    python manage.py probe_media --limit 50   # at most 50 files

The sync worker (`sync_assets --watch`) probes between its polls, so this is for a first fill
or a one-off; any number may run beside it (a row's facts are written only while its fileUrl
is still the one read).
"""

from django.core.management.base import BaseCommand, CommandError

from assets_browser import media_facts


class Command(BaseCommand):
    help = "Read the media facts of the catalogue's READY files not read yet at their fileUrl."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=0, help="at most this many (0: all)")
        parser.add_argument(
            "--concurrency", type=int, default=media_facts.CONCURRENCY, help="files at once"
        )

    def handle(self, *args, limit: int, concurrency: int, **options):
        if limit < 0 or concurrency < 1:
            raise CommandError("--limit must be 0 or more and --concurrency at least 1")
        handled = 0
        try:
            while not limit or handled < limit:
                turn = media_facts.BATCH if not limit else min(media_facts.BATCH, limit - handled)
                done = media_facts.probe_some(turn, workers=concurrency)
                if not done:
                    break
                handled += done
                if handled % 100 < done:  # about every hundred files
                    self.stdout.write(str(media_facts.progress()))
        except KeyboardInterrupt:
            self.stdout.write("stopped; the facts read so far are kept")
        unreadable = media_facts.unreadable()
        self.stdout.write(
            f"{media_facts.progress()}; {handled:,} read now; {unreadable:,} unreadable"
            " (reasons in the log)"
        )
