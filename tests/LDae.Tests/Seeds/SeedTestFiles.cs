using LDae.Files;
using LDae.Harness.Config;
using LDae.Harness.Execution;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Tests.Execution;

namespace LDae.Tests.Seeds;

/// <summary>Seed results and an executor that writes them, for tests of seeds as runs.</summary>
static class SeedTestFiles
{
    public static ExperimentRegistry Registry => BuildTestFiles.Registry;

    /// <summary>A complete result of <paramref name="row"/> (current config hash) as seed <paramref name="seed"/>, or as the row's one run (null).</summary>
    public static RowMetrics Result(string row, int? seed, double top1, double? loss = null) => new()
    {
        Row = row, Profile = BuildTestFiles.Profile, ConfigHash = Registry.Resolve(row, BuildTestFiles.Profile).Hash(), Tokenizer = "test",
        ProbeTop1 = top1, KnnTop1 = top1 - 5, FinalLoss = loss, Seed = seed, DataDigest = BuildTestFiles.DataDigest,
        Provenance = new Provenance
        {
            GitCommit = "test", GitDirty = false, MethodVersion = MethodVersion.Current, TorchSharpVersion = "-", LibTorchVersion = "-",
            Device = "cpu", Threads = 2, Seed = seed is { } k ? SeedRuns.TrainSeed(0, k) : 0, Machine = "test", Dotnet = "-",
            StartedUtc = DateTimeOffset.UnixEpoch.AddHours(seed ?? 1), FinishedUtc = DateTimeOffset.UnixEpoch.AddHours(seed ?? 1).AddMinutes(30),
        },
    };

    public static void Write(string results, string row, int? seed, double top1, double? loss = null) =>
        ResultStore.WriteMetrics(new ResultStore(results).Row(BuildTestFiles.Profile, SeedRuns.ResultId(row, seed)).Metrics, Result(row, seed, top1, loss));
}

/// <summary>Records the steps it starts; a seed step writes the seed's result (top-1 70 + k), a row step with --seeds aggregates like ldae does.</summary>
sealed class SeedRecordingExecutor(string results) : IStepExecutor
{
    public List<(BuildStep Step, List<string> After)> Started { get; } = [];

    public string Name => "recording";

    public StepRun Start(BuildStep step, IReadOnlyList<StepRun> after)
    {
        Started.Add((step, after.Select(a => a.Step.Name).ToList()));
        if (step.Kind == StepKind.Tokenizer) BuildTestFiles.WriteArtifact(results, step.Name);
        else if (SeedRuns.TryParse(step.Name, out var row, out var k)) SeedTestFiles.Write(results, row, k, 70 + k);
        else
        {
            int n = int.Parse(step.Arguments[step.Arguments.ToList().IndexOf("--seeds") + 1]);
            new SeedResults(new ResultStore(results), BuildTestFiles.Profile, step.Name)
                .Aggregate(n, SeedTestFiles.Registry.Resolve(step.Name, BuildTestFiles.Profile).Hash(), BuildTestFiles.DataDigest, TextWriter.Null);
        }
        return new StepRun(step) { State = StepState.Done };
    }

    public void Follow(IReadOnlyList<StepRun> runs) { }
}
