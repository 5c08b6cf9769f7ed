#!/usr/bin/env python3
"""scikit-learn's IsolationForest, for EDAL's cross-check test.

Reads {"train": [[...]], "score": [[...]], "trees": N, "seed": S} as JSON from the file named by the first argument (or stdin); trains
sklearn.ensemble.IsolationForest(n_estimators=N, max_samples="auto", random_state=S) on "train" and
prints the anomaly scores s = -score_samples(x) of the "score" rows as a JSON list.
"""
import json
import sys

from sklearn.ensemble import IsolationForest


def main():
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as source:
            request = json.load(source)
    else:
        request = json.load(sys.stdin)
    forest = IsolationForest(n_estimators=request["trees"], max_samples="auto", random_state=request["seed"])
    forest.fit(request["train"])
    json.dump([-value for value in forest.score_samples(request["score"]).tolist()], sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
