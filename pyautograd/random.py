"""torch.random: the default CPU generator, seeding, and the generator state.

The random factories (rand, randn, randint, randperm, normal, bernoulli and the
*_like forms) and the in-place Tensor methods (uniform_, normal_, exponential_,
random_, bernoulli_) are op-table rows (cpp/bindings/random.cpp); the factories are
re-exported here. The sampling itself is C++ (cpp/random/) and reproduces torch's CPU streams bit for bit. `get_rng_state()` returns an int64
tensor of the 5056 state bytes (Note [RNG state tensor] in cpp/bindings/random.cpp).
"""
import contextlib

from . import _C
from ._C import (rand, randn, randint, randperm, normal, bernoulli, rand_like, randn_like,  # noqa: F401
                 randint_like)

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "fork_rng"]

Generator = _C.Generator
default_generator = _C.default_generator
Tensor = _C.Tensor


def manual_seed(seed):
    """Seeds the default generator; returns it. Negative seeds wrap modulo 2**64."""
    seed = int(seed)
    return default_generator.manual_seed(seed)


def seed():
    """Seeds the default generator with a non-deterministic number and returns it."""
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Restores the CPU generator's state on exit (there are no other devices to fork)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
