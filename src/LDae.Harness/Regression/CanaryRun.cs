namespace LDae.Harness.Regression;

/// <summary>Runs a process (file, arguments, extra environment, working directory) and gives its exit code.</summary>
public delegate int ProcessRunner(string file, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, string workingDirectory);

/// <summary>
/// <c>./build.sh --target=regression-canary</c>: the committed HEAD checked out into a scratch worktree
/// (<see cref="ScratchDir"/>), the regression suite run there once without a fault (the baseline) and once per
/// canary with its patch applied, restricted to the canary's rows (<see cref="RowsVariable"/>) and to the steps
/// between them; a canary that names unit tests also runs those. Nothing outside the scratch worktree changes.
/// </summary>
public sealed class CanaryRun(string repoRoot, string dotnet, ProcessRunner run, Action<string> say)
{
    /// <summary>Restricts the regression suite's row and step tests to these rows (space-separated); unset: every row.</summary>
    public const string RowsVariable = "LDAE_REGRESSION_ROWS";

    /// <summary>
    /// The regression suite's tests that compare <paramref name="rows"/> and the guarded steps between them with their
    /// snapshots (the step test only when some guarded step has both ends among the rows: a theory without data fails).
    /// </summary>
    public string RegressionFilter(IReadOnlyCollection<string> rows)
    {
        const string rowTests = "FullyQualifiedName~CiRowRegressionTests";
        var steps = StepSnapshotFile.TryRead(Path.Combine(ToleranceTarget.TestsDir(Scratch), StepSnapshotFile.FileName))?.Steps ?? [];
        return steps.Any(s => rows.Contains(s.From) && rows.Contains(s.To))
            ? $"{rowTests}|FullyQualifiedName~StepSnapshotTests.A_resolved_step" : rowTests;
    }

    public static string ScratchDir(string repoRoot) => Path.Combine(repoRoot, ".canary", "checkout");

    string Scratch => ScratchDir(repoRoot);

    public (TestSummary? Baseline, IReadOnlyList<CanaryOutcome> Outcomes) Run(IReadOnlyList<Canary> canaries)
    {
        var outcomes = new List<CanaryOutcome>();
        CreateScratch();
        try
        {
            if (!Build("LDae.Regression.Tests")) throw new InvalidOperationException($"the unpatched checkout in {Scratch} does not build");
            var union = canaries.SelectMany(c => c.Rows).Distinct(StringComparer.Ordinal).ToList();
            say($"canary: baseline, no fault, on {union.Count} rows");
            var baseline = Tests("LDae.Regression.Tests", RegressionFilter(union), union, "baseline");
            foreach (var canary in canaries)
            {
                say($"canary: {canary.Name} — {canary.Fault}");
                outcomes.Add(RunOne(canary));
                Git("checkout", "--", ".");
            }
            return (baseline, outcomes);
        }
        finally
        {
            RemoveScratch();
        }
    }

    CanaryOutcome RunOne(Canary canary)
    {
        if (Git("apply", canary.PatchFile) != 0) return new CanaryOutcome(canary, "the patch does not apply to HEAD", null, null);
        if (!Build("LDae.Regression.Tests")) return new CanaryOutcome(canary, "the patched method does not build", null, null);
        var regression = Tests("LDae.Regression.Tests", RegressionFilter(canary.Rows), canary.Rows, canary.Name);
        TestSummary? unit = null;
        if (canary.UnitTests is { } filter && Build("LDae.Tests")) unit = Tests("LDae.Tests", filter, null, canary.Name + "-unit");
        return new CanaryOutcome(canary, null, regression, unit);
    }

    void CreateScratch()
    {
        RemoveScratch();
        Directory.CreateDirectory(Path.GetDirectoryName(Scratch)!);
        if (run("git", ["-C", repoRoot, "worktree", "add", "--detach", Scratch, "HEAD"], NoEnvironment, repoRoot) != 0)
            throw new InvalidOperationException($"git worktree add {Scratch} failed");
    }

    void RemoveScratch()
    {
        if (Directory.Exists(Scratch)) run("git", ["-C", repoRoot, "worktree", "remove", "--force", Scratch], NoEnvironment, repoRoot);
        run("git", ["-C", repoRoot, "worktree", "prune"], NoEnvironment, repoRoot);
    }

    int Git(params string[] arguments) => run("git", ["-C", Scratch, .. arguments], NoEnvironment, Scratch);

    bool Build(string testProject) =>
        run(dotnet, ["build", Path.Combine(Scratch, "tests", testProject), "-c", "Release", "-nologo", "-v", "q", "-clp:ErrorsOnly;NoSummary"], NoEnvironment, Scratch) == 0;

    TestSummary Tests(string testProject, string filter, IReadOnlyList<string>? rows, string label)
    {
        var trx = Path.Combine(repoRoot, ".canary", "trx", label);
        if (Directory.Exists(trx)) Directory.Delete(trx, recursive: true);
        var environment = new Dictionary<string, string>
        {
            [Repo.ResultsVariable] = "",                 // the tests make their own results trees
            ["SNAPSHOOTER_STRICT_MODE"] = "true",       // a missing snapshot fails instead of being written
        };
        if (rows is not null) environment[RowsVariable] = string.Join(' ', rows);
        int code = run(dotnet, ["test", Path.Combine(Scratch, "tests", testProject), "-c", "Release", "--no-build", "--nologo", "--filter", filter,
            "--results-directory", trx, "--logger", "trx"], environment, Scratch);
        var summary = TestSummary.FromTrxFiles(Directory.Exists(trx) ? Directory.GetFiles(trx, "*.trx") : []);
        // a test host that crashed (a row that throws deep in TorchSharp) failed without writing its counts
        return code != 0 && summary.Failed == 0 ? summary with { Failed = 1 } : summary;
    }

    static readonly IReadOnlyDictionary<string, string> NoEnvironment = new Dictionary<string, string>();

    /// <summary>The rows <see cref="RowsVariable"/> names in this process's environment; null when unset (every row).</summary>
    public static IReadOnlySet<string>? RestrictedRows() =>
        Environment.GetEnvironmentVariable(RowsVariable) is { Length: > 0 } v
            ? v.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal)
            : null;
}
