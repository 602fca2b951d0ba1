"""save / load against torch.save / torch.load: every object goes through both, and the
loaded objects are compared (values by repr, dtypes, shapes, strides, storage offsets,
requires_grad, leaf-ness, types, storage sharing). Our own format is also checked for
what torch's promises: atomic replacement of a path, clear errors for truncated or
damaged files, weights_only restrictions."""
import collections
import io
import os
import pickle
import struct
import zlib

import numpy as np
import pyautograd as pag
import pyautograd.serialization as ser
import pytest
import torch

from helpers import helper_test_exception



def both(fn):
    """fn(lib) -> object built the same way with torch and pyautograd."""
    return fn(torch), fn(pag)


def roundtrip(lib, obj, **load_kw):
    buf = io.BytesIO()
    lib.save(obj, buf)
    buf.seek(0)
    return lib.load(buf, **load_kw)


def assert_same(p, t, path="obj", exact=True):
    """A pyautograd object equals its torch twin: tensors by repr (or, with exact=False, values
    within float32 accuracy, for results of training) and metadata, containers recursively."""
    if isinstance(t, torch.Tensor):
        assert isinstance(p, pag.Tensor), f"{path}: {type(p)}"
        assert type(p).__name__ == type(t).__name__, f"{path}: {type(p).__name__} != {type(t).__name__}"
        if exact:
            assert repr(p) == repr(t), f"{path}:\n{p!r}\n{t!r}"
        else:
            np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-7, err_msg=path)
        assert str(p.dtype) == str(t.dtype) and tuple(p.shape) == tuple(t.shape), path
        assert p.stride() == t.stride() and p.storage_offset() == t.storage_offset(), path
        assert (p.requires_grad, p.is_leaf, p.grad_fn) == (t.requires_grad, t.is_leaf, None), path
        assert p._base is None and t._base is None, path
    elif isinstance(t, (torch.dtype, torch.device, torch.Size)):
        assert repr(p) == repr(t), path
    elif isinstance(t, dict):
        assert type(p) is type(t) and list(p) == list(t), f"{path}: {type(p)} {list(p)} != {type(t)} {list(t)}"
        for k in t:
            assert_same(p[k], t[k], f"{path}[{k!r}]", exact)
    elif isinstance(t, (list, tuple)):
        assert type(p) is type(t) and len(p) == len(t), path
        for i, (a, b) in enumerate(zip(p, t)):
            assert_same(a, b, f"{path}[{i}]", exact)
    else:
        assert type(p) is type(t) and p == t, f"{path}: {p!r} != {t!r}"


def tensors(lib, seed=0):
    r = np.random.default_rng(seed)
    return {
        "f32": lib.from_numpy(r.standard_normal((3, 4)).astype(np.float32)),
        "f64": lib.from_numpy(r.standard_normal((2, 3, 2))),
        "i64": lib.from_numpy(r.integers(-10**12, 10**12, (5,))),
        "bool": lib.from_numpy(r.integers(0, 2, (2, 3)).astype(bool)),
        "scalar": lib.tensor(2.5),
        "int_scalar": lib.tensor(7),
        "empty": lib.zeros(0, 3),
        "special": lib.tensor([float("inf"), float("-inf"), float("nan"), -0.0, 1e-45, 3.4e38]),
    }


# ---------------------------------------------------------------- tensors and views
@pytest.mark.parametrize("key", ["f32", "f64", "i64", "bool", "scalar", "int_scalar", "empty", "special"])
def test_tensor_roundtrip(key):
    t, p = both(lambda lib: tensors(lib)[key])
    assert_same(roundtrip(pag, p), roundtrip(torch, t))
    assert_same(roundtrip(pag, p), t)


@pytest.mark.parametrize("make", [
    lambda x: x.t(),
    lambda x: x.transpose(0, 1).narrow(0, 1, 2),
    lambda x: x.narrow(1, 2, 2),
    lambda x: x.select(0, 2),
    lambda x: x.expand(2, 3, 4),
    lambda x: x.unsqueeze(1).permute(2, 0, 1),
    lambda x: x.as_strided([2, 2], [5, 2], 3),
    lambda x: x.narrow(0, 2, 0),
], ids=["t", "transpose-narrow", "narrow", "select", "expand", "permute", "as_strided", "empty-view"])
def test_saving_a_view_stores_its_data(make):
    t, p = both(lambda lib: make(tensors(lib)["f32"]))
    lt, lp = roundtrip(torch, t), roundtrip(pag, p)
    assert_same(lp, lt)  # values, strides and storage offset as torch
    # the loaded view owns its memory: changing the original's base does not reach it
    (p._base if p._base is not None else p).add_(1)
    assert repr(lp) == repr(lt)


def test_shared_storage_is_preserved():
    def build(lib):
        x = tensors(lib)["f64"]
        return {"x": x, "row": x.select(0, 1), "t": x.transpose(0, 2), "again": x, "flat": x.reshape(-1)}
    t, p = both(build)
    lt, lp = roundtrip(torch, t), roundtrip(pag, p)
    assert_same(lp, lt)
    assert lp["again"] is lp["x"] and lt["again"] is lt["x"]
    for lib, d in ((torch, lt), (pag, lp)):
        d["row"].mul_(-1)
        d["flat"].add_(0.5)
    assert_same(lp, lt)
    ptrs = {v.untyped_storage_ptr() for v in lp.values()}
    assert len(ptrs) == 1
    assert lp["row"]._version == lp["x"]._version == 2  # one storage, one version counter


def test_separate_tensors_stay_separate():
    t, p = both(lambda lib: [lib.ones(3), lib.ones(3)])
    lp = roundtrip(pag, p)
    lp[0].add_(1)
    assert repr(lp[1]) == repr(torch.ones(3))
    assert lp[0].untyped_storage_ptr() != lp[1].untyped_storage_ptr()


def test_parameter_and_requires_grad():
    def build(lib):
        w = lib.nn.Parameter(tensors(lib)["f32"])
        frozen = lib.nn.Parameter(lib.ones(2), requires_grad=False)
        leaf = lib.ones(2, requires_grad=True)
        nonleaf = leaf * 3
        return {"w": w, "w_data": w.data, "frozen": frozen, "leaf": leaf, "nonleaf": nonleaf,
                "detached": nonleaf.detach()}
    t, p = both(build)
    lt, lp = roundtrip(torch, t), roundtrip(pag, p)
    assert_same(lp, lt)
    assert type(lp["w"]) is pag.nn.Parameter and type(lp["w_data"]) is pag.Tensor
    assert lp["w"].untyped_storage_ptr() == lp["w_data"].untyped_storage_ptr()
    # a loaded parameter trains
    (lp["w"] * lp["w"]).sum().backward()
    (lt["w"] * lt["w"]).sum().backward()
    assert repr(lp["w"].grad) == repr(lt["w"].grad)


def test_nested_structures():
    def build(lib):
        ts = tensors(lib)
        return collections.OrderedDict([
            ("numbers", [1, -2**62, 2.5, float("inf"), True, None, 3 + 4j]),
            ("strings", ("a", "", "ünïcödé", b"raw\x00bytes", bytearray(b"ba"))),
            ("nested", {"deep": [{"t": ts["f32"]}, (ts["i64"], [ts["bool"], {}])], 1: "int key", (1, 2): []}),
            ("meta", [lib.float32, lib.float64, lib.int64, lib.bool, lib.device("cpu"), lib.Size([2, 3])]),
            ("set", {1, 2, 3}),
            ("counter", collections.Counter("abca")),
            ("empty", ([], (), {}, collections.OrderedDict())),
        ])
    t, p = both(build)
    assert_same(roundtrip(pag, p), roundtrip(torch, t))


def test_top_level_scalars_and_none():
    for obj in (None, 3, "s", [], {}):
        assert roundtrip(pag, obj) == roundtrip(torch, obj) == obj


# ---------------------------------------------------------------- modules and optimizers
class Affine:
    """A module defined on top of either library: y = tanh(x * scale + shift)."""

    @staticmethod
    def make(lib):
        class M(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = lib.nn.Parameter(lib.randn(5))
                self.shift = lib.nn.Parameter(lib.zeros(5))
                self.register_buffer("count", lib.zeros((), dtype=lib.int64))

            def forward(self, x):
                self.count.add_(1)
                return (x * self.scale + self.shift).tanh()
        return M()


def test_module_state_dict_roundtrip_reproduces_outputs(tmp_path):
    outs = {}
    for lib in (torch, pag):
        lib.manual_seed(0)
        m = Affine.make(lib)
        opt = lib.optim.SGD(m.parameters(), lr=0.1)
        x = lib.randn(4, 5)
        for _ in range(3):
            opt.zero_grad()
            m(x).pow(2).mean().backward()
            opt.step()
        path = tmp_path / f"{lib.__name__}.pt"
        lib.save(m.state_dict(), path)
        fresh = Affine.make(lib)
        sd = lib.load(path)
        assert isinstance(sd, collections.OrderedDict)
        res = fresh.load_state_dict(sd)
        assert not res.missing_keys and not res.unexpected_keys
        outs[lib.__name__] = (sd, fresh(x), m(x), fresh.count)
    (sdt, yt, yt0, ct), (sdp, yp, yp0, cp) = outs["torch"], outs["pyautograd"]
    assert_same(sdp, sdt, exact=False)
    assert repr(yp) == repr(yp0) and repr(yt) == repr(yt0)
    np.testing.assert_allclose(yp.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-7)
    assert repr(cp) == repr(ct)


def test_mlp_state_dict_roundtrip(tmp_path):
    outs = []
    for lib in (torch, pag):
        lib.manual_seed(0)
        m = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 2))
        lib.save(m.state_dict(), tmp_path / "m.pt")
        lib.manual_seed(1)
        m2 = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 2))
        m2.load_state_dict(lib.load(tmp_path / "m.pt"))
        x = lib.randn(3, 4)
        assert repr(m2(x)) == repr(m(x))
        outs.append(m2(x))
    assert repr(outs[1]) == repr(outs[0])


@pytest.mark.parametrize("opt_name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)),
                                          ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True))])
def test_optimizer_state_dict_resumes_training(opt_name, kw, tmp_path):
    """Train 3 steps, checkpoint model + optimizer, train 3 more; a fresh model/optimizer
    restored from the checkpoint must follow the same trajectory (and match torch)."""
    final = {}
    for lib in (torch, pag):
        lib.manual_seed(0)
        m = Affine.make(lib)
        opt = getattr(lib.optim, opt_name)(m.parameters(), **kw)
        x = lib.randn(4, 5)

        def step(model, o):
            o.zero_grad()
            model(x).pow(2).mean().backward()
            o.step()
        for _ in range(3):
            step(m, opt)
        lib.save({"model": m.state_dict(), "optim": opt.state_dict(), "epoch": 3}, tmp_path / "ckpt.pt")
        for _ in range(3):
            step(m, opt)
        ck = lib.load(tmp_path / "ckpt.pt")
        m2 = Affine.make(lib)
        m2.load_state_dict(ck["model"])
        opt2 = getattr(lib.optim, opt_name)(m2.parameters(), **kw)
        opt2.load_state_dict(ck["optim"])
        for _ in range(3):
            step(m2, opt2)
        assert repr(m2.scale) == repr(m.scale) and repr(m2.shift) == repr(m.shift)
        final[lib.__name__] = ck
    assert_same(final["pyautograd"], final["torch"], exact=False)


@pytest.mark.parametrize("sched,kw", [("StepLR", dict(step_size=2)), ("MultiStepLR", dict(milestones=[1, 3])),
                                      ("ExponentialLR", dict(gamma=0.5)), ("CosineAnnealingLR", dict(T_max=4)),
                                      ("LambdaLR", dict(lr_lambda=lambda e: 0.9 ** e))])
def test_scheduler_state_dict_roundtrip(sched, kw):
    for lib in (torch, pag):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(2))], lr=0.1)
        s = getattr(lib.optim.lr_scheduler, sched)(opt, **kw)
        for _ in range(3):
            opt.step()
            s.step()
        sd = s.state_dict()
        loaded = roundtrip(lib, {"scheduler": sd})["scheduler"]  # weights_only: only allowed types inside
        assert loaded == sd
        opt2 = lib.optim.SGD([lib.nn.Parameter(lib.ones(2))], lr=0.1)
        s2 = getattr(lib.optim.lr_scheduler, sched)(opt2, **kw)
        s2.load_state_dict(loaded)
        assert s2.get_last_lr() == s.get_last_lr()


def test_whole_module_needs_weights_only_false():
    def build(lib):
        lib.manual_seed(0)
        return lib.nn.Sequential(lib.nn.Tanh(), lib.nn.Dropout(0.25))
    t, p = both(build)
    for lib, m in ((torch, t), (pag, p)):
        buf = io.BytesIO()
        lib.save(m, buf)
        buf.seek(0)
        with pytest.raises(pickle.UnpicklingError):
            lib.load(buf)
        buf.seek(0)
        m2 = lib.load(buf, weights_only=False)
        assert repr(m2) == repr(m)


# ---------------------------------------------------------------- weights_only
class Custom:
    def __init__(self, v=1):
        self.v = v

    def __eq__(self, other):
        return type(other) is Custom and other.v == self.v


def test_weights_only_rejects_unknown_globals_as_torch():
    obj_t, obj_p = {"c": Custom(3), "t": torch.ones(1)}, {"c": Custom(3), "t": pag.ones(1)}
    bt, bp = io.BytesIO(), io.BytesIO()
    torch.save(obj_t, bt)
    pag.save(obj_p, bp)
    bt.seek(0)
    bp.seek(0)
    helper_test_exception(lambda: torch.load(bt), lambda: pag.load(bp))
    for lib, b in ((torch, bt), (pag, bp)):
        b.seek(0)
        with pytest.raises(pickle.UnpicklingError):
            lib.load(b, weights_only=True)
        b.seek(0)
        assert lib.load(b, weights_only=False)["c"] == Custom(3)
        b.seek(0)
        with lib.serialization.safe_globals([Custom]):
            assert lib.load(b)["c"] == Custom(3)
        b.seek(0)
        with pytest.raises(pickle.UnpicklingError):
            lib.load(b)


def test_add_safe_globals():
    buf = io.BytesIO()
    pag.save([Custom(5)], buf)
    before = pag.serialization.get_safe_globals()
    pag.serialization.add_safe_globals([Custom])
    try:
        buf.seek(0)
        assert pag.load(buf) == [Custom(5)]
        assert Custom in pag.serialization.get_safe_globals()
    finally:
        pag.serialization.clear_safe_globals()
        pag.serialization.add_safe_globals(before)


def test_weights_only_blocks_code_execution(tmp_path):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))
    buf = io.BytesIO()
    pag.save({"x": Evil()}, buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL posix.mkdir|nt.mkdir"):
        pag.load(buf)
    assert not marker.exists()


def test_pickle_module_and_weights_only_conflict():
    buf = io.BytesIO()
    pag.save(1, buf)
    buf.seek(0)
    tb = io.BytesIO()
    torch.save(1, tb)
    tb.seek(0)
    helper_test_exception(lambda: torch.load(tb, pickle_module=pickle, weights_only=True),
                          lambda: pag.load(buf, pickle_module=pickle, weights_only=True))
    buf.seek(0)
    assert pag.load(buf, pickle_module=pickle) == 1


# ---------------------------------------------------------------- files, paths, map_location
def test_paths_and_file_objects(tmp_path):
    t, p = both(lambda lib: tensors(lib))
    pag.save(p, str(tmp_path / "a.pt"))
    pag.save(p, tmp_path / "b.pt")
    with open(tmp_path / "c.pt", "wb") as f:
        pag.save(p, f)
    for name in ("a.pt", "b.pt", "c.pt"):
        assert_same(pag.load(tmp_path / name), t)
        assert_same(pag.load(str(tmp_path / name)), t)
        with open(tmp_path / name, "rb") as f:
            assert_same(pag.load(f), t)
    assert_same(pag.load(tmp_path / "a.pt", mmap=True), t)
    assert sorted(os.listdir(tmp_path)) == ["a.pt", "b.pt", "c.pt"]  # no temporary files left


def test_mmap_load_is_copy_on_write(tmp_path):
    pag.save({"x": pag.arange(6.)}, tmp_path / "m.pt")
    before = (tmp_path / "m.pt").read_bytes()
    x = pag.load(tmp_path / "m.pt", mmap=True)["x"]
    x.add_(1)
    assert repr(x) == repr(torch.arange(6.) + 1)
    assert (tmp_path / "m.pt").read_bytes() == before
    with pytest.raises(ValueError):
        pag.load(io.BytesIO(before), mmap=True)


def test_several_records_in_one_stream():
    buf = io.BytesIO()
    for i in range(3):
        pag.save({"i": i, "t": pag.full((i + 1,), float(i))}, buf)
    buf.seek(0)
    for i in range(3):
        d = pag.load(buf)
        assert d["i"] == i and repr(d["t"]) == repr(torch.full((i + 1,), float(i)))


def test_path_errors_as_torch(tmp_path):
    helper_test_exception(lambda: torch.save(1, "/nonexistent_dir/x.pt"), lambda: pag.save(1, "/nonexistent_dir/x.pt"))
    helper_test_exception(lambda: torch.load(tmp_path / "missing.pt"), lambda: pag.load(tmp_path / "missing.pt"),
                          exact=False)
    helper_test_exception(lambda: torch.save(1, tmp_path), lambda: pag.save(1, tmp_path), exact=False)


def test_overwrite_keeps_permissions(tmp_path):
    path = tmp_path / "p.pt"
    pag.save(1, path)
    os.chmod(path, 0o640)
    pag.save(2, path)
    assert pag.load(path) == 2 and (os.stat(path).st_mode & 0o777) == 0o640


def test_save_through_a_symlink(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "ckpt.pt"
    pag.save(1, target)
    link = tmp_path / "latest.pt"
    link.symlink_to(target)
    pag.save({"x": pag.ones(2)}, link)
    assert link.is_symlink() and repr(pag.load(target)["x"]) == repr(torch.ones(2))
    assert sorted(os.listdir(tmp_path / "real")) == ["ckpt.pt"]


@pytest.mark.parametrize("ml", ["cpu", "device", {"cuda:0": "cpu"}, {"cpu": "cpu"}, "callable", "callable-none"])
def test_map_location(ml):
    def loc(lib):
        if not isinstance(ml, str):
            return ml
        return {"device": lib.device("cpu"), "callable": lambda s, l: s, "callable-none": lambda s, l: None}.get(ml, ml)
    t, p = both(lambda lib: {"x": tensors(lib)["f32"], "v": tensors(lib)["f32"].t()})
    assert_same(roundtrip(pag, p, map_location=loc(pag)), roundtrip(torch, t, map_location=loc(torch)))


@pytest.mark.parametrize("ml", ["cuda", "cuda:1", "mps", 5, "cpu:0", {"cpu": "cpu:0"}, {"cpu": "cuda"}, {"cpu": 5},
                                "device-index", "dict-device"])
def test_map_location_errors(ml):
    def loc(lib):
        return {"device-index": lib.device("cpu", 0), "dict-device": {"cpu": lib.device("cpu")}}.get(ml, ml) \
            if isinstance(ml, str) else ml
    t, p = both(lambda lib: lib.ones(2))
    helper_test_exception(lambda: roundtrip(torch, t, map_location=loc(torch)),
                          lambda: roundtrip(pag, p, map_location=loc(pag)))


def test_map_location_callable_sees_each_storage():
    seen = []

    def fn(storage, location):
        seen.append((tuple(storage.shape), location))
        return storage
    x = pag.arange(10.)
    out = roundtrip(pag, [x.narrow(0, 0, 4), x.narrow(0, 2, 3), pag.ones(2, dtype=pag.int64)], map_location=fn)
    assert seen == [((5,), "cpu"), ((2,), "cpu")]  # x saved up to the last element a view reaches
    assert out[0].untyped_storage_ptr() == out[1].untyped_storage_ptr()


# ---------------------------------------------------------------- the format, atomicity, damage
def test_format_matches_the_documented_layout():
    buf = io.BytesIO()
    x = pag.arange(5, dtype=pag.int64)
    pag.save({"x": x, "b": pag.tensor([True, False])}, buf)
    data = buf.getvalue()
    magic, version, n, pickle_n, meta_crc, res, head_crc, res2 = struct.unpack_from("<8sIIQIIII", data)
    assert (magic, version, n, res, res2) == (b"\x89PAG\r\n\x1a\n", 1, 2, 0, 0)
    assert head_crc == zlib.crc32(data[:32])
    table = data[40:40 + 16 * n]
    entries = [struct.unpack_from("<QB7x", table, 16 * i) for i in range(n)]
    assert entries == [(40, 2), (2, 3)]  # int64 x 5, bool x 2
    payload = data[40 + 16 * n:40 + 16 * n + pickle_n]
    assert meta_crc == zlib.crc32(table + payload)
    pos = 40 + 16 * n + pickle_n
    blobs = []
    for nbytes, _ in entries:
        pos += -pos % 64
        blobs.append(data[pos:pos + nbytes])
        pos += nbytes
    assert blobs == [np.arange(5, dtype="<i8").tobytes(), b"\x01\x00"]
    assert data[pos:] == struct.pack("<2I", *map(zlib.crc32, blobs)) + b"PAGTEND\x00"


@pytest.fixture
def small_file():
    buf = io.BytesIO()
    x = pag.arange(6.)
    pag.save({"x": x, "v": x.narrow(0, 2, 2), "i": pag.tensor([1, 2]), "p": pag.nn.Parameter(pag.ones(2)),
              "meta": [pag.float64, "s", 1.5]}, buf)
    return buf.getvalue()


def test_every_truncation_fails_cleanly(small_file):
    tb = io.BytesIO()
    torch.save({"x": torch.arange(6.)}, tb)
    helper_test_exception(lambda: torch.load(io.BytesIO(tb.getvalue()[:0])),
                          lambda: pag.load(io.BytesIO(small_file[:0])), exact=False)
    for n in range(1, len(small_file)):
        with pytest.raises(RuntimeError, match="truncated or corrupted"):
            pag.load(io.BytesIO(small_file[:n]))
    # torch raises RuntimeError for a truncated file too
    with pytest.raises(RuntimeError):
        torch.load(io.BytesIO(tb.getvalue()[:len(tb.getvalue()) // 2]))


def test_every_damaged_byte_is_detected(small_file):
    for i in range(len(small_file)):
        for bit in (0x01, 0x80):
            damaged = bytearray(small_file)
            damaged[i] ^= bit
            with pytest.raises(RuntimeError, match="truncated or corrupted|not a file written"):
                pag.load(io.BytesIO(bytes(damaged)), weights_only=False)


def test_truncated_file_on_disk(tmp_path, small_file):
    for n in (0, 7, 40, len(small_file) // 2, len(small_file) - 1):
        (tmp_path / "t.pt").write_bytes(small_file[:n])
        with pytest.raises(EOFError if n == 0 else RuntimeError):
            pag.load(tmp_path / "t.pt")
        if n:
            with pytest.raises(RuntimeError):
                pag.load(tmp_path / "t.pt", mmap=True)


def test_foreign_files_are_rejected(tmp_path):
    tb = io.BytesIO()
    torch.save({"x": torch.ones(2)}, tb)
    with pytest.raises(RuntimeError, match="zip archive"):
        pag.load(io.BytesIO(tb.getvalue()))
    with pytest.raises(RuntimeError, match="not a file written"):
        pag.load(io.BytesIO(pickle.dumps({"a": 1})))


class Boom(Exception):
    pass


class FailsWhenPickled:
    def __reduce__(self):
        raise Boom("pickling failed")


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    pag.save({"w": pag.ones(3), "step": 1}, path)
    good = path.read_bytes()

    # 1) an object that cannot be pickled
    with pytest.raises(Boom):
        pag.save({"w": pag.zeros(3), "bad": FailsWhenPickled()}, path)
    assert path.read_bytes() == good

    # 2) a crash in the middle of writing the tensor data
    real_write = ser._write_record

    def half_write(obj, f, *a):
        inner = io.BytesIO()
        real_write(obj, inner, *a)
        f.write(inner.getvalue()[:len(inner.getvalue()) // 2])
        raise Boom("disk died")
    monkeypatch.setattr(ser, "_write_record", half_write)
    with pytest.raises(Boom):
        pag.save({"w": pag.zeros(1000), "step": 2}, path)
    monkeypatch.setattr(ser, "_write_record", real_write)
    assert path.read_bytes() == good

    # 3) fsync failing (the data may not be on disk): the rename must not happen
    def bad_fsync(fd):
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(os, "fsync", bad_fsync)
    with pytest.raises(OSError):
        pag.save({"w": pag.zeros(3), "step": 3}, path)
    monkeypatch.undo()
    assert path.read_bytes() == good

    # 4) the rename itself failing
    def bad_replace(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", bad_replace)
    with pytest.raises(OSError):
        pag.save({"w": pag.zeros(3), "step": 4}, path)
    monkeypatch.undo()
    assert path.read_bytes() == good

    assert os.listdir(tmp_path) == ["ckpt.pt"]  # temporary files cleaned up
    d = pag.load(path)
    assert d["step"] == 1 and repr(d["w"]) == repr(torch.ones(3))
    pag.save({"w": pag.zeros(3), "step": 5}, path)
    assert pag.load(path)["step"] == 5
