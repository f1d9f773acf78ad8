using System.CommandLine;
using LDae.Rows;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Cli.Commands;

/// <summary>`ldae run | pretrain | probe --row table/row [--profile P] [--device cpu|cuda] [--force] [--set KEY=VALUE]… [--seeds N | --seed K]`.</summary>
static class RunCommand
{
    public static Command Create(CliContext context, string name, RowStage stage, string description)
    {
        var row = CliOptions.Row();
        var profile = CliOptions.Profile();
        var device = CliOptions.Device();
        var force = CliOptions.Flag("--force", stage == RowStage.ProbeOnly
            ? "accepted and ignored (a probe always runs)"
            : "run again although the result is up to date (and drop an interrupted run's checkpoint); the previous result stays until the new one is complete");
        var set = CliOptions.Set();
        var seeds = CliOptions.Whole("--seeds", "run seeds 1…N of the row, each in <row>/seed-<k>/, and write their mean, sd and 95 % CI to the row's metrics.json (default: the profile's seeds:; 1 = one run in the row's folder)", min: 1);
        var seed = CliOptions.Whole("--seed", "run only seed K (≥ 1) of the row, in <row>/seed-<K>/ (the build's target table/row/seed-K)", min: 1);
        var command = new Command(name, description) { row, profile, device, force, set, seeds, seed };
        var reuseTwin = CliOptions.Flag("--reuse-twin", "with --force: take the result of another row with the same configuration (the build sets it once that row was recomputed)");
        var stopAfter = CliOptions.Whole("--stop-after", "stop pretraining (with a checkpoint) after this many steps in total; the next run resumes", min: 0);
        if (stage == RowStage.PretrainAndProbe) command.Options.Add(reuseTwin);
        if (stage != RowStage.ProbeOnly) command.Options.Add(stopAfter);

        command.SetAction(parse =>
        {
            var registry = context.Registry();
            var request = new RowRequest(CliOptions.KnownRow(registry, parse.GetValue(row)!), CliOptions.KnownProfile(registry, parse.GetValue(profile)!))
            {
                Device = parse.GetValue(device)!,
                Force = parse.GetValue(force),
                ReuseTwin = parse.GetValue(reuseTwin),
                Stage = stage,
                StopAfterSteps = parse.GetValue(stopAfter),
                Overrides = CliOptions.Overrides(parse, set),
            };
            if (parse.GetValue(seed) is { } k && parse.GetValue(seeds) is not null)
                throw new InputException("--seed and --seeds: give one (--seed K runs seed K alone, --seeds N runs seeds 1…N)");
            var runner = new RowRunner(registry, new ResultStore(context.Results), context.RepoRoot, context.Out);
            if (parse.GetValue(seed) is { } one) runner.Run(request with { Seed = SeedRuns.Check(one, "--seed") });
            else runner.RunSeeds(request, SeedRuns.Check(parse.GetValue(seeds) ?? registry.Profile(request.Profile).Seeds, "--seeds"));
            return 0;
        });
        return command;
    }
}
