"""One name, one quantity (issue 17), as in the CLI: no keyword is `wd` (the
optimizer's decay is weight_decay, the Eq. 6 lambda is lambda_ everywhere),
`steps` counts updates (the trainers only), the noise levels a sampler visits
are `levels`."""
import inspect

import memgen


def keywords():
    for name in dir(memgen):
        obj = getattr(memgen, name)
        if inspect.isfunction(obj) or (inspect.isclass(obj) and not issubclass(obj, BaseException)):
            try:
                yield name, set(inspect.signature(obj).parameters)
            except (TypeError, ValueError):
                continue


def test_one_name_one_quantity():
    seen = dict(keywords())
    assert len(seen) > 10
    for name, params in seen.items():
        assert "wd" not in params, name
        if "steps" in params:
            assert name.startswith("train"), "%s: steps counts updates, noise levels are levels" % name
    assert {"weight_decay", "lambda_", "steps"} <= seen["train"]
    assert "weight_decay" in seen["train_tc"]
    for name in ("solve", "theory"):
        assert "lambda_" in seen[name], name
    for name in ("sample", "steer"):
        assert "levels" in seen[name], name
