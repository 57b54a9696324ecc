"""Realistic mistakes in ch05-losses; tests/test_mistakes.py checks that the hidden tests catch each one."""

MISTAKES = [
    {"name": "mse-sum-not-mean",
     "code": '''
def mse(pred, target):
    diff = np.asarray(pred, dtype=float) - np.asarray(target, dtype=float)
    return float(np.sum(diff ** 2)), 2.0 * diff
''',
     "loses": ["test_mse"], "hint": ["mean"]},
    {"name": "mse-target-minus-pred-gradient",
     "code": '''
def mse(pred, target):
    diff = np.asarray(pred, dtype=float) - np.asarray(target, dtype=float)
    return float(np.mean(diff ** 2)), -2.0 * diff / diff.size
''',
     "loses": ["test_mse"], "hint": ["prediction minus target"]},
]
