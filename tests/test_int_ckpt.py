"""Integer in-place division forms on every integer dtype (fmod_, remainder_, div_ with a
rounding mode, floor_divide_, //=, %=) at the dtypes' extremes, against torch, bit for bit;
cross_entropy on 1-d inputs; checkpoint files with lying headers, saves killed mid-write
and saves into read-only directories."""
import pytest
import torch

import pyautograd as pag
from test_op_table import same_as_torch

INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64"]

INPLACE = {
    "fmod_": lambda x, y: x.fmod_(y),
    "remainder_": lambda x, y: x.remainder_(y),
    "div_floor": lambda x, y: x.div_(y, rounding_mode="floor"),
    "div_trunc": lambda x, y: x.div_(y, rounding_mode="trunc"),
    "floor_divide_": lambda x, y: x.floor_divide_(y),
    "ifloordiv": lambda x, y: x.__ifloordiv__(y),
    "imod": lambda x, y: x.__imod__(y),
}
# Python numbers: wrapped into self's dtype (255 is -1 for int8, 256 is 0 for uint8), signs,
# and the int64 range's ends
SCALARS = [-1, 0, 1, 3, -3, 255, 256, 300, -129, 2**15, 2**31, -2**63, 2**63 - 1]


def extremes(dt):
    i = torch.iinfo(getattr(torch, dt))
    return [i.min, i.min + 1, -1 if i.min < 0 else 2, 0, 1, 7, i.max - 1, i.max]


def traps_in_torch(name, x, y):
    """torch 2.13's integer trunc division has no guard for min / -1 in int32 and int64: the
    process dies of SIGFPE. Those cases are checked apart (test_trunc_min_by_minus_one)."""
    if name != "div_trunc":
        return False
    ct = torch.result_type(x, y)
    if ct not in (torch.int32, torch.int64) or ct != x.dtype:
        return False
    bits = torch.iinfo(ct).bits
    v = y if isinstance(y, int) else y.item()
    return v % 2**bits == 2**bits - 1


def outcome(L, name, dt, y_of):
    x = L.tensor(extremes(dt), dtype=getattr(L, dt))
    y = y_of(L)
    if L is torch and traps_in_torch(name, x, y):
        return "trap"
    try:
        r = INPLACE[name](x, y)
    except Exception as e:  # noqa: BLE001 - compared with torch's
        return (type(e).__name__, str(e), x.tolist())
    return (x.tolist(), str(x.dtype).rpartition(".")[2], r is x)


@pytest.mark.parametrize("name", list(INPLACE))
@pytest.mark.parametrize("dt", INT_DTYPES)
def test_integer_inplace_division_matches_torch(dt, name):
    cases = [(odt, v) for odt in INT_DTYPES for v in extremes(odt)] + [("number", v) for v in SCALARS]
    checked = 0
    for odt, v in cases:
        def y_of(L, odt=odt, v=v):
            return v if odt == "number" else L.tensor([v], dtype=getattr(L, odt))
        want = outcome(torch, name, dt, y_of)
        got = outcome(pag, name, dt, y_of)
        if want == "trap":
            continue
        assert got == want, (dt, name, odt, v)
        checked += 1
    assert checked >= len(cases) - 5  # the trapping -1s of traps_in_torch


@pytest.mark.parametrize("dt", ["int32", "int64"])
def test_trunc_min_by_minus_one(dt):
    # torch traps here (see traps_in_torch); pyautograd wraps, as its floor division does
    lo = torch.iinfo(getattr(torch, dt)).min
    for y in (-1, pag.tensor([-1], dtype=getattr(pag, dt)), pag.tensor([-1], dtype=pag.int8)):
        x = pag.tensor([lo, 5, -7], dtype=getattr(pag, dt))
        x.div_(y, rounding_mode="trunc")
        assert x.tolist() == [lo, -5, 7]
        x = pag.tensor([lo, 5, -7], dtype=getattr(pag, dt))
        assert pag.div(x, y, rounding_mode="trunc").tolist() == [lo, -5, 7]
        assert torch.tensor([lo, 5, -7], dtype=getattr(torch, dt)).div(
            -1, rounding_mode="floor").tolist() == [lo, -5, 7]


def test_int64_extremes_match_torch():
    lo, hi = -2**63, 2**63 - 1
    vals = [lo, lo + 1, -3, -1, 0, 1, 3, hi - 1, hi]
    divs = [lo, lo + 1, -3, -1, 1, 3, hi - 1, hi]

    def run(L):
        x = L.tensor(vals)
        out = []
        for d in divs:
            t = L.tensor(d)
            out += [(x // d).tolist(), (x % d).tolist(), (x // t).tolist(), (x % t).tolist(),
                    x.fmod(d).tolist(), x.fmod(t).tolist(), x.remainder(d).tolist(),
                    L.remainder(x, t).tolist(), L.floor_divide(x, d).tolist(),
                    x.div(d, rounding_mode="floor").tolist(), x.div(t, rounding_mode="floor").tolist()]
            if d != -1:  # torch traps on lo / -1 in trunc mode
                out += [x.div(d, rounding_mode="trunc").tolist(), x.div(t, rounding_mode="trunc").tolist()]
            for op in ("fmod_", "remainder_", "floor_divide_", "__ifloordiv__", "__imod__"):
                y = x.clone()
                getattr(y, op)(d)
                out.append(y.tolist())
            # a number on the left
            out += [(d // x.clamp(1)).tolist(), (d % x.clamp(1)).tolist()]
        return L.tensor(out)
    same_as_torch(run)
    lo_t = pag.tensor([lo])
    assert (lo_t // -1).tolist() == [lo] and (lo_t % -1).tolist() == [0] and lo_t.fmod(-1).tolist() == [0]
    lo_t //= -1
    assert lo_t.tolist() == [lo]


INPLACE_CALLS = [
    # the right-hand side's kinds, result types that cannot be cast, broadcasting into self
    "x.fmod_(2.5)", "x.remainder_(L.tensor([2.5]))", "x.floor_divide_(2.5)", "x.__ifloordiv__(2.5)",
    "x.__imod__(2.5)", "x.fmod_(L.tensor([3, 2]))", "x.remainder_(L.tensor([[3], [2]]))",
    "x.floor_divide_(L.tensor(True))", "x.fmod_(other=3)", "x.remainder_(other=L.tensor(3))",
    "x.floor_divide_(other=-2)", "x.fmod_('a')", "x.remainder_(None)", "x.floor_divide_()",
    "x.fmod_(2, 3)", "x.__ifloordiv__('a')", "x.__imod__(None)", "x.__ifloordiv__([1])",
    "x.fmod_(0)", "x.remainder_(L.tensor(0))", "x.floor_divide_(0)", "x.__imod__(0)", "x.__ifloordiv__(0)",
    # floating and bool selves
    "xf.fmod_(-2)", "xf.remainder_(-2)", "xf.floor_divide_(-2)", "xf.__imod__(0)", "xf.__ifloordiv__(0)",
    "xf.__imod__(L.tensor([1.5]))", "xf.__ifloordiv__(L.tensor(-1.5))",
    "xb.fmod_(True)", "xb.remainder_(L.tensor([True]))", "xb.floor_divide_(True)", "xb.__imod__(True)",
    "xb.__ifloordiv__(True)", "x.__imod__(True)", "x.__ifloordiv__(True)",
]


@pytest.mark.parametrize("call", INPLACE_CALLS)
def test_inplace_calls_match_torch(call):
    def run(L):
        env = {"L": L, "x": L.tensor([5, -7]), "xf": L.tensor([5.5, -7.0]), "xb": L.tensor([True, False])}
        r = eval(call, env)
        if r is NotImplemented:
            return L.tensor([-1])
        assert r is env[call[:2].strip(".")]  # the same object back
        return L.stack([env["x"].double(), env["xf"].double(), env["xb"].double()])
    same_as_torch(run)


def test_failed_inplace_changes_nothing():
    # torch's message; torch itself has written the elements before a zero divisor by then
    calls = (lambda L, x: x.fmod_(L.tensor([1, 0, 1])), lambda L, x: x.__imod__(0),
             lambda L, x: x.__ifloordiv__(2.5), lambda L, x: x.floor_divide_(L.tensor([1, 1])))
    x = pag.tensor([5, 0, 3])
    for f in calls:
        with pytest.raises(RuntimeError) as want:
            f(torch, torch.tensor([5, 0, 3]))
        with pytest.raises(RuntimeError) as got:
            f(pag, x)
        assert str(got.value) == str(want.value)
        assert x.tolist() == [5, 0, 3] and x._version == 0


@pytest.mark.parametrize("op", ["fmod_", "remainder_", "floor_divide_", "__imod__", "__ifloordiv__"])
@pytest.mark.parametrize("other", ["tensor", "number"])
def test_inplace_division_autograd_matches_torch(op, other):
    def run(L):
        a = L.tensor([5.5, -7.25, 3.0], requires_grad=True)
        b = L.tensor([2.0, 3.0, -1.5], requires_grad=True)
        x = a * 1
        r = getattr(x, op)(b if other == "tensor" else 2)
        assert r is x
        name = x.grad_fn.name()
        try:
            x.backward(L.tensor([1.0, 2.0, 3.0]))
        except RuntimeError as e:
            return (x.detach(), name, str(e))
        return (x.detach(), name, a.grad, b.grad)
    got, want = run(pag), run(torch)
    assert got[1:2] == want[1:2]
    assert got[0].tolist() == want[0].tolist()
    for g, w in zip(got[2:], want[2:]):
        assert (g if isinstance(g, str) or g is None else g.tolist()) == (
            w if isinstance(w, str) or w is None else w.tolist())


def test_inplace_on_leaf_requiring_grad_matches_torch():
    for op in ("fmod_", "remainder_", "floor_divide_", "__imod__", "__ifloordiv__"):
        same_as_torch(lambda L: getattr(L.tensor([5.0], requires_grad=True), op)(2))


# ---------------------------------------------------------------- cross_entropy, 1-d input
CE_TARGETS = ["L.tensor(2.0)", "L.tensor([1.0, 2.0])", "L.tensor([])", "L.tensor(2.0, dtype=L.float64)",
              "L.tensor(True)", "L.tensor(2, dtype=L.int32)", "L.tensor([2, 3])", "L.tensor([[2]])",
              "L.tensor(2)", "L.tensor([2])", "L.tensor(4)", "L.tensor(7)", "L.tensor(-100)", "L.tensor(2, dtype=L.uint8)",
              "L.tensor([0.1, 0.2, 0.3, 0.3, 0.1])", "L.tensor([0.1, 0.2, 0.3, 0.3, 0.1], dtype=L.float64)",
              "L.tensor([[0.1, 0.2, 0.3, 0.3, 0.1]])"]
CE_KWARGS = [{}, {"label_smoothing": 0.1}, {"reduction": "none"}, {"reduction": "sum"},
             {"weight": [0.5, 1.0, 2.0, 1.0, 0.25]}, {"ignore_index": 2}, {"ignore_index": -1},
             {"label_smoothing": 0.2, "weight": [0.5, 1.0, 2.0, 1.0, 0.25], "reduction": "none"}]


@pytest.mark.parametrize("kwargs", CE_KWARGS)
@pytest.mark.parametrize("target", CE_TARGETS)
def test_cross_entropy_1d_input_matches_torch(target, kwargs):
    dtypes = {}

    def run(L):
        x = L.tensor([0.5, -1.0, 2.0, 0.25, 1.5], requires_grad=True)
        kw = dict(kwargs)
        if "weight" in kw:
            kw["weight"] = L.tensor(kw["weight"])
        loss = L.nn.functional.cross_entropy(x, eval(target, {"L": L}), **kw)
        loss.sum().backward()
        # float32 tolerance: the input is float32, whatever the target (1-ulp log_softmax differences)
        dtypes[L.__name__] = (str(loss.dtype), list(loss.shape), str(x.grad.dtype))
        return L.cat([loss.detach().reshape(-1).float(), x.grad])
    same_as_torch(run)
    assert dtypes.get("pyautograd") == dtypes.get("torch")


def test_nll_loss_target_dtype_checked_before_sizes():
    for call in ("F.nll_loss(x, L.tensor([1.0, 2.0]))", "F.nll_loss(x, L.tensor([2, 3], dtype=L.int32))",
                 "F.nll_loss(x, L.tensor([2, 3]))", "F.nll_loss(x.reshape(1, 5), L.tensor([1.0]))",
                 "F.nll_loss(x.reshape(1, 5), L.tensor([4], dtype=L.uint8))",
                 "F.nll_loss(x.reshape(1, 5, 1, 1), L.tensor([[[4]]], dtype=L.uint8))",
                 "F.nll_loss(x.reshape(1, 5, 1, 1), L.tensor([[[4.0]]]))",
                 "F.nll_loss(x.reshape(1, 5), L.tensor([7], dtype=L.uint8))"):
        same_as_torch(lambda L: eval(call, {"L": L, "F": L.nn.functional, "x": L.arange(5.0).log_softmax(0)}))


# ---------------------------------------------------------------- checkpoints
import io  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import struct  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import textwrap  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402

from pyautograd import serialization  # noqa: E402

PAG_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(pag.__file__)))


def crafted(n_storages=None, pickle_nbytes=None, storage_nbytes=None):
    """A saved file whose header or table claims other sizes, with every checksum made valid."""
    buf = io.BytesIO()
    pag.save({"a": pag.arange(10.0), "b": [1, 2]}, buf)
    good = buf.getvalue()
    magic, ver, ns, pn, _, _, _, _ = serialization._HEADER.unpack_from(good)
    table, payload = good[40:40 + 16 * ns], good[40 + 16 * ns:40 + 16 * ns + pn]
    rest = good[40 + 16 * ns + pn:]
    if storage_nbytes is not None:
        table = serialization._ENTRY.pack(storage_nbytes, 0) + table[16:]
    ns = ns if n_storages is None else n_storages
    pn = pn if pickle_nbytes is None else pickle_nbytes
    head = struct.pack("<8sIIQII", magic, ver, ns, pn, zlib.crc32(payload, zlib.crc32(table)), 0)
    return head + struct.pack("<II", zlib.crc32(head), 0) + table + payload + rest


class Unseekable(io.RawIOBase):
    def __init__(self, data):
        self.b = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, view):
        return self.b.readinto(view)


@pytest.mark.parametrize("claim", [dict(n_storages=2**32 - 1), dict(n_storages=5), dict(pickle_nbytes=2**64 - 1),
                                   dict(pickle_nbytes=2**40), dict(pickle_nbytes=500),
                                   dict(storage_nbytes=2**64 - 8), dict(storage_nbytes=2**62),
                                   dict(storage_nbytes=2**40), dict(storage_nbytes=2**31)])
def test_load_refuses_sizes_the_file_cannot_hold(claim, tmp_path):
    data = crafted(**claim)
    path = tmp_path / "x.pt"
    path.write_bytes(data)
    for src in (lambda: io.BytesIO(data), lambda: Unseekable(data), lambda: str(path),
                lambda: open(path, "rb")):
        f = src()
        for mmap in ((None, True) if isinstance(f, str) else (None,)):
            with pytest.raises(RuntimeError, match=r"^load: expected \d+ bytes at offset \d+, found \d+; the file is "
                               r"truncated or corrupted \(it was not written completely by save, or was damaged "
                               r"since\)$"):
                pag.load(f, mmap=mmap)
        if hasattr(f, "close"):
            f.close()


def test_load_of_an_unseekable_stream_still_works():
    obj = {"big": pag.arange(5_000_000, dtype=pag.int32), "small": pag.tensor([1.5, -2.0], dtype=pag.bfloat16)}
    buf = io.BytesIO()
    pag.save(obj, buf)
    got = pag.load(Unseekable(buf.getvalue()))
    assert pag.equal(got["big"], obj["big"]) and pag.equal(got["small"], obj["small"])
    got["big"][0] = 7  # writable
    data = bytearray(buf.getvalue())
    data[-20] ^= 1  # a data checksum
    with pytest.raises(RuntimeError, match="checksum mismatch in the data of storage"):
        pag.load(Unseekable(bytes(data)))


def temps(d):
    return sorted(n for n in os.listdir(d) if n.endswith(".tmp"))


def test_save_after_a_save_killed_mid_write_removes_its_temp_file():
    with tempfile.TemporaryDirectory() as d:
        target = os.path.join(d, "ckpt.pt")
        pag.save({"v": 1}, target)
        # a save that never finishes on its own: the write runs, then fsync waits
        child = textwrap.dedent(f"""
            import os, time
            import pyautograd as L
            os.fsync = lambda fd: time.sleep(600)
            L.save({{"w": L.ones(30_000_000)}}, {target!r})
        """)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([PAG_ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
        p = subprocess.Popen([sys.executable, "-c", child], cwd=d, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 300
            while not temps(d) and p.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            assert temps(d), p.communicate(timeout=60) if p.poll() is not None else "no temp file appeared"
            time.sleep(0.05)  # into the write
        finally:
            p.send_signal(signal.SIGKILL)
            p.communicate(timeout=60)
        assert p.returncode == -signal.SIGKILL
        stale = temps(d)
        assert len(stale) == 1 and stale[0].startswith(f".ckpt.pt.{p.pid}.")
        assert pag.load(target) == {"v": 1}  # the old file is intact
        # a live process's temp file, and another target's stale one, stay
        live = f".ckpt.pt.{os.getppid()}.0123abcd.tmp"
        other = f".other.pt.{p.pid}.0123abcd.tmp"
        for n in (live, other):
            open(os.path.join(d, n), "wb").close()
        pag.save({"v": 2}, target)
        assert pag.load(target) == {"v": 2}
        assert temps(d) == sorted([live, other])


def test_save_over_a_file_in_a_read_only_directory(monkeypatch, tmp_path):
    target = tmp_path / "ckpt.pt"
    pag.save({"v": pag.arange(3)}, target)
    before = os.stat(target).st_ino

    def refuse(tmp):
        raise PermissionError(13, "Permission denied", tmp)
    monkeypatch.setattr(serialization, "_open_temp", refuse)
    pag.save({"v": pag.arange(5)}, target)  # in place, as torch.save writes
    assert pag.load(target)["v"].tolist() == [0, 1, 2, 3, 4]
    assert os.stat(target).st_ino == before and temps(tmp_path) == []
    with pytest.raises(PermissionError):  # no file to write into
        pag.save({"v": 1}, tmp_path / "new.pt")
    assert not (tmp_path / "new.pt").exists()
    monkeypatch.undo()

    # the real thing: a directory without write permission (root is not restricted by it)
    os.chmod(tmp_path, 0o555)
    try:
        assert os.access(tmp_path, os.W_OK) == (os.geteuid() == 0)
        pag.save({"v": pag.arange(7)}, target)
        assert pag.load(target)["v"].tolist() == list(range(7))
        assert temps(tmp_path) == []
        if os.geteuid() != 0:
            with pytest.raises(PermissionError):
                pag.save({"v": 1}, tmp_path / "new.pt")
    finally:
        os.chmod(tmp_path, 0o755)
