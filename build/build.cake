// LDae build: thin wiring only. Targets are generated from experiments/*.yaml by LDae.Harness (compiled, typed,
// tested): BuildDriver decides what runs and hands each row and tokenizer to an executor (local ldae processes,
// or Slurm jobs with --executor=slurm), then prints the summary table. build.sh builds the harness before this
// script is compiled, so the #r below resolves, and execs Cake with --verbosity=minimal and no task report, so
// the output is the driver's: one line per target and the summary.
#r "../src/LDae.Harness/bin/Release/net10.0/LDae.Harness.dll"
#r "../src/LDae.Harness/bin/Release/net10.0/LDae.Files.dll"
#r "../src/LDae.Harness/bin/Release/net10.0/YamlDotNet.dll"
#r "../src/LDae.Harness/bin/Release/net10.0/MathNet.Numerics.dll"
#r "../src/LDae.Harness/bin/Release/net10.0/Quickenshtein.dll"
#nullable enable

using LDae.Harness;
using LDae.Harness.Execution;
using LDae.Harness.Experiments;
using LDae.Harness.Regression;

var configuration = Argument("configuration", "Release");
var root = MakeAbsolute(Directory("..")).FullPath;
var console = BuildConsole.Standard();
var interrupt = Interrupt.Install();
var driver = CreateDriver();
// Target names are lowercase with hyphens; Build, Test, AcceptSnapshots, … are accepted as aliases (BuildTargets).
var target = BuildTargets.Canonical(Argument("target", BuildTargets.Default));
var dotnet = DotnetHost.Path;

BuildDriver CreateDriver() => RefuseWrongInput(() =>
{
    // A mistyped option (--profle=ci, --froce) would otherwise be ignored and the build do something else.
    BuildOptions.CheckNames(Context.Arguments.GetArguments().Keys);
    var sets = HasArgument("set") ? Arguments<string>("set").ToList() : [];
    var options = BuildOptions.FromArguments(name => HasArgument(name) ? Argument<string>(name, "") : null, root, configuration, sets);
    return BuildDriver.Create(options, console, interrupt);
});

T RefuseWrongInput<T>(Func<T> make)
{
    try
    {
        return make();
    }
    catch (Exception e) when (e is BuildInputException or ArgumentException or LDae.Harness.Config.ConfigException or FileNotFoundException)
    {
        // A wrong option, target or experiments file: one line, exit 2, nothing built.
        console.Line($"build.sh: {e.Message}", Tone.Bad);
        System.Environment.Exit(2);
        throw;
    }
}

void Require(int exitCode, string what)
{
    if (exitCode != 0) driver.Fail($"{what} failed (exit {exitCode})", exitCode);
}

Task(BuildTargets.Clean).Description("Remove build outputs (results and data caches are kept)").Does(() =>
{
    foreach (var dir in GetDirectories($"{root}/src/*/bin").Concat(GetDirectories($"{root}/src/*/obj"))
        .Concat(GetDirectories($"{root}/tests/*/bin")).Concat(GetDirectories($"{root}/tests/*/obj")))
        CleanDirectory(dir);
});

Task(BuildTargets.Build).Description("Build the solution").Does(() =>
{
    console.Line($"Build: LDae.sln ({configuration})", Tone.Faint);
    // One build compiles at a time (the lock build.sh holds while it builds the harness): two would write the same bin/.
    using var compiling = driver.CompileLock();
    // `dotnet build` is `msbuild -restore` plus a summary it always prints; this is the same build, silent unless it fails.
    Require(driver.Run(dotnet, ["msbuild", $"{root}/LDae.sln", "-restore", $"-p:Configuration={configuration}", "-nologo", "-v:q", "-clp:ErrorsOnly;NoSummary"]), "building LDae.sln");
});

// The tests make their own results trees: the build's (LDAE_RESULTS, set for the rows it runs) is not theirs.
var TestEnvironment = new Dictionary<string, string> { [Repo.ResultsVariable] = "" };

Task(BuildTargets.Test).Description("Unit and regression tests (README's test command)").IsDependentOn(BuildTargets.Build).Does(() =>
{
    var trx = $"{root}/TestResults";
    if (DirectoryExists(trx)) DeleteDirectory(trx, new DeleteDirectorySettings { Recursive = true });
    var exitCode = driver.Run(dotnet, ["test", $"{root}/LDae.sln", "-c", configuration, "--no-build", "--nologo", "--results-directory", trx, "--logger", "trx"], TestEnvironment);
    // One plain closing line for any CI: "tests: N passed, N failed, N skipped".
    console.Line(TestSummary.FromTrxFiles(GetFiles($"{trx}/*.trx").Select(f => f.FullPath)).ToString());
    Require(exitCode, "dotnet test");
});

Task(BuildTargets.AcceptSnapshots).Description("Rewrite the snapshots (ci metrics, report fixture) from a fresh run; review the diff, then commit").IsDependentOn(BuildTargets.Build).Does(() =>
{
    foreach (var f in GetFiles($"{root}/tests/LDae.Regression.Tests/__snapshots__/*.snap")) DeleteFile(f);
    foreach (var f in GetFiles($"{root}/tests/LDae.Tests/Reporting/__snapshots__/*.snap")) DeleteFile(f);
    var rewrite = new Dictionary<string, string>(TestEnvironment) { ["SNAPSHOOTER_STRICT_MODE"] = "false" };
    Require(driver.Run(dotnet, ["test", $"{root}/tests/LDae.Regression.Tests", "-c", configuration, "--no-build", "--nologo"], rewrite), "regression tests");
    Require(driver.Run(dotnet, ["test", $"{root}/tests/LDae.Tests", "-c", configuration, "--no-build", "--nologo", "--filter", "FullyQualifiedName~Reporting"], rewrite), "report tests");
    driver.Run("git", ["diff", "--stat", "--", "tests"]);
});

Task(BuildTargets.MeasureTolerances).Description("The regression suite's rows (regression-rows) with ≥ 5 seeds (--seeds N) into .tolerance-results/, then rewrite the regression tolerances and step snapshots from their spread").IsDependentOn(BuildTargets.Build).Does(() =>
{
    var seeds = ToleranceTarget.Seeds(driver.Options.Seeds);
    var seedResults = new Dictionary<string, string> { [Repo.ResultsVariable] = ToleranceTarget.ResultsRoot(root) };
    Require(driver.Run("bash", ToleranceTarget.SeedBuild(root, driver.Options.Profile, seeds), seedResults), "the seed runs");
    WriteTolerances(seeds);
});

Task(BuildTargets.WriteTolerances).Description("Rewrite the regression tolerances and step snapshots from the seeds already in .tolerance-results/ (rows with fewer than 5 keep the global bounds)").Does(() =>
    WriteTolerances(ToleranceTarget.Seeds(driver.Options.Seeds)));

void WriteTolerances(int seeds)
{
    foreach (var line in ToleranceTarget.Write(driver.Registry, root, driver.Options.Profile, seeds).Describe()) console.Line(line);
    driver.Run("git", ["diff", "--stat", "--", "tests/LDae.Regression.Tests"]);
}

Task(BuildTargets.RegressionCanary).Description("Apply each planted fault of tests/canaries to a scratch checkout of HEAD and report which the regression suite catches").IsDependentOn(BuildTargets.Build).Does(() =>
{
    var canaries = Canary.All(root);
    var run = new CanaryRun(root, dotnet, (file, arguments, environment, dir) => driver.Run(file, arguments, environment, dir), text => console.Line(text, Tone.Faint));
    var (baseline, outcomes) = run.Run(canaries);
    foreach (var line in CanaryReport.Lines(baseline, outcomes)) console.Line(line);
});

Task(BuildTargets.Bench).Description("Training/probe throughput, FLOP/s vs a matmul yardstick, RSS growth (ldae bench)").IsDependentOn(BuildTargets.Build).Does(() =>
    driver.Ldae("bench"));

Task(BuildTargets.Estimate).Description("The target's estimated time on this machine, without training (--estimate; ldae estimate)").IsDependentOn(BuildTargets.Build).Does(() =>
    driver.Estimate());

Task(BuildTargets.Data).Description("Prepare the data caches: Fashion-MNIST and CIFAR-10").IsDependentOn(BuildTargets.Build).Does(() =>
    driver.Ldae("data"));

foreach (var t in driver.Plan)
{
    var task = Task(t.Name).Description(t.Unavailable is null ? t.Description : $"{t.Description} ({t.Unavailable})");
    if (t.Kind is PlanTargetKind.Row or PlanTargetKind.Tokenizer) task.IsDependentOn(BuildTargets.Build);
    foreach (var dependency in t.DependsOn) task.IsDependentOn(dependency);
    if (t.Kind == PlanTargetKind.Tokenizer) task.Does(() => driver.Tokenizer(t.Name, requested: t.Name == target));
    if (t.Kind == PlanTargetKind.Row) task.Does(() => driver.Row(t.Name, requested: t.Name == target));
}

// Generation quality of the rows the paper gives an FID for (Table 1): `<row>/fid` samples from the trained row and
// writes its Fréchet distance into the row's metrics.json (ldae fid) — rerunnable without retraining; a value at the
// profile's settings is kept. The default build measures them after the tables, before the report.
var generationTargets = new List<string>();
foreach (var row in driver.Registry.Rows.Where(r => r.Paper.Fid is not null).Select(r => r.FullId))
{
    var fidTask = Task($"{row}/fid").Description($"{row}: sample grid and Fréchet distance to the test images (FID, or FD-classifier without Inception weights)");
    if (driver.Plan.Any(t => t.Name == row)) fidTask.IsDependentOn(row);
    fidTask.Does(() => driver.Generation(row));
    generationTargets.Add($"{row}/fid");
}

Task(BuildTargets.Report).Description("Plots + results/<profile>/report/index.md and index.html, from results only (no training); collects Slurm jobs left by --no-wait first")
    .IsDependentOn(BuildTargets.Build).Does(() =>
{
    driver.Collect();
    if (driver.LeavesJobsQueued)
    {
        console.Line("report: not built while the submitted jobs run (--no-wait)", Tone.Faint);
        return;
    }
    driver.Ldae("report");
});
Task(BuildTargets.Plots).Description("The report's plots (the report target writes them; an alias for it)").IsDependentOn(BuildTargets.Report);

var defaultTask = Task(BuildTargets.Default).Description("Every row that can run, the generation quality of Table 1's rows, then the report").IsDependentOn(BuildPlan.AllTables);
foreach (var fid in generationTargets) defaultTask.IsDependentOn(fid);
defaultTask.IsDependentOn(BuildTargets.Report);

// The summary table (terminal and results/<profile>/summary.md); exits 1 when a step failed.
Teardown(ctx => driver.Finish());

// An unknown target: one line naming the closest ones, exit 2 (Cake's own message would list nothing).
RefuseWrongInput(() => { BuildTargets.CheckKnown(target, Tasks.Select(t => t.Name)); return 0; });
RunTarget(driver.Options.EstimateOnly ? BuildTargets.Estimate : target);
