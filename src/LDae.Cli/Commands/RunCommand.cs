using LDae.Experiments;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Cli.Commands;

/// <summary>`ldae run | pretrain | probe --row table/row [--profile P] [--device cpu|cuda] [--force [--reuse-twin]] [--stop-after N]`.</summary>
static class RunCommand
{
    public static int Run(CliArgs a) => Execute(a, RowStage.PretrainAndProbe);
    public static int Pretrain(CliArgs a) => Execute(a, RowStage.PretrainOnly);
    public static int Probe(CliArgs a) => Execute(a, RowStage.ProbeOnly);

    static int Execute(CliArgs a, RowStage stage)
    {
        var root = Repo.Root();
        var registry = ExperimentRegistry.Load(Repo.Experiments(root));
        var request = new RowRequest(a.Require("row"), a.Get("profile", Profile.Default))
        {
            Device = a.Get("device", "cpu"),
            Force = a.Flag("force"),
            ReuseTwin = a.Flag("reuse-twin"),
            Stage = stage,
            StopAfterSteps = a.Get("stop-after") is { } s ? long.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : null,
        };
        a.RejectUnknown();
        registry.Row(request.Row); // unknown row → clear error before any work
        try
        {
            var metrics = new RowRunner(registry, new ResultStore(Repo.Results(root)), root, Console.Out).Run(request);
            if (metrics is not null) Console.WriteLine($"{request.Row}: wrote {new ResultStore(Repo.Results(root)).Row(request.Profile, request.Row).Metrics}");
            return 0;
        }
        catch (RowUnavailableException e)
        {
            Console.Error.WriteLine(e.Message);
            return 3;
        }
    }
}
