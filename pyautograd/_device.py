class device:
    """torch.device for the CPU, the only device pyautograd runs on."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if isinstance(type, int) and not isinstance(type, bool):
            _check_index(type)
        if not isinstance(type, str):
            name = type.__class__.__name__
            raise TypeError(f"device() received an invalid combination of arguments - got ({name}), but expected one "
                            f"of:\n * (torch.device device)\n      didn't match because some of the arguments have "
                            f"invalid types: (!{name}!)\n * (str type, int index = -1)\n")
        name = type
        if ":" in name:
            name, _, idx = name.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        known = ("cpu", "cuda", "mps", "meta", "xpu", "hip", "xla", "privateuseone")
        if name not in known:
            raise RuntimeError(
                "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, "
                f"lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device string: {type}")
        self.type = name
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __enter__(self):
        # `with torch.device("cpu"):` makes it the default device inside the block
        _check_device(self)
        _default_stack.append(_default_device[0])
        _default_device[0] = self
        return self

    def __exit__(self, *args):
        _default_device[0] = _default_stack.pop()
        return False


_CPU = device("cpu")


def _check_index(i):
    """A bare device index names an accelerator; torch finds none on a CPU-only machine."""
    if i < 0:
        raise RuntimeError("Device index must not be negative")
    raise RuntimeError("Cannot access accelerator device when none is available.")


def _check_device(d, fname=None):
    """Accepts None, 'cpu', 'cpu:0' or device('cpu'); anything else is an error. With
    fname, an argument of another type is torch's TypeError for `fname(device=...)`."""
    if d is None:
        return
    if isinstance(d, int) and not isinstance(d, bool):
        _check_index(d)
    if fname is not None and not isinstance(d, (str, device)):
        raise TypeError(f"{fname}(): argument 'device' must be torch.device, not {type(d).__name__}")
    dev = d if isinstance(d, device) else device(d)
    if dev.type != "cpu":
        if dev.type == "cuda":
            raise AssertionError("Torch not compiled with CUDA enabled")
        if dev.type == "xpu":
            raise AssertionError("Torch not compiled with XPU enabled")
        raise RuntimeError(f"pyautograd runs on the CPU only; device '{dev}' is not available")


_default_device = [_CPU]
_default_stack = []


def set_default_device(device_):
    """Sets the device factories use when none is given; only the CPU exists here, so
    another device fails now with the error torch raises when it first allocates there."""
    if device_ is None:
        _default_device[0] = _CPU
        return
    if isinstance(device_, int):
        raise RuntimeError("Cannot access accelerator device when none is available.")
    d = device_ if isinstance(device_, device) else device(device_)
    _check_device(d)
    _default_device[0] = d


def get_default_device():
    return _default_device[0]
