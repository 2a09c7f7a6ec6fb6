"""The `calexico` command line.

Each subcommand is a function `cmd_<name>(args) -> int` registered in `COMMANDS` with its
argument parser; a user's mistake (`ParameterError`) becomes a one-line message and exit
code 2, never a traceback.
"""

import argparse
import sys
from pathlib import Path

from model.parameters import ParameterError


def _money(x: float) -> str:
    sign = "-" if x < 0 else ""
    x = abs(x)
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= size:
            return f"{sign}${x / size:,.1f}{unit}"
    return f"{sign}${x:,.0f}"


def format_summary(summary: dict) -> str:
    """A readable summary of one run (and its impact against no delay, if present)."""
    s = summary
    out = [
        f"Scenario {s['scenario']!r}, seed {s['seed']}, {s['days']} days ({s['first_day']} to {s['last_day']})",
        f"  Calexico East northbound trucks: {s['northbound_trucks']:,.0f}"
        f" ({s['northbound_trucks_loaded']:,.0f} loaded)",
        f"  Commercial wait: mean {s['mean_commercial_wait_min']:.1f} min,"
        f" typical daily p95 {s['p95_commercial_wait_min']:.1f} min",
        f"  Diverted trucks: Otay Mesa {s['diverted_trucks']['otay_mesa']:,.0f},"
        f" San Luis {s['diverted_trucks']['san_luis']:,.0f}",
        f"  Pedestrians: West {s['pedestrians']['calexico_west']:,.0f},"
        f" East {s['pedestrians']['calexico_east']:,.0f};"
        f" passenger vehicles: West {s['passenger_vehicles']['calexico_west']:,.0f},"
        f" East {s['passenger_vehicles']['calexico_east']:,.0f}",
        f"  Trade: north {_money(s['trade_value_usd']['north'])}, south {_money(s['trade_value_usd']['south'])}",
        f"  Jobs (mean over the year): direct US {s['jobs']['direct_us']:,.0f}, MX {s['jobs']['direct_mx']:,.0f};"
        f" total US {s['jobs']['total_us']:,.0f}, MX {s['jobs']['total_mx']:,.0f}",
        "  Costs over the run: " + ", ".join(
            f"{k.replace('_', ' ')} {_money(v)}" for k, v in s["costs_usd"].items() if k != "total")
        + f"; total {_money(s['costs_usd']['total'])}",
    ]
    impact = s.get("impact_vs_no_delay")
    if impact:
        c, j = impact["costs_usd"], impact["jobs"]
        out += [
            "What today's delay costs (this run minus a port with no waiting, same seed):",
            f"  Costs: {_money(c['total'])} over the run: " + ", ".join(
                f"{k.replace('_', ' ')} {_money(v)}" for k, v in c.items() if k != "total"),
            f"  Jobs: US {j['total_us']:+,.0f} total ({j['direct_us']:+,.0f} direct),"
            f" MX {j['total_mx']:+,.0f} total ({j['direct_mx']:+,.0f} direct)",
            f"  Visitors' spending in the US: {_money(impact['visitor_spending_usd'])};"
            f" trade north {_money(impact['trade_value_usd']['north'])}",
        ]
    return "\n".join(out)


def cmd_run(args) -> int:
    """Run one scenario (default: the baseline) and its no-delay counterfactual."""
    from calexico import runs, scenarios

    scenario = scenarios.load(args.scenario)
    if args.days is not None and args.days < 1:
        raise ParameterError("command line", "--days", args.days, "a whole number of days, 1 or more")
    result = runs.run_with_impact(scenario, seed=args.seed, days=args.days)
    print(format_summary(result.summary))
    if args.out:
        runs.write(result, Path(args.out))
        print(f"Results written to {args.out}/ (daily.parquet, summary.json, scenario.toml, manifest.json)")
    return 0


def cmd_scenarios(args) -> int:
    """List the named scenarios with their descriptions."""
    from calexico import scenarios

    for name, description in scenarios.available().items():
        print(f"{name:28s} {description}")
    return 0


def cmd_parameters(args) -> int:
    """List every parameter with its default, unit, range and provenance."""
    from model.parameters import SPECS

    for spec in SPECS.values():
        if args.filter and args.filter not in spec.key:
            continue
        print(f"{spec.key} = {spec.default!r} [{spec.unit}] ({spec.describe()}); "
              f"{spec.provenance_kind}: {spec.provenance}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="calexico", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run a scenario and its no-delay counterfactual")
    p.add_argument("scenario", nargs="?", default="baseline", help="a name from scenarios/ or a TOML path")
    p.add_argument("--days", type=int, default=None, help="measured days (default: the scenario's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="folder for daily.parquet, summary.json, ...")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("scenarios", help="list the named scenarios")
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser("parameters", help="list the parameters with their sources")
    p.add_argument("filter", nargs="?", default="")
    p.set_defaults(func=cmd_parameters)
    return parser


def main(argv=None) -> int:
    """Entry point: parse, dispatch, and turn a user's mistake into exit code 2."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ParameterError as err:
        print(f"calexico: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
