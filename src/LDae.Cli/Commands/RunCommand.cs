using System.CommandLine;
using LDae.Experiments;
using LDae.Harness.Results;

namespace LDae.Cli.Commands;

/// <summary>`ldae run | pretrain | probe --row table/row [--profile P] [--device cpu|cuda] [--force] [--set KEY=VALUE]…`.</summary>
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
        var command = new Command(name, description) { row, profile, device, force, set };
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
            new RowRunner(registry, new ResultStore(context.Results), context.RepoRoot, context.Out).Run(request);
            return 0;
        });
        return command;
    }
}
