"""save / load: torch.save and torch.load for pyautograd objects.

File format (version 1; all integers little-endian)
---------------------------------------------------
A record is, in order::

    header    40 bytes
              magic            8 bytes  b"\\x89PAG\\r\\n\\x1a\\n" (PNG-style: catches text-mode
                                        newline mangling and 7-bit transfers)
              version          u32      1
              n_storages       u32      number of storage entries
              pickle_nbytes    u64      length of the pickled structure
              meta_crc32       u32      CRC-32 of the storage table followed by the pickle
              reserved         u32      0
              header_crc32     u32      CRC-32 of the 32 bytes above (magic .. reserved)
              reserved         u32      0
    table     n_storages x 16 bytes: nbytes (u64), dtype code (u8: 0 float32, 1 float64,
              2 int64, 3 bool, 4 uint8, 5 int8, 6 int16, 7 int32, 8 float16, 9 bfloat16),
              7 zero bytes
    pickle    the object structure, pickled with protocol >= 4; every tensor in it is a
              persistent id (see below), so the pickle holds no tensor data
    storages  each storage's raw bytes in the table's order, little-endian, each starting at
              an offset that is a multiple of 64 from the start of the record (zero padding)
    trailer   n_storages x u32: the CRC-32 of each storage's bytes, then b"PAGTEND\\0"

Persistent ids inside the pickle:
    ("tensor" | "parameter", object index, storage index, dtype name, storage offset, sizes,
     strides, requires_grad)                     a Tensor / nn.Parameter; the object index
                                                 numbers distinct tensor objects, so one
                                                 tensor saved twice loads as one object
    ("dtype", name), ("device", "cpu")           dtypes and devices

Note [Shared storage in files]: tensors in one save() that share memory (views, a
Parameter and its .data, a tensor saved twice) point at one storage entry, and load()
rebuilds them as tensors sharing one storage again, as torch does. A storage is saved
from its start up to the last element any of the saved tensors reaches, so storage
offsets survive a round trip and a saved view keeps its own data (torch saves the whole
storage; we save at most that).

Note [Safe loading]: the header, table and pickle are checked (CRC-32) before anything is
unpickled, and each storage's data is checked as it is read, so a truncated or damaged
file raises RuntimeError (EOFError for an empty file, as torch) instead of producing
wrong tensors. With weights_only=True (the default, as in torch >= 2.6) the unpickler
resolves only the types a state_dict or checkpoint needs (containers, numbers, strings,
OrderedDict, Counter, set, complex, bytearray, Size, plus add_safe_globals entries); any
other global raises pickle.UnpicklingError as torch does, so loading never runs
arbitrary code unless weights_only=False.

Note [Atomic save]: saving to a path writes a temporary file in the same directory,
flushes and fsyncs it, then os.replace()s it over the target (and fsyncs the
directory), so a crash or an exception mid-save leaves any previous file intact. A save
killed outright (SIGKILL, power loss) leaves its temporary file, named
.<target>.<pid>.<8 hex digits>.tmp; the next save to that target removes those of
processes no longer running. Where the directory does not let us create the temporary
file but the target exists, the target is overwritten in place, as torch.save does (not
atomic, but the only way to save there).
"""
import collections
import contextlib
import io
import os
import pickle
import struct
import sys
import zlib

import numpy as np

from . import _C
from ._device import device as _device
from ._size import Size

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals",
           "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2

_MAGIC = b"\x89PAG\r\n\x1a\n"
_END = b"PAGTEND\x00"
_VERSION = 1
_HEADER = struct.Struct("<8sIIQIIII")
_ENTRY = struct.Struct("<QB7x")
_ALIGN = 64

_DTYPES = [_C.float32, _C.float64, _C.int64, _C.bool, _C.uint8, _C.int8, _C.int16, _C.int32, _C.float16,
           _C.bfloat16]
_DTYPE_NAMES = {d: str(d).rpartition(".")[2] for d in _DTYPES}
_DTYPE_BY_NAME = {n: d for d, n in _DTYPE_NAMES.items()}
_NP_DTYPES = {_C.float32: np.dtype("<f4"), _C.float64: np.dtype("<f8"), _C.int64: np.dtype("<i8"),
              _C.bool: np.dtype("?"), _C.uint8: np.dtype("u1"), _C.int8: np.dtype("i1"), _C.int16: np.dtype("<i2"),
              _C.int32: np.dtype("<i4"), _C.float16: np.dtype("<f2"), _C.bfloat16: np.dtype("<i2")}
# numpy has no bfloat16: its bytes travel as int16 (Tensor.view(dtype) reinterprets them)
_BITS = {_C.bfloat16: _C.int16}


def _pad(pos):
    return -pos % _ALIGN


# ---------------------------------------------------------------- save
class _StorageEntry:
    __slots__ = ("index", "ref", "nelem")

    def __init__(self, index, ref):
        self.index, self.ref, self.nelem = index, ref, 0


def _extent(t):
    """Number of elements of t's storage the tensor reaches (0 when it has no elements)."""
    if t.numel() == 0:
        return 0
    return t.storage_offset() + sum((s - 1) * st for s, st in zip(t.shape, t.stride())) + 1


def _make_pickler(base):
    class Pickler(base):
        def __init__(self, file, protocol):
            super().__init__(file, protocol)
            self.storages = {}
            self.objects = {}  # id -> (index, tensor): keeps each saved tensor alive while pickling

        def persistent_id(self, obj):
            if isinstance(obj, _C.Tensor):
                return self._tensor_id(obj)
            if isinstance(obj, _C.dtype):
                return ("dtype", _DTYPE_NAMES[obj])
            if isinstance(obj, _device):
                return ("device", str(obj))
            return None

        def _tensor_id(self, t):
            from .nn.parameter import Parameter
            seen = self.objects.get(id(t))
            if seen is None:
                seen = self.objects[id(t)] = (len(self.objects), t)
            data = t.detach()
            key = (data.untyped_storage_ptr(), data.dtype)
            entry = self.storages.get(key)
            if entry is None:
                entry = self.storages[key] = _StorageEntry(len(self.storages), data)
            entry.nelem = max(entry.nelem, _extent(data))
            kind = "parameter" if isinstance(t, Parameter) else "tensor"
            return (kind, seen[0], entry.index, _DTYPE_NAMES[data.dtype], data.storage_offset(), tuple(data.shape),
                    tuple(data.stride()), bool(t.requires_grad))
    return Pickler


def _storage_bytes(entry):
    """The storage's first entry.nelem elements as a little-endian byte buffer (no copy on
    little-endian hosts)."""
    flat = entry.ref.as_strided([entry.nelem], [1], 0)
    flat = (flat.view(_BITS[flat.dtype]) if flat.dtype in _BITS else flat).numpy()
    np_dt = _NP_DTYPES[entry.ref.dtype]
    if flat.dtype != np_dt:
        flat = flat.astype(np_dt)
    return memoryview(flat.view(np.uint8))


def _write_record(obj, f, pickle_module, pickle_protocol):
    buf = io.BytesIO()
    pickler = _make_pickler(pickle_module.Pickler)(buf, max(int(pickle_protocol), 4))
    pickler.dump(obj)
    payload = buf.getvalue()
    entries = sorted(pickler.storages.values(), key=lambda e: e.index)
    datas = [_storage_bytes(e) for e in entries]
    table = b"".join(_ENTRY.pack(len(d), _DTYPES.index(e.ref.dtype)) for e, d in zip(entries, datas))
    head = struct.pack("<8sIIQII", _MAGIC, _VERSION, len(entries), len(payload),
                       zlib.crc32(payload, zlib.crc32(table)), 0)
    header = head + struct.pack("<II", zlib.crc32(head), 0)
    f.write(header)
    f.write(table)
    f.write(payload)
    pos = len(header) + len(table) + len(payload)
    crcs = []
    for d in datas:
        f.write(b"\0" * _pad(pos))
        pos += _pad(pos)
        f.write(d)
        pos += len(d)
        crcs.append(zlib.crc32(d))
    f.write(struct.pack(f"<{len(crcs)}I", *crcs) + _END)


def _temp_name(base, pid):
    return f".{base}.{pid}."


def _open_temp(tmp):
    return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # someone else's live process, or nothing we can tell about
    return True


def _remove_stale_temps(parent, base):
    """Removes the temporary files that saves to parent/base killed mid-write left behind
    (Note [Atomic save]); those of live processes are theirs."""
    prefix = f".{base}."
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid, _, rand = name[len(prefix):-len(".tmp")].partition(".")
        if not (pid.isdigit() and len(rand) == 8 and all(c in "0123456789abcdef" for c in rand)):
            continue
        if int(pid) == os.getpid() or _pid_alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(parent, name))


def _save_in_place(obj, path, pickle_module, pickle_protocol):
    with open(path, "wb") as out:
        _write_record(obj, out, pickle_module, pickle_protocol)
        out.flush()
        os.fsync(out.fileno())


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Saves obj to f (a path or a writable binary file object) in the format of this
    module's docstring; a path is replaced atomically (Note [Atomic save])."""
    if not isinstance(f, (str, os.PathLike)):
        if not hasattr(f, "write"):
            raise AttributeError(f"'{type(f).__name__}' object has no attribute 'write'")
        _write_record(obj, f, pickle_module, pickle_protocol)
        if hasattr(f, "flush"):
            f.flush()
        return
    path = os.fspath(f)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if os.path.islink(path):  # write through the link, as opening it would, and keep the link
        path = os.path.realpath(path)
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise RuntimeError(f"Parent directory {os.path.dirname(path) or parent} does not exist.")
    if os.path.isdir(path):
        raise RuntimeError(f"cannot save to {path}: it is a directory")
    _remove_stale_temps(parent, os.path.basename(path))
    tmp = os.path.join(parent, _temp_name(os.path.basename(path), os.getpid()) + os.urandom(4).hex() + ".tmp")
    try:
        # O_EXCL: never follow or clobber something already at the temporary name; the mode
        # goes through the umask as for a plain open().
        fd = _open_temp(tmp)
    except PermissionError:
        if not os.path.isfile(path):
            raise
        _save_in_place(obj, path, pickle_module, pickle_protocol)  # Note [Atomic save]: a read-only directory
        return
    try:
        with os.fdopen(fd, "wb") as out:
            _write_record(obj, out, pickle_module, pickle_protocol)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)  # an overwritten file keeps its permissions
        except FileNotFoundError:
            pass
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where directories can be opened
        dfd = os.open(parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


# ---------------------------------------------------------------- safe globals
_ALLOWED = {
    "collections.OrderedDict": collections.OrderedDict,
    "collections.Counter": collections.Counter,
    "builtins.set": set,
    "builtins.complex": complex,
    "builtins.bytearray": bytearray,
    f"{Size.__module__}.{Size.__qualname__}": Size,
}
_user_safe = []


def _global_name(obj):
    if isinstance(obj, tuple):
        return obj[1]
    return f"{obj.__module__}.{obj.__qualname__}"


def add_safe_globals(safe_globals):
    """Allows these classes/functions (or (obj, "module.name") pairs) in weights_only loading."""
    _user_safe.extend(safe_globals)


def clear_safe_globals():
    _user_safe.clear()


def get_safe_globals():
    return list(_user_safe)


class safe_globals:
    """Context manager adding safe globals for the duration of a block."""

    def __init__(self, safe_globals):
        self.safe_globals = list(safe_globals)

    def __enter__(self):
        self._n = len(_user_safe)
        _user_safe.extend(self.safe_globals)

    def __exit__(self, *args):
        del _user_safe[self._n:]
        return False


_UNSAFE_MESSAGE = (
    "Weights only load failed. This file can still be loaded, to do so you have two options, \x1b[1mdo those steps "
    "only if you trust the source of the checkpoint\x1b[0m. \n\t(1) In PyTorch 2.6, we changed the default value of "
    "the `weights_only` argument in `torch.load` from `False` to `True`. Re-running `torch.load` with "
    "`weights_only` set to `False` will likely succeed, but it can result in arbitrary code execution. Do it only "
    "if you got the file from a trusted source.\n\t(2) Alternatively, to load with `weights_only=True` please check "
    "the recommended steps in the following error message.\n\tWeightsUnpickler error: ")
_DOCS_MESSAGE = ("\n\nCheck the documentation of torch.load to learn more about types accepted by default with "
                 "weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")


# ---------------------------------------------------------------- load
def _corrupt(what):
    return RuntimeError(f"load: {what}; the file is truncated or corrupted (it was not written completely by "
                        "save, or was damaged since)")


class _Reader:
    """Reads exactly n bytes or raises; counts the bytes of the record read so far."""

    _CHUNK = 1 << 24

    def __init__(self, f):
        self.f = f
        self.pos = 0
        self.end = None  # bytes left in f from pos, where f can tell
        try:
            if f.seekable():
                here = f.tell()
                self.end = f.seek(0, os.SEEK_END) - here
                f.seek(here)
        except (AttributeError, OSError, ValueError):
            self.end = None

    def need(self, n):
        """Refuses a size the file cannot hold before anything is allocated for it (a
        damaged or crafted header)."""
        if self.end is not None and n > self.end - self.pos:
            raise _corrupt(f"expected {n} bytes at offset {self.pos}, found {max(self.end - self.pos, 0)}")

    def read(self, n):
        self.need(n)
        if n <= self._CHUNK:
            data = self.f.read(n) if n else b""
        else:  # a length no one vouched for: memory grows only with the bytes really there
            parts, got = [], 0
            while got < n:
                part = self.f.read(min(self._CHUNK, n - got))
                if not part:
                    break
                parts.append(part)
                got += len(part)
            data = b"".join(parts)
        if len(data) != n:
            raise _corrupt(f"expected {n} bytes at offset {self.pos}, found {len(data)}")
        self.pos += n
        return data

    def readinto(self, view):
        n = len(view)
        got = 0
        readinto = getattr(self.f, "readinto", None)
        while got < n:
            if readinto is not None:
                k = readinto(view[got:])
            else:
                chunk = self.f.read(n - got)
                k = len(chunk)
                view[got:got + k] = chunk
            if not k:
                raise _corrupt(f"expected {n} bytes at offset {self.pos}, found {got}")
            got += k
        self.pos += n

    def skip_to_alignment(self):
        pad = self.read(_pad(self.pos))
        if pad.count(0) != len(pad):
            raise _corrupt(f"bad padding before offset {self.pos}")


def _typename(obj):
    return "torch.device" if isinstance(obj, _device) else type(obj).__name__


def _restore_location(map_location):
    """The device every storage goes to (only the CPU exists) or a callable to apply."""
    if map_location is None:
        return None
    if isinstance(map_location, dict):
        map_location = map_location.get("cpu", "cpu")
        if not isinstance(map_location, str):
            raise TypeError(f"expected string or bytes-like object, got '{_typename(map_location)}'")
    if isinstance(map_location, (str, _device)):
        d = _device(map_location)
        if d.type == "cpu" and d.index is not None:
            raise RuntimeError("don't know how to restore data location of torch.storage.UntypedStorage (tagged "
                               f"with {d})")
        if d.type == "cuda":
            raise RuntimeError("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
                               "False. If you are running on a CPU-only machine, please use torch.load with "
                               "map_location=torch.device('cpu') to map your storages to the CPU.")
        if d.type != "cpu":
            raise RuntimeError(f"torch.UntypedStorage(): Storage device not recognized: {d.type}")
        return None
    if not callable(map_location):
        raise TypeError(f"'{type(map_location).__name__}' object is not callable")
    return map_location


def _read_storages(r, n_storages, table, mmap_array, map_fn):
    """Reads the storages; returns a list of 1-d tensors (one per storage)."""
    bases = []
    crcs = []
    for i in range(n_storages):
        nbytes, code = _ENTRY.unpack_from(table, i * _ENTRY.size)
        if code >= len(_DTYPES):
            raise _corrupt(f"unknown dtype code {code} for storage {i}")
        dt = _DTYPES[code]
        item = _NP_DTYPES[dt].itemsize
        if nbytes % item:
            raise _corrupt(f"storage {i} holds {nbytes} bytes, not a whole number of {_DTYPE_NAMES[dt]}")
        r.skip_to_alignment()
        r.need(nbytes)
        if mmap_array is not None:
            if r.pos + nbytes > len(mmap_array):
                raise _corrupt(f"storage {i} runs past the end of the file")
            arr = mmap_array[r.pos:r.pos + nbytes].view(_NP_DTYPES[dt])
            r.f.seek(nbytes, os.SEEK_CUR)
            r.pos += nbytes
            base = _C._from_numpy(arr)
            if dt in _BITS:
                base = base.view(dt)
            crcs.append(None)
        elif r.end is None and nbytes > r._CHUNK:  # a stream of unknown length: read before allocating
            data = r.read(nbytes)
            base = _C._from_numpy(np.frombuffer(data, dtype=_NP_DTYPES[_BITS.get(dt, dt)]).copy())
            crcs.append(zlib.crc32(data))
            del data
            if sys.byteorder != "little" and item > 1:
                base.numpy().byteswap(inplace=True)
            if dt in _BITS:
                base = base.view(dt)
        else:
            base = _C._empty([nbytes // item], _BITS.get(dt, dt))
            view = base.numpy().view(np.uint8)
            r.readinto(memoryview(view))
            crcs.append(zlib.crc32(view))
            if sys.byteorder != "little" and item > 1:
                view.view(_NP_DTYPES[dt]).byteswap(inplace=True)
            if dt in _BITS:
                base = base.view(dt)
        bases.append(base)
    trailer = r.read(4 * n_storages + len(_END))
    if trailer[-len(_END):] != _END:
        raise _corrupt("missing end marker")
    for i, (want, got) in enumerate(zip(struct.unpack_from(f"<{n_storages}I", trailer), crcs)):
        if got is not None and want != got:
            raise _corrupt(f"checksum mismatch in the data of storage {i}")
    if map_fn is not None:
        for i, base in enumerate(bases):
            out = map_fn(base, "cpu")
            if out is None:
                continue
            if not isinstance(out, _C.Tensor) or out.dtype != base.dtype or tuple(out.shape) != tuple(base.shape):
                raise RuntimeError("map_location callable must return the storage it was given, a storage of the "
                                   "same size on the CPU, or None")
            bases[i] = out
    return bases


def _rebuild(bases, rec):
    from .nn.parameter import Parameter
    try:
        kind, _, idx, dtname, offset, sizes, strides, requires_grad = rec
        base = bases[idx]
        dt = _DTYPE_BY_NAME[dtname]
        ok = (kind in ("tensor", "parameter") and dt == base.dtype and isinstance(offset, int) and offset >= 0
              and len(sizes) == len(strides)
              and all(isinstance(v, int) and v >= 0 for v in (*sizes, *strides)))
    except (ValueError, TypeError, IndexError, KeyError):
        ok = False
    if not ok:
        raise _corrupt(f"invalid tensor record {rec!r}")
    n = 1
    for s in sizes:
        n *= s
    extent = 0 if n == 0 else offset + sum((s - 1) * st for s, st in zip(sizes, strides)) + 1
    if extent > base.numel():
        raise _corrupt(f"tensor record {rec!r} reaches past its storage of {base.numel()} elements")
    t = base.as_strided(list(sizes), list(strides), offset).detach()
    if kind == "parameter":
        return Parameter(t, requires_grad=bool(requires_grad))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _make_unpickler(base, bases, weights_only):
    objects = {}

    class Unpickler(base):
        def persistent_load(self, pid):
            if isinstance(pid, tuple) and len(pid) == 8 and pid[0] in ("tensor", "parameter"):
                t = objects.get(pid[1])
                if t is None:
                    t = objects[pid[1]] = _rebuild(bases, pid)
                return t
            if isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "dtype" and pid[1] in _DTYPE_BY_NAME:
                return _DTYPE_BY_NAME[pid[1]]
            if isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "device" and isinstance(pid[1], str):
                return _device(pid[1])
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")

        def find_class(self, module, name):
            if not weights_only:
                return super().find_class(module, name)
            full = f"{module}.{name}"
            if full in _ALLOWED:
                return _ALLOWED[full]
            for obj in _user_safe:
                if _global_name(obj) == full:
                    return obj[0] if isinstance(obj, tuple) else obj
            raise pickle.UnpicklingError(
                _UNSAFE_MESSAGE + f"Unsupported global: GLOBAL {full} was not an allowed global by default. Please "
                f"use `torch.serialization.add_safe_globals([{full}])` or the "
                f"`torch.serialization.safe_globals([{full}])` context manager to allowlist this global if you trust "
                "this class/function." + _DOCS_MESSAGE)
    return Unpickler


def _read_record(f, map_fn, pickle_module, weights_only, mmap_array, pickle_load_args):
    r = _Reader(f)
    first = f.read(_HEADER.size)
    if len(first) == 0:
        raise EOFError("load: the file is empty")
    if first[:2] == b"PK":
        raise RuntimeError("load: this is a zip archive (as torch.save writes), not a file written by "
                           "pyautograd.save")
    if not _MAGIC.startswith(first[:len(_MAGIC)]):
        raise RuntimeError("load: not a file written by pyautograd.save (bad magic number)")
    r.pos = len(first)
    if len(first) < _HEADER.size:
        raise _corrupt(f"expected a {_HEADER.size}-byte header, found {len(first)} bytes")
    magic, version, n_storages, pickle_nbytes, meta_crc, reserved, header_crc, reserved2 = _HEADER.unpack(first)
    if zlib.crc32(first[:32]) != header_crc or reserved2:
        raise _corrupt("header checksum mismatch")
    if version != _VERSION:
        raise RuntimeError(f"load: file format version {version} is not supported (this pyautograd reads version "
                           f"{_VERSION})")
    r.need(n_storages * _ENTRY.size + pickle_nbytes + 4 * n_storages + len(_END))
    table = r.read(n_storages * _ENTRY.size)
    payload = r.read(pickle_nbytes)
    if zlib.crc32(payload, zlib.crc32(table)) != meta_crc:
        raise _corrupt("checksum mismatch in the object structure")
    bases = _read_storages(r, n_storages, table, mmap_array, map_fn)
    unpickler = _make_unpickler(pickle_module.Unpickler, bases, weights_only)(io.BytesIO(payload),
                                                                             **pickle_load_args)
    return unpickler.load()


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Loads an object written by save from f (a path or a readable binary file object).

    weights_only (default True, as torch >= 2.6) restricts unpickling to tensors, containers,
    numbers, strings and the types of Note [Safe loading]. map_location may be None, "cpu",
    device("cpu"), a dict or a callable (storage, location) -> storage; any other device
    fails as in torch's CPU-only build. mmap=True maps the file's storages copy-on-write
    instead of reading them (f must be a path; the data checksums are then not verified)."""
    if weights_only is None:
        weights_only = pickle_module is None and os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0") in ("", "0")
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if pickle_module is None:
        pickle_module = pickle
    if "encoding" not in pickle_load_args:
        pickle_load_args["encoding"] = "utf-8"
    map_fn = _restore_location(map_location)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            arr = None
            if mmap and os.fstat(fh.fileno()).st_size:
                arr = np.memmap(fh, dtype=np.uint8, mode="c")
                fh.seek(0)
            return _read_record(fh, map_fn, pickle_module, weights_only, arr, pickle_load_args)
    if mmap:
        raise ValueError("f must be a file path in order to use the mmap argument")
    if not hasattr(f, "read"):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'read'")
    return _read_record(f, map_fn, pickle_module, weights_only, None, pickle_load_args)
