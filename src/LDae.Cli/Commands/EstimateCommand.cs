using LDae.Files;
using System.CommandLine;
using System.Globalization;
using LDae.Estimates;
using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Cli.Commands;

/// <summary>
/// `ldae estimate --target T --profile P [--set KEY=VALUE …] [--remeasure] [--matmul-gflops G] [--json PATH]`: the estimated time of a build
/// target on this machine, per row and artifact and in total, without training (LDae.Estimates.Estimator). The first
/// call on a machine measures each kind of work in a few timed steps (cached per machine).
/// </summary>
static class EstimateCommand
{
    public static Command Create(CliContext context)
    {
        var target = new Option<string>("--target")
        {
            Description = "a build target: a row, a table, a tokenizer artifact or tables",
            DefaultValueFactory = _ => BuildPlan.AllTables,
        };
        var profile = CliOptions.Profile();
        var remeasure = CliOptions.Flag("--remeasure", "time each kind of work again instead of reading this machine's cache");
        var matmul = new Option<double?>("--matmul-gflops")
        {
            Description = "scale the measured efficiencies to a machine whose 2048² fp32 matmul runs at this many GFLOP/s (e.g. a quiet one)",
            CustomParser = r =>
            {
                if (double.TryParse(r.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var g) && g > 0) return g;
                r.AddError($"--matmul-gflops '{r.Tokens[0].Value}' is not a positive number");
                return null;
            },
        };
        var json = new Option<string>("--json") { Description = "also write the estimate as JSON to this file" };
        var seeds = CliOptions.Whole("--seeds", "seeds per row, each a run of its own [default: the profile's seeds:]", min: 1);
        var set = CliOptions.Set();
        var command = new Command("estimate", "estimated time of a build target on this machine, per row and in total, without training")
        {
            target, profile, set, remeasure, matmul, json, seeds,
            CliOptions.Device("the estimate is for the CPU"), CliOptions.Flag("--force", "accepted and ignored"),
        };
        command.SetAction(parse =>
        {
            var registry = context.Registry();
            var estimate = Estimator.For(parse.GetValue(target)!, CliOptions.KnownProfile(registry, parse.GetValue(profile)!), context.RepoRoot,
                ThroughputCache.PathFor(ThroughputCache.Folder()), parse.GetValue(remeasure), context.Error, parse.GetValue(matmul),
                parse.GetValue(seeds) is { } n ? SeedRuns.Check(n, "--seeds") : null, CliOptions.Overrides(parse, set));
            context.Out.Write(estimate.ToTable());
            if (parse.GetValue(json) is { } path)
            {
                AtomicFile.WriteText(path, estimate.ToJson());
                context.Out.WriteLine($"wrote {path}");
            }
            return 0;
        });
        return command;
    }
}
