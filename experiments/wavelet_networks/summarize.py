"""Summarise the result JSONs of run.sh as the Markdown table in docs/results_wavelet_networks.md.

Usage: python experiments/wavelet_networks/summarize.py
"""

import json
import statistics
from pathlib import Path

HERE = Path(__file__).parent


def main() -> None:
    print("| task | model | parameters | seeds | test accuracy (mean ± std) | per seed | "
          "val accuracy | best epoch | wall s/epoch |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for task_dir in sorted(p for p in HERE.iterdir() if p.is_dir()):
        models = sorted({f.name.rsplit("_seed", 1)[0] for f in task_dir.glob("*_seed*.json")})
        for model in models:
            runs = [json.loads(f.read_text()) for f in sorted(task_dir.glob(f"{model}_seed*.json"))]
            acc = [r["test"]["accuracy"] for r in runs]
            val = [r["val"]["accuracy"] for r in runs]
            secs = [statistics.mean(h["seconds"] for h in r["history"]) for r in runs]
            std = statistics.stdev(acc) if len(acc) > 1 else float("nan")
            print(
                f"| {task_dir.name} | {model} (width {runs[0]['config']['width_multiplier']}) | "
                f"{runs[0]['n_parameters']:,} | {len(runs)} | "
                f"{100 * statistics.mean(acc):.2f} ± {100 * std:.2f} | "
                f"{', '.join(f'{100 * a:.1f}' for a in acc)} | "
                f"{100 * statistics.mean(val):.2f} | "
                f"{', '.join(str(r['best_epoch']) for r in runs)} | {statistics.mean(secs):.1f} |"
            )


if __name__ == "__main__":
    main()
