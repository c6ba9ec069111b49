"""A reference solution and a plausible wrong one for every code challenge in api/verification/challenges.json.

They live with the tests, not with the API: the server never needs them, and a challenge without both is
caught by test_banks.py."""

from __future__ import annotations

REFERENCE = {
    "python": '''
def merge(intervals):
    out = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out
''',
    "solidity": '''
def format_units(amount, decimals):
    whole, frac = divmod(amount, 10 ** decimals)
    frac = str(frac).rjust(decimals, "0").rstrip("0") if decimals else ""
    return f"{whole}.{frac}" if frac else str(whole)
''',
    "data-science": '''
from collections import Counter

def top_k_frequent(words, k):
    counts = Counter(words)
    return sorted(counts, key=lambda w: (-counts[w], w))[:k]
''',
    "machine-learning": '''
def knn_classify(train, point, k):
    px, py = point
    order = sorted(range(len(train)), key=lambda i: ((train[i][0][0] - px) ** 2 + (train[i][0][1] - py) ** 2, i))
    labels = [train[i][1] for i in order[:k]]
    votes = {}
    for label in labels:
        votes[label] = votes.get(label, 0) + 1
    best = max(votes.values())
    return next(label for label in labels if votes[label] == best)
''',
    "defi-protocol-design": '''
def amounts_out(amount_in, pools):
    amounts = [amount_in]
    for reserve_in, reserve_out in pools:
        a = amounts[-1] * 997
        amounts.append(a * reserve_out // (reserve_in * 1000 + a))
    return amounts
''',
    "token-economics": '''
def vested_amount(total, start, cliff, duration, now):
    if now < start + cliff:
        return 0
    if now >= start + duration:
        return total
    return total * (now - start) // duration
''',
}

# Each is close to right and fails at least one hidden case.
WRONG = {
    "python": '''
def merge(intervals):
    out = []
    for start, end in sorted(intervals):
        if out and start < out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out
''',
    "solidity": '''
def format_units(amount, decimals):
    return str(amount / 10 ** decimals)
''',
    "data-science": '''
from collections import Counter

def top_k_frequent(words, k):
    return [w for w, _ in Counter(words).most_common(k)]
''',
    "machine-learning": '''
from collections import Counter

def knn_classify(train, point, k):
    px, py = point
    near = sorted(train, key=lambda t: abs(t[0][0] - px) + abs(t[0][1] - py))[:k]
    return sorted(Counter(label for _, label in near).items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
''',
    "defi-protocol-design": '''
def amounts_out(amount_in, pools):
    amounts = [amount_in]
    for reserve_in, reserve_out in pools:
        a = amounts[-1]
        amounts.append(a * reserve_out // (reserve_in + a))
    return amounts
''',
    "token-economics": '''
def vested_amount(total, start, cliff, duration, now):
    if now >= start + duration:
        return total
    return max(0, total * (now - start) // duration)
''',
}
