#!/usr/bin/env python3
"""
An example model server: every prediction reads the features of the entities it scores from
Rewind in ONE batch call, scores them with a toy churn model, and prints one JSON line.

It keeps serving through a rollback (or a canary, or a kill switch): the version is read per
entity from each answer, never assumed, so a change of served version between two predictions
(or inside one batch, during a canary) is just data. A 503 is retried by the client (honouring
Retry-After); if Rewind stays unavailable, or a prediction fails for another transient reason,
the prediction is reported as skipped and the server goes on: a model server must not crash
because its feature store is having a bad second.

    REWIND_URL=http://127.0.0.1:3000 REWIND_TOKEN=$(npx rewind token --sub model --roles viewer) \\
      python3 examples/serve_model.py --view user_profile --entities u0001,u0002,u0003 --predictions 100

Standard library only; run from anywhere in the repository (it finds clients/python itself).
"""
import argparse
import json
import os
import sys
import time
from typing import Dict, Iterator, List, Optional

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))

from rewind_client import Client, RewindError, RewindUnavailable  # noqa: E402


def churn_score(features: Dict[str, object]) -> float:
    """A stand-in for a real model: fewer purchases and a smaller basket mean more churn."""
    purchases = float(features.get("purchases_30d") or 0)
    basket = float(features.get("avg_basket") or 0)
    premium = 1.0 if features.get("is_premium") else 0.0
    return round(1.0 / (1.0 + purchases * 0.3 + basket * 0.01 + premium), 4)


def predictions(client: Client, view: str, entities: List[str], count: Optional[int], interval: float) -> Iterator[Dict[str, object]]:
    """One record per prediction: the scores and the versions that served them (or why it was skipped)."""
    n = 0
    while count is None or n < count:
        n += 1
        try:
            batch = client.get_online_batch(view, entities)
            yield {
                "prediction": n,
                "versions": sorted({r.version for r in batch.results}),
                "scores": {r.entity: churn_score(r.features) for r in batch.results},
            }
        except RewindUnavailable as error:
            yield {"prediction": n, "skipped": error.code, "message": error.message}
        except RewindError as error:
            # 4xx is the caller's mistake (bad entity list, no permission): no retry helps.
            if error.status < 500 and error.status != 404:
                raise
            # 404: the view serves nothing (yet); a 5xx other than 503: report and go on.
            yield {"prediction": n, "skipped": error.code, "message": error.message}
        if interval > 0:
            time.sleep(interval)  # pacing between predictions, as request traffic would be


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("REWIND_URL", "http://127.0.0.1:3000"))
    parser.add_argument("--token", default=os.environ.get("REWIND_TOKEN"))
    parser.add_argument("--view", default="user_profile")
    parser.add_argument("--entities", required=True, help="comma-separated entity ids scored together (at most 100)")
    parser.add_argument("--predictions", type=int, default=None, help="stop after this many (default: until interrupted)")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between predictions")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("a token is needed: --token or REWIND_TOKEN")
    client = Client(args.url, args.token)
    try:
        for record in predictions(client, args.view, args.entities.split(","), args.predictions, args.interval):
            print(json.dumps(record), flush=True)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
