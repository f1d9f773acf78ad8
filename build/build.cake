// LDae build: thin wiring only. Targets are generated from experiments/*.yaml by LDae.Harness (compiled,
// typed, tested); every row runs as its own `ldae run` process. build.sh builds the harness before this
// script is compiled, so the #r below resolves.
#r "../src/LDae.Harness/bin/Release/net10.0/LDae.Harness.dll"
#r "../src/LDae.Harness/bin/Release/net10.0/YamlDotNet.dll"
#nullable enable

using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;

var target = Argument("target", "Default");
var profile = Argument("profile", Profile.Default);
var device = Argument("device", "cpu");
var force = HasArgument("force");
var configuration = Argument("configuration", "Release");

var root = MakeAbsolute(Directory("..")).FullPath;
var registry = ExperimentRegistry.Load(Repo.Experiments(root));
var plan = BuildPlan.For(registry, profile);
var store = new ResultStore(Repo.Results(root));
var cli = $"{root}/src/LDae.Cli/bin/{configuration}/net10.0/ldae.dll";
var outcomes = new List<(string Row, string Outcome)>();
var recomputed = new HashSet<string>();   // config hashes run in this build: with --force, later same_as rows reuse them

void Ldae(params string[] args)
{
    var all = new List<string> { cli };
    all.AddRange(args);
    all.AddRange(new[] { "--profile", profile, "--device", device });
    if (force) all.Add("--force");
    var exit = StartProcess("dotnet", new ProcessSettings { Arguments = ProcessArgumentBuilder.FromStrings(all), WorkingDirectory = root });
    if (exit != 0) throw new Exception($"ldae {string.Join(" ", args)} failed (exit {exit})");
}

Task("Clean").Description("Remove build outputs (results and data caches are kept)").Does(() =>
{
    foreach (var dir in GetDirectories($"{root}/src/*/bin").Concat(GetDirectories($"{root}/src/*/obj"))
        .Concat(GetDirectories($"{root}/tests/*/bin")).Concat(GetDirectories($"{root}/tests/*/obj")))
        CleanDirectory(dir);
});

Task("Build").Description("Build the solution").Does(() =>
    DotNetBuild($"{root}/LDae.sln", new DotNetBuildSettings { Configuration = configuration, NoLogo = true, Verbosity = DotNetVerbosity.Minimal }));

Task("Test").Description("Unit and regression tests (README's test command)").IsDependentOn("Build").Does(() =>
{
    var trx = $"{root}/TestResults";
    if (DirectoryExists(trx)) DeleteDirectory(trx, new DeleteDirectorySettings { Recursive = true });
    Exception? failure = null;
    try
    {
        DotNetTest($"{root}/LDae.sln", new DotNetTestSettings
        {
            Configuration = configuration, NoBuild = true, NoLogo = true, ResultsDirectory = trx, Loggers = new[] { "trx" },
        });
    }
    catch (Exception e) { failure = e; }
    // One plain closing line for any CI: "tests: N passed, N failed, N skipped".
    Information(TestSummary.FromTrxFiles(GetFiles($"{trx}/*.trx").Select(f => f.FullPath)).ToString());
    if (failure is not null) throw failure;
});

Task("AcceptSnapshots").Description("Rewrite the snapshots (ci metrics, report fixture) from a fresh run; review the diff, then commit").IsDependentOn("Build").Does(() =>
{
    foreach (var f in GetFiles($"{root}/tests/LDae.Regression.Tests/__snapshots__/*.snap")) DeleteFile(f);
    foreach (var f in GetFiles($"{root}/tests/LDae.Tests/Reporting/__snapshots__/*.snap")) DeleteFile(f);
    var rewrite = new Dictionary<string, string?> { ["SNAPSHOOTER_STRICT_MODE"] = "false" };
    DotNetTest($"{root}/tests/LDae.Regression.Tests", new DotNetTestSettings { Configuration = configuration, NoBuild = true, NoLogo = true, EnvironmentVariables = rewrite });
    DotNetTest($"{root}/tests/LDae.Tests", new DotNetTestSettings { Configuration = configuration, NoBuild = true, NoLogo = true, EnvironmentVariables = rewrite, Filter = "FullyQualifiedName~Reporting" });
    StartProcess("git", new ProcessSettings { Arguments = "diff --stat -- tests", WorkingDirectory = root });
});

Task("Bench").Description("Training/probe throughput, FLOP/s vs a matmul yardstick, RSS growth (ldae bench)").IsDependentOn("Build").Does(() =>
    Ldae("bench"));

Task("Data").Description("Prepare the data caches: Fashion-MNIST and the CIFAR-10 ImageFolder tarball").IsDependentOn("Build").Does(() =>
    Ldae("data"));

foreach (var t in plan)
{
    var task = Task(t.Name).Description(t.Unavailable is null ? t.Description : $"{t.Description} ({t.Unavailable})");
    if (t.Kind is PlanTargetKind.Row or PlanTargetKind.Tokenizer) task.IsDependentOn("Build");
    foreach (var dependency in t.DependsOn) task.IsDependentOn(dependency);
    if (t.Kind == PlanTargetKind.Tokenizer)
        task.Does(() =>
        {
            if (t.Name != target && !force && !BuildPlan.TokenizerNeeded(plan, t.Name, RowUpToDate))
            {
                Information($"{t.Name}: not needed (every row using it is up to date)");
                return;
            }
            Ldae("tokenizer", "--artifact", t.Name);
        });
    if (t.Kind != PlanTargetKind.Row) continue;
    task.Does(() =>
    {
        if (t.Unavailable is not null)
        {
            // Asked for by name: fail with the reason. Reached through a table or `tables`: say so and go on.
            if (t.Name == target) throw new Exception($"{t.Name}: {t.Unavailable}");
            Warning($"{t.Name}: {t.Unavailable}");
            outcomes.Add((t.Name, t.Unavailable));
            return;
        }
        var hash = RowHash(t.Name);
        if (!force && store.IsUpToDate(profile, t.Name, hash))
        {
            Information($"{t.Name}: up to date (config {hash})");
            outcomes.Add((t.Name, "up to date"));
            return;
        }
        try
        {
            if (force && recomputed.Contains(hash)) Ldae("run", "--row", t.Name, "--reuse-twin");
            else Ldae("run", "--row", t.Name);
            recomputed.Add(hash);
            outcomes.Add((t.Name, "ran"));
        }
        catch (Exception e)
        {
            // A failing row fails the build at the end, after the others ran; the summary says which passed.
            Error($"{t.Name}: {e.Message}");
            outcomes.Add((t.Name, "FAILED"));
        }
    });
}

string RowHash(string row) => registry.Resolve(row, profile).Hash();
bool RowUpToDate(string row) => store.IsUpToDate(profile, row, RowHash(row));

Task("report").Description("Plots + results/<profile>/report/index.md and index.html, from results only (no training)")
    .IsDependentOn("Build").Does(() => Ldae("report"));
Task("plots").Description("The report's plots (the report target writes them; an alias for it)").IsDependentOn("report");

Task("Default").Description("Every row that can run, then the report").IsDependentOn(BuildPlan.AllTables).IsDependentOn("report");

Teardown(ctx =>
{
    if (outcomes.Count == 0) return;
    Information("");
    Information($"Rows ({profile}):");
    foreach (var (row, outcome) in outcomes) Information($"  {outcome,-12} {row}");
    var failed = outcomes.Where(o => o.Outcome == "FAILED").Select(o => o.Row).ToList();
    if (failed.Count > 0) throw new Exception($"{failed.Count} row(s) failed: {string.Join(", ", failed)}");
});

RunTarget(target);
