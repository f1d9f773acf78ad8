using LDae.Files;
using LDae.Harness.Config;
using LDae.Harness.Summary;
using LDae.Harness.Execution.Slurm;
using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Harness.Execution;

/// <summary>
/// A build from ./build.sh: build/build.cake calls <see cref="Tokenizer"/> and <see cref="Row"/> as Cake reaches
/// those targets (dependencies first), and <see cref="Finish"/> at the end. It decides what needs to run (a row
/// whose result is up to date, a tokenizer already built, never does), hands each step to the executor (local
/// processes or Slurm jobs), and ends with the summary table. On SIGINT/SIGTERM it stops starting steps, lets the
/// executor deal with the running ones (<see cref="Interrupt"/>), prints the summary and exits with 128 + signal.
/// What a target's step is comes from <see cref="BuildSteps"/>, rows of the same configuration share one run
/// (<see cref="ConfigTwins"/>), the elapsed and remaining time is <see cref="BuildTimer"/>'s (from the estimate its
/// <c>estimateSource</c> gives when the first step starts), the digest of the data each row uses now is
/// <c>currentData</c>'s (<see cref="CliDataDigests"/> in a build), and the summary is <see cref="BuildTally"/>'s.
/// </summary>
public sealed class BuildDriver
{
    readonly BuildOptions options;
    readonly ExperimentRegistry registry;
    readonly ResultStore store;
    readonly BuildConsole console;
    readonly Interrupt interrupt;
    readonly IStepExecutor executor;
    readonly Action<int> exit;
    readonly List<StepRun> started = [];
    readonly Dictionary<string, StepRun> byName = new(StringComparer.Ordinal);
    readonly IReadOnlySet<string> rowsInBuild;
    readonly BuildSteps steps;
    readonly ConfigTwins twins = new();
    readonly BuildTimer timer;
    readonly BuildTally tally;
    bool collected;

    public BuildDriver(BuildOptions options, ExperimentRegistry registry, BuildConsole console, Interrupt interrupt, IStepExecutor executor,
        Func<BuildDriver, ICurrentData> currentData, Action<int> exit, Func<BuildDriver, BuildEstimate?>? estimateSource = null)
    {
        this.options = options;
        this.registry = registry;
        this.console = console;
        this.interrupt = interrupt;
        this.executor = executor;
        this.exit = exit;
        store = new ResultStore(options.ResultsRoot);
        Seeds = options.Seeds ?? registry.Profile(options.Profile).Seeds;
        Plan = BuildPlan.For(registry, options.Profile, Seeds, options.Overrides);
        rowsInBuild = BuildPlan.RowsReachedFrom(Plan, BuildTargets.PlanTargetOf(options.Target));
        steps = new BuildSteps(options, registry, store, Seeds, Plan, currentData(this));
        timer = new BuildTimer(console, estimateSource is null ? null : () => estimateSource(this));
        tally = new BuildTally(options, registry, store, console, executor.Name);
    }

    /// <summary>The driver for ./build.sh: experiments/ of the repository, the executor the options name.</summary>
    public static BuildDriver Create(BuildOptions options, BuildConsole console, Interrupt interrupt, Action<int>? exit = null)
    {
        var registry = ExperimentRegistry.Load(Repo.Experiments(options.RepoRoot));
        var profile = registry.Profile(options.Profile);
        IStepExecutor executor = options.Executor == "slurm"
            ? new SlurmExecutor(options, profile.Resources, console, interrupt, new SlurmClient())
            : new LocalExecutor(options, console, interrupt);
        return new BuildDriver(options, registry, console, interrupt, executor,
            driver => new CliDataDigests(options, console, arguments => driver.Run(DotnetHost.Path, [options.Cli, .. arguments])), exit ?? Environment.Exit,
            options.Profile == CiProfile ? null : driver => driver.EstimateFromCli());
    }

    /// <summary>
    /// The profile whose rows train in seconds: its builds show no remaining time, since measuring this machine's
    /// throughput for the estimate (<c>ldae estimate</c>, the first time) would take longer than the build.
    /// </summary>
    const string CiProfile = "ci";

    /// <summary>The build's <c>--set</c> overrides as ldae takes them.</summary>
    string[] SetArguments => options.Sets.SelectMany(s => new[] { "--set", s }).ToArray();

    /// <summary>The build target as <c>ldae estimate</c> names it (the Default target is every table).</summary>
    string EstimateTarget => BuildTargets.PlanTargetOf(options.Target);

    /// <summary>--estimate: prints the target's estimated time per row and in total (ldae estimate), then ends the build with its exit code.</summary>
    public void Estimate()
    {
        var code = Run(DotnetHost.Path, [options.Cli, "estimate", "--target", EstimateTarget, "--profile", options.Profile, "--seeds", $"{Seeds}", .. SetArguments]);
        exit(code);
    }

    /// <summary>The estimate of this build from <c>ldae estimate --json</c> (its table printed first), or null when it cannot be made.</summary>
    BuildEstimate? EstimateFromCli()
    {
        var file = Path.Combine(store.Root, options.Profile, "estimate.json");
        var code = Run(DotnetHost.Path, [options.Cli, "estimate", "--target", EstimateTarget, "--profile", options.Profile, "--seeds", $"{Seeds}", "--json", file, .. SetArguments]);
        if (code == 0 && File.Exists(file)) return BuildEstimate.Load(file);
        console.Line($"no estimate of the remaining time (ldae estimate exited with code {code})", Tone.Faint);
        return null;
    }

    public BuildOptions Options => options;

    /// <summary>The file build.sh locks while it compiles the harness (flock); the Build target locks it too.</summary>
    public static string CompileLockFile(string repoRoot) => Path.Combine(repoRoot, "build", ".compile.lock");

    /// <summary>
    /// Holds the compile lock until disposed, so two builds started together never compile into the same bin/ at
    /// once (MSBuild fails with MSB4018 when one build's copy meets the other's).
    /// </summary>
    public IDisposable CompileLock() => RunLock.Acquire(CompileLockFile(options.RepoRoot), TimeSpan.FromHours(1), console.Output);
    public IReadOnlyList<PlanTarget> Plan { get; }
    /// <summary>The seeds each row runs in this build (--seeds, else the profile's).</summary>
    public int Seeds { get; }
    public ExperimentRegistry Registry => registry;
    public IReadOnlyList<StepRun> Started => started;
    public IReadOnlyDictionary<string, RowOutcome> Outcomes => tally.Outcomes;

    /// <summary>Steps submitted to the cluster that this build does not wait for (--no-wait).</summary>
    public bool LeavesJobsQueued => started.Any(r => r.JobId is not null && !r.Ended);

    /// <summary>
    /// A tokenizer artifact target: built once, and only when a row that needs it will run (or it is asked for by
    /// name). An artifact whose weights do not match their SHA-256 (or have none, or are gone) is built again.
    /// </summary>
    public void Tokenizer(string name, bool requested)
    {
        StopIfInterrupted();
        if (steps.TokenizerBuilt(name))
        {
            console.Line($"{name}: built", Tone.Faint);
            timer.Skipped(name);
            return;
        }
        // Rows outside this build count as done: building one up-to-date row must not train its tokenizer for others.
        if (!requested && !options.Force && !BuildPlan.TokenizerNeeded(Plan, name, row => !rowsInBuild.Contains(row) || steps.RowUpToDate(row)))
        {
            console.Line($"{name}: not needed (every row of this build using it is up to date)", Tone.Faint);
            timer.Skipped(name);
            return;
        }
        if (steps.TokenizerDamage(name) is { } damage) console.Line($"{name}: {damage}; building it again", Tone.Bad);
        Start(steps.Tokenizer(name), []);
    }

    /// <summary>
    /// A row target — a row, or one seed of it (<c>table3/pca-ddm/seed-2</c>) when rows run several seeds: skipped
    /// when up to date, otherwise run or submitted after its tokenizer. With several seeds the row's own step
    /// aggregates its seeds, after them.
    /// </summary>
    public void Row(string name, bool requested)
    {
        StopIfInterrupted();
        var target = Plan.First(t => t.Name == name);
        if (target.Unavailable is { } missing)
        {
            console.Line($"{name}: {missing}", requested ? Tone.Bad : Tone.Faint);
            tally.Row(name, new RowOutcome(requested ? RowStatus.Failed : RowStatus.NotAvailable, missing));
            if (requested) tally.Failure($"{name}: {missing}");
            return;
        }
        bool isSeed = SeedRuns.TryParse(name, out var seedOf, out _);
        var hash = steps.Resolve(isSeed ? seedOf : name).Hash();
        var after = target.DependsOn.Where(byName.ContainsKey).Select(d => byName[d]).ToList();
        bool aggregate = !isSeed && Seeds > 1;
        // An aggregate is redone whenever one of its seeds ran in this build.
        if (!options.Force && (!aggregate || after.Count == 0) && steps.RowUpToDate(name))
        {
            console.Line($"{name}: up to date (config {hash}{(aggregate ? $", {Seeds} seeds" : "")})", Tone.Faint);
            tally.Row(name, new RowOutcome(RowStatus.UpToDate));
            timer.Skipped(name);
            return;
        }
        if (!options.Force && steps.WhyStale(name) is { } why) console.Line($"{name}: {why}; running it again", Tone.Bad);
        var step = steps.Row(name);
        if (aggregate)
        {
            Start(step, after);
            return;
        }
        // A twin started earlier in this build runs the experiment: this row waits for it and takes its result
        // (with --force, told so explicitly).
        var key = ConfigTwins.Key(name, hash);
        if (twins.Of(key) is { } twin)
        {
            after.Add(twin);
            if (options.Force) step = step with { Arguments = [.. step.Arguments, "--reuse-twin"] };
        }
        twins.Started(key, Start(step, after));
    }

    /// <summary>
    /// Waits for the submitted jobs (Slurm; nothing to wait for locally) and, for <c>--target=report</c>, for the
    /// jobs earlier --no-wait builds left in the ledger. With --no-wait it only says how to collect them later.
    /// </summary>
    public void Collect()
    {
        if (collected) return;
        collected = true;
        var follow = started.Where(r => r.JobId is not null && !r.Ended).ToList();
        if (follow.Count > 0 && !options.Slurm.Wait)
        {
            console.Line($"{follow.Count} job(s) submitted, not waiting for them (--no-wait): `./build.sh --target=report --profile={options.Profile}` collects them and builds the report");
            return;
        }
        var slurm = executor as SlurmExecutor;
        if (options.Target is BuildTargets.Report or BuildTargets.Plots)
        {
            var ledger = JobLedger.For(options.ResultsRoot, options.Profile);
            var entries = ledger.Read().Where(e => follow.All(r => r.JobId != e.Job)).ToList();
            if (entries.Count > 0)
            {
                if (!SlurmClient.Installed())
                {
                    tally.Failure($"{ledger.Path} lists {entries.Count} Slurm job(s), but Slurm's commands are not on PATH: run the report where squeue works, or delete the file");
                    return;
                }
                slurm ??= new SlurmExecutor(options, JobResources.None, console, interrupt, new SlurmClient());
                foreach (var e in entries)
                {
                    var run = new StepRun(steps.For(e.Step)) { JobId = e.Job, Log = e.Log };
                    Record(run);
                    follow.Add(run);
                }
            }
        }
        if (follow.Count == 0) return;
        (slurm ?? executor).Follow(follow);
        foreach (var run in follow) Conclude(run);
        if (interrupt.Requested) Stop();
    }

    /// <summary>Runs a process of the build (dotnet build, the tests, ldae report) in the build's terminal; stops the build on a signal.</summary>
    public int Run(string file, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        StopIfInterrupted();
        var env = new Dictionary<string, string>(options.ChildEnvironment);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) env[k] = v;
        var code = ChildProcess.Run(file, arguments, workingDirectory ?? options.RepoRoot, interrupt, env);
        StopIfInterrupted();
        return code;
    }

    /// <summary>An ldae command other than a row or tokenizer (report, data, bench) at the build's profile and device.</summary>
    public void Ldae(params string[] arguments)
    {
        var code = Run(DotnetHost.Path, [options.Cli, .. arguments, "--profile", options.Profile, "--device", options.Device]);
        if (code != 0) Fail($"ldae {string.Join(" ", arguments)} failed (exit {code})", code);
    }

    /// <summary>
    /// A row's generation quality (<c>ldae fid</c>) at the build's seeds and <c>--set</c> overrides: every seed is
    /// measured (a seed without its weights is pretrained again) and the row's metrics.json holds their mean.
    /// </summary>
    public void Generation(string row) =>
        Ldae(["fid", "--row", row, "--seeds", $"{Seeds}", .. SetArguments]);

    /// <summary>Ends the build at once: the message, the summary so far, the exit code.</summary>
    public void Fail(string message, int code = 1)
    {
        tally.Failure(message);
        tally.Print();
        exit(code == 0 ? 1 : code);
    }

    /// <summary>
    /// The end of the build: collects what is still running, prints the summary table and writes it to
    /// results/&lt;profile&gt;/summary.md; exits 1 when a step failed.
    /// </summary>
    public BuildSummary Finish()
    {
        Collect();
        var result = tally.Print();
        if (result.Failed) exit(1);
        return result;
    }

    StepRun Start(BuildStep step, IReadOnlyList<StepRun> after)
    {
        StepRun run;
        if (after.FirstOrDefault(r => r.State is StepState.Failed or StepState.Cancelled or StepState.Blocked) is { } failed)
        {
            run = new StepRun(step) { State = StepState.Blocked, Detail = $"not run: {failed.Step.Name} did not finish" };
            console.Line($"{step.Name}: {run.Detail}", Tone.Bad);
        }
        else
        {
            timer.BeforeFirstStart();
            var startedAt = DateTimeOffset.UtcNow;
            try
            {
                run = executor.Start(step, after);
                timer.Started(run, startedAt);
            }
            catch (SlurmException e)
            {
                run = new StepRun(step) { State = StepState.Failed, Detail = e.Message };
                console.Line($"{step.Name}: {e.Message}", Tone.Bad);
            }
        }
        Record(run);
        if (run.Ended) Conclude(run);
        StopIfInterrupted();
        return run;
    }

    void Record(StepRun run)
    {
        started.Add(run);
        byName[run.Step.Name] = run;
        if (run.Step.Kind == StepKind.Row) tally.Row(run.Step.Name, new RowOutcome(RowStatus.Submitted, run.JobId is { } j ? $"job {j}" : null));
    }

    /// <summary>The outcome of an ended run, checked against the result files (a job can end "COMPLETED" without one).</summary>
    void Conclude(StepRun run)
    {
        timer.Ended(run);
        if (run.State == StepState.Done && !steps.Produced(run.Step))
            (run.State, run.Detail) = (StepState.Failed, "ended without writing its result" + (run.Detail is { } d ? $" ({d})" : ""));
        tally.Ended(run);
    }

    void StopIfInterrupted()
    {
        if (interrupt.Requested) Stop();
    }

    /// <summary>After a signal: the executor settles the running steps (asks, cancels or leaves jobs), then the summary and exit.</summary>
    void Stop()
    {
        var running = started.Where(r => !r.Ended).ToList();
        if (running.Count > 0 && options.Slurm.Wait) executor.Follow(running);
        foreach (var run in running) Conclude(run);
        console.Line($"build stopped by {interrupt.Signal}", Tone.Bad);
        tally.Print();
        exit(interrupt.ExitCode);
    }
}
