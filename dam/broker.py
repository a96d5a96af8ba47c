"""The embedded default's Celery broker: kombu's filesystem transport, with whole messages only.

kombu's own transport creates a message file and then writes into it, and a worker reads
whatever it finds under the message name. A worker that looks in between (a busy machine, or
a message of some size) reads a partial message, and that error stops the worker. Here a
message is written under a name no reader takes and renamed into place once complete. A
rename within one folder is atomic, so a reader sees all of a message or none of it.
A file that is still not a message (one left by a process killed while writing with an older
version) is dropped with an error in the log, and the worker goes on.
"""

import logging
import os
import uuid
from queue import Empty
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

logger = logging.getLogger(__name__)

# A name a reader skips: kombu's reader takes only names ending ".<queue>.msg".
PARTIAL_SUFFIX = ".partial"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put a message onto ``queue``, visible to readers only once it is complete."""
        # kombu's name, so the order of the queue (sorted names) stays kombu's.
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        path = os.path.join(self.data_folder_out, name)
        partial = path + PARTIAL_SUFFIX
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.rename(partial, path)
        except OSError as error:
            try:
                os.unlink(partial)
            except OSError:
                pass
            raise filesystem.ChannelError(f"Cannot add file {path!r} to directory") from error

    def _get(self, queue):
        try:
            return super()._get(queue)
        except ValueError as error:  # not JSON, or not even text
            logger.error(
                "dropped a damaged message from the %s queue of the filesystem broker (%s); "
                "the task it held has to be sent again",
                queue,
                error,
            )
            raise Empty() from error


class Transport(filesystem.Transport):
    Channel = Channel
