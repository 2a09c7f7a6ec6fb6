"""The `calexico` command line.

Each subcommand is a function `cmd_<name>(args) -> int` registered in `COMMANDS` with its
argument parser; a user's mistake (`ParameterError`) becomes a one-line message and exit
code 2, never a traceback.
"""

import os
import signal
import sys
from pathlib import Path


def _interrupted_while_starting(*_):
    # Ctrl-C while the model's libraries load: nothing is written yet, so end at once, quietly.
    print("calexico: interrupted (Ctrl-C)", file=sys.stderr)
    os._exit(130)


# The command, not an import by a test or notebook, nor by a worker process a pool spawned
# (multiprocessing imports the command's main module into it as __mp_main__).
if Path(sys.argv[0]).name in ("calexico", "cli.py") and __name__ != "__mp_main__":
    signal.signal(signal.SIGINT, _interrupted_while_starting)

import argparse  # noqa: E402  (after the handler: the imports below take seconds)
import contextlib  # noqa: E402

from calexico.formatting import money as _money  # noqa: E402
from model.parameters import ParameterError  # noqa: E402

# `calexico run`'s default replications: enough for an interval, few enough that `make run`
# stays under one Mesa Boltzmann yardstick on a two-core machine. Processes default to the idle
# cores, at most two (`runs.idle_workers`); results do not depend on them.
RUN_REPS = 2


def format_summary(summary: dict) -> str:
    """A readable summary of one run (and its impact against no delay, if present)."""
    s = summary
    over = "over the year" if s["days"] >= 365 else f"over the run, {s['days']} days"
    out = [
        f"Scenario {s['scenario']!r}, seed {s['seed']}, {s['days']} days ({s['first_day']} to {s['last_day']})",
        f"  Calexico East northbound trucks: {s['northbound_trucks']:,.0f}"
        f" ({s['northbound_trucks_loaded']:,.0f} loaded)",
        f"  Commercial wait: mean {s['mean_commercial_wait_min']:.1f} min,"
        f" typical daily p95 {s['p95_commercial_wait_min']:.1f} min",
        f"  Northbound crossing, Mexican export customs to US release: mean"
        f" {s['mean_northbound_crossing_time_min']:.1f} min (certified {s['mean_certified_crossing_time_min']:.1f},"
        f" standard {s['mean_standard_crossing_time_min']:.1f}; at the export customs"
        f" {s['mean_mx_export_time_in_port_min']:.1f}; US time in port {s['mean_commercial_time_in_port_min']:.1f})",
        f"  Diverted trucks: Otay Mesa {s['diverted_trucks']['otay_mesa']:,.0f},"
        f" San Luis {s['diverted_trucks']['san_luis']:,.0f}",
        f"  Pedestrians: West {s['pedestrians']['calexico_west']:,.0f},"
        f" East {s['pedestrians']['calexico_east']:,.0f};"
        f" passenger vehicles: West {s['passenger_vehicles']['calexico_west']:,.0f},"
        f" East {s['passenger_vehicles']['calexico_east']:,.0f}",
        f"  Trade: north {_money(s['trade_value_usd']['north'])}, south {_money(s['trade_value_usd']['south'])}",
        f"  Jobs (mean {over}): direct US {s['jobs']['direct_us']:,.0f}, MX {s['jobs']['direct_mx']:,.0f};"
        f" total US {s['jobs']['total_us']:,.0f}, MX {s['jobs']['total_mx']:,.0f}",
        f"  Costs of waiting {over}: " + ", ".join(
            f"{k.replace('_', ' ')} {_money(v)}" for k, v in s["costs_usd"].items() if k != "total")
        + f"; total {_money(s['costs_usd']['total'])}",
    ]
    impact = s.get("impact_vs_no_delay")
    if impact:
        out += format_impact(impact)
    return "\n".join(out)


def _ci(stat: dict, fmt) -> str:
    """A mean with its 95% interval, e.g. "$115.0M [$110.2M, $119.9M]"."""
    if stat["ci95_low"] is None:
        return fmt(stat["mean"])
    return f"{fmt(stat['mean'])} [{fmt(stat['ci95_low'])}, {fmt(stat['ci95_high'])}]"


def _jobs(x: float) -> str:
    return f"{x:+,.0f}"


def format_impact(impact: dict) -> list[str]:
    """The headline: each impact's mean over the paired replications with its 95% interval;
    sections the model does not report are left out.
    """
    n, seeds = impact["replications"], impact["seeds"]
    seeds_text = f"seed {seeds[0]}" if n == 1 else f"seeds {seeds[0]}-{seeds[-1]}"
    ci = "" if n == 1 else ", [95% CI]"
    out = [f"What today's delay costs: this scenario minus a port with no waiting, mean of {n} paired"
           f" replication{'s' if n > 1 else ''} ({seeds_text}{ci}):"]
    c = impact["costs_usd"]
    out.append(f"  Costs: {_ci(c['total'], _money)} over the run: " + ", ".join(
        f"{k.replace('_', ' ')} {_money(v['mean'])}" for k, v in c.items() if k != "total"))
    for key, label in (("output_lost_usd", "Output lost"), ("value_added_lost_usd", "Value added lost")):
        if key in impact:
            parts = []
            for side, section in impact[key].items():
                total = section["total"] if "total" in section else None
                if "direct" not in section:  # by sector, with the side's total
                    sectors = {k: v for k, v in section.items() if k != "total"}
                    whole = _ci(total, _money) if total else _money(sum(v["mean"] for v in sectors.values()))
                    parts.append(f"{side.upper()} {whole} (" + ", ".join(
                        f"{k.replace('_', ' ')} {_money(v['mean'])}" for k, v in sectors.items()) + ")")
                else:
                    parts.append(f"{side.upper()} {_ci(total, _money)} ({_money(section['direct']['mean'])} direct)")
            out.append(f"  {label}: " + "; ".join(parts))
    if "jobs" in impact:
        out.append("  Jobs (input-output, from lost output): " + "; ".join(
            f"{side.upper()} {_ci(j['total'], _jobs)} total ({_jobs(j['direct']['mean'])} direct,"
            f" {_jobs(j['indirect']['mean'])} indirect, {_jobs(j['induced']['mean'])} induced)"
            for side, j in impact["jobs"].items()))
    if "agent_jobs_response" in impact:
        out.append("  Agents' employment response: " + ", ".join(
            f"{k.replace('_', ' ')} {_ci(v, _jobs)}" for k, v in impact["agent_jobs_response"].items()))
    out.append(f"  Visitors' spending in the US: {_ci(impact['visitor_spending_usd'], _money)};"
               f" trade north {_ci(impact['trade_value_usd']['north'], _money)};"
               f" northbound trucks {_ci(impact['northbound_trucks'], lambda x: f'{x:+,.0f}')}")
    return out


def cmd_run(args) -> int:
    """Run one scenario (default: the baseline) and its no-delay counterfactual; write the results and
    the one-page report (report.html, report.png, report.pdf).
    """
    from calexico.running import runs, scenarios, storage, window
    from calexico.views import impact_report

    if args.days is not None and args.days < 1:
        raise ParameterError("command line", "--days", args.days, "a whole number of days, 1 or more")
    scenario = window.apply(scenarios.load(args.scenario), args.start, args.end, args.days)
    if args.seed < 0:
        raise ParameterError("command line", "--seed", args.seed, "a whole number, 0 or more")
    if args.reps < 1:
        raise ParameterError("command line", "--reps", args.reps, "a whole number of replications, 1 or more")
    workers = runs.idle_workers() if args.workers is None else args.workers
    if workers < 1:
        raise ParameterError("command line", "--workers", workers, "a whole number, 1 or more")
    if args.plausible:
        return _run_plausible(args, workers)
    out = Path(args.out or Path("results") / Path(args.scenario).stem)
    span = window.of(scenario.params)
    window.warn(scenario, span)
    folder = storage.RunFolder(out)  # a bad --out fails now, not after the run
    try:
        with _progress(scenario.name, args.reps, workers) as on_done:
            result = runs.run_with_impact(scenario, seed=args.seed, reps=args.reps, workers=workers,
                                          on_done=on_done)
        page = impact_report.from_run(result.summary, span, scenario.events, scenario.description,
                                      runs.manifest(result)["code_version"])
        runs.write(result, out, folder, extra=impact_report.files(page))
    finally:
        folder.discard()
    print(format_summary(result.summary))
    for caveat in page.caveats:
        print(f"  Note: {caveat}")
    print(f"Results written to {out}/ (daily.parquet, summary.json, scenario.toml, manifest.json);"
          f" the one-page report: {out}/report.html (figure report.png, report.pdf)")
    return 0


def _run_plausible(args, workers: int) -> int:
    """`run --plausible DIR`: the impact over a history match's plausible sets x seeds, both intervals."""
    from calexico.analysis import plausible
    from calexico.running import storage

    out = Path(args.out or Path("results") / f"plausible_{Path(args.scenario).stem}")
    storage.check_out_folder(out)
    table = plausible.headline(args.scenario, args.plausible, reps=args.reps, days=args.days, seed=args.seed,
                               sets=args.sets, out=out, workers=workers)
    print(plausible.format_table(table, f"What today's delay costs in {args.scenario!r} (minus no delay)"))
    print(f"Every impact with both intervals: {out}/impacts.csv")
    return 0


@contextlib.contextmanager
def _progress(name: str, reps: int, workers: int):
    """Say on stderr what is being simulated, with a bar of the runs, when stderr is a terminal.

    Why: a year's run takes seconds to minutes, and the first ever run also compiles the queue
    kernel (numba caches it beside model/queue_kernel.py); a user should see the command working.
    Only on a terminal: a script or log that reads stderr gets errors and nothing else there, so
    an interruption or a refusal stays one line.
    """
    from tqdm import tqdm

    if not _is_terminal(sys.stderr):
        yield lambda: None
        return
    first = "" if _kernel_compiled() else "; the first run compiles the queue kernel first (once, about a minute)"
    print(f"Simulating {name}: {reps} paired replication{'s' if reps > 1 else ''} (the scenario and its no-delay"
          f" twin) on {workers} process{'es' if workers > 1 else ''}{first}", file=sys.stderr, flush=True)
    with tqdm(total=2 * reps, unit="run", file=sys.stderr, disable=None, leave=False, dynamic_ncols=True) as bar:
        yield lambda: bar.update(1)


def _is_terminal(stream) -> bool:
    """Whether a stream is an interactive terminal (False for pipes, files and closed streams)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _kernel_compiled() -> bool:
    """Whether numba's cache already holds the compiled queue kernel."""
    import model

    folder = Path(os.environ.get("NUMBA_CACHE_DIR") or Path(model.__file__).parent / "__pycache__")
    return any(folder.rglob("queue_kernel.*.nbi"))


def cmd_scenarios(args) -> int:
    """List the named scenarios with their descriptions."""
    from calexico.running import scenarios

    for name, description in scenarios.available().items():
        print(f"{name:28s} {description}")
    return 0


def _number(value) -> str:
    """A parameter's value as a reader writes it: 100,000,000,000 not 100000000000.0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer() and abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.6g}"


def cmd_parameters(args) -> int:
    """List every parameter with its default, unit, range and provenance.

    The filter is a key prefix (`port`, `lines.west_`) or a glob (`*primary_min`), so `port`
    lists the port's keys, not every key with "port" inside it.
    """
    import fnmatch

    from model.parameters import SPECS

    pattern = args.filter
    glob = any(c in pattern for c in "*?[")
    chosen = [spec for spec in SPECS.values()
              if not pattern or (fnmatch.fnmatchcase(spec.key, pattern) if glob else spec.key.startswith(pattern))]
    if not chosen:
        raise ParameterError("calexico parameters", "filter", pattern,
                             "a prefix or glob of at least one key, e.g. port, lines.west_ or '*primary_min'")
    for spec in chosen:
        allowed = (f"one of {list(spec.choices)}" if spec.choices is not None
                   else f"{_number(spec.min)} to {_number(spec.max)}" if spec.min is not None or spec.max is not None
                   else f"a {type(spec.default).__name__}")
        print(f"{spec.key} = {_number(spec.default)} {spec.unit} (allowed: {allowed}); "
              f"{spec.provenance_kind}: {spec.provenance}")
    return 0


def cmd_docs(args) -> int:
    """Regenerate the parameter tables in docs/odd.md and the output dictionary docs/outputs.md."""
    from calexico.views import docs

    changed = docs.regenerate(check=args.check)
    for path in changed:
        print(f"{'out of date' if args.check else 'rewrote'}: {path}")
    if not changed:
        print("docs are up to date")
    return 1 if args.check and changed else 0


def cmd_batch(args) -> int:
    """Run a batch spec; exit 1 if any run failed (each failure is recorded in its run file)."""
    from calexico.running import batch, storage

    spec = batch.load_spec(args.spec)
    out = Path(args.out or Path("batches") / Path(args.spec).stem)
    if args.workers < 1:
        raise ParameterError("command line", "--workers", args.workers, "a whole number, 1 or more")
    spec = _batch_window(spec, args)
    storage.check_out_folder(out)
    with _chosen_executor(args) as executor:
        done = batch.run_batch(spec, out, executor=executor, workers=args.workers, resume=args.resume)
    print(f"Batch {args.spec}: {done['total']} runs, {done['skipped']} already done, {done['ok']} ok,"
          f" {done['failed']} failed; results in {out}/")
    _print_failures(done)
    return 1 if done["failed"] else 0


def _batch_window(spec, args):
    """The spec with the window `--start`/`--end` ask for (as its parameters and days); warns for
    each scenario whose events the window misses.
    """
    from calexico.running import batch, window
    from model.parameters import resolve

    def params_of(scenario, spec):
        days = {"simulation.days": spec.days} if spec.days else {}
        return resolve({**scenario.overrides, **spec.fixed, **days}, spec.path)

    if args.start is not None or args.end is not None:
        extra = window.overrides(params_of(spec.scenarios[0], spec), args.start, args.end)
        raw = dict(spec.raw)
        if "simulation.days" in extra:
            raw["days"] = extra.pop("simulation.days")
        raw["parameters"] = {**spec.fixed, **extra}
        spec = batch.check_spec(raw, spec.path, Path(args.spec).parent)
    for scenario in spec.scenarios:
        window.warn(scenario, window.of(params_of(scenario, spec)))
    return spec


@contextlib.contextmanager
def _chosen_executor(args):
    """The executor `--executor` names (None: the local pool), shut down afterwards."""
    if args.executor != "dask":
        yield None
        return
    from calexico.running import pools

    executor, close = pools.dask_executor(args.workers, args.scheduler)
    try:
        yield executor
    finally:
        close()


def _print_failures(done: dict):
    for run, error in sorted(done["errors"].items()):
        print(f"  run {run} failed: {error}", file=sys.stderr)


def cmd_sensitivity(args) -> int:
    """Screen the labelled assumptions against the headline impacts; exit 1 if any run failed."""
    from calexico.analysis import screening
    from calexico.running import storage

    if args.workers < 1:
        raise ParameterError("command line", "--workers", args.workers, "a whole number, 1 or more")
    factors = screening.choose_factors(args.factors)
    narrowed = {}
    if args.plausible:
        from calexico.analysis import plausible

        factors, narrowed = plausible.restrict_factors(factors, args.plausible)
    factors, groups = screening.choose_groups(factors, args.groups if args.method == "morris" else "none")
    outcomes = screening.choose_outcomes(args.outcomes, screening.impact_shape(args.scenario))
    plan = screening.Plan(factors, outcomes, args.method, args.scenario, args.days, args.reps, args.seed,
                          args.trajectories, samples=args.samples, points=args.points, groups=groups)
    out = Path(args.out or Path("results") / f"sensitivity_{args.method}")
    storage.check_out_folder(out)  # a bad --out fails now, not with a traceback after the design
    try:
        with _chosen_executor(args) as executor:
            done = screening.run_study(plan, out, executor=executor, workers=args.workers, resume=args.resume)
    except screening.Incomplete as err:
        print(f"sensitivity: {err}", file=sys.stderr)
        return 1
    screened = f" in {len({f.group or f.name for f in factors})} groups and lone factors" if groups else ""
    print(f"Sensitivity ({args.method}): {len(factors)} factors{screened}, {done['total']} paired runs, "
          f"{done['skipped']} already done, {done['ok']} ok, {done['failed']} failed; results in {out}/")
    _print_failures(done)
    if done["failed"]:
        print("  no indices: every run is needed; fix the cause and run the same command with --resume",
              file=sys.stderr)
        return 1
    if args.plausible:
        _collapsed(args, out, narrowed)
    print(f"Report: {out}/sensitivity.md")
    return 0


def _collapsed(args, out: Path, narrowed: dict):
    """Say how many design points collapsed (cost of delay above 5 x the baseline's), in the report too."""
    from calexico.analysis import plausible
    from calexico.running import runs

    base = plausible.baseline_cost(args.scenario, args.days, max(args.reps, 2), args.workers)
    share, n = plausible.collapsed_share(out, base)
    text = (f"\n## Inside the plausible region\n\nFactor ranges narrowed to the region the history match in "
            f"`{args.plausible}` left ({len(narrowed)} factors; the 2.5-97.5 percentiles of its model-run "
            f"plausible sets). Design points whose cost of delay is above {plausible.COLLAPSE_FACTOR:g} x the "
            f"baseline's "
            f"(${base / 1e6:,.1f}M): {100 * share:.1f}% of {n}.\n\nInside this region the ranking says which "
            f"assumptions the observations leave loose and still move the impacts: the data listed for the "
            f"highest of them under \"Data worth collecting\" are the observations that would narrow the "
            f"headline's \"what the data leave unknown\" interval most.\n")
    report = out / "sensitivity.md"
    if report.exists():
        from calexico.analysis import sensitivity_report

        head = report.read_text().replace(sensitivity_report.DOCUMENTED_RANGES,
                                          "each over the range the history match left (see the last section)")
        runs.atomic_write(report, (head + text).encode())
    print(f"Collapsed design points (cost of delay above {plausible.COLLAPSE_FACTOR:g} x the baseline's "
          f"${base / 1e6:,.1f}M): {100 * share:.1f}% of {n}")


def cmd_history_match(args) -> int:
    """History matching: waves of runs and emulators rule out what the observations do not allow."""
    from calexico.analysis import history_matching as hm
    from calexico.running import storage

    if args.workers < 1:
        raise ParameterError("command line", "--workers", args.workers, "a whole number, 1 or more")
    storage.check_out_folder(args.out)
    plan = hm.Plan(hm.choose_factors(args.factors), args.scenario, args.days, args.waves, args.points, args.reps,
                   args.seed, args.seed, args.cutoff, args.max_rank, targets_path=args.targets,
                   errors_path=args.errors)

    def said(k, row):
        print(f"wave {k}: {row['points']} points x {plan.reps} seeds; share of the space left "
              f"{100 * row['share_nonimplausible']:.3g}%; rules out most: {row['rules_out_most']}", flush=True)

    try:
        with _history_executor(args) as executor:
            match = hm.history_match(plan, Path(args.out), executor=executor, workers=args.workers,
                                     resume=args.resume, on_wave=said)
    except hm.Incomplete as err:
        print(f"history-match: {err}", file=sys.stderr)
        return 1
    if match.stopped:
        print(f"stopped: {match.stopped}")
    print(f"{len(match.plausible)} plausible parameter sets (run by the model, within the cut-off and every "
          f"count's tolerance); report: {args.out}/report.md")
    return 0


def cmd_hindcast(args) -> int:
    """The hindcast: the model month by month with the ports' dated changes, against BTS."""
    from calexico.analysis import hindcast
    from calexico.running import storage

    if args.workers < 1:
        raise ParameterError("command line", "--workers", args.workers, "a whole number, 1 or more")
    if args.reps < 1:
        raise ParameterError("command line", "--reps", args.reps, "a whole number of replications, 1 or more")
    hindcast.month_range(args.start, args.end)
    storage.check_out_folder(args.out)
    try:
        with _chosen_executor(args) as executor:
            hindcast.run(args.out, args.start, args.end, reps=args.reps, workers=args.workers, executor=executor,
                         resume=args.resume)
    except RuntimeError as err:
        print(f"hindcast: {err}", file=sys.stderr)
        return 1
    if args.docs:
        hindcast.write_docs_section(args.out, args.docs)
        print(f"Hindcast section written into {args.docs}")
    print(f"Hindcast {args.start}..{args.end}, {args.reps} replications: monthly.csv, fit.csv, figures/ and "
          f"report.md in {args.out}/")
    return 0


@contextlib.contextmanager
def _history_executor(args):
    """The executor of `history-match --executor`: the local pool (None), Dask, or SLURM through Dask."""
    if args.executor == "pool":
        yield None
        return
    from calexico.running import pools

    if args.executor == "dask":
        executor, close = pools.dask_executor(args.workers, args.scheduler)
    else:
        executor, close = pools.slurm_executor(args.workers)
    try:
        yield executor
    finally:
        close()


def cmd_results(args) -> int:
    """Print a batch's tidy table (or write it to CSV/parquet)."""
    from calexico.running import results, storage

    if args.csv:
        storage.check_out_file(args.csv, "--csv")
    table = results.load(args.dir)
    if args.csv:
        table.to_csv(args.csv, index=False)
        print(f"{len(table)} runs written to {args.csv}")
    else:
        print(results.overview(table).to_string())
    return 0


def cmd_report(args) -> int:
    """Write a batch's one-page impact report (report.html) and its Markdown report with figures."""
    from calexico.views import impact_report, report

    path = report.write_report(args.dir)
    print(f"Report written to {path}")
    try:
        page = impact_report.write_batch(args.dir)
    except ParameterError as err:  # no counterfactual in this batch: the Markdown report is all there is
        print(f"No impact report: {err}", file=sys.stderr)
    else:
        print(f"One-page impact report written to {page}")
    return 0


def cmd_compare(args) -> int:
    """Paired replications of a scenario against a base, with 95% confidence intervals, and the
    one-page report of the difference (report.html, report.png, report.pdf).
    """
    from calexico.analysis import compare
    from calexico.running import results, scenarios, storage, window
    from calexico.views import impact_report

    if args.plausible:
        from calexico.analysis import plausible

        out = Path(args.out or compare.default_out(args.scenario, args.against).with_name(
            f"{compare.default_out(args.scenario, args.against).name}_plausible"))
        storage.check_out_folder(out)
        table = plausible.compare(args.scenario, args.against, args.plausible, reps=args.reps, days=args.days,
                                  seed=args.seed, sets=args.sets, out=out, workers=args.workers)
        print(plausible.format_table(table, f"{args.scenario} minus {args.against}", only_headline=False))
        print(f"Table written to {out}/compare_plausible.csv")
        return 0
    out = Path(args.out or compare.default_out(args.scenario, args.against))
    storage.check_out_folder(out)
    chosen = [scenarios.load(name) for name in (args.against, args.scenario)]
    extra = window.overrides(chosen[1].params, args.start, args.end, args.days)
    days = extra.pop("simulation.days", None)
    spans = [window.of({**s.params, **extra, **({"simulation.days": days} if days else {})}) for s in chosen]
    for s, span in zip(chosen, spans, strict=True):
        window.warn(s, span)
    table = compare.compare(args.scenario, against=args.against, reps=args.reps, days=days,
                            out=out, workers=args.workers, base_seed=args.seed, parameters=extra)
    print(compare.format_table(table, args.scenario, args.against))
    runs_table = results.load(out)
    names = list(dict.fromkeys(runs_table["scenario"]))  # the base first, as compare runs them
    page = impact_report.from_comparison(runs_table, names[-1], names[0], spans[1],
                                         (*chosen[0].events, *chosen[1].events), chosen[1].description,
                                         _code_version(out))
    for caveat in page.caveats:
        print(f"  Note: {caveat}")
    impact_report.write(out, page, f"What {args.scenario} changes against {args.against}")
    print(f"Table and figure written to {out}/; the one-page report: {out}/report.html")
    return 0


def _code_version(folder: Path) -> str:
    """The code version a batch folder's manifest records."""
    import json

    try:
        return str(json.loads((folder / "manifest.json").read_text()).get("code_version", "unknown"))
    except (OSError, ValueError):
        return "unknown"


def cmd_validate(args) -> int:
    """Compare the model with every target; exit 1 when a fit target is out of tolerance."""
    from calexico.analysis import validate
    from calexico.running import scenarios, storage

    storage.check_out_folder(args.out)
    if args.reps < 1:
        raise ParameterError("command line", "--reps", args.reps, "a whole number of replications, 1 or more")
    if args.days is not None and args.days < 1:
        raise ParameterError("command line", "--days", args.days, "a whole number of days, 1 or more")
    table, code = validate.validate(scenarios.load(args.scenario), reps=args.reps, out=Path(args.out),
                                    targets_path=args.targets, days=args.days)
    validate.print_table(table)
    print(f"Report written to {args.out}/calibration.md")
    return code


def cmd_calibrate(args) -> int:
    """Fit the calibrated parameters to the fit targets; optionally write them as the defaults."""
    from calexico.analysis import calibration
    from calexico.running import storage

    storage.check_out_folder(args.out)
    return calibration.main(reps=args.reps, out=Path(args.out), write=args.write, targets_path=args.targets)


def cmd_viz(args) -> int:
    """Serve the model in the browser (Mesa SolaraViz) on this machine only, unless --host says otherwise."""
    from calexico.views import viz

    if not 1 <= args.port <= 65535:
        raise ParameterError("command line", "--port", args.port, "a port number from 1 to 65535")
    return viz.serve(args.host, args.port)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="calexico", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run a scenario and its no-delay counterfactual")
    p.add_argument("scenario", nargs="?", default="baseline", help="a name from scenarios/ or a TOML path")
    p.add_argument("--days", type=int, default=None, help="measured days (default: the scenario's)")
    p.add_argument("--seed", type=int, default=0, help="first seed; replication r uses seed + r")
    p.add_argument("--reps", type=int, default=RUN_REPS,
                   help=f"paired replications for the impact's mean and 95%% CI (default {RUN_REPS})")
    p.add_argument("--workers", type=int, default=None,
                   help="processes running the replications (default: the idle cores, at most 2)")
    p.add_argument("--start", default=None, metavar="DATE",
                   help="first measured day, YYYY-MM-DD (default: the scenario's simulation.start_date)")
    p.add_argument("--end", default=None, metavar="DATE", help="last measured day, YYYY-MM-DD (instead of --days)")
    p.add_argument("--out", default=None,
                   help="folder for daily.parquet, summary.json, ... and report.html (default: results/SCENARIO)")
    p.add_argument("--plausible", default=None, metavar="DIR",
                   help="run over the plausible parameter sets of a history match (its folder) x --reps seeds")
    p.add_argument("--sets", type=int, default=None, help="with --plausible: the K best sets (default all)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("scenarios", help="list the named scenarios")
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser("parameters", help="list the parameters with their sources")
    p.add_argument("filter", nargs="?", default="",
                   help="a key prefix (port, lines.west_) or a glob ('*primary_min'); default every key")
    p.set_defaults(func=cmd_parameters)

    p = sub.add_parser("docs", help="regenerate the parameter tables and output dictionary in docs/")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if the docs are out of date")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("batch", help="run a batch spec (scenarios x design x replications), resumable")
    p.add_argument("spec", help="a batch spec TOML file (see docs/batches.md)")
    p.add_argument("--out", default=None, help="results folder (default: batches/<spec name>)")
    p.add_argument("--workers", type=int, default=1, help="parallel processes or dask workers")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="the local process pool (default) or a Dask cluster (--scheduler, or a local one)")
    p.add_argument("--scheduler", default=None, help="dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--resume", action="store_true", help="run only the runs without a successful result")
    p.add_argument("--start", default=None, metavar="DATE",
                   help="first measured day of every run, YYYY-MM-DD (default: the spec's or scenario's)")
    p.add_argument("--end", default=None, metavar="DATE",
                   help="last measured day of every run, YYYY-MM-DD (sets the days)")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("sensitivity", help="which assumptions matter: screen them against the headline impacts")
    p.add_argument("--method", choices=("morris", "sobol", "oat"), default="morris",
                   help="Morris elementary effects (default, a screen), Sobol indices, or one factor at a time")
    p.add_argument("--factors", default="assumptions",
                   help="assumptions (default), all (every ranged parameter), or a TOML file of factors")
    p.add_argument("--groups", default="default",
                   help="Morris groups of like assumptions: default (calexico/data/sensitivity_groups.toml), "
                        "none (each factor alone), or a TOML file of groups")
    p.add_argument("--outcomes", nargs="+", default=None,
                   help="outcome names or dotted impact paths (default: calexico/data/sensitivity_outcomes.toml)")
    p.add_argument("--days", type=int, default=None, help="measured days per run (default: the full year)")
    p.add_argument("--reps", type=int, default=2, help="replications per design point (common seeds)")
    p.add_argument("--trajectories", type=int, default=10, help="Morris trajectories")
    p.add_argument("--samples", type=int, default=16, help="Sobol base sample (a power of 2)")
    p.add_argument("--points", type=int, default=3, help="one-at-a-time levels per factor")
    p.add_argument("--scenario", default="baseline", help="the base scenario of every run")
    p.add_argument("--seed", type=int, default=0, help="base seed of the replications")
    p.add_argument("--workers", type=int, default=1, help="parallel processes or dask workers")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="the local process pool (default) or a Dask cluster (--scheduler, or a local one)")
    p.add_argument("--scheduler", default=None, help="dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--out", default=None, help="study folder (default: results/sensitivity_<method>)")
    p.add_argument("--plausible", default=None, metavar="DIR",
                   help="sample the factors inside the region a history match (its folder) left")
    p.add_argument("--resume", action="store_true", help="run only the runs without a successful result")
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("results", help="load a batch folder into one tidy table")
    p.add_argument("dir")
    p.add_argument("--csv", default=None, help="write the full table to this CSV file")
    p.set_defaults(func=cmd_results)

    p = sub.add_parser("report", help="write a Markdown report with figures for a batch folder")
    p.add_argument("dir")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("compare", help="paired replications: scenario minus base, with 95%% CIs")
    p.add_argument("scenario")
    p.add_argument("--against", default="baseline", help="the scenario to subtract (default baseline)")
    p.add_argument("--reps", type=int, default=10, help="paired replications, common seeds (default 10)")
    p.add_argument("--days", type=int, default=None, help="measured days (default: the scenario's simulation.days)")
    p.add_argument("--start", default=None, metavar="DATE",
                   help="first measured day, YYYY-MM-DD (default: the scenario's simulation.start_date)")
    p.add_argument("--end", default=None, metavar="DATE", help="last measured day, YYYY-MM-DD (instead of --days)")
    p.add_argument("--seed", type=int, default=0, help="base seed of the paired replications")
    p.add_argument("--workers", type=int, default=1, help="parallel processes (default 1)")
    p.add_argument("--out", default=None,
                   help="folder for the runs, compare.csv, compare.png and report.html")
    p.add_argument("--plausible", default=None, metavar="DIR",
                   help="compare over the plausible parameter sets of a history match (its folder) x --reps seeds")
    p.add_argument("--sets", type=int, default=None, help="with --plausible: the K best sets (default all)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("history-match", help="which parameter sets the observations allow (waves, emulators)")
    p.add_argument("--waves", type=int, default=4, help="waves of runs, emulators and cuts (default 4)")
    p.add_argument("--points", type=int, default=200, help="design points per wave (default 200)")
    p.add_argument("--reps", type=int, default=2, help="seeds per point, 2 or more (default 2)")
    p.add_argument("--factors", default="assumptions+calibrated",
                   help="assumptions+calibrated (default), assumptions, calibrated, or a TOML file of factors")
    p.add_argument("--targets", default=None, help="a targets CSV (default: calexico/data/targets.csv)")
    p.add_argument("--errors", default=None,
                   help="observation errors and discrepancies (default: calexico/data/history_matching.toml)")
    p.add_argument("--cutoff", type=float, default=3.0, help="implausibility cut-off (default 3)")
    p.add_argument("--max-rank", type=int, default=2,
                   help="rule out on the largest (1) or second largest (2, default) implausibility over targets")
    p.add_argument("--days", type=int, default=None, help="measured days per run (default: the scenario's year)")
    p.add_argument("--scenario", default="baseline", help="the base scenario of every run")
    p.add_argument("--seed", type=int, default=0, help="base seed of the runs and of the designs")
    p.add_argument("--workers", type=int, default=2, help="parallel processes, Dask workers or SLURM jobs")
    p.add_argument("--executor", choices=("pool", "dask", "slurm"), default="pool",
                   help="the local process pool (default), a Dask cluster or SLURM jobs")
    p.add_argument("--scheduler", default=None, help="dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--out", required=True, help="the match's folder")
    p.add_argument("--resume", action="store_true", help="finish a match a kill cut short")
    p.set_defaults(func=cmd_history_match)
    p = sub.add_parser("hindcast", help="2019-2024 month by month with the ports' dated changes, against BTS")
    p.add_argument("--from", dest="start", default="2019-01", help="first month, YYYY-MM (default 2019-01)")
    p.add_argument("--to", dest="end", default="2024-12", help="last month, YYYY-MM (default 2024-12)")
    p.add_argument("--reps", type=int, default=5, help="replications, common seeds (default 5)")
    p.add_argument("--workers", type=int, default=2, help="parallel processes or Dask workers (default 2)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="the local process pool (default) or a Dask cluster")
    p.add_argument("--scheduler", default=None, help="dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--out", required=True, help="folder for monthly.csv, fit.csv, figures/, report.md and the runs")
    p.add_argument("--resume", action="store_true", help="finish a hindcast a kill cut short")
    p.add_argument("--docs", default=None,
                   help="also write the hindcast section into this file (e.g. docs/calibration.md), "
                        "its figures into figures/ next to it")
    p.set_defaults(func=cmd_hindcast)
    p = sub.add_parser("validate", help="compare the model with the calibration targets; write a report")
    p.add_argument("scenario", nargs="?", default="baseline", help="a name from scenarios/ or a TOML path")
    p.add_argument("--reps", type=int, default=5, help="replications (seeds 0..N-1)")
    p.add_argument("--out", default="results/validate", help="folder for calibration.md and figures/")
    p.add_argument("--targets", default=None, help="a targets CSV (default: calexico/data/targets.csv)")
    p.add_argument("--days", type=int, default=None, help="a short run; only targets inside it are compared")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("calibrate", help="fit the calibrated parameters to the fit targets")
    p.add_argument("--reps", type=int, default=2, help="replications per evaluation (common random numbers)")
    p.add_argument("--out", default="results/calibrate", help="folder for calibration.json and the report")
    p.add_argument("--targets", default=None, help="a targets CSV (default: calexico/data/targets.csv)")
    p.add_argument("--write", action="store_true", help="write the fitted values into parameters.toml")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("viz", help="the model in the browser (serves on 127.0.0.1 unless --host)")
    p.add_argument("--port", type=int, default=8765, help="the port to serve on (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    p.set_defaults(func=cmd_viz)
    return parser


def main(argv=None) -> int:
    """Entry point: parse, dispatch, and turn a user's mistake into exit code 2.

    Ctrl-C ends with one line and exit code 130 (128 + SIGINT), also when it lands inside the
    compiled queue kernel (numba then raises SystemError with the KeyboardInterrupt as its
    context); a reader that closes the pipe (`| head`) ends the command quietly with 141
    (128 + SIGPIPE), as a C program killed by SIGPIPE would.
    """
    from calexico.running.storage import OutputError

    args = build_parser().parse_args(argv)
    own_process = argv is None  # the command line, not a call from a test or a notebook
    try:
        if own_process:
            signal.signal(signal.SIGINT, _ctrl_c)  # from here Ctrl-C unwinds, cleaning up
            sys.unraisablehook = _unraisable
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return _interrupted() if _ctrl_c_pressed else code  # a Ctrl-C Python swallowed still ends in 130
    except ParameterError as err:
        print(f"calexico: error: {err}", file=sys.stderr)
        return 2
    except OutputError as err:
        print(f"calexico: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return _interrupted()
    except SystemError as err:
        if _caused_by_interrupt(err) or _ctrl_c_pressed:
            return _interrupted()
        raise
    except BrokenPipeError:
        return _pipe_closed()
    except Exception:
        if _ctrl_c_pressed:  # e.g. the process pool whose workers the Ctrl-C ended (BrokenProcessPool)
            return _interrupted()
        raise
    finally:
        if own_process:  # the work is done: a late Ctrl-C must not turn it into a traceback
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            _no_second_ask()


_ctrl_c_pressed = False


def _ctrl_c(signum, frame):
    """Ctrl-C: remember it, then unwind as Python's own handler does (KeyboardInterrupt).

    Why remember: the KeyboardInterrupt does not always reach `main`. Raised inside a callback
    or a finaliser (numba's compiler calls back into Python), Python reports it as "Exception
    ignored" and goes on; meanwhile the Ctrl-C has ended the pool's workers, and the error that
    then arrives is BrokenProcessPool. Whatever arrives after a Ctrl-C is the Ctrl-C.
    """
    global _ctrl_c_pressed
    _ctrl_c_pressed = True
    if _in_compiler(frame):
        # Raised while numba's compiler is in LLVM (llvmlite, through ctypes, whose finalisers
        # run there) a KeyboardInterrupt can crash the interpreter: ask again in a hundredth of
        # a second, once the call into LLVM has returned.
        signal.signal(signal.SIGALRM, _ctrl_c)
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        return
    _no_second_ask()
    raise KeyboardInterrupt


def _no_second_ask():
    """Cancel a deferred Ctrl-C's timer: one Ctrl-C, one KeyboardInterrupt."""
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)


def _in_compiler(frame) -> bool:
    """Whether Python is inside a call into LLVM (llvmlite or ctypes code) at this frame."""
    while frame is not None:
        if frame.f_globals.get("__name__", "").startswith(("llvmlite", "ctypes")):
            return True
        frame = frame.f_back
    return False


def _unraisable(hook_args):
    """Keep quiet about a Ctrl-C that Python could not raise (in a callback or finaliser): `main`
    reports it, with the error it caused or when the command ends; report anything else as
    Python would.
    """
    if isinstance(hook_args.exc_value, KeyboardInterrupt):
        return
    sys.__unraisablehook__(hook_args)


def _caused_by_interrupt(err: BaseException) -> bool:
    """Whether a KeyboardInterrupt lies anywhere in the error's chain (numba nests it twice)."""
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, KeyboardInterrupt):
            return True
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return False


def _interrupted() -> int:
    print("calexico: interrupted (Ctrl-C); results already written are kept", file=sys.stderr)
    return 130


def _pipe_closed() -> int:
    # Python would flush stdout again at exit and print a second BrokenPipeError; point
    # stdout at /dev/null so the exit is quiet (the recipe in Python's `signal` docs).
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141


if __name__ == "__main__":
    sys.exit(main())
