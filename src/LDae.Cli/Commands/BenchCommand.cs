using LDae.Benchmarks;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Cli.Commands;

/// <summary>`ldae bench [--profile ci|quick] [--steps N] [--warmup N] [--threads T] [--replicas R] [--row R] [--probe-images N] [--breakdown-steps N] [--omp-wait passive|active|bounded] [--json PATH]`;
/// `ldae bench --tokenizer NAME` times a learned tokenizer's training step instead (e.g. conv-vae-p4-d3-full at --profile cpu).</summary>
static class BenchCommand
{
    static (string Table, string Json) Report(BenchmarkReport r) => (r.ToTable(), r.ToJson());
    static (string Table, string Json) Report(TokenizerBenchmarkReport r) => (r.ToTable(), r.ToJson());

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
        string? tokenizer = a.Get("tokenizer");
        a.Get("device"); a.Flag("force"); // passed by the build to every target; the benchmark runs on the CPU
        a.RejectUnknown();
        var (table, jsonText) = tokenizer is null
            ? Report(TrainingBenchmark.RunRow(options, Repo.Root(), Console.Error))
            : Report(TokenizerBenchmark.RunArtifact(options with
            {
                // a tokenizer step is short and its shapes do not change: fewer steps than the denoiser's defaults
                Steps = a.Int("steps", 20),
                WarmupSteps = a.Int("warmup", 3),
            }, tokenizer, Repo.Root(), Console.Error));
        Console.Write(table);
        if (json is not null)
        {
            ResultStore.WriteAtomic(json, jsonText);
            Console.WriteLine($"wrote {json}");
        }
        return 0;
    }
}
