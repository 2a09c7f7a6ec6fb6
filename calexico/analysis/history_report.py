"""The pictures and report.md of a history match (calexico.analysis.history_matching).

Figures: each wave's emulators against the runs (leave-one-out, with intervals); the share of
the space left per wave; and the two views of the region the literature uses: the minimum
implausibility (over every other factor) and the optical depth (the share of points that are
non-implausible), for single factors and for pairs (Vernon et al. 2010, fig. 5; hmer's
plot_lattice). And over the plausible sets, how many of the published waits each holds and which
factors go with holding more.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd

from calexico.analysis import validate
from calexico.running import runs

FIGURES = "figures"
BINS = 12


def _figure(**kwargs):
    """A figure outside pyplot: drawing a report never changes the caller's backend (a notebook's
    inline figures keep showing) and leaves no figure open.
    """
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def _save(fig, path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=100)
    tmp.replace(path)


def emulator_figure(wave, Y: np.ndarray, path: Path, ruled_out=None, most: int = 12):
    """Leave-one-out predictions against the runs' means, with 2-SD intervals; with `ruled_out` (the
    share of the space each emulator rules out) the ones that rule out most first: those are the
    ones whose accuracy matters.
    """
    order = np.argsort(-np.asarray(ruled_out), kind="stable") if ruled_out is not None else range(len(wave.emulators))
    shown = [wave.emulators[i] for i in order if wave.emulators[i].constant is None][:most]
    if not shown:
        return
    cols = min(4, len(shown))
    rows = math.ceil(len(shown) / cols)
    fig = _figure(figsize=(3.2 * cols, 2.8 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    names = [o.name for o in wave.observations]
    for ax, em in zip(axes.ravel(), shown, strict=False):
        i = names.index(em.name)
        y = Y[:, :, i].mean(axis=1)
        mean, sd = em.loo
        ax.errorbar(y, mean, yerr=2 * sd, fmt="o", ms=2, lw=0.6, alpha=0.7)
        lo, hi = float(min(y.min(), (mean - 2 * sd).min())), float(max(y.max(), (mean + 2 * sd).max()))
        ax.plot([lo, hi], [lo, hi], "k-", lw=0.8)
        ax.axvline(wave.observations[i].z, color="tab:red", lw=0.8)
        ax.set_title(em.name[:38], fontsize=7)
        ax.tick_params(labelsize=6)
    for ax in axes.ravel()[len(shown):]:
        ax.axis("off")
    fig.supxlabel("simulated (log, mean over seeds); red: observed", fontsize=8)
    fig.supylabel("emulator, leave-one-out (±2 SD)", fontsize=8)
    fig.suptitle(f"Wave {wave.number}: emulators against the runs", fontsize=9)
    fig.tight_layout()
    _save(fig, path)


def shown_factors(match, most: int = 6) -> list[int]:
    """The factors the last wave's emulators use most (weighted by how much each target rules out)."""
    score = np.zeros(len(match.plan.factors))
    for em in match.waves[-1].emulators:
        for rank, j in enumerate(em.active):
            score[j] += 1.0 / (1 + rank)
    order = [int(j) for j in np.argsort(-score, kind="stable") if score[j] > 0]
    return (order or list(range(len(match.plan.factors))))[:most]


def region_figures(match, folder: Path) -> dict:
    """1-D and 2-D minimum-implausibility and optical-depth plots from the uniform sample."""
    plan, U, imp = match.plan, match.mc, match.mc_implausibility
    alive = imp <= plan.cutoff
    chosen = shown_factors(match)
    edges = np.linspace(0, 1, BINS + 1)
    fig = _figure(figsize=(2.6 * len(chosen), 4.6))
    axes = fig.subplots(2, len(chosen), squeeze=False)
    for c, j in enumerate(chosen):
        b = np.clip(np.digitize(U[:, j], edges) - 1, 0, BINS - 1)
        min_i = np.array([imp[b == k].min() if (b == k).any() else np.nan for k in range(BINS)])
        depth = np.array([alive[b == k].mean() if (b == k).any() else np.nan for k in range(BINS)])
        f = plan.factors[j]
        x = f.bounds[0] + (edges[:-1] + 0.5 / BINS) * (f.bounds[1] - f.bounds[0])
        axes[0, c].plot(x, min_i, "o-", ms=3)
        axes[0, c].axhline(plan.cutoff, color="tab:red", lw=0.8)
        axes[1, c].bar(x, depth, width=(x[1] - x[0]) * 0.9 if len(x) > 1 else 1)
        axes[1, c].set_xlabel(f.name.split(".", 1)[-1][:28], fontsize=7)
        for ax in axes[:, c]:
            ax.tick_params(labelsize=6)
    axes[0, 0].set_ylabel("minimum implausibility", fontsize=8)
    axes[1, 0].set_ylabel("optical depth", fontsize=8)
    fig.suptitle("The region left, one factor at a time (uniform sample, all waves)", fontsize=9)
    fig.tight_layout()
    one = f"{FIGURES}/region_1d.png"
    _save(fig, folder / one)

    pair = chosen[:4]
    n = len(pair)
    fig = _figure(figsize=(2.4 * n + 1.5, 2.4 * n))
    axes = fig.subplots(n, n, squeeze=False)
    images = {}
    for r, a in enumerate(pair):
        for c, b in enumerate(pair):
            ax = axes[r, c]
            ax.tick_params(labelsize=5)
            if r == c:
                ax.text(0.5, 0.5, plan.factors[a].name.split(".", 1)[-1][:24], ha="center", va="center",
                        fontsize=6, wrap=True)
                ax.set_xticks([])
                ax.set_yticks([])
                continue
            ba = np.clip(np.digitize(U[:, a], edges) - 1, 0, BINS - 1)
            bb = np.clip(np.digitize(U[:, b], edges) - 1, 0, BINS - 1)
            grid = np.full((BINS, BINS), np.nan)
            for i in range(BINS):
                for k in range(BINS):
                    cell = (ba == i) & (bb == k)
                    if cell.any():
                        grid[i, k] = imp[cell].min() if r > c else alive[cell].mean()
            if r > c:  # below the diagonal: minimum implausibility
                images["imp"] = ax.imshow(grid, origin="lower", extent=(0, 1, 0, 1), vmin=0, vmax=2 * plan.cutoff,
                                          cmap="viridis_r", aspect="auto")
            else:  # above: optical depth
                images["depth"] = ax.imshow(grid, origin="lower", extent=(0, 1, 0, 1), vmin=0, vmax=1,
                                            cmap="magma", aspect="auto")
    fig.suptitle("Pairs: minimum implausibility (below the diagonal), optical depth (above); axes in units "
                 "of each factor's range", fontsize=7)
    if "imp" in images:
        fig.colorbar(images["imp"], ax=axes.ravel().tolist(), shrink=0.45, label="minimum implausibility")
        fig.colorbar(images["depth"], ax=axes.ravel().tolist(), shrink=0.45, label="optical depth")
    two = f"{FIGURES}/region_2d.png"
    _save(fig, folder / two)
    return {"1d": one, "2d": two}


def waves_figure(match, folder: Path) -> str:
    """The share of the original space left after each wave (log scale)."""
    t = match.table
    fig = _figure(figsize=(5, 3))
    ax = fig.subplots()
    share = np.maximum(t["share_nonimplausible"].to_numpy(float), 0.5 / len(match.mc))
    ax.semilogy([0, *t["wave"]], [1.0, *share], "o-")
    ax.set_xlabel("wave")
    ax.set_ylabel("share of the space left")
    ax.set_xticks([0, *t["wave"]])
    fig.tight_layout()
    path = f"{FIGURES}/waves.png"
    _save(fig, folder / path)
    return path


def _ordinal(k: int) -> str:
    return {1: "largest", 2: "second largest", 3: "third largest"}.get(k, f"{k}th largest")


def _pct(x: float, n: int) -> str:
    if x <= 0:
        return f"< {100 / n:.3g}%"
    return f"{100 * x:.3g}%"


def wait_checks_over_sets(plausible: pd.DataFrame, fit: pd.DataFrame, wait_checks: set, factors: list,
                          most: int = 6) -> tuple[pd.Series, pd.Series]:
    """How many of the wait checks each plausible set holds, and the factors that go with holding more.

    `calexico validate` keeps the published waits out of the fit; over the match's plausible sets
    they point at the assumptions those waits pull on. The pointer is Spearman's rank correlation over
    the sets (a factor held fixed, or one the sets never vary, has none): an association among
    sets that all fit, not an effect.

    Args:
        plausible: `plausible.csv`, one row per set with its factors' values.
        fit: `plausible_fit.csv`, each set's fit to every target (`within` its tolerance).
        wait_checks: names of the targets that are wait checks.
        factors: names of the factors the match varied.
        most: how many factors to return.

    Returns:
        (wait checks each set holds, indexed by set; the `most` factors with the largest |rho|, rho
        by factor).
    """
    held = fit[fit["target"].isin(wait_checks)].groupby("set")["within"].sum().astype(int)
    values = plausible.set_index("set").loc[held.index, [f for f in factors if f in plausible.columns]]
    varied = values.loc[:, values.nunique() > 1]
    rho = varied.corrwith(held.astype(float), method="spearman").dropna()
    return held, rho[rho.abs().sort_values(ascending=False).index[:most]]


def _wait_check_lines(match) -> list[str]:
    """The report's section on the wait checks over the plausible sets (none without such checks)."""
    names = {o.name for o in match.observations if o.target.role == "check" and validate.is_wait(o.target.quantity)}
    p, fit = match.plausible, match.plausible_fit
    if not names or len(p) < 2:
        return []
    held, rho = wait_checks_over_sets(p, fit, names, [f.name for f in match.plan.factors])
    every_fit = p.set_index("set")["fit_targets_within"] == (fit["role"] == "fit").groupby(fit["set"]).sum()
    lines = ["", "## The wait checks over the plausible sets", "",
             f"Of the {len(names)} published waits `calexico validate` checks (out of sample there; here each is a "
             "target with its wide errors), how many each plausible set holds within its tolerance:", "",
             "| Wait checks held | Sets | Of them, every fit target within |", "|---:|---:|---:|"]
    for k, sets in held.groupby(held):
        lines.append(f"| {k} of {len(names)} | {len(sets)} | {int(every_fit.loc[sets.index].sum())} |")
    if len(rho):
        lines += ["", "The factors that go with holding more of them (Spearman's rank correlation over the sets: "
                  "a pointer to the assumptions the waits pull on, not an effect):", ""]
        lines += [f"- `{name}`: {r:+.2f}" for name, r in rho.items()]
    return lines


def write(folder: Path, match) -> Path:
    """report.md with its figures."""
    folder = Path(folder)
    plan = match.plan
    figures = {"waves": waves_figure(match, folder), **region_figures(match, folder)}
    t = match.table
    lines = ["# History match", "",
             f"Scenario `{plan.scenario}`, {len(plan.factors)} factors (each over its documented range), "
             f"{len(match.observations)} observed quantities; {plan.waves} waves asked of {plan.points} points "
             f"x {plan.reps} seeds; {'a full year' if plan.days is None else f'{plan.days} days'} per run; "
             f"cut-off {plan.cutoff:g} on the {_ordinal(plan.max_rank)} implausibility over the targets"
             ". The method and the errors: docs/history_matching.md.", ""]
    if match.stopped:
        lines += [f"**Stopped early:** {match.stopped}.", ""]
    lines += ["## Waves", "",
              "Share left: of a uniform sample of the original space, the share no wave so far rules out.", "",
              f"![share left]({figures['waves']})", "",
              "Near best: the design points drawn around the ten runs so far that came closest. Closest: the "
              "wave's smallest closeness (1 or less is a plausible set: the larger of the second-largest "
              "implausibility over the cut-off and the largest count error over its tolerance).", "",
              "| Wave | Points | Near best | Runs | Share left | Sampling acceptance | Emulators | Median LOO R² | "
              "LOO within 3 SD | Closest | Rule out most |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in t.itertuples():
        lines.append(f"| {r.wave} | {r.points} | {getattr(r, 'near_best', 0)} | {r.runs} | "
                     f"{_pct(r.share_nonimplausible, len(match.mc))} | "
                     f"{100 * r.sampling_acceptance:.3g}% | {r.emulators} | {r.median_loo_r2:.2f} | "
                     f"{100 * r.loo_within_3sd:.0f}% | {getattr(r, 'closest', float('nan')):.2f} | "
                     f"{r.rules_out_most} |")
    lines += ["", "Each wave's emulator diagnostics are in `wave_K/emulators.csv` and `wave_K/emulators.png` "
              "(leave-one-out predictions against the runs, ±2 SD).", "",
              "## The region left", "",
              f"![1-D]({figures['1d']})", "", f"![2-D]({figures['2d']})", "",
              "## Plausible sets (run by the model)", ""]
    p = match.plausible
    runs_total = sum(len(d) for d in match.designs)
    lines.append(f"{len(p)} of the {runs_total} design points run have runs within the cut-off and every count "
                 "the calibration fits within its tolerance (`plausible.csv`; every target's fit: "
                 "`plausible_fit.csv`). The waits are held by their implausibility alone.")
    if len(p):
        fit = match.plausible_fit
        fits = fit[fit["role"] == "fit"]
        lines += ["", "| Set | Wave | Implausibility | Worst target | Counts within | Fit targets within | "
                  "All targets within |",
                  "|---:|---:|---:|---|---:|---:|---:|"]
        for r in p.sort_values("implausibility").head(15).itertuples():
            lines.append(f"| {r.set} | {r.wave} | {r.implausibility:.2f} | {r.worst_target} | "
                         f"{r.counted_targets_within} | {r.fit_targets_within} | {r.targets_within} of {r.targets} |")
        worst = fits.groupby("target")["error"].agg(lambda e: e.abs().max())
        lines += ["", "Largest error of any plausible set on each fit target:", ""]
        lines += [f"- {name}: {100 * e:.1f}%" for name, e in worst.items()]
        lines += _wait_check_lines(match)
    lines += ["", "## Targets", "", "| Target | Role | Observation SD | Discrepancy SD | Why |",
              "|---|---|---:|---:|---|"]
    for o in match.observations:
        lines.append(f"| {o.name} | {o.target.role} | {100 * o.observation_sd:.1f}% | "
                     f"{100 * o.discrepancy_sd:.1f}% | {o.reason} |")
    if match.left_out:
        lines += ["", "Left out:", ""]
        reasons = pd.Series([r for _, r in match.left_out]).value_counts()
        for reason, n in reasons.items():
            lines.append(f"- {n} target{'s' if n > 1 else ''}: {reason}")
    text = "\n".join(lines) + "\n"
    path = folder / "report.md"
    runs.atomic_write(path, text.encode())
    return path
