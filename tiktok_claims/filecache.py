"""Django's file cache without zlib, and without listing every file on every set.

Decompressing a stored page was the largest cost of a cache hit (0.7 ms of ~4 ms for the home
page on this machine); the disk space it saves does not matter for a few thousand pages.

Django's set() lists the whole cache directory to see whether MAX_ENTRIES is passed: ~1.5 µs
per file, so 7.4 ms per set at 4,900 entries (0.5 ms at 100), paid by every page or figure
computed once the cache has filled. Here each cache instance (Django makes one per thread: a
worker's request thread and its two background threads) checks at its first set and then every
CULL_CHECK_EVERY sets: the cache may run past MAX_ENTRIES by up to that many per thread before
it is culled (by a third, as Django does).
"""

import pickle

from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks

CULL_CHECK_EVERY = 100


class UncompressedFileCache(FileBasedCache):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sets_until_cull_check = 1  # an instance per thread: each checks at its first set

    def _cull(self):
        self._sets_until_cull_check -= 1
        if self._sets_until_cull_check > 0:
            return
        self._sets_until_cull_check = CULL_CHECK_EVERY
        super()._cull()

    def get(self, key, default=None, version=None):
        try:
            with open(self._key_to_file(key, version), "rb") as f:
                if not self._is_expired(f):
                    return pickle.load(f)
        except (FileNotFoundError, EOFError, pickle.UnpicklingError):
            pass
        return default

    def _write_content(self, file, timeout, value):
        file.write(pickle.dumps(self.get_backend_timeout(timeout), self.pickle_protocol))
        file.write(pickle.dumps(value, self.pickle_protocol))

    def touch(self, key, timeout=None, version=None):
        try:
            with open(self._key_to_file(key, version), "r+b") as f:
                try:
                    locks.lock(f, locks.LOCK_EX)
                    if self._is_expired(f):
                        return False
                    previous_value = pickle.load(f)
                    f.seek(0)
                    self._write_content(f, timeout, previous_value)
                    return True
                finally:
                    locks.unlock(f)
        except FileNotFoundError:
            return False
