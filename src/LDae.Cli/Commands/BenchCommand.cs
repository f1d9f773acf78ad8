using LDae.Benchmarks;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Cli.Commands;

/// <summary>`ldae bench [--profile ci|quick] [--steps N] [--warmup N] [--threads T] [--replicas R] [--row R] [--probe-images N] [--breakdown-steps N] [--omp-wait passive|active|bounded] [--json PATH]`.</summary>
static class BenchCommand
{
    public static int Run(CliArgs a)
    {
        var defaults = new BenchmarkOptions();
        var options = defaults with
        {
            Row = a.Get("row", defaults.Row),
            Profile = a.Get("profile", defaults.Profile),
            Steps = a.Int("steps", defaults.Steps),
            WarmupSteps = a.Int("warmup", defaults.WarmupSteps),
            Threads = a.Get("threads") is { } t ? int.Parse(t, System.Globalization.CultureInfo.InvariantCulture) : null,
            Replicas = a.Get("replicas") is { } r ? int.Parse(r, System.Globalization.CultureInfo.InvariantCulture) : null,
            ProbeImages = a.Int("probe-images", defaults.ProbeImages),
            MatmulSize = a.Int("matmul-size", defaults.MatmulSize),
            BreakdownSteps = a.Int("breakdown-steps", defaults.BreakdownSteps),
            OpenMpWait = a.Get("omp-wait"),
        };
        string? json = a.Get("json");
        a.Get("device"); a.Flag("force"); // passed by the build to every target; the benchmark runs on the CPU
        a.RejectUnknown();
        var report = TrainingBenchmark.RunRow(options, Repo.Root(), Console.Error);
        Console.Write(report.ToTable());
        if (json is not null)
        {
            ResultStore.WriteAtomic(json, report.ToJson());
            Console.WriteLine($"wrote {json}");
        }
        return 0;
    }
}
