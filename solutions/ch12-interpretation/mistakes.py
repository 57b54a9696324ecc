"""Realistic mistakes in ch12-interpretation; tests/test_mistakes.py checks that the hidden tests catch each one."""

MISTAKES = [
    # ------------------------------------------------------------------ Part 1: saliency_map
    {"name": "saliency-no-abs",
     "code": '''
def saliency_map(model, x, target):
    model.eval()
    x = x.detach().clone().requires_grad_(True)
    grad, = torch.autograd.grad(model(x).gather(1, target.view(-1, 1)).sum(), x)
    return grad
''',
     "loses": ["test_saliency_map"], "hint": ["absolute"]},
    {"name": "saliency-gradient-of-loss",
     "code": '''
def saliency_map(model, x, target):
    model.eval()
    x = x.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), target, reduction="sum")
    grad, = torch.autograd.grad(loss, x)
    return grad.abs()
''',
     "loses": ["test_saliency_map"], "hint": ["not of the loss"]},
    {"name": "saliency-softmax-probability",
     "code": '''
def saliency_map(model, x, target):
    model.eval()
    x = x.detach().clone().requires_grad_(True)
    p = F.softmax(model(x), dim=1).gather(1, target.view(-1, 1)).sum()
    grad, = torch.autograd.grad(p, x)
    return grad.abs()
''',
     "loses": ["test_saliency_map"], "hint": ["softmax probability"]},
    {"name": "saliency-no-eval",
     "code": '''
def saliency_map(model, x, target):
    x = x.detach().clone().requires_grad_(True)
    grad, = torch.autograd.grad(model(x).gather(1, target.view(-1, 1)).sum(), x)
    return grad.abs()
''',
     "loses": ["test_saliency_map"], "hint": ["model.eval()"]},
    {"name": "saliency-mutates-input",
     "code": '''
def saliency_map(model, x, target):
    model.eval()
    x.requires_grad_(True)
    grad, = torch.autograd.grad(model(x).gather(1, target.view(-1, 1)).sum(), x)
    x.requires_grad_(False)
    x.mul_(1.0).add_(grad.abs() * 0 + 1e-3)
    return grad.abs()
''',
     "loses": ["test_saliency_map"], "hint": ["clone x"]},
    # ------------------------------------------------------------------ Part 2: occlusion_map
    {"name": "occlusion-sum-not-mean",
     "code": '''
def occlusion_map(model, x, target, patch=2, stride=1, fill=0.0):
    model.eval()
    rows = target.view(-1, 1)
    with torch.no_grad():
        base = model(x).gather(1, rows).squeeze(1)
        total = torch.zeros_like(x)
        for i in range(0, 8 - patch + 1, stride):
            for j in range(0, 8 - patch + 1, stride):
                occ = x.clone()
                occ[:, :, i:i + patch, j:j + patch] = fill
                drop = base - model(occ).gather(1, rows).squeeze(1)
                total[:, :, i:i + patch, j:j + patch] += drop.view(-1, 1, 1, 1)
    return total
''',
     "loses": ["test_occlusion_map"], "hint": ["mean of the drops"]},
    {"name": "occlusion-sign-flipped",
     "code": '''
def occlusion_map(model, x, target, patch=2, stride=1, fill=0.0):
    model.eval()
    rows = target.view(-1, 1)
    with torch.no_grad():
        base = model(x).gather(1, rows).squeeze(1)
        total, count = torch.zeros_like(x), torch.zeros_like(x)
        for i in range(0, 8 - patch + 1, stride):
            for j in range(0, 8 - patch + 1, stride):
                occ = x.clone()
                occ[:, :, i:i + patch, j:j + patch] = fill
                drop = model(occ).gather(1, rows).squeeze(1) - base
                total[:, :, i:i + patch, j:j + patch] += drop.view(-1, 1, 1, 1)
                count[:, :, i:i + patch, j:j + patch] += 1
    return total / count.clamp(min=1)
''',
     "loses": ["test_occlusion_map"], "hint": ["positive when the square helped"]},
    {"name": "occlusion-in-place",
     "code": '''
def occlusion_map(model, x, target, patch=2, stride=1, fill=0.0):
    model.eval()
    rows = target.view(-1, 1)
    with torch.no_grad():
        base = model(x).gather(1, rows).squeeze(1)
        total, count = torch.zeros_like(x), torch.zeros_like(x)
        for i in range(0, 8 - patch + 1, stride):
            for j in range(0, 8 - patch + 1, stride):
                old = x[:, :, i:i + patch, j:j + patch].clone()
                x[:, :, i:i + patch, j:j + patch] = fill
                drop = base - model(x).gather(1, rows).squeeze(1)
                x[:, :, i:i + patch, j:j + patch] = old + 1e-3
                total[:, :, i:i + patch, j:j + patch] += drop.view(-1, 1, 1, 1)
                count[:, :, i:i + patch, j:j + patch] += 1
    return total / count.clamp(min=1)
''',
     "loses": ["test_occlusion_map"], "hint": ["x.clone()"]},
    # ------------------------------------------------------------------ Part 3: fgsm
    {"name": "fgsm-wrong-sign",
     "code": '''
def fgsm(model, x, y, eps):
    model.eval()
    x = x.detach().clone().requires_grad_(True)
    grad, = torch.autograd.grad(F.cross_entropy(model(x), y), x)
    return (x - eps * grad.sign()).clamp(0, 1).detach()
''',
     "loses": ["test_fgsm"], "hint": ["sign of the step"]},
    {"name": "fgsm-no-clipping",
     "code": '''
def fgsm(model, x, y, eps):
    model.eval()
    x = x.detach().clone().requires_grad_(True)
    grad, = torch.autograd.grad(F.cross_entropy(model(x), y), x)
    return (x + eps * grad.sign()).detach()
''',
     "loses": ["test_fgsm"], "hint": ["clip"]},
    {"name": "fgsm-raw-gradient",
     "code": '''
def fgsm(model, x, y, eps):
    model.eval()
    x = x.detach().clone().requires_grad_(True)
    grad, = torch.autograd.grad(F.cross_entropy(model(x), y), x)
    return (x + eps * grad).clamp(0, 1).detach()
''',
     "loses": ["test_fgsm"], "hint": ["sign of the gradient"]},
    {"name": "fgsm-gradient-of-score",
     "code": '''
def fgsm(model, x, y, eps):
    model.eval()
    x = x.detach().clone().requires_grad_(True)
    grad, = torch.autograd.grad(model(x).gather(1, y.view(-1, 1)).sum(), x)
    return (x + eps * grad.sign()).clamp(0, 1).detach()
''',
     "loses": ["test_fgsm"], "hint": ["LOSS of the true labels"]},
    {"name": "fgsm-no-eval",
     "code": '''
def fgsm(model, x, y, eps):
    x = x.detach().clone().requires_grad_(True)
    grad, = torch.autograd.grad(F.cross_entropy(model(x), y), x)
    return (x + eps * grad.sign()).clamp(0, 1).detach()
''',
     "loses": ["test_fgsm"], "hint": ["model.eval()"]},
    {"name": "fgsm-in-place",
     "code": '''
def fgsm(model, x, y, eps):
    model.eval()
    x.requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    with torch.no_grad():
        x += eps * x.grad.sign()
        x.clamp_(0, 1)
    x.grad = None
    x.requires_grad_(False)
    return x.clone()
''',
     "loses": ["test_fgsm"], "hint": ["copy of x"]},
    # ------------------------------------------------------------------ Part 4: accuracy_under_attack
    {"name": "accuracy-on-clean-images",
     "code": '''
def accuracy_under_attack(model, X, y, epsilons):
    accs = []
    for eps in epsilons:
        x_adv = fgsm(model, X, y, eps)
        with torch.no_grad():
            accs.append(float((model(X).argmax(1) == y).float().mean()))
    return accs
''',
     "loses": ["test_accuracy_under_attack"], "hint": ["ATTACKED images"]},
    {"name": "accuracy-attacks-accumulate",
     "code": '''
def accuracy_under_attack(model, X, y, epsilons):
    accs = []
    for eps in epsilons:
        X = fgsm(model, X, y, eps)
        with torch.no_grad():
            accs.append(float((model(X).argmax(1) == y).float().mean()))
    return accs
''',
     "loses": ["test_accuracy_under_attack"], "hint": ["original X"]},
    {"name": "accuracy-error-rate",
     "code": '''
def accuracy_under_attack(model, X, y, epsilons):
    accs = []
    for eps in epsilons:
        x_adv = fgsm(model, X, y, eps)
        with torch.no_grad():
            accs.append(float((model(x_adv).argmax(1) != y).float().mean()))
    return accs
''',
     "loses": ["test_accuracy_under_attack"], "hint": ["error rate"]},
    # ------------------------------------------------------------------ Part 5: targeted_masked_attack
    {"name": "targeted-wrong-sign",
     "code": '''
def targeted_masked_attack(model, x, target, mask, steps, step_size):
    model.eval()
    x_adv = x.detach().clone()
    for _ in range(steps):
        x_adv.requires_grad_(True)
        grad, = torch.autograd.grad(F.cross_entropy(model(x_adv), target), x_adv)
        x_adv = (x_adv.detach() + step_size * grad.sign() * mask).clamp(0, 1)
    return x_adv
''',
     "loses": ["test_targeted_masked_attack"], "hint": ["DOWN the loss"]},
    {"name": "targeted-leaks-outside-mask",
     "code": '''
def targeted_masked_attack(model, x, target, mask, steps, step_size):
    model.eval()
    x_adv = x.detach().clone()
    for _ in range(steps):
        x_adv.requires_grad_(True)
        grad, = torch.autograd.grad(F.cross_entropy(model(x_adv), target), x_adv)
        x_adv = (x_adv.detach() - step_size * grad.sign()).clamp(0, 1)
    return x_adv
''',
     "loses": ["test_targeted_masked_attack"], "hint": ["leaks outside the mask"]},
    {"name": "targeted-no-zero-grad",
     "code": '''
def targeted_masked_attack(model, x, target, mask, steps, step_size):
    model.eval()
    x_adv = x.detach().clone().requires_grad_(True)
    for _ in range(steps):
        F.cross_entropy(model(x_adv), target).backward()
        with torch.no_grad():
            x_adv -= step_size * x_adv.grad.sign() * mask
            x_adv.clamp_(0, 1)
    return x_adv.detach()
''',
     "loses": ["test_targeted_masked_attack"], "hint": ["fresh gradient"]},
    {"name": "targeted-uses-true-label",
     "code": '''
def targeted_masked_attack(model, x, target, mask, steps, step_size):
    model.eval()
    labels = model(x).argmax(1).detach()
    x_adv = x.detach().clone()
    for _ in range(steps):
        x_adv.requires_grad_(True)
        grad, = torch.autograd.grad(F.cross_entropy(model(x_adv), labels), x_adv)
        x_adv = (x_adv.detach() + step_size * grad.sign() * mask).clamp(0, 1)
    return x_adv
''',
     "loses": ["test_targeted_masked_attack"], "hint": ["TARGET class"]},
    {"name": "targeted-no-clipping",
     "code": '''
def targeted_masked_attack(model, x, target, mask, steps, step_size):
    model.eval()
    x_adv = x.detach().clone()
    for _ in range(steps):
        x_adv.requires_grad_(True)
        grad, = torch.autograd.grad(F.cross_entropy(model(x_adv), target), x_adv)
        x_adv = x_adv.detach() - step_size * grad.sign() * mask
    return x_adv
''',
     "loses": ["test_targeted_masked_attack"], "hint": ["clip"]},
    # ------------------------------------------------------------------ Part 6: answer_linear_saliency
    {"name": "answer-depends-on-x",
     "code": 'answer_linear_saliency = "a"',
     "loses": ["test_answer_linear_saliency"], "hint": ["x disappears"]},
    {"name": "answer-zero-gradient",
     "code": 'answer_linear_saliency = "d"',
     "loses": ["test_answer_linear_saliency"], "hint": ["constant gradient"]},
    # ------------------------------------------------------------------ Part 7: activation_maximisation
    {"name": "am-descent",
     "code": '''
def activation_maximisation(model, c, steps, lr, l2, device):
    model.eval()
    x = torch.full((1, 1, 8, 8), 0.5, device=device, requires_grad=True)
    for _ in range(steps):
        grad, = torch.autograd.grad(model(x)[0, c] - l2 * (x ** 2).sum(), x)
        with torch.no_grad():
            x -= lr * grad
    return x.detach()
''',
     "loses": ["test_activation_maximisation"], "hint": ["ASCENT"]},
    {"name": "am-prior-added",
     "code": '''
def activation_maximisation(model, c, steps, lr, l2, device):
    model.eval()
    x = torch.full((1, 1, 8, 8), 0.5, device=device, requires_grad=True)
    for _ in range(steps):
        grad, = torch.autograd.grad(model(x)[0, c] + l2 * (x ** 2).sum(), x)
        with torch.no_grad():
            x += lr * grad
    return x.detach()
''',
     "loses": ["test_activation_maximisation"], "hint": ["SUBTRACTED"]},
    {"name": "am-no-prior",
     "code": '''
def activation_maximisation(model, c, steps, lr, l2, device):
    model.eval()
    x = torch.full((1, 1, 8, 8), 0.5, device=device, requires_grad=True)
    for _ in range(steps):
        grad, = torch.autograd.grad(model(x)[0, c], x)
        with torch.no_grad():
            x += lr * grad
    return x.detach()
''',
     "loses": ["test_activation_maximisation"], "hint": ["prior is missing"]},
    {"name": "am-no-zero-grad",
     "code": '''
def activation_maximisation(model, c, steps, lr, l2, device):
    model.eval()
    x = torch.full((1, 1, 8, 8), 0.5, device=device, requires_grad=True)
    for _ in range(steps):
        (model(x)[0, c] - l2 * (x ** 2).sum()).backward()
        with torch.no_grad():
            x += lr * x.grad
    return x.detach()
''',
     "loses": ["test_activation_maximisation"], "hint": ["fresh gradient"]},
    {"name": "am-no-eval",
     "code": '''
def activation_maximisation(model, c, steps, lr, l2, device):
    x = torch.full((1, 1, 8, 8), 0.5, device=device, requires_grad=True)
    for _ in range(steps):
        grad, = torch.autograd.grad(model(x)[0, c] - l2 * (x ** 2).sum(), x)
        with torch.no_grad():
            x += lr * grad
    return x.detach()
''',
     "loses": ["test_activation_maximisation"], "hint": ["model.eval()"]},
]
