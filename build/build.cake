// LDae build: thin wiring only. Targets are generated from experiments/*.yaml by LDae.Harness (compiled, typed,
// tested): BuildDriver decides what runs and hands each row and tokenizer to an executor (local ldae processes,
// or Slurm jobs with --executor=slurm), then prints the summary table. build.sh builds the harness before this
// script is compiled, so the #r below resolves, and execs Cake with --verbosity=minimal and no task report, so
// the output is the driver's: one line per target and the summary.
#r "../src/LDae.Harness/bin/Release/net10.0/LDae.Harness.dll"
#r "../src/LDae.Harness/bin/Release/net10.0/YamlDotNet.dll"
#nullable enable

using LDae.Harness;
using LDae.Harness.Execution;
using LDae.Harness.Experiments;

var configuration = Argument("configuration", "Release");
var root = MakeAbsolute(Directory("..")).FullPath;
var console = BuildConsole.Standard();
var interrupt = Interrupt.Install();
var driver = CreateDriver();
var target = Argument("target", "Default");
var dotnet = DotnetHost.Path;

BuildDriver CreateDriver()
{
    try
    {
        var sets = HasArgument("set") ? Arguments<string>("set").ToList() : [];
        var options = BuildOptions.FromArguments(name => HasArgument(name) ? Argument<string>(name, "") : null, root, configuration, sets);
        return BuildDriver.Create(options, console, interrupt);
    }
    catch (Exception e) when (e is BuildInputException or ArgumentException or LDae.Harness.Config.ConfigException or FileNotFoundException)
    {
        // A wrong option or experiments file: one line, exit 2, nothing built.
        console.Line($"build.sh: {e.Message}", Tone.Bad);
        System.Environment.Exit(2);
        throw;
    }
}

void Require(int exitCode, string what)
{
    if (exitCode != 0) driver.Fail($"{what} failed (exit {exitCode})", exitCode);
}

Task("Clean").Description("Remove build outputs (results and data caches are kept)").Does(() =>
{
    foreach (var dir in GetDirectories($"{root}/src/*/bin").Concat(GetDirectories($"{root}/src/*/obj"))
        .Concat(GetDirectories($"{root}/tests/*/bin")).Concat(GetDirectories($"{root}/tests/*/obj")))
        CleanDirectory(dir);
});

Task("Build").Description("Build the solution").Does(() =>
{
    console.Line($"Build: LDae.sln ({configuration})", Tone.Faint);
    // `dotnet build` is `msbuild -restore` plus a summary it always prints; this is the same build, silent unless it fails.
    Require(driver.Run(dotnet, ["msbuild", $"{root}/LDae.sln", "-restore", $"-p:Configuration={configuration}", "-nologo", "-v:q", "-clp:ErrorsOnly;NoSummary"]), "building LDae.sln");
});

Task("Test").Description("Unit and regression tests (README's test command)").IsDependentOn("Build").Does(() =>
{
    var trx = $"{root}/TestResults";
    if (DirectoryExists(trx)) DeleteDirectory(trx, new DeleteDirectorySettings { Recursive = true });
    var exitCode = driver.Run(dotnet, ["test", $"{root}/LDae.sln", "-c", configuration, "--no-build", "--nologo", "--results-directory", trx, "--logger", "trx"]);
    // One plain closing line for any CI: "tests: N passed, N failed, N skipped".
    console.Line(TestSummary.FromTrxFiles(GetFiles($"{trx}/*.trx").Select(f => f.FullPath)).ToString());
    Require(exitCode, "dotnet test");
});

Task("AcceptSnapshots").Description("Rewrite the snapshots (ci metrics, report fixture) from a fresh run; review the diff, then commit").IsDependentOn("Build").Does(() =>
{
    foreach (var f in GetFiles($"{root}/tests/LDae.Regression.Tests/__snapshots__/*.snap")) DeleteFile(f);
    foreach (var f in GetFiles($"{root}/tests/LDae.Tests/Reporting/__snapshots__/*.snap")) DeleteFile(f);
    var rewrite = new Dictionary<string, string> { ["SNAPSHOOTER_STRICT_MODE"] = "false" };
    Require(driver.Run(dotnet, ["test", $"{root}/tests/LDae.Regression.Tests", "-c", configuration, "--no-build", "--nologo"], rewrite), "regression tests");
    Require(driver.Run(dotnet, ["test", $"{root}/tests/LDae.Tests", "-c", configuration, "--no-build", "--nologo", "--filter", "FullyQualifiedName~Reporting"], rewrite), "report tests");
    driver.Run("git", ["diff", "--stat", "--", "tests"]);
});

Task("Bench").Description("Training/probe throughput, FLOP/s vs a matmul yardstick, RSS growth (ldae bench)").IsDependentOn("Build").Does(() =>
    driver.Ldae("bench"));

Task("Estimate").Description("The target's estimated time on this machine, without training (--estimate; ldae estimate)").IsDependentOn("Build").Does(() =>
    driver.Estimate());

Task("Data").Description("Prepare the data caches: Fashion-MNIST and the CIFAR-10 ImageFolder tarball").IsDependentOn("Build").Does(() =>
    driver.Ldae("data"));

foreach (var t in driver.Plan)
{
    var task = Task(t.Name).Description(t.Unavailable is null ? t.Description : $"{t.Description} ({t.Unavailable})");
    if (t.Kind is PlanTargetKind.Row or PlanTargetKind.Tokenizer) task.IsDependentOn("Build");
    foreach (var dependency in t.DependsOn) task.IsDependentOn(dependency);
    if (t.Kind == PlanTargetKind.Tokenizer) task.Does(() => driver.Tokenizer(t.Name, requested: t.Name == target));
    if (t.Kind == PlanTargetKind.Row) task.Does(() => driver.Row(t.Name, requested: t.Name == target));
}

Task("report").Description("Plots + results/<profile>/report/index.md and index.html, from results only (no training); collects Slurm jobs left by --no-wait first")
    .IsDependentOn("Build").Does(() =>
{
    driver.Collect();
    if (driver.LeavesJobsQueued)
    {
        console.Line("report: not built while the submitted jobs run (--no-wait)", Tone.Faint);
        return;
    }
    driver.Ldae("report");
});
Task("plots").Description("The report's plots (the report target writes them; an alias for it)").IsDependentOn("report");

Task("Default").Description("Every row that can run, then the report").IsDependentOn(BuildPlan.AllTables).IsDependentOn("report");

// The summary table (terminal and results/<profile>/summary.md); exits 1 when a step failed.
Teardown(ctx => driver.Finish());

RunTarget(driver.Options.EstimateOnly ? "Estimate" : target);
