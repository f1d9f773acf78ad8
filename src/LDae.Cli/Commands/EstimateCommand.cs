using LDae.Estimates;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Cli.Commands;

/// <summary>
/// `ldae estimate --target T --profile P [--remeasure] [--matmul-gflops G] [--json PATH]`: the estimated time of a build target on this
/// machine, per row and artifact and in total, without training (LDae.Estimates.Estimator). The first call on a
/// machine measures each kind of work in a few timed steps (cached per machine).
/// </summary>
static class EstimateCommand
{
    public static int Run(CliArgs a)
    {
        string target = a.Get("target", BuildPlan.AllTables);
        string profile = a.Get("profile", Profile.Default);
        bool remeasure = a.Flag("remeasure");
        string? json = a.Get("json");
        double? matmul = a.Get("matmul-gflops") is { } g ? double.Parse(g, System.Globalization.CultureInfo.InvariantCulture) : null;
        a.Get("device"); a.Flag("force");   // passed by the build to every target
        a.RejectUnknown();
        var estimate = Estimator.For(target, profile, Repo.Root(), ThroughputCache.PathFor(ThroughputCache.Folder()), remeasure, Console.Error, matmul);
        Console.Write(estimate.ToTable());
        if (json is not null)
        {
            ResultStore.WriteAtomic(json, estimate.ToJson());
            Console.WriteLine($"wrote {json}");
        }
        return 0;
    }
}
