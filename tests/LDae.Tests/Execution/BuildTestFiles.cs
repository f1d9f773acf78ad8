using LDae.Files;
using LDae.Harness;
using LDae.Harness.Config;
using LDae.Harness.Execution;
using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Tests.Execution;

/// <summary>The build driver raised its exit (tests replace Environment.Exit with this).</summary>
public sealed class BuildExited(int code) : Exception($"build exited with {code}")
{
    public int Code { get; } = code;
}

/// <summary>A temporary folder (a results tree, mostly), deleted with everything in it at the end of the test.</summary>
public sealed class TempTree : IDisposable
{
    public string Path { get; }

    public TempTree(string prefix)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ldae-{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 14)]);
        Directory.CreateDirectory(Path);
    }

    public static implicit operator string(TempTree tree) => tree.Path;

    public override string ToString() => Path;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { } // a process of a failed test may still hold a file; the OS cleans /tmp
    }
}

/// <summary>Results trees, options and files for tests of the build orchestration.</summary>
static class BuildTestFiles
{
    public const string Profile = "ci";
    /// <summary>The content digest of the data every row of these tests uses now, and their results record.</summary>
    public const string DataDigest = "d1ce0000d1ce0000d1ce0000d1ce0000d1ce0000d1ce0000d1ce0000d1ce0000";

    /// <summary>The data as the build sees it: every row's digest is <paramref name="digest"/> (null: it cannot be told).</summary>
    public static Func<BuildDriver, ICurrentData> Data(string? digest = DataDigest) => _ => new FixedData(digest);
    public static readonly ExperimentRegistry Registry = ExperimentRegistry.Load(Repo.Experiments());

    /// <summary>ldae.dll of this build's configuration (the test assembly's: bin/Release or bin/Debug).</summary>
    public static string Cli
    {
        get
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            var cli = Path.Combine(Repo.Root(), "src", "LDae.Cli", "bin", configuration, "net10.0", "ldae.dll");
            return File.Exists(cli) ? cli : throw new FileNotFoundException($"{cli} not found: build the solution first", cli);
        }
    }

    public static BuildOptions Options(string results, string target = "tables", string executor = "local", bool wait = true, bool force = false) => new()
    {
        RepoRoot = Repo.Root(),
        ResultsRoot = results,
        Cli = Cli,
        Profile = Profile,
        Target = target,
        Executor = executor,
        Force = force,
        Slurm = new SlurmOptions { Wait = wait, Poll = TimeSpan.FromSeconds(1) },
    };

    /// <summary>
    /// The content digest of the ci profile's data on this machine (Fashion-MNIST at 32 px), as `ldae data digest`
    /// gives it to a real build: what a result must record to be up to date there.
    /// </summary>
    public static string RealDataDigest => realDataDigest.Value;

    static readonly Lazy<string> realDataDigest = new(() =>
    {
        LDae.Runtime.TorchRuntime.EnsureLoaded();
        return LDae.Data.Datasets.ContentDigest(LDae.Rows.RunSettings.Dataset(Registry.Resolve("table3/pca-ddm", Profile), Repo.Root()), LDae.Data.Datasets.DefaultCacheDir());
    });

    /// <summary>
    /// A complete result of <paramref name="row"/> with its current config hash, made from the data of digest
    /// <paramref name="dataDigest"/> (so it is up to date when the build sees that digest).
    /// </summary>
    public static void WriteResult(string results, string row, double top1, string dataDigest = DataDigest)
    {
        var metrics = new RowMetrics
        {
            Row = row, Profile = Profile, ConfigHash = Registry.Resolve(row, Profile).Hash(), Tokenizer = "test", ProbeTop1 = top1, KnnTop1 = top1 - 5,
            DataDigest = dataDigest,
            Provenance = new Provenance
            {
                GitCommit = "test", GitDirty = false, MethodVersion = MethodVersion.Current, TorchSharpVersion = "-", LibTorchVersion = "-",
                Device = "cpu", Threads = 2, Seed = 0, Machine = "test", Dotnet = "-",
                StartedUtc = DateTimeOffset.UnixEpoch, FinishedUtc = DateTimeOffset.UnixEpoch,
            },
        };
        ResultStore.WriteMetrics(new ResultStore(results).Row(Profile, row).Metrics, metrics);
    }

    /// <summary>A complete tokenizer artifact: its weights with their SHA-256, then its manifest (written last by ldae).</summary>
    public static void WriteArtifact(string results, string tokenizerTarget)
    {
        var row = BuildPlan.RowsUsing(BuildPlan.For(Registry, Profile), tokenizerTarget).First();
        var artifact = TokenizerArtifact.For(Registry.Resolve(row, Profile))!;
        var dir = new ResultStore(results).TokenizerDir(Profile, artifact.FolderName);
        VerifiedFile.WriteText(Path.Combine(dir, artifact.WeightsFile), "weights\n");
        AtomicFile.WriteText(Path.Combine(dir, TokenizerArtifact.ManifestFile), "{}\n");
    }

    /// <summary>The tokenizer target a row depends on at the ci profile.</summary>
    public static string TokenizerOf(string row) =>
        BuildPlan.For(Registry, Profile).First(t => t.Name == row).DependsOn.Single(d => d.StartsWith("tokenizer/", StringComparison.Ordinal));
}

/// <summary>The same data digest for every row.</summary>
sealed class FixedData(string? digest) : ICurrentData
{
    public string? DigestOf(string row) => digest;
}

/// <summary>An executor that records what it was asked to start and ends each step as told (writing its result when Done).</summary>
sealed class RecordingExecutor(string results, Func<BuildStep, StepState>? outcome = null, Action<BuildStep>? onStart = null) : IStepExecutor
{
    public List<(BuildStep Step, List<string> After)> Started { get; } = [];

    public string Name => "recording";

    public StepRun Start(BuildStep step, IReadOnlyList<StepRun> after)
    {
        Started.Add((step, after.Select(a => a.Step.Name).ToList()));
        onStart?.Invoke(step);
        var state = outcome?.Invoke(step) ?? StepState.Done;
        if (state == StepState.Done)
        {
            if (step.Kind == StepKind.Row) BuildTestFiles.WriteResult(results, step.Name, 70);
            else BuildTestFiles.WriteArtifact(results, step.Name);
        }
        return new StepRun(step) { State = state, Detail = state == StepState.Failed ? "ldae exited with code 1 (its output is above)" : null };
    }

    public void Follow(IReadOnlyList<StepRun> runs) { }
}
