"""torch.accelerator on a machine with no accelerator: nothing is available and
every per-device query fails as torch's does."""

_NONE = "Cannot access accelerator device when none is available."


def is_available():
    return False


def current_accelerator(check_available=False):
    return None


def device_count():
    return 0


def _none(*args, **kwargs):
    raise RuntimeError(_NONE)


def current_device_index():
    _none()


def set_device_index(device):
    _none()


def synchronize(device=None):
    _none()


def empty_cache():
    _none()


def memory_allocated(device_index=None):
    _none()


def max_memory_allocated(device_index=None):
    _none()


def get_device_capability(device=None):
    _none()


def current_stream(device=None):
    _none()


current_device_idx = current_device_index
set_device_idx = set_device_index


class device_index:
    """Context manager switching the current accelerator device; None is a no-op."""

    def __init__(self, device):
        self.idx = device

    def __enter__(self):
        if self.idx is not None:
            _none()

    def __exit__(self, *args):
        return False
